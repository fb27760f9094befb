"""The weekly round's engine in a process of its own: ``python -m bot.services.matching_worker``.

A large round would hold the bot's interpreter for a long time: reading thousands of
candidates (every row converted while the GIL is held), SciPy's maximum flow and graph
search, which hold the GIL step after step, and writing thousands of proposals, a statement
and a thread hop at a time. A /start arriving meanwhile waits for the GIL and the connection
again and again. So this process does all of it: it is given the database file, the seed and
the round's time on stdin, reads the candidates over one snapshot
(:func:`bot.db.repositories.mentorship.read_round_candidates`), solves the round, and writes
the proposals and their messages' outbox rows in short transactions with a pause between them,
so the bot's own writes get in (SQLite lets one writer at a time; the bot's connection waits
for the lock). It answers only the counts; the bot then wakes its sender. It imports the
engine (NumPy and SciPy) and the repositories, not aiogram. It runs at a lower priority, so on
a machine with few cores the solver never takes a core the replies need.

The conversion of candidates into the engine's inputs lives here too, since the bot's own
(small-round and suggestion) paths use it as well.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import sys
import time
from pathlib import Path

from bot.db.repositories.mentorship import Candidate, propose_many_in, read_round_candidates
from bot.db.repositories.outbox import create_each_in
from bot.services.matching import MenteeRequest, MentorOffer, Person, assign
from bot.services.message_kinds import MessageKind

NICENESS = 10  # the round yields the CPU to the bot's replies (two cores here, a weekly job)

WRITE_CHUNK = 100  # proposals per transaction: about a millisecond of holding the write lock
BETWEEN_CHUNKS = 0.002  # s between them, in which the bot's writes take the lock

# A solved round: (mentees waiting, mentors with a place, [(mentee, mentor, score)]).
Solved = tuple[int, int, list[tuple[int, int, int]]]
# What the worker answers: (mentees waiting, mentors with a place, proposals, their total score).
Written = tuple[int, int, int, int]


def _person(c: Candidate) -> Person:
    return Person(c.user_id, c.country, c.agency, c.years, c.languages)


def mentor_offer(c: Candidate) -> MentorOffer:
    return MentorOffer(_person(c), c.codes, c.free_places)


def mentee_request(c: Candidate) -> MenteeRequest:
    return MenteeRequest(_person(c), c.codes, c.country_preference)


def solve(waiting: list[Candidate], available: list[Candidate],
          excluded: frozenset[tuple[int, int]], seed: int) -> Solved:
    """The round over these candidates (mentors with a free place)."""
    matches = assign([mentee_request(c) for c in waiting], [mentor_offer(c) for c in available],
                     excluded, seed=seed)
    return len(waiting), len(available), [(m.mentee_id, m.mentor_id, m.score) for m in matches]


def write_proposals(path: Path, matches: list[tuple[int, int, int]], stamp: str,
                    expires: str) -> tuple[int, int]:
    """The round's proposals, each with the mentor's question and the mentee's notice in the
    outbox, as :meth:`MentorshipService._run_round` writes them in the bot; returns how many
    were written (a pair taken meanwhile is skipped) and their total score."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    proposed = total = 0
    try:
        connection.execute("PRAGMA synchronous=NORMAL")
        for start in range(0, len(matches), WRITE_CHUNK):
            if start:
                time.sleep(BETWEEN_CHUNKS)
            connection.execute("BEGIN IMMEDIATE")
            try:
                fresh = propose_many_in(connection, matches[start:start + WRITE_CHUNK],
                                        "round", stamp, expires)
                create_each_in(connection, MessageKind.MENTOR_PROPOSAL,
                               [({"pair_id": pair}, mentor) for pair, _, mentor, _ in fresh],
                               stamp)
                create_each_in(connection, MessageKind.MENTOR_ROUND_ASKED,
                               [({"pair_id": pair}, mentee) for pair, mentee, _, _ in fresh],
                               stamp)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            proposed += len(fresh)
            total += sum(score for *_ids, score in fresh)
    finally:
        connection.close()
    return proposed, total


def run_round_from_file(path: Path, seed: int, stamp: str, expires: str) -> Written:
    """The whole round on the database file: read, solve, write."""
    found = read_round_candidates(path)
    waiting, mentors, matches = solve(found.waiting, found.available, found.excluded, seed)
    proposed, total = write_proposals(path, matches, stamp, expires)
    return waiting, mentors, proposed, total


def yield_the_cpu() -> None:
    """A weekly round can wait a few milliseconds; a member waiting for a reply should not."""
    if "nice_round" in os.environ.get("BOT_SPEED_TWEAKS_OFF", "").split(","):
        return  # weighed against its absence (bot/speed.py); the bot's env reaches this process
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed: run as is
        pass


def peak_memory_kb() -> int | None:
    """This process's own peak RSS since it started (``VmHWM``; Linux only). ``ru_maxrss``
    would not do: it keeps the peak of the process it was forked from, the whole bot."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main() -> None:
    yield_the_cpu()
    path, seed, stamp, expires = pickle.load(sys.stdin.buffer)
    pickle.dump(run_round_from_file(Path(path), seed, stamp, expires), sys.stdout.buffer,
                protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    if os.environ.get("MATCHING_WORKER_PEAK"):  # bench/matching.py asks how much it took
        print(f"peak_kb={peak_memory_kb()}", file=sys.stderr)


if __name__ == "__main__":
    main()
