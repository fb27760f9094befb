"""The weekly digest: who wants it, what went out, and what is new in a country."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database


class DigestRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_enabled(self, user_id: int, enabled: bool) -> None:
        await self._db.execute("UPDATE users SET digest_enabled = ? WHERE id = ?",
                               (int(enabled), user_id))

    async def enabled(self, user_id: int) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT digest_enabled FROM users WHERE id = ?", (user_id,)))

    async def already_sent(self, country_code: str, week: str) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT 1 FROM digest_runs WHERE country_code = ? AND week = ?", (country_code, week)))

    async def record(self, country_code: str, week: str, now: datetime) -> None:
        await self._db.execute("INSERT INTO digest_runs (country_code, week, sent_at) "
                               "VALUES (?, ?, ?)", (country_code, week, to_db(now)))

    async def readers(self, country_code: str) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT p.user_id FROM profiles p JOIN users u ON u.id = p.user_id "
            "WHERE p.status = 'approved' AND p.country_code = ? AND u.digest_enabled = 1 "
            "ORDER BY p.user_id", (country_code,))
        return [r["user_id"] for r in rows]

    async def new_members(self, country_code: str, since: datetime) -> list[int]:
        """Ids of the members approved in that country since then (names are read only
        when the digest is sent: whoever deleted her data by then is not named)."""
        rows = await self._db.fetch_all(
            "SELECT user_id FROM profiles WHERE status = 'approved' AND country_code = ? "
            "AND decided_at >= ? ORDER BY decided_at, user_id", (country_code, to_db(since)))
        return [r["user_id"] for r in rows]

    async def still_members(self, user_ids: list[int]) -> tuple[list[str], int]:
        """Of these, the names of those still approved who show their name, and how many
        are still approved, in the given order."""
        if not user_ids:
            return [], 0
        marks = ", ".join("?" * len(user_ids))
        rows = await self._db.fetch_all(
            "SELECT user_id, full_name, instr(',' || visible_fields || ',', ',name,') > 0 "
            f"AS shown FROM profiles WHERE status = 'approved' AND user_id IN ({marks})",
            user_ids)
        found = {r["user_id"]: r for r in rows}
        kept = [found[i] for i in user_ids if i in found]
        return [r["full_name"] for r in kept if r["shown"]], len(kept)
