"""Peer introductions, and what every matching feature respects: her settings and her blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.db.database import Database


@dataclass(frozen=True)
class Settings:
    intros_enabled: bool = True
    coffee_opt_in: bool = False


@dataclass(frozen=True)
class Introduction:
    id: int
    requester_id: int
    target_id: int | None
    country_code: str | None
    expertise_code: str | None
    language_code: str | None
    reason: str
    places: tuple[tuple[int, int], ...]  # (place shown to her, member) of those still here
    status: str
    expires_at: datetime | None
    asked_at: datetime | None = None
    decided_at: datetime | None = None
    parent_id: int | None = None  # a follow-up's first request

    @property
    def candidates(self) -> tuple[int, ...]:
        return tuple(person for _place, person in self.places)

    def at_place(self, place: int) -> int | None:
        return dict(self.places).get(place)


def _intro(row: Any, places: tuple[tuple[int, int], ...]) -> Introduction:
    return Introduction(row["id"], row["requester_id"], row["target_id"], row["country_code"],
                        row["expertise_code"], row["language_code"], row["reason"], places,
                        row["status"], _moment(row["expires_at"]), _moment(row["asked_at"]),
                        _moment(row["decided_at"]), row["parent_id"])


def _moment(value: str | None) -> datetime | None:
    return from_db(value) if value else None


@dataclass(frozen=True)
class Blocked:
    """Someone she blocked: ``key`` names the block (also once that person has deleted her
    data, when ``person_id`` is None)."""

    key: str
    person_id: int | None
    created_at: datetime


_BLOCK_SECRET = "(SELECT value FROM installation_secrets WHERE name = 'block_key')"


class IntroRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- settings and blocks ---------------------------------------------------------------

    async def settings(self, user_id: int) -> Settings:
        row = await self._db.fetch_one(
            "SELECT intros_enabled, coffee_opt_in FROM member_settings WHERE user_id = ?",
            (user_id,))
        if row is None:
            return Settings()
        return Settings(bool(row[0]), bool(row[1]))

    async def update_settings(self, user_id: int, now: datetime, **values: Any) -> None:
        allowed = {"intros_enabled", "coffee_opt_in"}
        if not values or set(values) - allowed:
            raise ValueError(values)
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        updates = ", ".join(f"{name} = excluded.{name}" for name in values)
        await self._db.execute(
            f"INSERT INTO member_settings (user_id, {columns}, updated_at) "
            f"VALUES (?, {marks}, ?) ON CONFLICT (user_id) DO UPDATE SET {updates}, "
            "updated_at = excluded.updated_at", (user_id, *values.values(), to_db(now)))

    async def block(self, user_id: int, blocked_id: int, now: datetime) -> None:
        """From now on the two are never proposed to each other; a mentorship proposal or an
        introduction request open between them ends as a decline (told after the 3 days)."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT OR IGNORE INTO member_blocks (user_id, blocked_id, created_at) "
                "VALUES (?, ?, ?)", (user_id, blocked_id, to_db(now)))
            await self._db.execute(
                "UPDATE mentor_pairs SET status = 'declined', ended_at = ? "
                "WHERE status = 'proposed' AND ((mentee_id = ? AND mentor_id = ?) "
                "OR (mentee_id = ? AND mentor_id = ?))",
                (to_db(now), user_id, blocked_id, blocked_id, user_id))
            await self._db.execute(
                "UPDATE intro_requests SET status = 'declined', decided_at = ? "
                "WHERE status = 'asked' AND ((requester_id = ? AND target_id = ?) "
                "OR (requester_id = ? AND target_id = ?))",
                (to_db(now), user_id, blocked_id, blocked_id, user_id))

    async def blocked(self, user_id: int) -> list[Blocked]:
        """The people she blocked, oldest first (those erased since only by their key)."""
        rows = await self._db.fetch_all(
            "SELECT k.blocked_key, b.blocked_id, k.created_at FROM block_keys k "
            "LEFT JOIN member_blocks b ON b.user_id = k.user_id "
            f"AND k.blocked_key = hmac_sha256({_BLOCK_SECRET}, b.blocked_id) "
            "WHERE k.user_id = ? ORDER BY k.created_at, k.blocked_key", (user_id,))
        return [Blocked(r[0], r[1], from_db(r[2])) for r in rows]

    async def unblock(self, user_id: int, key: str) -> bool:
        """One of her blocks ends (by its key: also one against someone erased since)."""
        async with self._db.transaction():
            await self._db.execute(
                "DELETE FROM member_blocks WHERE user_id = ? "
                f"AND hmac_sha256({_BLOCK_SECRET}, blocked_id) = ?", (user_id, key))
            return await self._db.execute(
                "DELETE FROM block_keys WHERE user_id = ? AND blocked_key = ?",
                (user_id, key)) == 1

    async def may_meet(self, first: int, second: int) -> bool:
        """Both are members and neither blocked the other (checked when contacts go out)."""
        return bool(await self._db.fetch_value(
            "SELECT (SELECT COUNT(*) FROM profiles WHERE status = 'approved' "
            "AND user_id IN (?, ?)) = 2 AND NOT EXISTS (SELECT 1 FROM member_blocks "
            "WHERE (user_id = ? AND blocked_id = ?) OR (user_id = ? AND blocked_id = ?))",
            (first, second, first, second, second, first)))

    # ---- introductions ---------------------------------------------------------------------

    async def find_people(self, requester_id: int, country: str | None, expertise: str | None,
                          language: str | None, limit: int, *, only: int | None = None
                          ) -> list[int]:
        """Approved members with introductions on who fit on the fields they show, excluding
        herself, people blocked either way and anyone she already asked (or just ``only``,
        to check her again)."""
        sql = ["SELECT p.user_id FROM profiles p LEFT JOIN member_settings s "
               "ON s.user_id = p.user_id WHERE p.status = 'approved' AND p.user_id != ? "
               "AND IFNULL(s.intros_enabled, 1) = 1 "
               "AND p.user_id NOT IN (SELECT blocked_id FROM member_blocks WHERE user_id = ?) "
               "AND p.user_id NOT IN (SELECT user_id FROM member_blocks WHERE blocked_id = ?) "
               "AND p.user_id NOT IN (SELECT target_id FROM intro_requests "
               "WHERE requester_id = ? AND target_id IS NOT NULL) "
               # they must be able to talk: a language both speak (whether shown or not)
               "AND EXISTS (SELECT 1 FROM profile_languages mine JOIN profile_languages hers "
               "ON hers.code = mine.code WHERE mine.user_id = ? AND hers.user_id = p.user_id)"]
        params: list[Any] = [requester_id] * 5
        if country:
            sql.append("AND p.country_code = ?")
            params.append(country)
        if expertise:
            sql.append("AND instr(p.visible_fields, 'expertise') AND EXISTS (SELECT 1 FROM "
                       "profile_expertise e WHERE e.user_id = p.user_id AND e.code = ?)")
            params.append(expertise)
        if language:
            sql.append("AND instr(p.visible_fields, 'languages') AND EXISTS (SELECT 1 FROM "
                       "profile_languages l WHERE l.user_id = p.user_id AND l.code = ?)")
            params.append(language)
        if only is not None:
            sql.append("AND p.user_id = ?")
            params.append(only)
        sql.append("ORDER BY p.decided_at DESC, p.user_id LIMIT ?")
        params.append(limit)
        return [r[0] for r in await self._db.fetch_all(" ".join(sql), params)]

    async def asked_among(self, requester_id: int, people: list[int]) -> set[int]:
        """Those of ``people`` she has asked to meet, ever (none of them is offered to her
        again: see :meth:`find_people`)."""
        if not people:
            return set()
        marks = ", ".join("?" * len(people))
        rows = await self._db.fetch_all(
            "SELECT DISTINCT target_id FROM intro_requests WHERE requester_id = ? "
            f"AND target_id IN ({marks})", (requester_id, *people))
        return {int(row[0]) for row in rows}

    async def sent_since(self, requester_id: int, since: datetime) -> list[datetime]:
        """When she sent each of her requests since then, oldest first: a request counts
        once someone was asked (a search that asked nobody does not; asking another of the
        same people after a refusal is the same request)."""
        rows = await self._db.fetch_all(
            "SELECT asked_at FROM intro_requests WHERE requester_id = ? AND parent_id IS NULL "
            "AND asked_at >= ? ORDER BY asked_at", (requester_id, to_db(since)))
        return [from_db(r[0]) for r in rows]

    async def connections(self, user_id: int) -> list[Introduction]:
        """Her introductions that are agreed, or waiting for an answer, either side, newest
        first; agreed ones only while the two may still meet (members, no block). A request
        declined but not yet told to her still waits, for her (a refusal reads as no answer
        until the 3 days are over)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM intro_requests r WHERE (r.requester_id = ? OR r.target_id = ?) "
            "AND (r.status = 'asked' OR (r.status = 'declined' AND r.requester_id = ? "
            "AND r.requester_told_at IS NULL) OR (r.status = 'accepted' AND (SELECT COUNT(*) "
            "FROM profiles p WHERE p.status = 'approved' AND p.user_id IN (r.requester_id, "
            "r.target_id)) = 2 AND NOT EXISTS (SELECT 1 FROM member_blocks b WHERE "
            "(b.user_id = r.requester_id AND b.blocked_id = r.target_id) OR "
            "(b.user_id = r.target_id AND b.blocked_id = r.requester_id)))) "
            "ORDER BY CASE r.status WHEN 'accepted' THEN r.decided_at ELSE r.asked_at END "
            "DESC, r.id DESC LIMIT 20", (user_id, user_id, user_id))
        return [await self._load(r) for r in rows]

    async def create(self, requester_id: int, country: str | None, expertise: str | None,
                     language: str | None, reason: str, candidates: list[int],
                     now: datetime) -> int:
        async with self._db.transaction():
            intro_id = await self._db.insert(
                "INSERT INTO intro_requests (requester_id, country_code, expertise_code, "
                "language_code, reason, status, created_at) VALUES (?, ?, ?, ?, ?, 'choosing', ?)",
                (requester_id, country, expertise, language, reason, to_db(now)))
            await self._offer(intro_id, candidates)
        return intro_id

    async def _offer(self, intro_id: int, candidates: list[int]) -> None:
        await self._db.execute_many(
            "INSERT INTO intro_candidates (intro_id, position, user_id) VALUES (?, ?, ?)",
            [(intro_id, n, user_id) for n, user_id in enumerate(candidates, start=1)])

    async def _load(self, row: Any) -> Introduction:
        people = await self._db.fetch_all(
            "SELECT position, user_id FROM intro_candidates WHERE intro_id = ? ORDER BY position",
            (row["id"],))
        return _intro(row, tuple((r[0], r[1]) for r in people))

    async def get(self, intro_id: int) -> Introduction | None:
        row = await self._db.fetch_one("SELECT * FROM intro_requests WHERE id = ?", (intro_id,))
        return await self._load(row) if row else None

    async def ask(self, intro_id: int, target_id: int, now: datetime, expires_at: datetime
                  ) -> bool:
        return await self._db.execute(
            "UPDATE intro_requests SET status = 'asked', target_id = ?, asked_at = ?, "
            "expires_at = ? WHERE id = ? AND status = 'choosing'",
            (target_id, to_db(now), to_db(expires_at), intro_id)) == 1

    async def decide(self, intro_id: int, expected: str, status: str, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE intro_requests SET status = ?, decided_at = ? WHERE id = ? AND status = ?",
            (status, to_db(now), intro_id, expected)) == 1

    async def reopen(self, intro_id: int, candidates: list[int], now: datetime) -> int:
        """After a decline or no answer she may pick another of the people who fit."""
        async with self._db.transaction():
            follow_up = await self._db.insert(
                "INSERT INTO intro_requests (parent_id, requester_id, country_code, "
                "expertise_code, language_code, reason, status, created_at) SELECT "
                "IFNULL(parent_id, id), requester_id, country_code, expertise_code, "
                "language_code, reason, 'choosing', ? FROM intro_requests WHERE id = ?",
                (to_db(now), intro_id))
            await self._offer(follow_up, candidates)
        return follow_up

    async def due_follow_ups(self, now: datetime) -> list[Introduction]:
        """Requests whose 3 days are over, unanswered or declined, the requester not told."""
        rows = await self._db.fetch_all(
            "SELECT * FROM intro_requests WHERE status IN ('asked', 'declined') "
            "AND expires_at <= ? AND requester_told_at IS NULL ORDER BY id", (to_db(now),))
        return [await self._load(r) for r in rows]

    async def withdraw(self, intro_id: int, requester_id: int, now: datetime) -> str | None:
        """She takes back a request still waiting for her (asked, or declined and not yet
        told): it ends without a follow-up. Its status before (None if it was not open)."""
        async with self._db.transaction():
            status = await self._db.fetch_value(
                "SELECT status FROM intro_requests WHERE id = ? AND requester_id = ? "
                "AND status IN ('asked', 'declined') AND requester_told_at IS NULL",
                (intro_id, requester_id))
            if status is None:
                return None
            await self._db.execute(
                "UPDATE intro_requests SET status = CASE status WHEN 'asked' THEN 'expired' "
                "ELSE status END, decided_at = IFNULL(decided_at, ?), requester_told_at = ? "
                "WHERE id = ?", (to_db(now), to_db(now), intro_id))
            return str(status)

    async def waiting_from(self, requester_id: int) -> list[int]:
        """Her requests a member has been asked and has not answered yet."""
        rows = await self._db.fetch_all(
            "SELECT id FROM intro_requests WHERE requester_id = ? AND status = 'asked'",
            (requester_id,))
        return [int(row["id"]) for row in rows]

    async def open_from(self, requester_id: int) -> list[int]:
        """Her requests still open for her: asked and not answered, or declined and not yet
        told to her (a refusal reads as no answer until the 3 days are over)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM intro_requests WHERE requester_id = ? AND (status = 'asked' "
            "OR (status = 'declined' AND requester_told_at IS NULL)) ORDER BY id",
            (requester_id,))
        return [int(row["id"]) for row in rows]

    async def asked_of(self, target_id: int) -> list[Introduction]:
        """The requests waiting for her answer."""
        rows = await self._db.fetch_all(
            "SELECT * FROM intro_requests WHERE target_id = ? AND status = 'asked' ORDER BY id",
            (target_id,))
        return [await self._load(r) for r in rows]

    async def mark_told(self, intro_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE intro_requests SET requester_told_at = ? WHERE id = ? "
            "AND requester_told_at IS NULL", (to_db(now), intro_id)) == 1
