"""Leaving the association: her data is erased and her removal from every chat is queued;
and /mydata: what is stored about her, without anyone else in it.

Both parts of leaving happen in one transaction. The queued rows name her only until
Telegram confirmed each removal (see :mod:`bot.services.chat_access`); after that nothing
personal is left. After the transaction the WAL is checkpointed and emptied: with
``secure_delete`` on, her rows are then gone from the file itself, not only from the tables.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db.database import Database
from bot.db.fsm_storage import SQLiteStorage
from bot.db.repositories.personal_data import STAFF_COLUMNS, PersonalDataRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.db.repositories.users import UserRepo
from bot.services.chat_access import ChatAccessService

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffLabels:
    """How staff appear in her export, already in her language ("a coordinator")."""

    coordinator: str
    administrator: str


class PrivacyService:
    def __init__(self, db: Database, personal_data: PersonalDataRepo, users: UserRepo,
                 coordinators: CoordinatorRepo, chat_access: ChatAccessService,
                 before_erasure: Sequence[Callable[[int], Awaitable[None]]] = ()) -> None:
        self._db = db
        # what tells the people waiting on her (mentorship partners, members she asked to
        # meet), in the erasure's own transaction
        self._before_erasure = tuple(before_erasure)
        self._personal_data = personal_data
        self._users = users
        self._coordinators = coordinators
        self._chat_access = chat_access

    async def delete_member(self, user_id: int, now: datetime,
                            fsm_storage: SQLiteStorage | None = None) -> int:
        """Erase her for good; returns how many chat removals were queued."""
        async with self._db.transaction():
            account = await self._users.get_account(user_id)
            report_to = None
            if account is not None and account.country_code:
                coordinators = [c for c in await self._coordinators.of_country(
                    account.country_code) if c != user_id]
                report_to = coordinators[0] if coordinators else None
            queued = await self._chat_access.queue_removals(user_id, "deleted", report_to, now,
                                                            everywhere=True)
            for tell in self._before_erasure:
                await tell(user_id)
            await self._personal_data.erase(user_id, now)
        if fsm_storage is not None:
            fsm_storage.forget([user_id])  # her open wizards' answers, cached in memory
        if not await self._db.checkpoint():
            # A long read held the WAL: the next erasure's (or the close's) checkpoint
            # empties it; the rows are already zeroed in the database file.
            logger.warning("the WAL could not be emptied after an erasure")
        return queued

    async def export(self, user_id: int, admin_ids: Iterable[int],
                     labels: StaffLabels) -> dict[str, list[dict[str, Any]]]:
        """Everything about her; whoever on the staff acted appears by role, not by id."""
        admins = frozenset(admin_ids)

        def role(staff_id: int | None) -> str | None:
            if staff_id is None:
                return None
            return labels.administrator if staff_id in admins else labels.coordinator

        data = await self._personal_data.export(user_id)
        for table, column in STAFF_COLUMNS:
            for row in data.get(table, []):
                row[column] = role(row[column])
        for row in data["audit_log"]:
            if row["actor_id"] != user_id:
                row["actor_id"] = role(row["actor_id"])
        return data
