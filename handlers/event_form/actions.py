"""What the /newevent buttons and typed answers do. The draft lives in the dialog's data (in
the SQLite FSM storage, so a restart keeps it) until Publish; only then does
:class:`bot.services.events.EventOrganiser` check her role and the start again and publish.

A refused typed answer edits the same message with the reason (``ShowMode.EDIT``); an
accepted one is followed by the next window as a new message whose predecessor loses its
keyboard (``ShowMode.AUTO``); buttons edit in place.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.dialogs import popup
from bot.keyboards import button, rows
from bot.services.event_input import (
    MomentProblem,
    read_moment,
    typed_duration,
)
from bot.services.events import Audience, EventOrganiser, Published
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_delivery import progress_text
from handlers.event_form.context import (
    FlowCtx,
    countries_done,
    may_pick_expertise,
    pick_audience,
    pick_expertise,
    start_staff_dialog,
)
from handlers.event_form.getters import (
    DESCRIPTION_MAX,
    DURATIONS,
    PLACE_MAX,
    TIMES,
    TITLE_MAX,
    draft_of,
    start_of,
)
from handlers.event_form.states import FORM_STATES, STATE_NAMES, STEPS, EventForm

TEXT_LIMITS = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "place": PLACE_MAX,
               "tr_title": TITLE_MAX, "tr_description": DESCRIPTION_MAX}
BACK = {"expertise": "audience", "change": "preview", "tr_language": "preview",
        "tr_title": "tr_language", "tr_description": "tr_title", "confirm": "preview"}


class Ctx(FlowCtx):
    """One update's view of the form: who, the services, the draft."""

    def __init__(self, manager: DialogManager) -> None:
        super().__init__(manager)
        self.organiser: EventOrganiser = manager.middleware_data["event_organiser"]

    @property
    def step(self) -> str:
        return STATE_NAMES[self.manager.current_context().state.state]

    @property
    def editing(self) -> bool:
        return self.data.get("mode") == "edit"

    async def go(self, name: str) -> None:
        if name == "preview":
            self.data.pop("mode", None)
        await self.manager.switch_to(FORM_STATES[name])

    def start_has_passed(self) -> bool:
        return self.has_passed(start_of(self.data))


async def advance(ctx: Ctx, answered: str, *, skip_time: bool = False) -> None:
    """The next question; when she changed one answer from the preview, back there (unless
    the change left the start in the past: then the question that fixes it)."""
    if answered in ("zone", "day") and ctx.start_has_passed():
        ctx.data["error"] = {"code": MomentProblem.PAST.value}
        await ctx.go("day" if answered == "zone" else "time")
        return
    if ctx.editing or answered in ("audience", "expertise"):
        await ctx.go("preview")
        return
    following = STEPS[STEPS.index(answered) + 1]
    if skip_time and following == "time":
        following = "duration"
    await ctx.go(following)


# ---- typed answers ---------------------------------------------------------------------------

async def on_message(message: Message, _widget: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    step = ctx.step
    if step not in TEXT_LIMITS and step not in ("day", "time", "duration"):
        ctx.refuse("use_buttons")
        return
    if message.text is None:
        ctx.refuse("not_text")
        return
    if step in TEXT_LIMITS:
        await take_text(ctx, step, message.text)
    elif step == "day":
        await take_day(ctx, message.text)
    elif step == "time":
        await take_time(ctx, message.text)
    else:
        await take_end(ctx, message.text)


async def take_text(ctx: Ctx, step: str, text: str) -> None:
    limit = TEXT_LIMITS[step]
    value, problem = check_short_text(text, limit, keep_lines=True)
    if problem is not None:
        ctx.refuse(problem.value, limit=limit)
        return
    if step.startswith("tr_"):
        texts = ctx.data.setdefault("texts", {})
        texts.setdefault(ctx.data["tr"], {})[step.removeprefix("tr_")] = value
        await ctx.go("tr_description" if step == "tr_title" else "preview")
        return
    ctx.data[step] = value
    await advance(ctx, step)


async def take_day(ctx: Ctx, text: str) -> None:
    moment = read_moment(text, ctx.today(), day_asked=True)
    if moment.problem is not None or moment.day is None:
        code = (moment.problem or MomentProblem.FORMAT).value
        ctx.refuse(code, bad_day=moment.bad_day, example="day")
        return
    before = dict(ctx.data)
    if not ctx.take_day(moment.day):
        return
    if moment.at is not None:
        ctx.data["at"] = moment.at.strftime("%H:%M")
        if ctx.start_has_passed():
            ctx.data.clear()
            ctx.data.update(before)
            ctx.refuse(MomentProblem.PAST.value)
            return
    await advance(ctx, "day", skip_time=moment.at is not None)


async def take_time(ctx: Ctx, text: str) -> None:
    moment = read_moment(text, ctx.today(), time_asked=True)
    if moment.problem is not None or moment.at is None:
        code = (moment.problem or MomentProblem.FORMAT).value
        ctx.refuse(code, bad_day=moment.bad_day, example="time")
        return
    await set_time(ctx, moment.at.strftime("%H:%M"), moment.day)


async def set_time(ctx: Ctx, at: str, day: date | None = None) -> None:
    before = dict(ctx.data)
    if day is not None:
        ctx.data["day"] = day.isoformat()
    ctx.data["at"] = at
    if ctx.start_has_passed():
        ctx.data.clear()
        ctx.data.update(before)
        ctx.refuse(MomentProblem.PAST.value)
        return
    await advance(ctx, "time")


async def take_end(ctx: Ctx, text: str) -> None:
    start = start_of(ctx.data)
    if start is None:
        await ctx.go("day")
        return
    minutes, problem = typed_duration(start, text, ctx.today(), ctx.data["zone"])
    if problem is not None or minutes is None:
        ctx.refuse((problem or MomentProblem.FORMAT).value, example="duration")
        return
    ctx.data["duration"] = minutes
    await advance(ctx, "duration")


# ---- buttons ---------------------------------------------------------------------------------

async def on_zone(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                  zone: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, zone in ctx.ref.country_timezones.values()):
        return
    ctx.data["zone"] = zone
    await advance(ctx, "zone")


async def on_day(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                 day: date) -> None:
    ctx = Ctx(manager)
    if ctx.take_day(day):
        await advance(ctx, "day")


async def on_time(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                  at: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, at in TIMES):
        return
    await set_time(ctx, at)


async def on_duration(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      value: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, value.isdigit() and int(value) in DURATIONS):
        return
    ctx.data["duration"] = int(value)
    await advance(ctx, "duration")


async def on_audience(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      value: str) -> None:
    ctx = Ctx(manager)
    await pick_audience(ctx, callback, value, lambda audience: choose_audience(ctx, audience))


async def choose_audience(ctx: Ctx, audience: Audience) -> None:
    ctx.data["audience"] = audience.encode()
    await advance(ctx, "audience")


async def on_countries_done(callback: CallbackQuery, _button: Any,
                            manager: DialogManager) -> None:
    ctx = Ctx(manager)
    await countries_done(ctx, callback, lambda audience: choose_audience(ctx, audience))


async def on_expertise_menu(callback: CallbackQuery, _button: Any,
                            manager: DialogManager) -> None:
    ctx = Ctx(manager)
    if await may_pick_expertise(ctx, callback):
        await ctx.go("expertise")


async def on_expertise(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                       code: str) -> None:
    ctx = Ctx(manager)
    await pick_expertise(ctx, callback, code, lambda audience: choose_audience(ctx, audience))


async def on_keep(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    step = ctx.step
    if step in ("tr_title", "tr_description"):
        current = (ctx.data.get("texts") or {}).get(ctx.data.get("tr") or "") or {}
        if not await ctx.valid(callback, bool(current.get(step.removeprefix("tr_")))):
            return
        await ctx.go("tr_description" if step == "tr_title" else "preview")
        return
    field = {"time": "at"}.get(step, step)
    if not await ctx.valid(callback, step in STEPS and bool(ctx.data.get(field))):
        return
    await advance(ctx, step)


async def on_back(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """Back never changes an answer: the previous question shows the one she gave."""
    ctx = Ctx(manager)
    step = ctx.step
    if step in BACK:
        await ctx.go(BACK[step])
    elif ctx.editing:
        await ctx.go("preview")
    elif step in STEPS and step != "title":
        await ctx.go(STEPS[STEPS.index(step) - 1])


async def on_change(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                    step: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, step in STEPS):
        return
    ctx.data["mode"] = "edit"
    await ctx.go(step)


async def on_edit(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await Ctx(manager).go("change")


async def on_translate(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await Ctx(manager).go("tr_language")


async def on_language(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      code: str) -> None:
    from bot.i18n import LANGUAGE_NAMES

    ctx = Ctx(manager)
    if not await ctx.valid(callback, code in LANGUAGE_NAMES):
        return
    ctx.data["tr"] = code
    await ctx.go("tr_title")


async def on_publish(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """Publish asks first, naming how many members will get it."""
    await Ctx(manager).go("confirm")


async def on_discard(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await manager.done()
    if isinstance(callback.message, Message):
        await callback.message.answer(_("The draft is discarded; nothing was sent."))


async def on_confirm(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    result = await ctx.organiser.publish(ctx.actor.user_id, ctx.data["draft"],
                                         draft_of(ctx.data))
    message = callback.message if isinstance(callback.message, Message) else None
    if result.outcome is Published.ALREADY:
        await popup(callback, _("This has already been handled."))
        return
    if result.outcome is Published.PAST:
        ctx.data["error"] = {"code": MomentProblem.PAST.value}
        ctx.data["mode"] = "edit"
        await ctx.go("time")
        return
    await manager.done()
    if message is None:
        return
    if result.outcome is Published.NOT_ALLOWED:
        await message.answer(_("You are not allowed to do this.") + " " + _("Nothing was sent."))
        return
    await tell_published(manager, message, result.event_id, result.broadcast_id,
                         result.recipients)


async def tell_published(manager: DialogManager, message: Message, event_id: int | None,
                         broadcast_id: int | None, recipients: int) -> None:
    from bot.callbacks import EventAction, EventCb
    from handlers.events import chats_for

    middleware = manager.middleware_data
    actor: Actor = middleware["actor"]
    assert event_id is not None and broadcast_id is not None
    event = await middleware["events"].get(event_id)
    targets = await chats_for(Audience.parse(event.audience), middleware["chats"])
    await message.answer(
        _("Published. /events shows the answers.") if recipients else _(
            "Published. Nobody is in its audience yet, so nobody was told; /events shows it."),
        reply_markup=rows([button(_("Post to the chats too"),
                                  EventCb(action=EventAction.TO_CHATS, event_id=event_id))])
        if targets else None)
    if not recipients:  # nothing to send: no "Sending: 0 remaining" that never finishes
        return
    delivery = middleware["delivery"]
    progress = await message.answer(progress_text(await delivery.counts(broadcast_id), False,
                                                  actor.locale))
    await middleware["outbox"].set_progress_message(broadcast_id, actor.user_id,
                                                    progress.message_id)


async def cmd_newevent(message: Message, actor: Actor, ref: ReferenceData,
                       dialog_manager: DialogManager | None = None) -> None:
    await start_staff_dialog(message, actor, ref, dialog_manager, EventForm.title)
