"""Leaving the association: her data is erased and her removal from every chat is queued.

Both happen in one transaction. The queued rows name her only until Telegram confirmed each
removal (see :mod:`bot.services.chat_access`); after that nothing personal is left.
"""

from __future__ import annotations

from datetime import datetime

from bot.db.database import Database
from bot.db.repositories.personal_data import PersonalDataRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.db.repositories.users import UserRepo
from bot.services.chat_access import ChatAccessService


class PrivacyService:
    def __init__(self, db: Database, personal_data: PersonalDataRepo, users: UserRepo,
                 coordinators: CoordinatorRepo, chat_access: ChatAccessService) -> None:
        self._db = db
        self._personal_data = personal_data
        self._users = users
        self._coordinators = coordinators
        self._chat_access = chat_access

    async def delete_member(self, user_id: int, now: datetime) -> int:
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
            await self._personal_data.erase(user_id)
        return queued
