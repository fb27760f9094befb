"""Country coordinators, appointed and removed by administrators.

A coordinator's powers hold only while her own membership is approved: the queries that
answer "who coordinates" join her profile, so a suspended, pending or erased coordinator
has no staff rights without anyone having to remember to dismiss her.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database


class CoordinatorRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def country_of(self, user_id: int) -> str | None:
        """The country she is appointed for, whatever her own status (for the admin's view)."""
        return await self._db.fetch_value(
            "SELECT country_code FROM coordinators WHERE user_id = ?", (user_id,))

    async def active_country_of(self, user_id: int) -> str | None:
        """The country she coordinates now: appointed and her own membership approved."""
        return await self._db.fetch_value(
            "SELECT c.country_code FROM coordinators c JOIN profiles p ON p.user_id = c.user_id "
            "WHERE c.user_id = ? AND p.status = 'approved'", (user_id,))

    async def of_country(self, country_code: str) -> list[int]:
        """The coordinators of a country who may act now (approved members themselves)."""
        rows = await self._db.fetch_all(
            "SELECT c.user_id FROM coordinators c JOIN profiles p ON p.user_id = c.user_id "
            "WHERE c.country_code = ? AND p.status = 'approved' ORDER BY c.user_id",
            (country_code,))
        return [row["user_id"] for row in rows]

    async def all(self) -> list[tuple[int, str]]:
        rows = await self._db.fetch_all(
            "SELECT user_id, country_code FROM coordinators ORDER BY country_code, user_id")
        return [(row["user_id"], row["country_code"]) for row in rows]

    async def appoint(self, user_id: int, country_code: str, by: int, now: datetime) -> bool:
        """Appoint her; False when she already coordinates that country (nothing changes)."""
        return await self._db.execute(
            "INSERT INTO coordinators (user_id, country_code, appointed_by, appointed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "country_code = excluded.country_code, appointed_by = excluded.appointed_by, "
            "appointed_at = excluded.appointed_at "
            "WHERE coordinators.country_code <> excluded.country_code",
            (user_id, country_code, by, to_db(now))) == 1

    async def may_publish_region(self, user_id: int) -> bool:
        """Whether an administrator let her publish region-wide (and she may act at all)."""
        return bool(await self._db.fetch_value(
            "SELECT c.may_publish_region FROM coordinators c JOIN profiles p "
            "ON p.user_id = c.user_id WHERE c.user_id = ? AND p.status = 'approved'",
            (user_id,)))

    async def set_may_publish_region(self, user_id: int, allowed: bool) -> bool:
        return await self._db.execute(
            "UPDATE coordinators SET may_publish_region = ? WHERE user_id = ?",
            (int(allowed), user_id)) == 1

    async def remove(self, user_id: int) -> bool:
        return await self._db.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,)) == 1
