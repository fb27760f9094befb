"""Runs the queue of chat removals and tells the coordinator concerned, in her language.

Called right after the change that queued removals and by the scheduler every minute (which
also finishes what a crash interrupted). One run at a time, so no removal is done twice.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from html import escape

from aiogram import Bot
from aiogram.utils.i18n import gettext as _

from bot.notifier import Notifier
from bot.services.chat_access import ChatAccessService, RemovalDone
from bot.telegram_chats import TelegramChats


def reason_text(reason: str) -> str:
    return {
        "suspended": _("membership suspended"),
        "deleted": _("a member left the association"),
        "country_changed": _("a member moved to another country"),
        "reconcile": _("not entitled to the chat"),
    }.get(reason, reason)


class RemovalRunner:
    def __init__(self, chat_access: ChatAccessService, notifier: Notifier) -> None:
        self._chat_access = chat_access
        self._notifier = notifier
        self._lock = asyncio.Lock()

    async def flush(self, bot: Bot) -> list[RemovalDone]:
        async with self._lock:
            done = await self._chat_access.process_removals(TelegramChats(bot))
        reports: dict[int, list[RemovalDone]] = defaultdict(list)
        for item in done:
            if item.removal.report_to is not None:
                reports[item.removal.report_to].append(item)
        for recipient, items in reports.items():
            await self._notifier.send(bot, [recipient], self._render, items)
        return done

    @staticmethod
    async def _render(locale: str, items: list[RemovalDone]):  # type: ignore[no-untyped-def]
        lines = [_("Removed from the association's chats:")]
        for item in items:
            lines.append(f"• {escape(item.chat_title)} — {reason_text(item.removal.reason)}")
        return "\n".join(lines), None
