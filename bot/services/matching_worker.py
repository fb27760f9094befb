"""The weekly round's engine in a process of its own: ``python -m bot.services.matching_worker``.

A large round would hold the bot's interpreter for a long time: reading thousands of
candidates (every row converted while the GIL is held), and SciPy's maximum flow and graph
search, which hold the GIL step after step. A /start arriving meanwhile waits for the GIL
again and again. So this process does all of it: it is given the database file and the seed on
stdin, reads the candidates itself over a read-only connection
(:func:`bot.db.repositories.mentorship.read_round_candidates`), solves the round and writes
back only the counts and the (mentee, mentor, score) triples, which the bot then proposes.
It imports the engine (NumPy and SciPy) and the repository, not aiogram. It runs at a lower
priority, so on a machine with few cores the solver never takes a core the replies need.

The conversion of candidates into the engine's inputs lives here too, since the bot's own
(small-round and suggestion) paths use it as well.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

from bot.db.repositories.mentorship import Candidate, read_round_candidates
from bot.services.matching import MenteeRequest, MentorOffer, Person, assign

NICENESS = 10  # the round yields the CPU to the bot's replies (two cores here, a weekly job)

# What the worker answers: (mentees waiting, mentors with a place, [(mentee, mentor, score)]).
Solved = tuple[int, int, list[tuple[int, int, int]]]


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


def solve_from_file(path: Path, seed: int) -> Solved:
    found = read_round_candidates(path)
    return solve(found.waiting, found.available, found.excluded, seed)


def yield_the_cpu() -> None:
    """A weekly round can wait a few milliseconds; a member waiting for a reply should not."""
    if "nice_round" in os.environ.get("BOT_SPEED_TWEAKS_OFF", "").split(","):
        return  # weighed against its absence (bot/speed.py); the bot's env reaches this process
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed: run as is
        pass


def main() -> None:
    yield_the_cpu()
    path, seed = pickle.load(sys.stdin.buffer)
    pickle.dump(solve_from_file(Path(path), seed), sys.stdout.buffer,
                protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
