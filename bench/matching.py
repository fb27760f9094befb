"""The weekly mentorship round over 5,000 members: its speed, quality and cost to replies.

A fresh SQLite database (the project's own migrations) is seeded with approved members of the
five countries: 1,500 mentors offering 1–3 places and 3,500 mentees, with languages, areas,
goals and country preferences drawn from a fixed seed. Then:

1. ``app.mentorship_service.run_round()`` runs on it, as the scheduler runs it: load the waiting
   mentees and the mentors, solve the assignment in a worker thread, write the proposals (and
   their outbox rows) in bulk, a chunk per transaction. Its wall time is split into load /
   solve / write by a second run on a fresh copy through an identical service whose
   repository records when each call ran.
   The engine alone (``bot.services.matching.assign``) is timed on the same inputs.
2. The round's total score is divided by the optimum, computed independently with
   ``scipy.optimize.linear_sum_assignment`` on the full mentee × mentor-place matrix of
   ``score_matrix``, and so is a naive greedy round's (each mentee in turn takes her best
   mentor with a free place).
3. The real bot (``BotHarness``: ``create_dispatcher`` polling the emulator, in this process)
   runs over a copy of the database; new users send /start at a steady pace and the time to
   each one's reply is recorded, once with nothing else running and once while a round runs
   concurrently. The round is meant to stay off the event loop, so p99 should barely move.

    python3 tasks.py bench bench/matching.py             # 1,500 mentors, 3,500 mentees
    python3 tasks.py bench bench/matching.py --quick     # 150 mentors, 350 mentees

Last line: ``matching: members=… round_s=… engine_s=… score_ratio=… latency_ratio=…``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import numpy as np  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

from bot.app import App, create_dispatcher, open_app  # noqa: E402
from bot.clock import FakeClock, to_db  # noqa: E402
from bot.db import Database, apply_migrations  # noqa: E402
from bot.db.repositories.mentorship import MentorshipRepo  # noqa: E402
from bot.services.matching import (  # noqa: E402
    COUNTRY_ANY, COUNTRY_OTHER, COUNTRY_SAME, Match, MenteeRequest, MentorOffer, assign,
    score_matrix,
)
from bot.services.mentorship import (  # noqa: E402
    MentorshipService, RoundResult, mentee_request, mentor_offer,
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
    """(wall, load, solve, write) of a round by an identical service with a timed repository.

    Load is from the start to the end of the last read (with the conversion of what was read
    between reads); solve from there to the first proposal (``assign`` in its thread); write
    from the first proposal to the end.
    """
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


# --- quality ----------------------------------------------------------------------------------

def check_round(matches: list[Match], inputs: Inputs, scores: np.ndarray) -> None:
    """Each mentee at most once, each mentor within her free places, each score as scored."""
    row = {m.person.user_id: i for i, m in enumerate(inputs.mentees)}
    col = {m.person.user_id: j for j, m in enumerate(inputs.mentors)}
    taken: dict[int, int] = {}
    assert len({m.mentee_id for m in matches}) == len(matches), "a mentee paired twice"
    for match in matches:
        j = col[match.mentor_id]
        taken[j] = taken.get(j, 0) + 1
        assert taken[j] <= inputs.mentors[j].free_places, "a mentor over capacity"
        assert 0 < match.score == scores[row[match.mentee_id], j], "a score differs"


def optimum(scores: np.ndarray, free_places: np.ndarray) -> int:
    """Best total over the full mentee × mentor-place matrix (no pruning, no shuffling)."""
    slots = np.repeat(scores, free_places, axis=1).astype(np.float64)
    rows, cols = linear_sum_assignment(slots, maximize=True)
    return int(slots[rows, cols].sum())


def greedy(scores: np.ndarray, free_places: np.ndarray) -> int:
    """Each mentee in turn takes her best mentor with a free place (ties: the first)."""
    free = free_places.copy()
    total = 0
    for row in scores:
        candidates = np.where(free > 0, row, 0)
        best = int(candidates.argmax())
        if candidates[best] > 0:
            free[best] -= 1
            total += int(candidates[best])
    return total


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

async def main(mentors: int, mentees: int, users: int, repeats: int) -> str:
    emu = TelegramEmulator()
    await emu.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-matching-") as tmp_name:
            tmp = Path(tmp_name)
            template = tmp / "seeded.sqlite3"
            began = time.perf_counter()
            await seed(template, mentors, mentees)
            seed_s = time.perf_counter() - began
            inputs = await load_inputs(template)
            places = sum(m.free_places for m in inputs.mentors)
            print(f"seeded {mentors + mentees} members in {seed_s:.1f} s: {mentors} mentors "
                  f"({places} places), {mentees} mentees "
                  f"({len(inputs.mentees)} waiting)", flush=True)

            # 1. the round through the real service, then the same split into phases; each on
            # a fresh copy, ``repeats`` times (a shared two-core machine varies a lot)
            rounds: list[float] = []
            splits: list[tuple[float, float, float, float]] = []
            for repeat in range(repeats):
                round_s, result = await timed_round(
                    emu, fresh_copy(template, tmp / f"round{repeat}.sqlite3"))
                *split, result2 = await split_round(
                    emu, fresh_copy(template, tmp / f"split{repeat}.sqlite3"))
                assert result2 == result, (result, result2)
                rounds.append(round_s)
                splits.append(tuple(split))  # type: ignore[arg-type]
                print(f"round {repeat + 1}: {round_s:.2f} s; timed copy {split[0]:.2f} s = "
                      f"load {split[1]:.2f} + solve {split[2]:.2f} + write {split[3]:.2f}",
                      flush=True)
            round_s = statistics.median(rounds)
            wall2, load_s, solve_s, write_s = (statistics.median(s[k] for s in splits)
                                               for k in range(4))
            print(f"round (median of {repeats}): {result.waiting} waiting, {result.mentors} "
                  f"mentors with a place → {result.proposed} proposals, total score "
                  f"{result.total_score}; {round_s:.2f} s (target ≤ 2 s)")
            print(f"  split: load {load_s:.2f} s, solve {solve_s:.2f} s (worker thread), "
                  f"write {write_s:.2f} s ({write_s / max(1, result.proposed) * 1e6:.0f} µs "
                  f"per proposal, written in chunks)")

            engine_times = []
            for _ in range(3):
                began = time.perf_counter()
                matches = assign(inputs.mentees, inputs.mentors, inputs.excluded, seed=0)
                engine_times.append(time.perf_counter() - began)
            engine_s = statistics.median(engine_times)
            began = time.perf_counter()
            scores = score_matrix(inputs.mentees, inputs.mentors, inputs.excluded)
            matrix_s = time.perf_counter() - began
            engine_total = sum(m.score for m in matches)
            assert engine_total == result.total_score and len(matches) == result.proposed
            check_round(matches, inputs, scores)
            print(f"engine: assign() {engine_s:.2f} s (median of 3; score_matrix alone "
                  f"{matrix_s:.2f} s), {len(matches)} pairs, total {engine_total}")

            # 2. against the optimum and a greedy baseline
            free_places = np.array([m.free_places for m in inputs.mentors], dtype=np.int64)
            began = time.perf_counter()
            best = optimum(scores, free_places)
            optimum_s = time.perf_counter() - began
            greedy_total = greedy(scores, free_places)
            score_ratio = result.total_score / best
            greedy_ratio = greedy_total / best
            print(f"optimum (full {scores.shape[0]}×{int(free_places.sum())} matrix, "
                  f"{optimum_s:.2f} s): {best}; round/optimum {score_ratio:.4f}; "
                  f"greedy {greedy_total}, greedy/optimum {greedy_ratio:.4f}")

            # 3. reply latency with and without a round running
            interval = max(0.005, 0.8 * round_s / users)  # a steady pace, never a burst
            print(f"replies: {users} new users send /start {interval * 1e3:.1f} ms apart, "
                  f"{repeats} run(s)", flush=True)
            baselines, durings = await latency_runs(emu, template, tmp, users, interval,
                                                    repeats)
    finally:
        await emu.stop()
    if emu.violations:
        raise SystemExit(f"Bot API schema violations: {emu.violations[:3]}")

    def median_of(runs: list[Paced], p: float) -> float:
        return statistics.median(percentile(r.latencies, p) for r in runs) * 1000

    p50, p99 = median_of(baselines, 50), median_of(baselines, 99)
    p50_round, p99_round = median_of(durings, 50), median_of(durings, 99)
    latency_ratio = p99_round / p99
    overlap = min(d.replied_during for d in durings)
    print(f"median of {repeats}: baseline p50={p50:.1f} p99={p99:.1f} ms; during the round "
          f"p50={p50_round:.1f} p99={p99_round:.1f} ms; p99 ratio {latency_ratio:.2f}")
    return (f"matching: members={mentors + mentees} mentors={mentors} mentees={mentees} "
            f"places={places} round_s={round_s:.2f} load_s={load_s:.2f} solve_s={solve_s:.2f} "
            f"write_s={write_s:.2f} engine_s={engine_s:.2f} proposals={result.proposed} "
            f"total={result.total_score} score_ratio={score_ratio:.3f} "
            f"greedy_ratio={greedy_ratio:.3f} users={users} p50_ms={p50:.1f} p99_ms={p99:.1f} "
            f"p50_round_ms={p50_round:.1f} p99_round_ms={p99_round:.1f} "
            f"latency_ratio={latency_ratio:.2f} answered_during_round={overlap}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="150 mentors, 350 mentees, 50 users, one run of each")
    parser.add_argument("--mentors", type=int)
    parser.add_argument("--mentees", type=int)
    parser.add_argument("--users", type=int, help="users sending /start per measurement")
    parser.add_argument("--repeats", type=int,
                        help="runs of the round and of the latency measurement (medians)")
    args = parser.parse_args()
    mentors = args.mentors or (150 if args.quick else 1500)
    mentees = args.mentees or (350 if args.quick else 3500)
    users = args.users or (50 if args.quick else 200)
    repeats = args.repeats or (1 if args.quick else 3)
    print(asyncio.run(main(mentors, mentees, users, repeats)))


if __name__ == "__main__":
    cli()
