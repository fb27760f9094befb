"""Coffee rounds: the fortnightly schedule, who skips, who was paired with whom, who met."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.db.database import Database


@dataclass(frozen=True)
class CoffeeRound:
    id: int
    pair_at: datetime
    notice_sent: bool
    paired: bool
    followup_sent: bool


@dataclass(frozen=True)
class CoffeeMemberRow:
    user_id: int
    country: str
    languages: frozenset[str]


def _round(row: Any) -> CoffeeRound:
    return CoffeeRound(row["id"], from_db(row["pair_at"]), row["notice_sent_at"] is not None,
                       row["paired_at"] is not None, row["followup_sent_at"] is not None)


class CoffeeRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def latest(self) -> CoffeeRound | None:
        row = await self._db.fetch_one("SELECT * FROM coffee_rounds ORDER BY pair_at DESC LIMIT 1")
        return _round(row) if row else None

    async def get(self, round_id: int) -> CoffeeRound | None:
        row = await self._db.fetch_one("SELECT * FROM coffee_rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def unfinished(self) -> list[CoffeeRound]:
        rows = await self._db.fetch_all(
            "SELECT * FROM coffee_rounds WHERE followup_sent_at IS NULL ORDER BY pair_at")
        return [_round(r) for r in rows]

    async def plan(self, pair_at: datetime) -> int:
        await self._db.execute("INSERT OR IGNORE INTO coffee_rounds (pair_at) VALUES (?)",
                               (to_db(pair_at),))
        return int(await self._db.fetch_value(
            "SELECT id FROM coffee_rounds WHERE pair_at = ?", (to_db(pair_at),)))

    async def mark(self, round_id: int, column: str, now: datetime) -> bool:
        if column not in ("notice_sent_at", "paired_at", "followup_sent_at"):
            raise ValueError(column)
        return await self._db.execute(
            f"UPDATE coffee_rounds SET {column} = ? WHERE id = ? AND {column} IS NULL",
            (to_db(now), round_id)) == 1

    async def participants(self, round_id: int | None = None) -> list[CoffeeMemberRow]:
        """Approved members who opted in (and, for a round, did not skip it)."""
        rows = await self._db.fetch_all(
            "SELECT p.user_id, p.country_code, (SELECT group_concat(code) FROM "
            "profile_languages l WHERE l.user_id = p.user_id) AS langs FROM member_settings s "
            "JOIN profiles p ON p.user_id = s.user_id WHERE s.coffee_opt_in = 1 "
            "AND p.status = 'approved' AND p.user_id NOT IN (SELECT user_id FROM coffee_skips "
            "WHERE round_id = ?) ORDER BY p.user_id", (round_id or 0,))
        return [CoffeeMemberRow(r[0], r[1], frozenset(filter(None, (r[2] or "").split(","))))
                for r in rows]

    async def opted_in(self, user_id: int) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT coffee_opt_in FROM member_settings WHERE user_id = ?", (user_id,)))

    async def set_opt_in(self, user_id: int, opt_in: bool, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO member_settings (user_id, coffee_opt_in, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET coffee_opt_in = excluded.coffee_opt_in, "
            "updated_at = excluded.updated_at", (user_id, int(opt_in), to_db(now)))

    async def skip(self, round_id: int, user_id: int) -> bool:
        return await self._db.execute(
            "INSERT OR IGNORE INTO coffee_skips (round_id, user_id) VALUES (?, ?)",
            (round_id, user_id)) == 1

    async def unskip(self, round_id: int, user_id: int) -> bool:
        return await self._db.execute(
            "DELETE FROM coffee_skips WHERE round_id = ? AND user_id = ?",
            (round_id, user_id)) == 1

    async def skips(self, round_id: int, user_id: int) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT COUNT(*) FROM coffee_skips WHERE round_id = ? AND user_id = ?",
            (round_id, user_id)))

    async def recent_pairs(self, rounds: int, since: datetime) -> frozenset[frozenset[int]]:
        """Who must not meet this round: everyone who shared a group in the last ``rounds``
        paired rounds, members introduced to each other since ``since``, mentor and mentee
        of a mentorship that ran since then, and blocks."""
        rows = await self._db.fetch_all(
            "SELECT a.user_id, b.user_id FROM coffee_members a JOIN coffee_members b "
            "ON a.group_id = b.group_id AND a.user_id < b.user_id JOIN coffee_groups g "
            "ON g.id = a.group_id WHERE g.round_id IN (SELECT id FROM coffee_rounds "
            "WHERE paired_at IS NOT NULL ORDER BY pair_at DESC LIMIT ?) "
            "UNION SELECT requester_id, target_id FROM intro_requests "
            "WHERE status = 'accepted' AND decided_at >= ? "
            "UNION SELECT mentee_id, mentor_id FROM mentor_pairs WHERE started_at IS NOT NULL "
            "AND (ended_at IS NULL OR ended_at >= ?) "
            "UNION SELECT user_id, blocked_id FROM member_blocks",
            (rounds, to_db(since), to_db(since)))
        return frozenset(frozenset((r[0], r[1])) for r in rows if r[0] != r[1])

    async def save_groups(self, round_id: int, groups: list[tuple[int, ...]]) -> list[int]:
        ids = []
        for group in groups:
            group_id = await self._db.insert(
                "INSERT INTO coffee_groups (round_id) VALUES (?)", (round_id,))
            await self._db.execute_many(
                "INSERT INTO coffee_members (group_id, user_id) VALUES (?, ?)",
                [(group_id, user_id) for user_id in group])
            ids.append(group_id)
        return ids

    async def group_members(self, group_id: int) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM coffee_members WHERE group_id = ? ORDER BY user_id",
            (group_id,))
        return [r[0] for r in rows]

    async def groups_of_round(self, round_id: int) -> dict[int, list[int]]:
        rows = await self._db.fetch_all(
            "SELECT m.group_id, m.user_id FROM coffee_members m JOIN coffee_groups g "
            "ON g.id = m.group_id WHERE g.round_id = ? ORDER BY m.group_id, m.user_id",
            (round_id,))
        groups: dict[int, list[int]] = {}
        for group_id, user_id in rows:
            groups.setdefault(group_id, []).append(user_id)
        return groups

    async def in_group(self, group_id: int, user_id: int) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT COUNT(*) FROM coffee_members WHERE group_id = ? AND user_id = ?",
            (group_id, user_id)))

    async def answer_met(self, group_id: int, user_id: int, met: str) -> bool:
        """Her answer to "Did you meet?", once."""
        return await self._db.execute(
            "UPDATE coffee_members SET met = ? WHERE group_id = ? AND user_id = ? "
            "AND met IS NULL", (met, group_id, user_id)) == 1
