"""Users (everyone who pressed /start) and the account facts every update needs."""

from __future__ import annotations

import asyncio
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
        return (await self.get_accounts([user_id])).get(user_id)

    async def get_accounts(self, user_ids: list[int]) -> dict[int, AccountRow]:
        marks = ",".join("?" * len(user_ids))
        rows = await self._db.fetch_all(
            "SELECT u.id, u.locale, u.unreachable_at, p.status, p.country_code, "
            # a coordinator acts as one only while her own membership is approved
            "CASE WHEN p.status = 'approved' THEN c.country_code END AS coordinator_country "
            "FROM users u LEFT JOIN profiles p ON p.user_id = u.id "
            f"LEFT JOIN coordinators c ON c.user_id = u.id WHERE u.id IN ({marks})",
            user_ids,
        )
        return {
            row["id"]: AccountRow(
                user_id=row["id"],
                locale=row["locale"],
                unreachable=row["unreachable_at"] is not None,
                status=row["status"],
                country_code=row["country_code"],
                coordinator_country=row["coordinator_country"],
            )
            for row in rows
        }

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


class AccountLoader:
    """Coalesces the account look-ups of updates handled at the same moment into one query.

    Every update needs its sender's account. When a burst arrives, aiogram starts a task per
    update; each asks here, and the look-ups made before the event loop's next turn are
    answered by a single ``SELECT … WHERE id IN (…)`` instead of one query each.
    Nothing is cached: every update still reads the database as it is now.
    """

    BATCH = 500  # stays well under SQLite's limit on bound parameters

    def __init__(self, users: UserRepo) -> None:
        self._users = users
        self._waiting: dict[int, list[asyncio.Future[AccountRow | None]]] = {}
        self._scheduled = False
        self._tasks: set[asyncio.Future[None]] = set()

    async def get(self, user_id: int) -> AccountRow | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[AccountRow | None] = loop.create_future()
        self._waiting.setdefault(user_id, []).append(future)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start_flush)
        return await future

    def _start_flush(self) -> None:
        self._scheduled = False
        waiting, self._waiting = self._waiting, {}
        task = asyncio.ensure_future(self._flush(waiting))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, waiting: dict[int, list[asyncio.Future[AccountRow | None]]]) -> None:
        ids = list(waiting)
        try:
            found: dict[int, AccountRow] = {}
            for start in range(0, len(ids), self.BATCH):
                found.update(await self._users.get_accounts(ids[start:start + self.BATCH]))
        except BaseException as exc:
            for futures in waiting.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            raise
        for user_id, futures in waiting.items():
            for future in futures:
                if not future.done():
                    future.set_result(found.get(user_id))
