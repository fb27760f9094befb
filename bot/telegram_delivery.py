"""The delivery engine's Telegram side: sending, and the sender's live progress message."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.db.repositories.outbox import OutboxRepo
from bot.db.repositories.users import UserRepo
from bot.i18n import format_number, use_locale
from bot.services.delivery import DeliveryError, FailureKind


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, text: str, keyboard: Any | None, *,
                   protect: bool = False) -> None:
        try:
            await self._bot.send_message(chat_id, text, reply_markup=keyboard,
                                         protect_content=protect or None)
        except TelegramRetryAfter as exc:
            raise DeliveryError(FailureKind.RETRY_AFTER, exc.retry_after, "429") from exc
        except TelegramForbiddenError as exc:
            raise DeliveryError(FailureKind.BLOCKED, detail="403") from exc
        except (TelegramServerError, TelegramNetworkError) as exc:
            raise DeliveryError(FailureKind.TRANSIENT, detail=type(exc).__name__) from exc
        except TelegramBadRequest as exc:
            raise DeliveryError(FailureKind.PERMANENT, detail="400") from exc


def progress_text(counts: dict[str, int], finished: bool, locale: str) -> str:
    values = {
        "sent": format_number(counts.get("sent", 0), locale),
        "failed": format_number(counts.get("failed", 0), locale),
        "unreachable": format_number(counts.get("unreachable", 0), locale),
        "remaining": format_number(counts.get("pending", 0) + counts.get("sending", 0), locale),
    }
    if finished:
        return _("Delivery finished: {sent} sent, {failed} failed, {unreachable} unreachable "
                 "(blocked the bot).").format(**values)
    return _("Sending: {sent} sent, {failed} failed, {unreachable} unreachable, {remaining} "
             "remaining.").format(**values)


class ProgressReporter:
    """One message to whoever started the broadcast, edited as it goes, in her language."""

    def __init__(self, bot: Bot, outbox: OutboxRepo, users: UserRepo, i18n: I18n) -> None:
        self._bot = bot
        self._outbox = outbox
        self._users = users
        self._i18n = i18n

    async def __call__(self, broadcast_id: int, counts: dict[str, int], finished: bool) -> None:
        broadcast = await self._outbox.get(broadcast_id)
        if broadcast is None or broadcast.progress_chat_id is None \
                or broadcast.progress_message_id is None:
            return
        locales = await self._users.locales_of([broadcast.progress_chat_id])
        locale = locales.get(broadcast.progress_chat_id, self._i18n.default_locale)
        with use_locale(self._i18n, locale):
            text = progress_text(counts, finished, locale)
        try:
            await self._bot.edit_message_text(text, chat_id=broadcast.progress_chat_id,
                                              message_id=broadcast.progress_message_id)
        except TelegramBadRequest as exc:
            if "message is not modified" not in exc.message:
                raise
