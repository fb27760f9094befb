"""Runs the queue of chat removals and tells the coordinator concerned, in her language.

Called right after the change that queued removals and by the scheduler every minute (which
also finishes what a crash interrupted and retries what failed). One run at a time, so no
removal is done twice. The report names the chats she was removed from and the chats where
she still is, and why; chats she was never in are not mentioned.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from html import escape

from aiogram import Bot
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock, SystemClock
from bot.notifier import Notifier
from bot.services.chat_access import ChatAccessService, RemovalDone, RemovalState
from bot.telegram_chats import TelegramChats

logger = logging.getLogger(__name__)


def reason_text(reason: str) -> str:
    return {
        "suspended": _("membership suspended"),
        "deleted": _("a member left the association"),
        "country_changed": _("a member moved to another country"),
        "reconcile": _("not entitled to the chat"),
    }.get(reason, reason)


def still_in_text(state: RemovalState) -> str:
    """Why she is still in a chat, and what happens next."""
    return {
        RemovalState.RETRYING_NO_RIGHTS: _(
            "the bot has no right to remove members there; it will try again (give it the "
            "right to ban users)"),
        RemovalState.RETRYING_UNAVAILABLE: _("Telegram did not answer; the bot keeps trying"),
        RemovalState.NO_RIGHTS: _(
            "the bot has no right to remove members there; please remove her yourself"),
        RemovalState.UNAVAILABLE: _(
            "Telegram did not answer for 24 hours; please remove her yourself"),
        RemovalState.NO_ACCESS: _("the bot is not in that chat; please remove her yourself"),
        RemovalState.REFUSED: _("Telegram refused the removal; please remove her yourself"),
    }[state]


class RemovalRunner:
    def __init__(self, chat_access: ChatAccessService, notifier: Notifier,
                 clock: Clock | None = None) -> None:
        self._chat_access = chat_access
        self._notifier = notifier
        self._clock = clock or SystemClock()
        self._lock = asyncio.Lock()

    async def flush(self, bot: Bot) -> list[RemovalDone]:
        async with self._lock:
            done = await self._chat_access.process_removals(TelegramChats(bot),
                                                            self._clock.now())
            reports: dict[int, list[RemovalDone]] = defaultdict(list)
            for item in done:
                if item.removal.report_to is not None:
                    reports[item.removal.report_to].append(item)
            for recipient, items in reports.items():
                try:
                    told = await self._notifier.send(bot, [recipient], self._render, items)
                except Exception:  # an HTML page or garbled answer: tell her next run
                    logger.warning("removal report to user %s not sent", recipient)
                    told = 0
                await self._chat_access.forget_reported(items, self._clock.now(),
                                                        told=told > 0)
        return done

    @staticmethod
    async def _render(locale: str, items: list[RemovalDone]):  # type: ignore[no-untyped-def]
        removed = [item for item in items if not item.state.still_in]
        still_in = [item for item in items if item.state.still_in]
        lines = []
        if removed:
            lines.append(_("Removed from the association's chats:"))
            lines += [f"• {escape(item.chat_title)} — {reason_text(item.removal.reason)}"
                      for item in removed]
        if still_in:
            if lines:
                lines.append("")
            lines.append(_("Still in these chats:"))
            lines += [f"• {escape(item.chat_title)} — {reason_text(item.removal.reason)}: "
                      f"{still_in_text(item.state)}" for item in still_in]
        return "\n".join(lines), None
