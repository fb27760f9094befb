"""Country coordinators, appointed and removed by administrators."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database


class CoordinatorRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def country_of(self, user_id: int) -> str | None:
        return await self._db.fetch_value(
            "SELECT country_code FROM coordinators WHERE user_id = ?", (user_id,))

    async def of_country(self, country_code: str) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM coordinators WHERE country_code = ? ORDER BY user_id",
            (country_code,))
        return [row["user_id"] for row in rows]

    async def all(self) -> list[tuple[int, str]]:
        rows = await self._db.fetch_all(
            "SELECT user_id, country_code FROM coordinators ORDER BY country_code, user_id")
        return [(row["user_id"], row["country_code"]) for row in rows]

    async def appoint(self, user_id: int, country_code: str, by: int, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO coordinators (user_id, country_code, appointed_by, appointed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "country_code = excluded.country_code, appointed_by = excluded.appointed_by, "
            "appointed_at = excluded.appointed_at",
            (user_id, country_code, by, to_db(now)))

    async def may_publish_region(self, user_id: int) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT may_publish_region FROM coordinators WHERE user_id = ?", (user_id,)))

    async def set_may_publish_region(self, user_id: int, allowed: bool) -> bool:
        return await self._db.execute(
            "UPDATE coordinators SET may_publish_region = ? WHERE user_id = ?",
            (int(allowed), user_id)) == 1

    async def remove(self, user_id: int) -> bool:
        return await self._db.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,)) == 1
