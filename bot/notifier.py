"""Direct messages to other people (reviewers, applicants), each in the recipient's language.

A recipient who blocked the bot or never started it must not break the action that caused
the message, so failures are logged (by id only) and skipped.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.db.repositories.users import UserRepo
from bot.i18n import use_locale

logger = logging.getLogger(__name__)


class Notifier:
    def __init__(self, users: UserRepo, i18n: I18n) -> None:
        self._users = users
        self._i18n = i18n

    async def send(self, bot: Bot, user_ids: list[int], render, *args) -> int:  # type: ignore[no-untyped-def]
        """``render(locale, *args) -> (text, keyboard | None)`` in each recipient's language."""
        locales = await self._users.locales_of(user_ids)
        sent = 0
        for user_id in user_ids:
            locale = locales.get(user_id, self._i18n.default_locale)
            with use_locale(self._i18n, locale):
                text, keyboard = await render(locale, *args)
            try:
                await bot.send_message(user_id, text, reply_markup=keyboard)
                sent += 1
            except TelegramAPIError as exc:
                logger.warning("could not notify user %s: %s", user_id, type(exc).__name__)
        return sent


Rendered = tuple[str, InlineKeyboardMarkup | None]
