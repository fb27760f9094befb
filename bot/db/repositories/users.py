"""Users (everyone who pressed /start) and the account facts every update needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database


@dataclass(frozen=True)
class AccountRow:
    user_id: int
    locale: str
    unreachable: bool
    status: str | None
    country_code: str | None
    coordinator_country: str | None


class UserRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_account(self, user_id: int) -> AccountRow | None:
        row = await self._db.fetch_one(
            "SELECT u.id, u.locale, u.unreachable_at, p.status, p.country_code, "
            "c.country_code AS coordinator_country "
            "FROM users u LEFT JOIN profiles p ON p.user_id = u.id "
            "LEFT JOIN coordinators c ON c.user_id = u.id WHERE u.id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return AccountRow(
            user_id=row["id"],
            locale=row["locale"],
            unreachable=row["unreachable_at"] is not None,
            status=row["status"],
            country_code=row["country_code"],
            coordinator_country=row["coordinator_country"],
        )

    async def set_locale(self, user_id: int, locale: str, now: datetime) -> None:
        stamp = to_db(now)
        await self._db.execute(
            "INSERT INTO users (id, locale, created_at, last_seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET locale = excluded.locale, "
            "last_seen_at = excluded.last_seen_at",
            (user_id, locale, stamp, stamp),
        )

    async def mark_reachable(self, user_id: int) -> None:
        await self._db.execute(
            "UPDATE users SET unreachable_at = NULL WHERE id = ? AND unreachable_at IS NOT NULL",
            (user_id,),
        )

    async def mark_unreachable(self, user_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE users SET unreachable_at = ? WHERE id = ?", (to_db(now), user_id)
        )

    async def locales_of(self, user_ids: list[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        marks = ",".join("?" * len(user_ids))
        rows = await self._db.fetch_all(
            f"SELECT id, locale FROM users WHERE id IN ({marks})", user_ids
        )
        return {row["id"]: row["locale"] for row in rows}
