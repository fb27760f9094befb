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
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock, SystemClock
from bot.services.chat_access import ChatAccessService, RemovalDone, RemovalState
from bot.services.delivery import DeliveryService, Recipient
from bot.services.message_kinds import MessageKind
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
    def __init__(self, chat_access: ChatAccessService, delivery: DeliveryService,
                 clock: Clock | None = None,
                 names: Callable[[int], Awaitable[str | None]] | None = None) -> None:
        self._chat_access = chat_access
        self._delivery = delivery
        self._clock = clock or SystemClock()
        self._names = names  # whose removal it was, named in the report (if still stored)
        self._lock = asyncio.Lock()

    async def flush(self, bot: Bot) -> list[RemovalDone]:
        async with self._lock:
            done = await self._chat_access.process_removals(TelegramChats(bot),
                                                            self._clock.now())
            reports: dict[int, list[RemovalDone]] = defaultdict(list)
            for item in done:
                if item.removal.report_to is not None:
                    reports[item.removal.report_to].append(item)
            names: dict[int, str | None] = {}
            for item in done:
                user_id = item.removal.user_id
                if user_id not in names:
                    names[user_id] = await self._names(user_id) if self._names else None
            for recipient, items in reports.items():
                # Once queued, the outbox delivers it (retrying through outages): told. No
                # ids in it: each person is a number within the report, with her name.
                people = list(dict.fromkeys(item.removal.user_id for item in items))
                queued = await self._delivery.notify(MessageKind.CHAT_REMOVALS, {
                    "items": [{"person": people.index(item.removal.user_id),
                               "name": names.get(item.removal.user_id),
                               "chat": item.chat_title, "reason": item.removal.reason,
                               "state": item.state.value} for item in items]}, [recipient],
                    about=people[0] if len(people) == 1 else None)
                await self._chat_access.forget_reported(items, self._clock.now(),
                                                        told=bool(queued))
        return done

    @staticmethod
    def render(payload: dict[str, Any], to: Recipient) -> Any:
        """Grouped by person: her name (escaped; left out once her data is erased), then
        each chat and why."""
        items = payload["items"]

        def by_person(chosen: list[dict[str, Any]], line) -> list[str]:  # type: ignore[no-untyped-def]
            out: list[str] = []
            for person in dict.fromkeys(item["person"] for item in chosen):
                mine = [item for item in chosen if item["person"] == person]
                if mine[0]["name"]:
                    out.append(f"<b>{escape(mine[0]['name'])}</b>")
                out += [line(item) for item in mine]
            return out

        removed = [item for item in items if not RemovalState(item["state"]).still_in]
        still_in = [item for item in items if RemovalState(item["state"]).still_in]
        lines = []
        if removed:
            lines.append(_("Removed from the association's chats:"))
            lines += by_person(removed, lambda item: f"• {escape(item['chat'])} — "
                                                     f"{reason_text(item['reason'])}")
        if still_in:
            if lines:
                lines.append("")
            lines.append(_("Still in these chats:"))
            lines += by_person(still_in, lambda item: (
                f"• {escape(item['chat'])} — {reason_text(item['reason'])}: "
                f"{still_in_text(RemovalState(item['state']))}"))
        return "\n".join(lines), None
