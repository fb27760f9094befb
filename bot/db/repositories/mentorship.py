"""Mentor offers, mentee requests, pairs and their ratings: the mentorship programme's rows."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import from_db, to_db
from bot.db.database import Database

OPEN_PAIR = ("proposed", "active", "paused")  # a pair that takes one of the mentor's places
RUNNING_PAIR = ("active", "paused")
# A mentee is not free for another mentor while a pair of hers is open, nor while a decline
# has not yet reached her (until then it must look like no answer, to her and to the round).
_HER_PAIR_OPEN = ("(status IN ('proposed', 'active', 'paused') "
                  "OR (status = 'declined' AND mentee_told_at IS NULL))")
# A pair is on hold while either side is not an approved member (a suspension): no
# check-ins, its buttons answer "on hold", and it goes on when both are members again.
# Read from the profiles rather than stored, so it can never drift from her status.
_BOTH_MEMBERS = ("(SELECT COUNT(*) FROM profiles hp WHERE hp.status = 'approved' "
                 "AND hp.user_id IN (mentor_pairs.mentee_id, mentor_pairs.mentor_id)) = 2")
_PAIR = f"mentor_pairs.*, NOT {_BOTH_MEMBERS} AS held"


@dataclass(frozen=True)
class Offer:
    user_id: int
    capacity: int
    availability: str
    paused: bool
    areas: tuple[str, ...]
    taken: int  # places taken by proposed, active and paused pairs


@dataclass(frozen=True)
class Request:
    user_id: int
    goal_text: str
    country_preference: str
    paused: bool
    goals: tuple[str, ...]


@dataclass(frozen=True)
class Pair:
    id: int
    mentee_id: int
    mentor_id: int
    status: str
    source: str
    proposed_at: datetime
    expires_at: datetime
    started_at: datetime | None
    next_checkin_at: datetime | None
    last_checkin_at: datetime | None
    mentor_answered_at: datetime | None
    mentor_silent: int
    held: bool = False  # a side is suspended: the pair waits for her (see _BOTH_MEMBERS)

    def other(self, user_id: int) -> int:
        return self.mentor_id if user_id == self.mentee_id else self.mentee_id

    def role_of(self, user_id: int) -> str | None:
        if user_id == self.mentee_id:
            return "mentee"
        return "mentor" if user_id == self.mentor_id else None


@dataclass(frozen=True)
class Candidate:
    """What the matching engine needs of a member (hidden agency or years are None)."""

    user_id: int
    country: str
    agency: str | None
    years: int | None
    languages: frozenset[str]
    codes: frozenset[str]  # a mentor's areas or a mentee's goals
    free_places: int = 0
    country_preference: str = "any"


def _when(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def _pair(row: Any) -> Pair:
    return Pair(row["id"], row["mentee_id"], row["mentor_id"], row["status"], row["source"],
                from_db(row["proposed_at"]), from_db(row["expires_at"]),
                _when(row["started_at"]), _when(row["next_checkin_at"]),
                _when(row["last_checkin_at"]), _when(row["mentor_answered_at"]),
                row["mentor_silent"], bool(row["held"]))


def _split(value: str | None) -> frozenset[str]:
    return frozenset(filter(None, (value or "").split(",")))


def _mentors(rows: list[Any]) -> list[Candidate]:
    return [Candidate(r["user_id"], r["country_code"], r["agency"], r["years"],
                      _split(r["langs"]), _split(r["codes"]), free_places=max(0, r["free"]))
            for r in rows]


def _mentees(rows: list[Any]) -> list[Candidate]:
    return [Candidate(r["user_id"], r["country_code"], r["agency"], r["years"],
                      _split(r["langs"]), _split(r["codes"]),
                      country_preference=r["country_preference"]) for r in rows]


# Whether either of two members blocked the other: (a, b, a, b).
_BLOCKED = ("SELECT COUNT(*) FROM member_blocks WHERE (user_id = ? AND blocked_id = ?) "
            "OR (blocked_id = ? AND user_id = ?)")


# A member's profile fields as the engine may use them: hidden fields are left out.
_CANDIDATE_COLUMNS = (
    "p.user_id, p.country_code, "
    "CASE WHEN instr(p.visible_fields, 'agency') THEN p.agency_code END AS agency, "
    "CASE WHEN instr(p.visible_fields, 'years') THEN p.years_of_service END AS years, "
    "(SELECT group_concat(code) FROM profile_languages l WHERE l.user_id = p.user_id) AS langs")


# What the weekly round reads: approved members, not paused; a mentor's free places (none
# included), a mentee with no proposal or pair open.
_AVAILABLE_MENTORS = (
    f"SELECT {_CANDIDATE_COLUMNS}, o.capacity - (SELECT COUNT(*) FROM mentor_pairs m "
    "WHERE m.mentor_id = o.user_id AND m.status IN ('proposed', 'active', 'paused')) "
    "AS free, (SELECT group_concat(code) FROM mentor_areas a "
    "WHERE a.user_id = o.user_id) AS codes FROM mentor_offers o "
    "JOIN profiles p ON p.user_id = o.user_id "
    "WHERE o.paused = 0 AND p.status = 'approved'")
_WAITING_MENTEES = (
    f"SELECT {_CANDIDATE_COLUMNS}, r.country_preference, "
    "(SELECT group_concat(code) FROM mentee_goals g WHERE g.user_id = r.user_id) "
    "AS codes FROM mentee_requests r JOIN profiles p ON p.user_id = r.user_id "
    "WHERE r.paused = 0 AND p.status = 'approved' AND NOT EXISTS (SELECT 1 FROM "
    f"mentor_pairs WHERE mentee_id = r.user_id AND {_HER_PAIR_OPEN})")
# For the round any earlier pair but a lapsed proposal, and blocks either way.
_ROUND_EARLIER_PAIRS = "SELECT mentee_id, mentor_id FROM mentor_pairs WHERE status != 'expired'"
_ALL_BLOCKS = "SELECT user_id, blocked_id FROM member_blocks"
# An upper bound of the round's mentees × mentors, read in well under a millisecond.
_ROUND_SIZE = ("SELECT (SELECT COUNT(*) FROM mentee_requests WHERE paused = 0) * "
               "(SELECT COUNT(*) FROM mentor_offers WHERE paused = 0)")


def _excluded(pairs: Iterable[Any], blocks: Iterable[Any]) -> frozenset[tuple[int, int]]:
    found = {(r[0], r[1]) for r in pairs}
    for a, b in ((r[0], r[1]) for r in blocks):
        found |= {(a, b), (b, a)}
    return frozenset(found)


@dataclass(frozen=True)
class RoundCandidates:
    """Everything a weekly round assigns: who waits, who has a place, who may not meet."""

    waiting: list[Candidate]
    available: list[Candidate]  # mentors with a free place
    excluded: frozenset[tuple[int, int]]


def read_round_candidates(path: Path) -> RoundCandidates:
    """The round's candidates read straight from the database file, for the round's own
    process (``bot.services.matching_worker``): its own read-only connection sees the last
    committed state (WAL), and reading thousands of rows there keeps their conversion off
    the bot's interpreter, whose replies would otherwise wait for the GIL row after row."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("BEGIN")  # one snapshot for the four reads
        return RoundCandidates(
            _mentees(connection.execute(_WAITING_MENTEES).fetchall()),
            [c for c in _mentors(connection.execute(_AVAILABLE_MENTORS).fetchall())
             if c.free_places > 0],
            _excluded(connection.execute(_ROUND_EARLIER_PAIRS).fetchall(),
                      connection.execute(_ALL_BLOCKS).fetchall()))
    finally:
        connection.close()


# A lapsed proposal of the same two is no refusal: it gives way to the new one (one row per
# mentee and mentor). The new one's id is above every id before the deletes (?7): one taken
# over from the lapsed row would miss _PAIRS_AFTER (no proposal sent) and make the old
# message's buttons answer the new proposal.
_DELETE_LAPSED_PAIR = ("DELETE FROM mentor_pairs WHERE mentee_id = ? AND mentor_id = ? "
                       "AND status = 'expired'")
_INSERT_PROPOSAL = (
    "INSERT INTO mentor_pairs (id, mentee_id, mentor_id, status, source, score, "
    "proposed_at, expires_at) SELECT MAX(?7, (SELECT IFNULL(MAX(id), 0) FROM mentor_pairs)) "
    "+ 1, ?1, ?2, 'proposed', ?3, ?4, ?5, ?6 "
    "WHERE NOT EXISTS (SELECT 1 FROM mentor_pairs WHERE mentee_id = ?1 AND "
    f"({_HER_PAIR_OPEN} OR (mentor_id = ?2 AND status != 'expired'))) "
    "AND NOT EXISTS (SELECT 1 FROM member_blocks WHERE (user_id = ?1 AND blocked_id = ?2)"
    " OR (user_id = ?2 AND blocked_id = ?1)) "
    "AND (SELECT capacity FROM mentor_offers WHERE user_id = ?2 AND paused = 0) > "
    "(SELECT COUNT(*) FROM mentor_pairs WHERE mentor_id = ?2 "
    "AND status IN ('proposed', 'active', 'paused'))")
_LAST_PAIR_ID = "SELECT IFNULL(MAX(id), 0) FROM mentor_pairs"
_PAIRS_AFTER = "SELECT id, mentee_id, mentor_id, score FROM mentor_pairs WHERE id > ? ORDER BY id"


def _proposal_rows(matches: list[tuple[int, int, int]], source: str, stamp: str, expires: str,
                   last: int) -> tuple[list[tuple[int, int]], list[tuple[Any, ...]]]:
    return ([(mentee, mentor) for mentee, mentor, _score in matches],
            [(mentee, mentor, source, score, stamp, expires, last)
             for mentee, mentor, score in matches])


def propose_many_in(connection: sqlite3.Connection, matches: list[tuple[int, int, int]],
                    source: str, stamp: str, expires: str) -> list[tuple[int, int, int, int]]:
    """:meth:`MentorshipRepo.propose_many` on a plain connection, inside its open transaction:
    the round's own process writes its proposals with it."""
    last = connection.execute(_LAST_PAIR_ID).fetchone()[0]
    deletes, inserts = _proposal_rows(matches, source, stamp, expires, last)
    connection.executemany(_DELETE_LAPSED_PAIR, deletes)
    connection.executemany(_INSERT_PROPOSAL, inserts)
    return [(r[0], r[1], r[2], r[3]) for r in connection.execute(_PAIRS_AFTER, (last,))]


class MentorshipRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- offers and requests ---------------------------------------------------------------

    async def offer(self, user_id: int) -> Offer | None:
        row = await self._db.fetch_one(
            "SELECT o.*, (SELECT group_concat(code) FROM mentor_areas a "
            "WHERE a.user_id = o.user_id) AS areas, (SELECT COUNT(*) FROM mentor_pairs m "
            "WHERE m.mentor_id = o.user_id AND m.status IN ('proposed', 'active', 'paused')) "
            "AS taken FROM mentor_offers o WHERE o.user_id = ?", (user_id,))
        if row is None:
            return None
        return Offer(row["user_id"], row["capacity"], row["availability"], bool(row["paused"]),
                     tuple(sorted(_split(row["areas"]))), row["taken"])

    async def save_offer(self, user_id: int, capacity: int, availability: str,
                         areas: list[str], now: datetime) -> None:
        stamp = to_db(now)
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO mentor_offers (user_id, capacity, availability, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "capacity = excluded.capacity, availability = excluded.availability, "
                "paused = 0, updated_at = excluded.updated_at",
                (user_id, capacity, availability, stamp, stamp))
            await self._db.execute("DELETE FROM mentor_areas WHERE user_id = ?", (user_id,))
            await self._db.execute_many(
                "INSERT INTO mentor_areas (user_id, code) VALUES (?, ?)",
                [(user_id, code) for code in sorted(set(areas))])

    async def request(self, user_id: int) -> Request | None:
        row = await self._db.fetch_one(
            "SELECT r.*, (SELECT group_concat(code) FROM mentee_goals g "
            "WHERE g.user_id = r.user_id) AS goals FROM mentee_requests r WHERE r.user_id = ?",
            (user_id,))
        if row is None:
            return None
        return Request(row["user_id"], row["goal_text"], row["country_preference"],
                       bool(row["paused"]), tuple(sorted(_split(row["goals"]))))

    async def save_request(self, user_id: int, goals: list[str], goal_text: str,
                           country_preference: str, now: datetime) -> None:
        stamp = to_db(now)
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO mentee_requests (user_id, goal_text, country_preference, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                "SET goal_text = excluded.goal_text, paused = 0, "
                "country_preference = excluded.country_preference, "
                "updated_at = excluded.updated_at",
                (user_id, goal_text, country_preference, stamp, stamp))
            await self._db.execute("DELETE FROM mentee_goals WHERE user_id = ?", (user_id,))
            await self._db.execute_many(
                "INSERT INTO mentee_goals (user_id, code) VALUES (?, ?)",
                [(user_id, code) for code in sorted(set(goals))])

    async def set_paused(self, table: str, user_id: int, paused: bool, now: datetime) -> bool:
        if table not in ("mentor_offers", "mentee_requests"):
            raise ValueError(table)
        return await self._db.execute(
            f"UPDATE {table} SET paused = ?, updated_at = ? WHERE user_id = ?",
            (int(paused), to_db(now), user_id)) == 1

    async def withdraw(self, table: str, user_id: int) -> bool:
        if table not in ("mentor_offers", "mentee_requests"):
            raise ValueError(table)
        return await self._db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)) == 1

    # ---- what the engine reads -------------------------------------------------------------

    async def available_mentors(self, only: int | None = None) -> list[Candidate]:
        """Approved mentors, not paused, with their free places (those with none included)."""
        if only is not None:
            return _mentors(await self._db.fetch_all(_AVAILABLE_MENTORS + " AND o.user_id = ?",
                                                     (only,)))
        # A round reads thousands: read beside the replies, convert in a worker thread.
        return await asyncio.to_thread(
            _mentors, await self._db.fetch_all_in_background(_AVAILABLE_MENTORS))

    async def waiting_mentees(self, only: int | None = None) -> list[Candidate]:
        """Approved members looking for a mentor, not paused, with no proposal or pair open."""
        if only is not None:
            return _mentees(await self._db.fetch_all(_WAITING_MENTEES + " AND r.user_id = ?",
                                                     (only,)))
        return await asyncio.to_thread(
            _mentees, await self._db.fetch_all_in_background(_WAITING_MENTEES))

    async def round_size(self) -> int:
        """At least the round's mentees × mentors: whether it is worth a process of its own."""
        return int(await self._db.fetch_value(_ROUND_SIZE) or 0)

    async def excluded_pairs(self, mentee_id: int | None = None) -> frozenset[tuple[int, int]]:
        """(mentee, mentor) pairs never to propose: blocks either way, and an earlier pair —
        for her own suggestions any, for the round any but a lapsed proposal (a mentor who
        let one lapse said no to nothing: a later round may ask her again)."""
        if mentee_id is None:
            return _excluded(await self._db.fetch_all_in_background(_ROUND_EARLIER_PAIRS),
                             await self._db.fetch_all_in_background(_ALL_BLOCKS))
        return _excluded(
            await self._db.fetch_all(
                "SELECT mentee_id, mentor_id FROM mentor_pairs WHERE mentee_id = ?", (mentee_id,)),
            await self._db.fetch_all(
                "SELECT user_id, blocked_id FROM member_blocks WHERE user_id = ? "
                "OR blocked_id = ?", (mentee_id, mentee_id)))

    # ---- pairs -----------------------------------------------------------------------------

    async def propose(self, mentee_id: int, mentor_id: int, source: str, score: int,
                      now: datetime, expires_at: datetime) -> int | None:
        """A proposal, unless the pair existed before, either blocked the other, or either
        side is no longer free; its id."""
        rows = await self.propose_many([(mentee_id, mentor_id, score)], source, now, expires_at)
        return rows[0][0] if rows else None

    async def propose_many(self, matches: list[tuple[int, int, int]], source: str,
                           now: datetime, expires_at: datetime) -> list[tuple[int, int, int, int]]:
        """Proposals for (mentee, mentor, score) in one statement run, each written only if
        the pair never existed, neither blocked the other, the mentee has no pair open and
        the mentor a place free (rows run in order, so earlier ones take places).
        Returns (pair id, mentee, mentor, score) of those this call wrote."""
        async with self._db.transaction():
            last = await self._db.fetch_value(_LAST_PAIR_ID)
            deletes, inserts = _proposal_rows(matches, source, to_db(now), to_db(expires_at),
                                              int(last))
            await self._db.execute_many(_DELETE_LAPSED_PAIR, deletes)
            await self._db.execute_many(_INSERT_PROPOSAL, inserts)
            rows = await self._db.fetch_all(_PAIRS_AFTER, (last,))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def has_open_pair(self, mentee_id: int) -> bool:
        return bool(await self._db.fetch_value(
            f"SELECT COUNT(*) FROM mentor_pairs WHERE mentee_id = ? AND {_HER_PAIR_OPEN}",
            (mentee_id,)))

    async def accept(self, pair: Pair, now: datetime, next_checkin_at: datetime) -> bool:
        """The mentor's yes, if it still holds now: the proposal is open, the mentee still
        looks for a mentor, both are members, the mentor has a place left and neither
        blocked the other."""
        if await self._db.fetch_value(_BLOCKED, (pair.mentee_id, pair.mentor_id) * 2):
            return False
        return await self._db.execute(
            "UPDATE mentor_pairs SET status = 'active', started_at = ?, next_checkin_at = ? "
            "WHERE id = ? AND status = 'proposed' AND EXISTS (SELECT 1 FROM mentee_requests r "
            "WHERE r.user_id = mentor_pairs.mentee_id AND r.paused = 0) "
            "AND (SELECT COUNT(*) FROM profiles WHERE status = 'approved' "
            "AND user_id IN (mentor_pairs.mentee_id, mentor_pairs.mentor_id)) = 2 "
            "AND IFNULL((SELECT capacity FROM mentor_offers WHERE user_id = ?), 0) > "
            "(SELECT COUNT(*) FROM mentor_pairs m WHERE m.mentor_id = ? "
            "AND m.status IN ('active', 'paused'))",
            (to_db(now), to_db(next_checkin_at), pair.id, pair.mentor_id, pair.mentor_id)) == 1

    async def is_full(self, mentor_id: int) -> bool:
        return not await self._db.fetch_value(
            "SELECT IFNULL((SELECT capacity FROM mentor_offers WHERE user_id = ?), 0) > "
            "(SELECT COUNT(*) FROM mentor_pairs WHERE mentor_id = ? "
            "AND status IN ('active', 'paused'))", (mentor_id, mentor_id))

    async def withdraw_proposals(self, mentee_id: int) -> int:
        """Her open proposals end when she stops looking: removed, as if never made (the
        mentor said nothing, so she may be proposed again later)."""
        return await self._db.execute(
            "DELETE FROM mentor_pairs WHERE mentee_id = ? AND status = 'proposed'",
            (mentee_id,))

    async def pending_for(self, mentee_id: int) -> Pair | None:
        """Her proposal waiting for a mentor's answer (a decline not yet told looks the same)."""
        row = await self._db.fetch_one(
            f"SELECT {_PAIR} FROM mentor_pairs WHERE mentee_id = ? AND (status = 'proposed' OR "
            "(status = 'declined' AND mentee_told_at IS NULL)) ORDER BY id DESC LIMIT 1",
            (mentee_id,))
        return _pair(row) if row else None

    async def cancel_proposals(self, mentee_id: int, now: datetime) -> int:
        """She takes back what she asked: open proposals go as if never made, a decline not yet
        told to her is closed without telling (she no longer waits for it)."""
        removed = await self._db.execute(
            "DELETE FROM mentor_pairs WHERE mentee_id = ? AND status = 'proposed'", (mentee_id,))
        return removed + await self._db.execute(
            "UPDATE mentor_pairs SET mentee_told_at = ? WHERE mentee_id = ? "
            "AND status = 'declined' AND mentee_told_at IS NULL", (to_db(now), mentee_id))

    async def due_reminders(self, before: datetime) -> list[Pair]:
        """Open proposals lapsing before ``before`` whose mentor was not reminded yet."""
        rows = await self._db.fetch_all(
            f"SELECT {_PAIR} FROM mentor_pairs WHERE status = 'proposed' AND expires_at <= ? "
            "AND reminded_at IS NULL ORDER BY id", (to_db(before),))
        return [_pair(r) for r in rows]

    async def mark_reminded(self, pair_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE mentor_pairs SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL "
            "AND status = 'proposed'", (to_db(now), pair_id)) == 1

    async def languages_of(self, user_id: int) -> frozenset[str]:
        rows = await self._db.fetch_all(
            "SELECT code FROM profile_languages WHERE user_id = ?", (user_id,))
        return frozenset(r[0] for r in rows)

    async def partners_of(self, user_id: int) -> list[Pair]:
        """Her proposals and pairs that another member is waiting on or running with her."""
        return await self.pairs_of(user_id, OPEN_PAIR)

    async def due_follow_ups(self, now: datetime) -> list[Pair]:
        """Proposals whose 3 days are over, declined or unanswered, the mentee not yet told."""
        rows = await self._db.fetch_all(
            f"SELECT {_PAIR} FROM mentor_pairs WHERE status IN ('proposed', 'declined') "
            "AND expires_at <= ? AND mentee_told_at IS NULL ORDER BY id", (to_db(now),))
        return [_pair(r) for r in rows]

    async def mark_told(self, pair_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE mentor_pairs SET mentee_told_at = ? WHERE id = ? AND mentee_told_at IS NULL",
            (to_db(now), pair_id)) == 1

    async def save_suggestions(self, mentee_id: int, mentor_ids: list[int], now: datetime
                               ) -> int:
        """The list her buttons point into (a newer one replaces the older)."""
        async with self._db.transaction():
            await self._db.execute("DELETE FROM suggestion_lists WHERE mentee_id = ?",
                                   (mentee_id,))
            list_id = await self._db.insert(
                "INSERT INTO suggestion_lists (mentee_id, created_at) VALUES (?, ?)",
                (mentee_id, to_db(now)))
            await self._db.execute_many(
                "INSERT INTO suggestion_entries (list_id, position, mentor_id) VALUES (?, ?, ?)",
                [(list_id, n, mentor_id) for n, mentor_id in enumerate(mentor_ids, start=1)])
        return list_id

    async def suggested_mentor(self, list_id: int, position: int, mentee_id: int) -> int | None:
        return await self._db.fetch_value(
            "SELECT e.mentor_id FROM suggestion_entries e JOIN suggestion_lists l "
            "ON l.id = e.list_id WHERE e.list_id = ? AND e.position = ? AND l.mentee_id = ?",
            (list_id, position, mentee_id))

    async def get(self, pair_id: int) -> Pair | None:
        row = await self._db.fetch_one(f"SELECT {_PAIR} FROM mentor_pairs WHERE id = ?",
                                       (pair_id,))
        return _pair(row) if row else None

    async def pairs_of(self, user_id: int, statuses: tuple[str, ...] = OPEN_PAIR) -> list[Pair]:
        rows = await self._db.fetch_all(
            f"SELECT {_PAIR} FROM mentor_pairs WHERE (mentee_id = ? OR mentor_id = ?) "
            f"AND status IN ({','.join('?' * len(statuses))}) ORDER BY id",
            (user_id, user_id, *statuses))
        return [_pair(r) for r in rows]

    async def move(self, pair_id: int, expected: tuple[str, ...], status: str, now: datetime,
                   **stamps: Any) -> bool:
        """Change a pair's status if it is still in one of the ``expected`` ones."""
        allowed = {"started_at", "ended_at", "next_checkin_at"}
        if set(stamps) - allowed:
            raise ValueError(stamps)
        sets = "".join(f", {name} = ?" for name in stamps)
        values = [to_db(v) if isinstance(v, datetime) else v for v in stamps.values()]
        return await self._db.execute(
            f"UPDATE mentor_pairs SET status = ?{sets} WHERE id = ? "
            f"AND status IN ({','.join('?' * len(expected))})",
            (status, *values, pair_id, *expected)) == 1

    async def due_checkins(self, now: datetime) -> list[Pair]:
        rows = await self._db.fetch_all(
            f"SELECT {_PAIR} FROM mentor_pairs WHERE status = 'active' AND next_checkin_at <= ? "
            f"AND {_BOTH_MEMBERS} ORDER BY id", (to_db(now),))
        return [_pair(r) for r in rows]

    async def record_checkin(self, pair: Pair, now: datetime, next_at: datetime,
                             mentor_silent: int) -> bool:
        return await self._db.execute(
            "UPDATE mentor_pairs SET last_checkin_at = ?, next_checkin_at = ?, "
            "mentor_silent = ? WHERE id = ? AND next_checkin_at = ?",
            (to_db(now), to_db(next_at), mentor_silent, pair.id,
             to_db(pair.next_checkin_at) if pair.next_checkin_at else None)) == 1

    async def resume_after_hold(self, pair_id: int, next_checkin_at: datetime) -> bool:
        """A held pair goes on (both sides are members again): its next check-in counts from
        now, and the silence before the hold does not count against the mentor."""
        return await self._db.execute(
            "UPDATE mentor_pairs SET next_checkin_at = ?, mentor_silent = 0 WHERE id = ? "
            f"AND status IN ('active', 'paused') AND {_BOTH_MEMBERS}",
            (to_db(next_checkin_at), pair_id)) == 1

    async def mentor_answered(self, pair_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE mentor_pairs SET mentor_answered_at = ?, mentor_silent = 0 WHERE id = ?",
            (to_db(now), pair_id))

    # ---- ratings and the coordinators' view ------------------------------------------------

    async def rate(self, pair_id: int, rater_id: int, country: str | None, rating: int,
                   now: datetime) -> bool:
        return await self._db.execute(
            "INSERT OR IGNORE INTO pair_ratings (pair_id, rater_id, country_code, rating, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            (pair_id, rater_id, country, rating, to_db(now))) == 1

    async def comment(self, pair_id: int, rater_id: int, comment: str) -> bool:
        return await self._db.execute(
            "UPDATE pair_ratings SET comment = ? WHERE pair_id = ? AND rater_id = ? "
            "AND comment IS NULL", (comment, pair_id, rater_id)) == 1

    async def recent_comments(self, country: str, limit: int) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT comment FROM pair_ratings WHERE country_code = ? AND comment IS NOT NULL "
            "ORDER BY created_at DESC, rowid DESC LIMIT ?", (country, limit))
        return [r[0] for r in rows]

    async def overview(self) -> dict[str, dict[str, float]]:
        """Per country: running pairs (either side of that country; not one on hold), waiting
        mentees, mentors with free places, ratings given and their average."""
        figures: dict[str, dict[str, float]] = {}

        def put(rows: list[Any], name: str) -> None:
            for row in rows:
                figures.setdefault(row[0], {})[name] = row[1]

        # A pair counts for each side's country (once if both are of one country), so a
        # coordinator sees her own mentors and mentees wherever their partner is.
        put(await self._db.fetch_all(
            "SELECT c.code, COUNT(*) FROM mentor_pairs m "
            "JOIN profiles a ON a.user_id = m.mentee_id JOIN profiles b ON b.user_id = m.mentor_id "
            "JOIN (SELECT DISTINCT country_code AS code FROM profiles) c "
            "ON c.code IN (a.country_code, b.country_code) "
            "WHERE m.status IN ('active', 'paused') AND a.status = 'approved' "
            "AND b.status = 'approved' GROUP BY c.code"), "active")
        figures["*"] = {"active": await self._db.fetch_value(  # a pair on hold is not running
            f"SELECT COUNT(*) FROM mentor_pairs WHERE status IN ('active', 'paused') "
            f"AND {_BOTH_MEMBERS}")}
        put(await self._db.fetch_all(
            "SELECT p.country_code, COUNT(*) FROM mentee_requests r JOIN profiles p "
            "ON p.user_id = r.user_id WHERE r.paused = 0 AND p.status = 'approved' AND NOT "
            f"EXISTS (SELECT 1 FROM mentor_pairs WHERE mentee_id = r.user_id AND "
            f"{_HER_PAIR_OPEN}) GROUP BY p.country_code"), "waiting")
        put(await self._db.fetch_all(
            "SELECT p.country_code, COUNT(*) FROM mentor_offers o JOIN profiles p "
            "ON p.user_id = o.user_id WHERE o.paused = 0 AND p.status = 'approved' AND "
            "o.capacity > (SELECT COUNT(*) FROM mentor_pairs m WHERE m.mentor_id = o.user_id "
            "AND m.status IN ('proposed', 'active', 'paused')) GROUP BY p.country_code"),
            "mentors_free")
        put(await self._db.fetch_all(
            "SELECT country_code, COUNT(*) FROM pair_ratings GROUP BY country_code"), "ratings")
        put(await self._db.fetch_all(
            "SELECT country_code, SUM(rating) FROM pair_ratings GROUP BY country_code"),
            "rating_sum")
        return figures
