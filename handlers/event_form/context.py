"""What every window's action of the organiser's dialogs starts from: who she is, the
reference data and the clock, the draft in the dialog's data; and the shared audience
buttons (everyone, countries to toggle, an area of expertise), asked of her role when
pressed."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.clock import Clock
from bot.dialogs import popup
from bot.services.event_input import MomentProblem, start_problem, today_in
from bot.services.events import ALL, Audience, EventOrganiser
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor


async def start_staff_dialog(message: Message, actor: Actor, ref: ReferenceData,
                             manager: DialogManager | None, state: State) -> None:
    """/newevent and /announce: staff only; the time zone of her country preselected, and a
    fresh draft key (a draft publishes or sends once, however often it is confirmed)."""
    if not actor.is_staff:
        await message.answer(_("This command is for coordinators."))
        return
    if manager is None:  # no sender to keep a dialog for
        return
    zone = ref.country_timezones.get(actor.coordinator_country or actor.country_code or "",
                                     "Asia/Almaty")
    await manager.start(state, mode=StartMode.RESET_STACK, data={
        "zone": zone, "own_zone": zone, "draft": secrets.token_hex(8)})


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """A dialog starts with what its command put in (the zone, the draft key, the event)."""
    if isinstance(start_data, dict):
        manager.dialog_data.update(start_data)


class FlowCtx:
    """One update's view of a dialog; the reason shown last time is dropped."""

    def __init__(self, manager: DialogManager) -> None:
        middleware = manager.middleware_data
        self.manager = manager
        self.data: dict[str, Any] = manager.dialog_data
        self.actor: Actor = middleware["actor"]
        self.ref: ReferenceData = middleware["ref"]
        self.clock: Clock = middleware["clock"]
        self.data.pop("error", None)

    @property
    def window(self) -> str:
        return self.manager.current_context().state.state.split(":", 1)[1]

    def refuse(self, code: str, **extra: Any) -> None:
        """Ask again in the same message, with the reason on one line."""
        self.data["error"] = {"code": code, **extra}
        self.manager.show_mode = ShowMode.EDIT

    def typed_text(self, message: Message, window: str, limit: int) -> str | None:
        """Her typed answer, if this is the window that takes one and it passes the check;
        else None, and the same message says why (``texts.typed_refusal_text``)."""
        if self.window != window:
            self.refuse("use_buttons")
            return None
        if not message.text:
            self.refuse("not_text")
            return None
        value, problem = check_short_text(message.text, limit, keep_lines=True)
        if problem is not None:
            self.refuse("problem", problem=problem.value)
            return None
        return value

    def take_day(self, day: date) -> bool:
        """A day picked on the calendar, kept unless it is already over in the chosen zone
        (then the same message says so)."""
        if day < self.today():
            self.refuse(MomentProblem.PAST.value)
            return False
        self.data["day"] = day.isoformat()
        return True

    def today(self) -> date:
        """The day it is in the chosen zone: what "tomorrow" counts from."""
        return today_in(self.data["zone"], self.clock.now())

    def has_passed(self, moment: datetime | None) -> bool:
        return moment is not None and start_problem(moment, self.clock.now()) is not None

    async def valid(self, callback: CallbackQuery, offered: bool) -> bool:
        """Whether a button's value is one the window offers (else it is forged or from an
        older rendering: a popup)."""
        if not offered:
            await popup(callback, _("This button is no longer valid."))
        return offered


Choose = Callable[[Audience], Awaitable[None]]


async def offer(ctx: FlowCtx, callback: CallbackQuery, audience: Audience,
                then: Choose) -> None:
    """An audience she picked, if her role reaches it now."""
    organiser: EventOrganiser = ctx.manager.middleware_data["event_organiser"]
    if not await organiser.may_reach(ctx.actor.user_id, audience):
        await popup(callback, _("You are not allowed to do this."))
        return
    await then(audience)


async def pick_audience(ctx: FlowCtx, callback: CallbackQuery, value: str,
                        then: Choose) -> None:
    """Everyone, or a country: administrators toggle several and press Done."""
    if not await ctx.valid(callback, value == ALL or value in ctx.ref.country_codes):
        return
    if ctx.actor.is_admin and value != ALL:
        ctx.data["aud_countries"] = sorted(set(ctx.data.get("aud_countries") or []) ^ {value})
        return
    await offer(ctx, callback, Audience() if value == ALL else Audience(countries=(value,)),
                then)


async def countries_done(ctx: FlowCtx, callback: CallbackQuery, then: Choose) -> None:
    chosen = tuple(sorted(c for c in ctx.data.get("aud_countries") or []
                          if c in ctx.ref.country_codes))
    if not chosen:
        await popup(callback, _("Please choose at least one."))
        return
    await offer(ctx, callback, Audience(countries=chosen), then)


async def may_pick_expertise(ctx: FlowCtx, callback: CallbackQuery) -> bool:
    if not ctx.actor.is_admin:
        await popup(callback, _("You are not allowed to do this."))
    return ctx.actor.is_admin


async def pick_expertise(ctx: FlowCtx, callback: CallbackQuery, code: str,
                         then: Choose) -> None:
    if not await ctx.valid(callback, code in ctx.ref.expertise_codes):
        return
    await offer(ctx, callback, Audience(expertise=code), then)
