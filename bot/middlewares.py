"""The outer middleware: who is acting and in which language (the log ids are set by
``bot.inflight.TrackingDispatcher`` around the whole update).

It reads her account (one query) but never writes on every update; the only write is to
clear an "unreachable" mark once she writes to the bot again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n

from bot.db.repositories.users import AccountLoader, UserRepo
from bot.dialogs import close_open_dialog
from bot.i18n import pick_locale
from bot.services.roles import Actor


class ActorMiddleware(BaseMiddleware):
    def __init__(self, users: UserRepo, i18n: I18n, admin_ids: frozenset[int]) -> None:
        self._users = users
        self._accounts = AccountLoader(users)
        self._i18n = i18n
        self._admin_ids = admin_ids

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        locale = self._i18n.default_locale
        if user is not None and not user.is_bot:
            account = await self._accounts.get(user.id)
            locale = pick_locale(
                account.locale if account else None, user.language_code, locale
            )
            if account is not None and account.unreachable:
                await self._users.mark_reachable(user.id)
            data["actor"] = Actor.from_account(user.id, locale, account, self._admin_ids)
        else:
            data["actor"] = None
        data["locale"] = locale
        # What ``i18n.context()`` and ``i18n.use_locale()`` do, without two generator-based
        # context managers on every update.
        i18n_token = I18n.set_current(self._i18n)
        locale_token = self._i18n.ctx_locale.set(locale)
        try:
            return await handler(event, data)
        finally:
            self._i18n.ctx_locale.reset(locale_token)
            I18n.reset_current(i18n_token)


# What a new command leaves in place: preferences, not a flow (the directory's filters).
KEPT_ACROSS_COMMANDS = ("directory",)


class CommandEndsFlow(BaseMiddleware):
    """A command in a private chat ends whatever flow was open (except /cancel, which says so).

    A flow's buttons and typed answers then refuse instead of completing a flow she has left:
    an old /announce preview can't be sent from inside /newevent, a name typed after /start is
    not taken as the answer to an edit she can no longer see. /start resumes an unfinished
    registration from her saved answers.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        text = getattr(event, "text", None)
        state: FSMContext | None = data.get("state")
        if state is not None and text and text.startswith("/") \
                and getattr(event, "chat", None) is not None \
                and event.chat.type == "private":  # type: ignore[attr-defined]
            if text.startswith("/cancel"):
                # a dialog is closed before aiogram-dialog loads it for this update (it would
                # save it back afterwards); /cancel is told whether there was one
                data["dialog_closed"] = await close_open_dialog(state)
            else:
                await end_flow(state)
        return await handler(event, data)


async def end_flow(state: FSMContext) -> bool:
    """Close the open flow, if any; True if there was one (a question, a draft, a dialog)."""
    dialog_closed = await close_open_dialog(state)
    current = await state.get_state()
    stored = await state.get_data()
    kept = {k: v for k, v in stored.items() if k in KEPT_ACROSS_COMMANDS}
    if current is None and kept == stored:
        return dialog_closed
    await state.set_state(None)
    await state.set_data(kept)
    return True
