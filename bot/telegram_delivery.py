"""The delivery engine's Telegram side: what a failed call means, sending, and the sender's
live progress message.

:func:`classify` is the one place where a Telegram (or network, or proxy) exception becomes a
:class:`FailureKind`: the delivery engine and the chat removals retry by it alike.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError, TelegramAPIError, TelegramBadRequest, TelegramEntityTooLarge,
    TelegramForbiddenError, TelegramMigrateToChat, TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.db.repositories.outbox import OutboxRepo, Progress
from bot.db.repositories.users import UserRepo
from bot.i18n import format_number, use_locale
from bot.services.delivery import DeliveryError, Document, FailureKind
from bot.telegram_session import NOT_MODIFIED

logger = logging.getLogger(__name__)

# An edit of a message that was deleted, or is too old or not the bot's to edit: nothing to do.
_GONE = ("message to edit not found", "message can't be edited")

_NO_RIGHTS = ("not enough rights", "chat_admin_required", "administrator rights",
              "have no rights", "need administrator")


def classify(exc: BaseException) -> DeliveryError:
    """What a failed call means. Only a definitive answer from Telegram (400, 403) ends
    anything; an HTML page from a proxy, a cut or garbled body (aiogram's
    ``ClientDecodeError``), any 5xx, a timeout or a dropped connection says nothing about the
    message, so it is transient (a body that is not even UTF-8 reaches us as aiohttp's
    ``UnicodeDecodeError``), and so is any answer Telegram gives while misconfigured or
    restarting (401, 404, 409). No text of the message or of the answer is kept."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, TelegramRetryAfter):
        return DeliveryError(FailureKind.RETRY_AFTER, float(exc.retry_after), "429")
    if isinstance(exc, TelegramForbiddenError):
        return DeliveryError(FailureKind.BLOCKED, detail="403")
    if isinstance(exc, TelegramEntityTooLarge | TelegramMigrateToChat):
        return DeliveryError(FailureKind.PERMANENT, detail=type(exc).__name__)
    if isinstance(exc, TelegramBadRequest):
        if any(marker in (exc.message or "").lower() for marker in _GONE):
            return DeliveryError(FailureKind.GONE, detail="400 gone")
        if any(marker in (exc.message or "").lower() for marker in _NO_RIGHTS):
            return DeliveryError(FailureKind.NO_RIGHTS, detail="400 no rights")
        return DeliveryError(FailureKind.PERMANENT, detail="400")
    if isinstance(exc, TelegramAPIError | ClientDecodeError | OSError | TimeoutError
                  | UnicodeDecodeError):  # a body not even UTF-8: aiogram lets it through
        return DeliveryError(FailureKind.TRANSIENT, detail=type(exc).__name__)
    return DeliveryError(FailureKind.PERMANENT, detail=type(exc).__name__)


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, text: str, keyboard: Any | None, *,
                   protect: bool = False) -> int:
        try:
            message = await self._bot.send_message(chat_id, text, reply_markup=keyboard,
                                                   protect_content=protect or None)
        except Exception as exc:
            raise classify(exc) from exc
        return message.message_id

    async def edit(self, chat_id: int, message_id: int, text: str,
                   keyboard: Any | None) -> int:
        """An edit that changes nothing (a second edit to the same outcome) is done."""
        try:
            await self._bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id,
                                              reply_markup=keyboard)
        except TelegramBadRequest as exc:
            if NOT_MODIFIED not in (exc.message or "").lower():
                raise classify(exc) from exc
        except Exception as exc:
            raise classify(exc) from exc
        return message_id

    async def send_document(self, chat_id: int, document: Document) -> int:
        try:
            message = await self._bot.send_document(
                chat_id, BufferedInputFile(document.content, filename=document.filename),
                caption=document.caption)
        except Exception as exc:
            raise classify(exc) from exc
        return message.message_id


def progress_text(counts: dict[str, int], finished: bool, locale: str, *, retrying: int = 0,
                  gave_up: int = 0) -> str:
    """The progress message: counts so far, then what still waits, or the final report."""
    values = {
        "sent": format_number(counts.get("sent", 0), locale),
        "failed": format_number(counts.get("failed", 0), locale),
        "unreachable": format_number(counts.get("unreachable", 0), locale),
        "remaining": format_number(counts.get("pending", 0) + counts.get("sending", 0), locale),
    }
    if finished:
        text = _("Delivery finished: {sent} sent, {failed} failed, {unreachable} unreachable "
                 "(blocked the bot).").format(**values)
        if gave_up:
            text += " " + _(
                "{count} of them failed because Telegram did not answer for 24 hours.",
                "{count} of them failed because Telegram did not answer for 24 hours.",
                gave_up).format(count=format_number(gave_up, locale))
        return text
    text = _("Sending: {sent} sent, {failed} failed, {unreachable} unreachable, {remaining} "
             "remaining.").format(**values)
    if retrying:
        text += " " + _(
            "{count} still waiting: Telegram did not answer, retrying.",
            "{count} still waiting: Telegram did not answer, retrying.",
            retrying).format(count=format_number(retrying, locale))
    return text


class ProgressReporter:
    """One message to whoever started the broadcast, edited as it goes, in her language."""

    def __init__(self, bot: Bot, outbox: OutboxRepo, users: UserRepo, i18n: I18n) -> None:
        self._bot = bot
        self._outbox = outbox
        self._users = users
        self._i18n = i18n

    async def __call__(self, broadcast_id: int, progress: Progress) -> bool:
        """True once the message shows it; False while it has no message id yet (the engine
        tries again) or when Telegram did not answer."""
        broadcast = await self._outbox.get(broadcast_id)
        if broadcast is None or broadcast.progress_chat_id is None \
                or broadcast.progress_message_id is None:
            return False
        locales = await self._users.locales_of([broadcast.progress_chat_id])
        locale = locales.get(broadcast.progress_chat_id, self._i18n.default_locale)
        with use_locale(self._i18n, locale):
            text = progress_text(progress.counts, progress.finished, locale,
                                 retrying=progress.retrying, gave_up=progress.gave_up)
        try:
            await self._bot.edit_message_text(text, chat_id=broadcast.progress_chat_id,
                                              message_id=broadcast.progress_message_id)
        except TelegramBadRequest:
            # Deleted or too old to edit: nothing will ever show it, stop trying. ("Not
            # modified" never arrives here: the bot's session answers it as done.)
            logger.info("progress message of broadcast %s cannot be edited", broadcast_id)
        except Exception as exc:
            if not classify(exc).kind.passing:
                return True  # 403: she blocked the bot; nothing will show it
            logger.info("progress of broadcast %s not shown yet: %s", broadcast_id,
                        type(exc).__name__)
            return False
        return True
