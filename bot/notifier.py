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
        return len(await self.send_tracked(bot, user_ids, render, *args))

    async def send_tracked(self, bot: Bot, user_ids: list[int], render, *args  # type: ignore[no-untyped-def]
                           ) -> list[tuple[int, int]]:
        """Like :meth:`send`; returns (recipient, message id) of each message that went out."""
        locales = await self._users.locales_of(user_ids)
        sent: list[tuple[int, int]] = []
        for user_id in user_ids:
            locale = locales.get(user_id, self._i18n.default_locale)
            with use_locale(self._i18n, locale):
                text, keyboard = await render(locale, *args)
            try:
                message = await bot.send_message(user_id, text, reply_markup=keyboard)
                sent.append((user_id, message.message_id))
            except TelegramAPIError as exc:
                logger.warning("could not notify user %s: %s", user_id, type(exc).__name__)
        return sent

    async def edit(self, bot: Bot, user_id: int, message_id: int, render) -> bool:  # type: ignore[no-untyped-def]
        """Replace the text of a message sent earlier, in her language; False if it can't be."""
        locale = (await self._users.locales_of([user_id])).get(user_id,
                                                               self._i18n.default_locale)
        with use_locale(self._i18n, locale):
            text, keyboard = await render(locale)
        try:
            await bot.edit_message_text(text=text, chat_id=user_id, message_id=message_id,
                                        reply_markup=keyboard)
            return True
        except TelegramAPIError as exc:
            logger.info("could not edit a message of user %s: %s", user_id, type(exc).__name__)
            return False


Rendered = tuple[str, InlineKeyboardMarkup | None]
