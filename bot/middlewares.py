"""The outer middleware: who is acting and in which language (the log ids are set by
``bot.inflight.TrackingDispatcher`` around the whole update).

It reads her account (one query) but never writes on every update; the only write is to
clear an "unreachable" mark once she writes to the bot again.

After the handler it keeps her command menu in step (:class:`bot.services.menus.MenuUpdater`,
an in-memory comparison, so an update that changes nothing costs nothing). Her role, status and
language are those the update began with, except after a button press — the only way she
changes her own language, erases her data or completes an application with an invitation —
when her account is read again. After an update of a coordinator or an administrator (few
people, few updates) the audit log names whom her privileged actions of that update were about
(approved, declined, suspended, reinstated, appointed, dismissed — by a button, a typed reason
or a dialog alike), and their menus follow at once. Whatever else changed her (a scheduled
job, a direct database edit) shows on her next update: the most a stale menu costs her is one
refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import logging
from datetime import datetime

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.commands import TelegramMenus, create_menu_updater
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.users import AccountLoader, AccountRow, UserRepo
from bot.dialogs import close_open_dialog
from bot.i18n import pick_locale
from bot.services.menus import MenuUpdater, Role
from bot.services.roles import Actor

logger = logging.getLogger(__name__)


class ActorMiddleware(BaseMiddleware):
    def __init__(self, users: UserRepo, i18n: I18n, admin_ids: frozenset[int],
                 menus: MenuUpdater | None = None, *, audit: AuditRepo | None = None,
                 clock: Clock | None = None) -> None:
        self._users = users
        self._audit = audit  # whom staff acted on (their menus follow at once)
        self._clock = clock
        self._accounts = AccountLoader(users)
        self._i18n = i18n
        self._admin_ids = admin_ids
        self.menus = menus if menus is not None else create_menu_updater(i18n)
        self._setter: TelegramMenus | None = None

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
        clock = self._clock
        actor = data["actor"]
        started = clock.now() if clock is not None and actor is not None and actor.is_staff \
            else None
        # What ``i18n.context()`` and ``i18n.use_locale()`` do, without two generator-based
        # context managers on every update.
        i18n_token = I18n.set_current(self._i18n)
        locale_token = self._i18n.ctx_locale.set(locale)
        try:
            return await handler(event, data)
        finally:
            self._i18n.ctx_locale.reset(locale_token)
            I18n.reset_current(i18n_token)
            if user is not None and not user.is_bot:
                await self._follow_menus(event, data, user, data["actor"], started)

    async def _follow_menus(self, event: TelegramObject, data: dict[str, Any], user: User,
                            actor: Actor, started: datetime | None) -> None:
        bot: Bot | None = data.get("bot")
        if bot is None:
            return
        try:
            if actor.is_staff and started is not None:
                audit = self._audit
                for member_id in await audit.targets_since(actor.user_id, started) \
                        if audit is not None else ():
                    if member_id != actor.user_id:
                        await self._refresh(bot, member_id, None)
            query = event.callback_query if isinstance(event, Update) else None
            if query is None:
                await self._sync(bot, actor.user_id, self._role(actor.user_id,
                                 actor.coordinator_country), actor.status, actor.locale,
                                 actor.is_registered)
                return
            await self._refresh(bot, user.id, user.language_code)
        except Exception as exc:  # noqa: BLE001 - a menu never breaks what she was doing
            logger.warning("command menu not followed: %s", type(exc).__name__)

    async def _refresh(self, bot: Bot, user_id: int, telegram_code: str | None) -> None:
        account: AccountRow | None = await self._accounts.get(user_id)
        if account is None and user_id in self._admin_ids:
            locale = pick_locale(None, telegram_code, self._i18n.default_locale)
        elif account is None:
            await self._sync(bot, user_id, Role.NONE, None, self._i18n.default_locale, False)
            return
        else:
            locale = account.locale
        await self._sync(bot, user_id,
                         self._role(user_id, account.coordinator_country if account else None),
                         account.status if account else None, locale, account is not None)

    def _role(self, user_id: int, coordinator_country: str | None) -> Role:
        if user_id in self._admin_ids:
            return Role.ADMIN
        return Role.COORDINATOR if coordinator_country is not None else Role.NONE

    async def _sync(self, bot: Bot, user_id: int, role: Role, status: str | None, locale: str,
                    registered: bool) -> None:
        if self._setter is None or self._setter.bot is not bot:
            self._setter = TelegramMenus(bot)
        await self.menus.sync(self._setter, user_id, role, status, locale, registered)


# What a new command leaves in place: preferences, not a flow (the directory's filters).
# (filters, live panel, unseen link, the privacy notice whose buttons are live)
KEPT_ACROSS_COMMANDS = ("directory", "directory_panel", "invite_unseen", "privacy_notice")


class CommandEndsFlow(BaseMiddleware):
    """A command in a private chat ends whatever flow was open (except /cancel, which says so).

    A flow's buttons and typed answers then refuse instead of completing a flow she has left:
    an old /announce preview can't be sent from inside /newevent, a name typed after /start is
    not taken as the answer to an edit she can no longer see. /start resumes an unfinished
    registration from her saved answers.
    """

    def __init__(self, services: dict[str, Any] | None = None) -> None:
        self._services = services or {}  # what a card's restorer needs (see bot/speed.py)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        text = getattr(event, "text", None)
        state: FSMContext | None = data.get("state")
        if not (state is not None and text and text.startswith("/")
                and getattr(event, "chat", None) is not None
                and event.chat.type == "private"):  # type: ignore[attr-defined]
            return await handler(event, data)
        card = (await state.get_data()).get(RESTORE_CARD)
        if text.startswith("/cancel"):
            # a dialog is closed before aiogram-dialog loads it for this update (it would
            # save it back afterwards); /cancel is told which one it was (its state)
            data["dialog_closed"] = await close_open_dialog(state, data.get("bot"))
        else:
            await end_flow(state, data.get("bot"))
        try:
            return await handler(event, data)
        finally:
            if isinstance(card, dict) and card.get("kind") in CARD_RESTORERS \
                    and (await state.get_data()).get(RESTORE_CARD) != card:
                try:
                    await CARD_RESTORERS[card["kind"]]({**self._services, **data}, card)
                except Exception as exc:  # noqa: BLE001 - the command itself has been answered
                    logger.warning("card not restored: %s", type(exc).__name__)


# A prompt that took the place of a card's buttons (a reason, a question) names the card in
# the flow's data under this key: {"kind": ..., "message": id, ...}. When a command ends the
# flow (/cancel, /start, any other), the restorer registered for that kind edits the card
# back to its buttons, so what she sees matches what typing now does.
RESTORE_CARD = "restore_card"
CardRestorer = Callable[[dict[str, Any], dict[str, Any]], Awaitable[None]]
CARD_RESTORERS: dict[str, CardRestorer] = {}


async def end_flow(state: FSMContext, bot: Bot | None = None) -> bool:
    """Close the open flow, if any; True if there was one (a question, a draft, a dialog)."""
    dialog_closed = await close_open_dialog(state, bot) is not None
    current = await state.get_state()
    stored = await state.get_data()
    kept = {k: v for k, v in stored.items() if k in KEPT_ACROSS_COMMANDS}
    if current is None and kept == stored:
        return dialog_closed
    await state.set_state(None)
    await state.set_data(kept)
    return True
