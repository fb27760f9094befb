"""What the mentorship wizards' buttons and typed words do: keep the answer in the dialog's
data, switch window; the last step saves through :class:`MentorshipService` exactly as the
menu always did (``save_offer`` / ``save_request``), and the message becomes the thanks or the
suggestions. Nothing is saved before the last step, so /cancel leaves her offer or request as
it was."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.callbacks import MentorAction as A
from bot.callbacks import MentorCb
from bot.dialogs import popup
from bot.keyboards import button, rows
from bot.services.members import MemberService
from bot.services.mentorship import MentorshipService
from bot.services.roles import Actor
from handlers.event_form.context import FlowCtx
from handlers.members_only import refusal
from handlers.mentorship_forms.getters import (
    AVAILABILITY, GOAL_MAX, KEYS, MULTI, PLACES, PREFERENCES, steps_of,
)
from handlers.mentorship_forms.states import MentorshipForm
from handlers.mentorship_messages import mentor_message, menu_view, show_suggestions
from handlers.ui import edit_text


class Ctx(FlowCtx):
    def __init__(self, manager: DialogManager) -> None:
        super().__init__(manager)
        self.service: MentorshipService = manager.middleware_data["mentorship_service"]

    async def go(self, window: str) -> None:
        await self.manager.switch_to(getattr(MentorshipForm, window))


# ---- ways in: the menu's buttons --------------------------------------------------------

async def cb_offer(query: CallbackQuery, actor: Actor, mentorship_service: MentorshipService,
                   dialog_manager: DialogManager) -> None:
    """Offer to mentor / Change my offer: her current offer pre-filled."""
    if await mentor_message(query, actor) is None:
        return
    offer = await mentorship_service.offer(actor.user_id)
    data = {} if offer is None else {"capacity": offer.capacity, "areas": list(offer.areas),
                                     "availability": offer.availability}
    await dialog_manager.start(MentorshipForm.places, data=data, mode=StartMode.RESET_STACK)


async def cb_seek(query: CallbackQuery, actor: Actor, mentorship_service: MentorshipService,
                  dialog_manager: DialogManager) -> None:
    """Find a mentor / Change my request: her current request pre-filled."""
    if await mentor_message(query, actor) is None:
        return
    request = await mentorship_service.request(actor.user_id)
    data = {} if request is None else {"goals": list(request.goals),
                                       "goal_text": request.goal_text,
                                       "preference": request.country_preference}
    await dialog_manager.start(MentorshipForm.goals, data=data, mode=StartMode.RESET_STACK)


async def earlier_wizard_button(query: CallbackQuery) -> None:
    """A button of the wizard as it was before it was a dialog (still in chats, or forged)."""
    await query.answer(_("This button is from an earlier message."), show_alert=True)


async def on_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict):
        manager.dialog_data.update(start_data)


# ---- inside the dialog ------------------------------------------------------------------

async def next_step(ctx: Ctx, callback: CallbackQuery) -> None:
    window = ctx.window
    steps = steps_of(window)
    if window != steps[-1]:
        await ctx.go(steps[steps.index(window) + 1])
    elif window == "time":
        await finish_offer(ctx, callback)
    else:
        await finish_seek(ctx, callback)


async def on_pick(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                  value: str) -> None:
    ctx = Ctx(manager)
    window = ctx.window
    offered = {"places": PLACES, "areas": ctx.ref.expertise_codes, "time": AVAILABILITY,
               "goals": ctx.ref.expertise_codes, "where": PREFERENCES}.get(window, ())
    if not await ctx.valid(callback, value in offered):
        return
    if window in MULTI:  # the same window again, with the mark moved
        ctx.data[MULTI[window]] = sorted(set(ctx.data.get(MULTI[window]) or []) ^ {value})
        return
    ctx.data[KEYS[window]] = int(value) if window == "places" else value
    await next_step(ctx, callback)


async def on_done(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    if not ctx.data.get(MULTI.get(ctx.window, "")):
        await popup(callback, _("Please choose at least one."))
        return
    await next_step(ctx, callback)


async def on_keep(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """Go on with the answer she gave before."""
    ctx = Ctx(manager)
    if not await ctx.valid(callback, bool(ctx.data.get(KEYS[ctx.window]))):
        return
    await next_step(ctx, callback)


async def on_back(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """One step back, nothing lost; from the first step, the menu in the same message."""
    ctx = Ctx(manager)
    steps = steps_of(ctx.window)
    index = steps.index(ctx.window)
    if index:
        await ctx.go(steps[index - 1])
        return
    await manager.done()
    if isinstance(callback.message, Message):
        await edit_text(callback.message, *await menu_view(ctx.actor, ctx.service, ctx.ref))


async def on_message(message: Message, _widget: Any, manager: DialogManager) -> None:
    """Typed text counts only as her own words; elsewhere the same message asks for a
    button."""
    ctx = Ctx(manager)
    value = ctx.typed_text(message, "words", GOAL_MAX)
    if value is None:
        return
    ctx.data["goal_text"] = value
    await ctx.go("where")  # a new message below hers; the old one loses its buttons


async def may_finish(ctx: Ctx, callback: CallbackQuery, *needed: str) -> Message | None:
    """The live message, if she may still use mentorship and every answer is there."""
    problem = refusal(ctx.actor)
    message = callback.message if isinstance(callback.message, Message) else None
    if problem is not None or message is None or not all(ctx.data.get(k) for k in needed):
        await popup(callback, problem or _("This button is no longer valid."))
        await ctx.manager.done()
        return None
    return message


async def finish_offer(ctx: Ctx, callback: CallbackQuery) -> None:
    message = await may_finish(ctx, callback, "capacity", "areas", "availability")
    if message is None:
        return
    data = ctx.data
    await ctx.service.save_offer(ctx.actor.user_id, int(data["capacity"]), data["availability"],
                                 list(data["areas"]))
    await ctx.manager.done(show_mode=ShowMode.NO_UPDATE)
    await edit_text(message, _("Thank you! You are on the list of mentors. When a member asks "
                               "you, I will show you her profile and goal, and you decide."),
                    rows([button(_("« Mentorship"), MentorCb(action=A.MENU))]))


async def finish_seek(ctx: Ctx, callback: CallbackQuery) -> None:
    message = await may_finish(ctx, callback, "goals", "goal_text", "preference")
    if message is None:
        return
    data = ctx.data
    await ctx.service.save_request(ctx.actor.user_id, list(data["goals"]), data["goal_text"],
                                   data["preference"])
    await ctx.manager.done(show_mode=ShowMode.NO_UPDATE)
    members: MemberService = ctx.manager.middleware_data["members"]
    await show_suggestions(message, ctx.actor, ctx.service, members, ctx.ref, edit=True)
