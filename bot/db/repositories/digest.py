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

    async def new_members(self, country_code: str, since: datetime) -> tuple[list[str], int]:
        """Names of the newly approved who show their name, and how many joined in all."""
        rows = await self._db.fetch_all(
            "SELECT full_name, instr(',' || visible_fields || ',', ',name,') > 0 AS shown "
            "FROM profiles WHERE status = 'approved' AND country_code = ? AND decided_at >= ? "
            "ORDER BY decided_at", (country_code, to_db(since)))
        return [r["full_name"] for r in rows if r["shown"]], len(rows)
