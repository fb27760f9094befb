"""The weekly mentorship round at 5,000, 20,000 and 50,000 members: speed, memory, quality
and its cost to replies.

For each size a fresh SQLite database (the project's own migrations) is seeded with approved
members of the five countries in today's proportions: 30 % mentors offering 1–3 places, 70 %
mentees, with languages, areas, goals and country preferences drawn from a fixed seed. Then:

1. ``app.mentorship_service.run_round()`` runs on it, as the scheduler runs it: a process of
   its own reads the waiting mentees and the mentors, solves the round and writes the
   proposals (and their outbox rows), a chunk per transaction (a small round: read and written
   by the bot, solved in a worker thread). Its wall time is split into load / solve / write by
   a second run on a fresh copy: the worker's three steps run in this process one after the
   other, each timed (a small round: an identical service whose repository records when each
   call ran). A third run on a fresh copy measures the round's peak memory: in the
   bot's process ``tracemalloc`` (Python objects and NumPy's buffers allocated during the
   round), plus, for a round large enough to run in its own process, that process's peak RSS
   (the same worker run once more on the same inputs, measured by ``wait4``).
   The engine alone (``bot.services.matching.assign``, in this process) is timed on the same
   inputs.
2. Quality, independently of the engine's solver: every proposed pair is re-scored by
   ``evaluate`` and checked against places; the largest number of mentees that can be paired
   comes from a maximum flow over mentor places (``scipy.sparse.csgraph.maximum_flow``), and the
   best total among those rounds from SciPy's sparse Jonker–Volgenant assignment
   (``min_weight_full_bipartite_matching``) on the graph with one column per place and one
   "nobody" column per mentee (skipped above ``--optimum-pairs`` place-pairs, 40 million by
   default: at 20,000 members it takes ~3 minutes and 2.7 GB, at 50,000 it would not fit).
   A naive greedy round is shown for comparison.
3. For sizes up to ``--latency-max`` members the real bot (``BotHarness``: ``create_dispatcher``
   polling the emulator, in this process) runs over a copy of the database; new users send
   /start at a steady pace and the time to each one's reply is recorded, once with nothing
   else running and once while a round runs concurrently.

    python3 tasks.py bench bench/matching.py             # 5,000, 20,000 and 50,000 members
    python3 tasks.py bench bench/matching.py --quick     # 500 and 2,000 members (< 1 minute)
    python3 tasks.py bench bench/matching.py --sizes 20000

Last line: ``matching: sizes=… round_s_5k=… peak_mb_5k=… pairs_ratio_5k=… score_ratio_5k=…
latency_ratio_5k=… …`` (one group of keys per size; ``-`` where a figure was skipped).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import pickle
import random
import sqlite3
import subprocess
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import bot  # noqa: E402, F401  (first: it sets the BLAS threads before NumPy loads)
import numpy as np  # noqa: E402
from scipy.sparse import csr_array  # noqa: E402
from scipy.sparse.csgraph import maximum_flow, min_weight_full_bipartite_matching  # noqa: E402

from bot.app import App, create_dispatcher, open_app  # noqa: E402
from bot.clock import FakeClock, to_db  # noqa: E402
from bot.db import Database, apply_migrations  # noqa: E402
from bot.db.repositories.mentorship import MentorshipRepo, read_round_candidates  # noqa: E402
from bot.services.matching import (  # noqa: E402
    COUNTRY_ANY, COUNTRY_OTHER, COUNTRY_SAME, AllowedPairs, Match, MenteeRequest, MentorOffer,
    assign, evaluate,
)
from bot.services.matching_worker import (  # noqa: E402
    mentee_request, mentor_offer, solve, write_proposals,
)
from bot.services.mentorship import (  # noqa: E402
    PROCESS_CELLS, PROPOSAL_TIMEOUT, MentorshipService, RoundResult,
)
from bench.replies import FirstReplies, percentile  # noqa: E402
from tests.emulator.server import TelegramEmulator  # noqa: E402
from tests.harness import BotHarness, make_settings  # noqa: E402

SEED = 20260115
FIRST_MEMBER = 7_000_000
FIRST_STARTER = 8_000_000  # users who send /start (not members)
WARM_UP_USERS = 10
REPLY_TIMEOUT = 120.0
COUNTRY_LANGUAGE = {"KZ": "kk", "KG": "ky", "TJ": "tg", "TM": "tk", "UZ": "uz"}
EXTRA_LANGUAGES = ("kk", "ky", "tg", "tk", "uz", "en")
LOCALES = ("ru", "en", "kk", "ky", "tg", "tk", "uz")
PREFERENCES = ((COUNTRY_ANY, 0.6), (COUNTRY_SAME, 0.25), (COUNTRY_OTHER, 0.15))


# --- seeding ----------------------------------------------------------------------------------

async def seed(db_path: Path, mentors: int, mentees: int) -> None:
    """Approved members, their languages, mentor offers and mentee requests (fixed seed)."""
    rng = random.Random(SEED)
    db = await Database.open(db_path)
    try:
        await apply_migrations(db)
        agencies = [r[0] for r in await db.fetch_all(
            "SELECT code FROM agency_types ORDER BY position")]
        areas = [r[0] for r in await db.fetch_all(
            "SELECT code FROM expertise_areas ORDER BY position")]
        stamp = to_db(datetime(2026, 1, 1, tzinfo=UTC))
        users, profiles, languages = [], [], []
        offers, offer_areas, requests, goals = [], [], [], []
        for n in range(mentors + mentees):
            user_id = FIRST_MEMBER + n
            country = rng.choice(tuple(COUNTRY_LANGUAGE))
            agency = rng.choice(agencies)
            users.append((user_id, rng.choice(LOCALES), stamp, stamp))
            profiles.append((user_id, f"Member {n}", country, agency,
                             "Regional office" if agency == "other" else None,
                             rng.randint(0, 35), stamp, stamp, stamp, stamp))
            spoken = {"ru"} if rng.random() < 0.9 else set()
            wanted = len(spoken) + rng.randint(1, 2)
            if rng.random() < 0.7:
                spoken.add(COUNTRY_LANGUAGE[country])
            while len(spoken) < wanted:
                spoken.add(rng.choice(EXTRA_LANGUAGES))
            languages += [(user_id, code) for code in sorted(spoken)]
            if n < mentors:
                offers.append((user_id, rng.randint(1, 3), stamp, stamp))
                offer_areas += [(user_id, code) for code in rng.sample(areas, rng.randint(1, 4))]
            else:
                chosen = rng.sample(areas, rng.randint(1, 3))
                preference = rng.choices([p for p, _ in PREFERENCES],
                                         [w for _, w in PREFERENCES])[0]
                requests.append((user_id, "I want to grow in " + ", ".join(chosen), preference,
                                 stamp, stamp))
                goals += [(user_id, code) for code in chosen]
        async with db.transaction():
            await db.execute_many("INSERT INTO users (id, locale, created_at, last_seen_at) "
                                  "VALUES (?, ?, ?, ?)", users)
            await db.execute_many(
                "INSERT INTO profiles (user_id, status, full_name, country_code, agency_code, "
                "agency_other, years_of_service, privacy_accepted_at, submitted_at, "
                "created_at, updated_at) VALUES (?, 'approved', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                profiles)
            await db.execute_many("INSERT INTO profile_languages (user_id, code) VALUES (?, ?)",
                                  languages)
            await db.execute_many(
                "INSERT INTO mentor_offers (user_id, capacity, availability, created_at, "
                "updated_at) VALUES (?, ?, 'monthly', ?, ?)", offers)
            await db.execute_many("INSERT INTO mentor_areas (user_id, code) VALUES (?, ?)",
                                  offer_areas)
            await db.execute_many(
                "INSERT INTO mentee_requests (user_id, goal_text, country_preference, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?)", requests)
            await db.execute_many("INSERT INTO mentee_goals (user_id, code) VALUES (?, ?)", goals)
    finally:
        await db.close()


def fresh_copy(template: Path, target: Path) -> Path:
    """A byte-for-byte copy of the seeded database (a round on it proposes from scratch)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    source, copy = sqlite3.connect(template), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target


@dataclass
class Inputs:
    mentees: list[MenteeRequest]
    mentors: list[MentorOffer]
    excluded: frozenset[tuple[int, int]]


async def load_inputs(db_path: Path) -> Inputs:
    """What ``run_round`` gives the engine, built the same way."""
    db = await Database.open(db_path)
    try:
        repo = MentorshipRepo(db)
        mentees = [mentee_request(c) for c in await repo.waiting_mentees()]
        mentors = [mentor_offer(c) for c in await repo.available_mentors() if c.free_places > 0]
        return Inputs(mentees, mentors, await repo.excluded_pairs())
    finally:
        await db.close()


# --- the round and its split ------------------------------------------------------------------

@dataclass
class Phases:
    """When one round's last read ended and its first proposal began."""

    first_write: float | None = None
    load_done: float = 0.0


class TimedRepo:
    """The real repository, noting how long loading took and when the first proposal began."""

    LOADS = frozenset({"waiting_mentees", "available_mentors", "excluded_pairs"})

    def __init__(self, repo: MentorshipRepo, phases: Phases) -> None:
        self._repo = repo
        self._phases = phases

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._repo, name)
        phases = self._phases
        if name in self.LOADS:
            async def timed_load(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await attr(*args, **kwargs)
                finally:
                    phases.load_done = time.perf_counter()
            return timed_load
        if name == "propose_many":
            async def timed_propose(*args: Any, **kwargs: Any) -> Any:
                if phases.first_write is None:
                    phases.first_write = time.perf_counter()
                return await attr(*args, **kwargs)
            return timed_propose
        return attr


async def open_bench_app(emu: TelegramEmulator, db_path: Path) -> App:
    """The bot's App over ``db_path``; the dispatcher is built so the outbox renderers exist."""
    app = await open_app(make_settings(emu, db_path), FakeClock(), start_scheduler=False)
    create_dispatcher(app)
    return app


async def timed_round(emu: TelegramEmulator, db_path: Path) -> tuple[float, RoundResult]:
    app = await open_bench_app(emu, db_path)
    try:
        gc.collect()
        began = time.perf_counter()
        result = await app.mentorship_service.run_round()
        return time.perf_counter() - began, result
    finally:
        await app.close()


async def split_round(emu: TelegramEmulator, db_path: Path
                      ) -> tuple[float, float, float, float, RoundResult]:
    """(wall, load, solve, write) of a round on a fresh copy.

    A round large enough for its own process: the worker's three steps
    (``read_round_candidates``, ``solve``, ``write_proposals``) run here one after the other,
    each timed. A small one: an identical service with a timed repository; load is from the
    start to the end of the last read, solve from there to the first proposal (``assign`` in
    its thread), write from the first proposal to the end.
    """
    if await asyncio.to_thread(round_cells, db_path) >= PROCESS_CELLS:
        return await asyncio.to_thread(split_worker_round, db_path)
    app = await open_bench_app(emu, db_path)
    try:
        phases = Phases()
        timed: Any = TimedRepo(app.mentorship, phases)
        service = MentorshipService(app.db, timed, app.audit, app.delivery, app.clock)
        gc.collect()
        began = time.perf_counter()
        result = await service.run_round()
        ended = time.perf_counter()
    finally:
        await app.close()
    first_write = phases.first_write or ended
    return (ended - began, phases.load_done - began, first_write - phases.load_done,
            ended - first_write, result)


def round_cells(db_path: Path) -> int:
    found = read_round_candidates(db_path)
    return len(found.waiting) * len(found.available)


def round_stamps() -> tuple[str, str]:
    """The round's time and its proposals' deadline, as the bot's clock gives them."""
    now = FakeClock().now()
    return to_db(now), to_db(now + PROPOSAL_TIMEOUT)


def split_worker_round(db_path: Path) -> tuple[float, float, float, float, RoundResult]:
    gc.collect()
    began = time.perf_counter()
    found = read_round_candidates(db_path)
    loaded = time.perf_counter()
    waiting, mentors, matches = solve(found.waiting, found.available, found.excluded, 0)
    solved = time.perf_counter()
    proposed, total = write_proposals(db_path, matches, *round_stamps())
    ended = time.perf_counter()
    return (ended - began, loaded - began, solved - loaded, ended - solved,
            RoundResult(waiting, mentors, proposed, total))


async def round_peak_mb(emu: TelegramEmulator, db_path: Path) -> float:
    """The round's peak memory in the bot's process, above what was allocated before it
    (``tracemalloc``: Python objects and NumPy's buffers; a large round's engine runs in a
    process of its own, measured by :func:`engine_process_mb`)."""
    app = await open_bench_app(emu, db_path)
    try:
        gc.collect()
        tracemalloc.start()
        try:
            await app.mentorship_service.run_round()
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak / 2**20
    finally:
        await app.close()


def engine_process_mb(db_path: Path) -> float:
    """Peak RSS of ``bot.services.matching_worker`` reading, solving and writing the round of
    this database (a fresh copy: it writes), the interpreter, NumPy and SciPy included: the
    worker's own ``VmHWM``, which it prints when asked (``ru_maxrss`` from ``wait4`` would
    include this process's own peak, inherited at the fork)."""
    answer = subprocess.run(
        [sys.executable, "-m", "bot.services.matching_worker"],
        input=pickle.dumps((str(db_path), 0, *round_stamps())), capture_output=True, cwd=ROOT,
        env={**os.environ, "MATCHING_WORKER_PEAK": "1"}, check=True)
    peak = answer.stderr.decode().rsplit("peak_kb=", 1)[1].split()[0]
    return int(peak) / 1024


# --- quality ----------------------------------------------------------------------------------

def check_round(matches: list[Match], inputs: Inputs) -> None:
    """Each mentee at most once, each mentor within her free places, each pair allowed and
    scored as ``evaluate`` (the source of truth, not the engine's vectorised scorer) says."""
    requests = {m.person.user_id: m for m in inputs.mentees}
    offers = {m.person.user_id: m for m in inputs.mentors}
    taken: dict[int, int] = {}
    assert len({m.mentee_id for m in matches}) == len(matches), "a mentee paired twice"
    for match in matches:
        taken[match.mentor_id] = taken.get(match.mentor_id, 0) + 1
        assert taken[match.mentor_id] <= offers[match.mentor_id].free_places, "over capacity"
        again = evaluate(requests[match.mentee_id], offers[match.mentor_id], inputs.excluded)
        assert again is not None and again.score == match.score, "a score differs"


def check_graph(graph: AllowedPairs, inputs: Inputs, samples: int = 20_000) -> None:
    """The sparse graph the quality figures use agrees with ``evaluate`` on random cells."""
    rng = np.random.default_rng(SEED)
    rows = rng.integers(0, len(inputs.mentees), samples)
    cols = rng.integers(0, len(inputs.mentors), samples)
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        lo, hi = int(graph.starts[row]), int(graph.starts[row + 1])
        found = np.flatnonzero(graph.mentors[lo:hi] == col)
        score = int(graph.scores[lo + found[0]]) if found.size else 0
        match = evaluate(inputs.mentees[row], inputs.mentors[col], inputs.excluded)
        assert score == (match.score if match else 0), (row, col)


def most_pairs(graph: AllowedPairs, places: np.ndarray) -> int:
    """The largest number of mentees that can get a mentor: a maximum flow
    source → mentee (1) → mentor (1 per allowed pair) → sink (her places)."""
    n, m = len(graph.starts) - 1, places.size
    source, sink = n + m, n + m + 1
    tails = np.concatenate([np.full(n, source, np.int32), graph.mentees_of_pairs(),
                            n + np.arange(m, dtype=np.int32)])
    heads = np.concatenate([np.arange(n, dtype=np.int32), n + graph.mentors.astype(np.int32),
                            np.full(m, sink, np.int32)])
    capacity = np.concatenate([np.ones(n + graph.pairs, np.int32), places.astype(np.int32)])
    network = csr_array((capacity, (tails, heads)), shape=(n + m + 2, n + m + 2))
    return int(maximum_flow(network, source, sink).flow_value)


def optimum(graph: AllowedPairs, places: np.ndarray) -> tuple[int, int]:
    """(pairs, total) of the best round by SciPy's sparse Jonker–Volgenant solver: a column
    per mentor place, and a "nobody" column per mentee so that a full matching exists; each
    pair costs ``top - (big + score)``, nobody costs ``top``."""
    n = len(graph.starts) - 1
    rows = graph.mentees_of_pairs().astype(np.int64)
    mentors = graph.mentors.astype(np.int64)
    first_place = np.concatenate([[0], np.cumsum(places)])
    repeat = places[mentors]
    place = (np.repeat(first_place[mentors], repeat) + np.arange(int(repeat.sum()))
             - np.repeat(np.cumsum(repeat) - repeat, repeat))
    big = int(graph.scores.max()) * n + 1
    weight = np.repeat(graph.scores.astype(np.int64), repeat) + big
    top = big + int(graph.scores.max()) + 1
    all_places = int(first_place[-1])
    costs = csr_array((np.concatenate([top - weight, np.full(n, top)]).astype(np.float64),
                       (np.concatenate([np.repeat(rows, repeat), np.arange(n)]),
                        np.concatenate([place, all_places + np.arange(n)]))),
                      shape=(n, all_places + n))
    picked_rows, picked_cols = min_weight_full_bipartite_matching(costs)
    real = picked_cols < all_places
    owner = np.repeat(np.arange(places.size), places)
    total = 0
    for row, col in zip(picked_rows[real].tolist(), owner[picked_cols[real]].tolist(),
                        strict=True):
        lo, hi = int(graph.starts[row]), int(graph.starts[row + 1])
        total += int(graph.scores[lo + np.flatnonzero(graph.mentors[lo:hi] == col)[0]])
    return int(real.sum()), total


def greedy(graph: AllowedPairs, places: np.ndarray) -> tuple[int, int]:
    """Each mentee in turn takes her best mentor with a free place (ties: the first)."""
    free = places.copy()
    pairs = total = 0
    for row in range(len(graph.starts) - 1):
        lo, hi = int(graph.starts[row]), int(graph.starts[row + 1])
        cols = graph.mentors[lo:hi]
        scores = np.where(free[cols] > 0, graph.scores[lo:hi], 0)
        if scores.size and scores.max() > 0:
            best = int(scores.argmax())
            free[cols[best]] -= 1
            pairs += 1
            total += int(scores[best])
    return pairs, total


# --- reply latency ----------------------------------------------------------------------------

@dataclass
class Paced:
    latencies: list[float]
    pushed: list[float]
    replied: list[float]
    round_wall: float | None = None
    round_began: float = 0.0
    round_result: RoundResult | None = None
    sent_during: int = 0
    replied_during: int = 0


async def paced_starts(emu: TelegramEmulator, first_user_id: int, users: int, interval: float,
                       during: Callable[[], Awaitable[RoundResult]] | None = None) -> Paced:
    """``users`` new users send /start ``interval`` apart; optionally while ``during`` runs."""
    handles = [emu.user(first_user_id + n, f"User{n}", language_code="en") for n in range(users)]
    round_task: asyncio.Task[RoundResult] | None = None
    round_began = 0.0
    round_ended: list[float] = []

    async def timed_round_task() -> RoundResult:
        assert during is not None
        try:
            return await during()
        finally:
            round_ended.append(time.perf_counter())

    with FirstReplies(emu, handles) as replies:
        gc.collect()
        if during is not None:
            round_began = time.perf_counter()
            round_task = asyncio.create_task(timed_round_task())
        start = time.perf_counter()
        for n, user in enumerate(handles):
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # the pace of the sends, nothing else
            await replies.send_start(user)
        await asyncio.wait_for(replies.all_replied.wait(), timeout=REPLY_TIMEOUT)
        result = None
        if round_task is not None:
            result = await round_task
    pushed, replied = replies.pushed, replies.replied
    paced = Paced([replied[u] - pushed[u] for u in pushed], list(pushed.values()),
                  list(replied.values()))
    if round_task is not None:
        paced.round_wall = round_ended[0] - round_began
        paced.round_began = round_began
        paced.round_result = result
        paced.sent_during = sum(t <= round_ended[0] for t in paced.pushed)
        paced.replied_during = sum(t <= round_ended[0] for t in paced.replied)
    return paced


async def latency_runs(emu: TelegramEmulator, template: Path, tmp: Path, users: int,
                       interval: float, repeats: int) -> tuple[list[Paced], list[Paced]]:
    """For each repeat: the bot over a fresh copy, a baseline batch, then one during a round."""
    baselines: list[Paced] = []
    durings: list[Paced] = []
    next_user = FIRST_STARTER
    for repeat in range(repeats):
        db_path = fresh_copy(template, tmp / f"latency{repeat}.sqlite3")
        harness = BotHarness(emu, make_settings(emu, db_path), FakeClock())
        await harness.start()
        assert harness.app is not None
        app = harness.app
        try:
            await paced_starts(emu, next_user, WARM_UP_USERS, 0.0)  # first-call costs
            next_user += WARM_UP_USERS
            baselines.append(await paced_starts(emu, next_user, users, interval))
            next_user += users
            durings.append(await paced_starts(emu, next_user, users, interval,
                                              app.mentorship_service.run_round))
            next_user += users
        finally:
            await harness.stop()
        b, d = baselines[-1], durings[-1]
        print(f"  latency run {repeat + 1}: baseline p50={percentile(b.latencies, 50) * 1e3:.1f} "
              f"p99={percentile(b.latencies, 99) * 1e3:.1f} ms; during the round "
              f"p50={percentile(d.latencies, 50) * 1e3:.1f} "
              f"p99={percentile(d.latencies, 99) * 1e3:.1f} "
              f"max={max(d.latencies) * 1e3:.1f} ms (round {d.round_wall:.2f} s, "
              f"{d.round_result.proposed if d.round_result else 0} proposals; "
              f"{d.sent_during}/{users} sent and {d.replied_during}/{users} answered "
              f"before it ended)", flush=True)
        slowest = sorted(zip(d.latencies, d.pushed, strict=True), reverse=True)[:3]
        print("    slowest during the round: " + ", ".join(
            f"{latency * 1e3:.0f} ms sent at +{(sent - d.round_began) * 1e3:.0f} ms"
            for latency, sent in slowest), flush=True)
    return baselines, durings


# --- main -------------------------------------------------------------------------------------

def short(members: int) -> str:
    return f"{members // 1000}k" if members % 1000 == 0 else str(members)


async def measure(emu: TelegramEmulator, tmp: Path, members: int, users: int, repeats: int,
                  latency: bool, optimum_pairs: int) -> dict[str, str]:
    """Every figure for one size; the keys of the last line, without the size suffix."""
    mentors = members * 3 // 10
    mentees = members - mentors
    template = tmp / f"seeded{members}.sqlite3"
    began = time.perf_counter()
    await seed(template, mentors, mentees)
    seed_s = time.perf_counter() - began
    inputs = await load_inputs(template)
    places = sum(m.free_places for m in inputs.mentors)
    print(f"\n== {members} members: seeded in {seed_s:.1f} s: {mentors} mentors ({places} "
          f"places), {mentees} mentees ({len(inputs.mentees)} waiting)", flush=True)

    # 1. the round through the real service, then the same split into phases; each on a fresh
    # copy, ``repeats`` times (a shared two-core machine varies a lot); then its peak memory
    rounds: list[float] = []
    splits: list[tuple[float, float, float, float]] = []
    for repeat in range(repeats):
        round_s, result = await timed_round(
            emu, fresh_copy(template, tmp / f"round{members}-{repeat}.sqlite3"))
        *split, result2 = await split_round(
            emu, fresh_copy(template, tmp / f"split{members}-{repeat}.sqlite3"))
        assert result2 == result, (result, result2)
        rounds.append(round_s)
        splits.append(tuple(split))  # type: ignore[arg-type]
        print(f"round {repeat + 1}: {round_s:.2f} s; timed copy {split[0]:.2f} s = "
              f"load {split[1]:.2f} + solve {split[2]:.2f} + write {split[3]:.2f}", flush=True)
    round_s = statistics.median(rounds)
    _wall, load_s, solve_s, write_s = (statistics.median(x[k] for x in splits)
                                       for k in range(4))
    bot_mb = await round_peak_mb(emu, fresh_copy(template, tmp / f"peak{members}.sqlite3"))
    in_process = len(inputs.mentees) * len(inputs.mentors) >= PROCESS_CELLS
    engine_mb = await asyncio.to_thread(engine_process_mb, fresh_copy(
        template, tmp / f"engine{members}.sqlite3")) if in_process else 0.0
    peak_mb = bot_mb + engine_mb
    engine_part = (f" + the engine's process {engine_mb:.0f} MB (peak RSS, interpreter "
                   f"included)" if in_process else " (the engine ran in a thread)")
    print(f"round (median of {repeats}): {result.waiting} waiting, {result.mentors} mentors "
          f"with a place → {result.proposed} proposals, total score {result.total_score}; "
          f"{round_s:.2f} s; peak memory {peak_mb:.0f} MB = the bot's process {bot_mb:.0f} MB "
          f"(tracemalloc){engine_part}")
    print(f"  split: load {load_s:.2f} s, solve {solve_s:.2f} s (off the event loop), write "
          f"{write_s:.2f} s ({write_s / max(1, result.proposed) * 1e6:.0f} µs per proposal)")

    engine_times = []
    for _ in range(repeats):
        gc.collect()
        began = time.perf_counter()
        matches = assign(inputs.mentees, inputs.mentors, inputs.excluded, seed=0)
        engine_times.append(time.perf_counter() - began)
    engine_s = statistics.median(engine_times)
    engine_total = sum(m.score for m in matches)
    assert engine_total == result.total_score and len(matches) == result.proposed
    check_round(matches, inputs)
    print(f"engine: assign() {engine_s:.2f} s (median of {repeats}), {len(matches)} pairs, "
          f"total {engine_total}")

    # 2. against independent solvers on the same allowed pairs, and a greedy baseline
    graph = AllowedPairs.build(inputs.mentees, inputs.mentors, inputs.excluded)
    check_graph(graph, inputs)
    free_places = np.array([m.free_places for m in inputs.mentors], dtype=np.int64)
    began = time.perf_counter()
    best_pairs = most_pairs(graph, free_places)
    flow_s = time.perf_counter() - began
    pairs_ratio = len(matches) / max(1, best_pairs)
    greedy_pairs, greedy_total = greedy(graph, free_places)
    place_pairs = int(free_places[graph.mentors.astype(np.int64)].sum())
    share = graph.pairs / max(1, len(inputs.mentees) * len(inputs.mentors))
    print(f"allowed pairs {graph.pairs} ({share:.1%} of mentees × mentors); most mentees "
          f"that can be paired (maximum flow, "
          f"{flow_s:.2f} s): {best_pairs}; round/most {pairs_ratio:.4f}; greedy "
          f"{greedy_pairs} pairs, total {greedy_total}")
    score_ratio = "-"
    if place_pairs <= optimum_pairs:
        began = time.perf_counter()
        opt_pairs, opt_total = optimum(graph, free_places)
        optimum_s = time.perf_counter() - began
        assert opt_pairs == best_pairs, (opt_pairs, best_pairs)
        score_ratio = f"{result.total_score / max(1, opt_total):.4f}"
        print(f"optimum (sparse Jonker–Volgenant on {place_pairs} place-pairs, "
              f"{optimum_s:.2f} s): {opt_pairs} pairs, total {opt_total}; round/optimum "
              f"{score_ratio}; greedy/optimum {greedy_total / max(1, opt_total):.4f}")
    else:
        print(f"optimum by Jonker–Volgenant skipped: {place_pairs} place-pairs > "
              f"--optimum-pairs {optimum_pairs}")
    del graph

    figures = {"round_s": f"{round_s:.2f}", "load_s": f"{load_s:.2f}",
               "solve_s": f"{solve_s:.2f}", "write_s": f"{write_s:.2f}",
               "engine_s": f"{engine_s:.2f}", "peak_mb": f"{peak_mb:.0f}",
               "proposals": str(result.proposed), "total": str(result.total_score),
               "pairs_ratio": f"{pairs_ratio:.4f}", "score_ratio": score_ratio,
               "greedy_pairs_ratio": f"{greedy_pairs / max(1, best_pairs):.4f}",
               "latency_ratio": "-", "p99_ms": "-", "p99_round_ms": "-"}
    if not latency:
        return figures

    # 3. reply latency with and without a round running
    interval = max(0.005, 0.8 * round_s / users)  # a steady pace, never a burst
    print(f"replies: {users} new users send /start {interval * 1e3:.1f} ms apart, "
          f"{repeats} run(s)", flush=True)
    baselines, durings = await latency_runs(emu, template, tmp, users, interval, repeats)

    def median_of(runs: list[Paced], p: float) -> float:
        return statistics.median(percentile(r.latencies, p) for r in runs) * 1000

    p50, p99 = median_of(baselines, 50), median_of(baselines, 99)
    p50_round, p99_round = median_of(durings, 50), median_of(durings, 99)
    print(f"median of {repeats}: baseline p50={p50:.1f} p99={p99:.1f} ms; during the round "
          f"p50={p50_round:.1f} p99={p99_round:.1f} ms; p99 ratio {p99_round / p99:.2f} "
          f"(target ≤ 3)")
    figures.update(latency_ratio=f"{p99_round / p99:.2f}", p99_ms=f"{p99:.1f}",
                   p99_round_ms=f"{p99_round:.1f}")
    return figures


async def main(sizes: list[int], users: int, repeats: int, latency_max: int,
               optimum_pairs: int) -> str:
    emu = TelegramEmulator()
    await emu.start()
    results: dict[int, dict[str, str]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-matching-") as tmp_name:
            for members in sizes:
                results[members] = await measure(
                    emu, Path(tmp_name), members, users,
                    repeats if members <= 5000 else 1, members <= latency_max, optimum_pairs)
                for stale in Path(tmp_name).glob("*.sqlite3*"):
                    stale.unlink()
    finally:
        await emu.stop()
    if emu.violations:
        raise SystemExit(f"Bot API schema violations: {emu.violations[:3]}")
    print("\nmembers  round_s  solve_s  peak_mb  pairs_ratio  score_ratio  latency_ratio "
          "(targets: 5,000 ≤ 2 s; 20,000 ≤ 5 s and ≤ 600 MB; ratios 1; latency ≤ 3)")
    for members, f in results.items():
        print(f"{members:>7}  {f['round_s']:>7}  {f['solve_s']:>7}  {f['peak_mb']:>7}  "
              f"{f['pairs_ratio']:>11}  {f['score_ratio']:>11}  {f['latency_ratio']:>13}")
    keys = ("round_s", "load_s", "solve_s", "write_s", "engine_s", "peak_mb", "proposals",
            "total", "pairs_ratio", "score_ratio", "greedy_pairs_ratio", "p99_ms",
            "p99_round_ms", "latency_ratio")
    return "matching: sizes=" + ",".join(map(str, sizes)) + " " + " ".join(
        f"{key}_{short(members)}={f[key]}" for members, f in results.items() for key in keys)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="500 and 2,000 members, 50 users, one run of each")
    parser.add_argument("--sizes", type=lambda text: [int(x) for x in text.split(",")],
                        help="members per round, comma-separated (30 %% mentors)")
    parser.add_argument("--users", type=int, help="users sending /start per measurement")
    parser.add_argument("--repeats", type=int,
                        help="runs of the round and of the latency measurement (medians) "
                             "for sizes up to 5,000; larger sizes run once")
    parser.add_argument("--latency-max", type=int, default=20_000,
                        help="measure reply latency for sizes up to this many members")
    parser.add_argument("--optimum-pairs", type=int, default=40_000_000,
                        help="largest graph (place-pairs) given to the independent "
                             "Jonker–Volgenant solver")
    args = parser.parse_args()
    sizes = args.sizes or ([500, 2000] if args.quick else [5000, 20_000, 50_000])
    users = args.users or (50 if args.quick else 200)
    repeats = args.repeats or (1 if args.quick else 3)
    print(asyncio.run(main(sizes, users, repeats, args.latency_max, args.optimum_pairs)))


if __name__ == "__main__":
    cli()
