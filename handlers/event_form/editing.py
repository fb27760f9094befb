"""Changing or cancelling a published event (the edit dialog opened from /events): what its
windows show and what its buttons and typed answers do.

Nothing changes before she confirms, and the confirmation says how many people are told.
Every step asks again whether she may still manage the event (an administrator, or its
organiser while she is staff of its audience). The change itself, the notices and the
reminders belong to :class:`bot.services.events.EventService`.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.clock import from_db, to_db
from bot.db.repositories.events import Event, EventRepo
from bot.dialogs import popup, start_below
from bot.i18n import LANGUAGE_NAMES, format_datetime, format_range, zone_name
from bot.services.event_input import (
    MomentProblem,
    local_moment,
    read_moment,
    start_problem,
    today_in,
    typed_duration,
)
from bot.services.events import UNCHANGED, Audience, EventOrganiser, EventService
from bot.services.once import OnceOnly
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from handlers.event_form.context import (
    FlowCtx,
    countries_done,
    may_pick_expertise,
    pick_audience,
    pick_expertise,
)
from handlers.event_form.getters import (
    DESCRIPTION_MAX,
    DURATIONS,
    PLACE_MAX,
    TITLE_MAX,
    audience_choices,
    audience_text,
    duration_label,
    field_name,
    moment_error,
)
from handlers.event_form.states import EventEdit

FIELDS = ("title", "description", "start", "duration", "place", "audience", "translation")
COLUMNS = {"title": "title", "description": "description", "place": "place",
           "start": "starts_at", "duration": "duration_minutes", "translation": "texts"}
LIMITS = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "place": PLACE_MAX}
BACK = {"expertise": EventEdit.audience, "tr_title": EventEdit.tr_language,
        "tr_description": EventEdit.tr_title}


class Ctx(FlowCtx):
    def __init__(self, manager: DialogManager) -> None:
        super().__init__(manager)
        middleware = manager.middleware_data
        self.events: EventRepo = middleware["events"]
        self.organiser: EventOrganiser = middleware["event_organiser"]
        self.service: EventService = middleware["event_service"]
        self.once: OnceOnly = middleware["once"]
        self.data.pop("note", None)

    async def event(self, callback: CallbackQuery | None = None,
                    message: Message | None = None) -> Event | None:
        """The event, if it is still open and she may still manage it (else the dialog
        closes, saying why: a popup for a button, a message for a typed answer)."""
        event = await self.events.get(int(self.data.get("event_id") or 0))
        if event is not None and event.status == "published" \
                and event.starts_at > self.clock.now() \
                and await self.organiser.may_manage(self.actor.user_id, event):
            return event
        if event is None or event.status != "published":
            why = _("This event has been cancelled.")
        elif event.starts_at <= self.clock.now():  # it took place: nobody is told of edits
            why = _("This event has already started.")
        else:
            why = _("You are not allowed to do this.")
        if callback is not None:
            await popup(callback, why)
        await self.manager.done()
        if message is not None:
            await message.answer(why + " " + _("Nothing was changed."))
        return None

    async def propose(self, value: Any) -> None:
        self.data["pending"] = {"field": self.data["field"], "value": value}
        await self.manager.switch_to(EventEdit.confirm)


async def open_edit(manager: DialogManager, event_id: int, pressed: Message, *,
                    cancel: bool = False) -> None:
    """From the buttons under an event in /events: a new message below, the card keeps its
    buttons."""
    await start_below(manager, EventEdit.cancel if cancel else EventEdit.menu,
                      {"event_id": event_id}, pressed)


# ---- what the windows show ---------------------------------------------------------------------

def _current(event: Event, field: str, locale: str, data: dict[str, Any],
             ref: ReferenceData) -> str:
    if field in LIMITS:
        return escape(getattr(event, field))
    if field == "start":
        return format_datetime(event.starts_at, locale, event.timezone, weekday=True)
    if field == "duration":
        end = event.starts_at + timedelta(minutes=event.duration_minutes)
        return f"{duration_label(event.duration_minutes)} · " + format_range(
            event.starts_at, end, locale, event.timezone)
    if field == "audience":
        return audience_text(event.audience, ref, locale)
    return ""


async def menu_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    from handlers.event_cards import card_text

    data = dialog_manager.dialog_data
    actor: Actor = dialog_manager.middleware_data["actor"]
    event = await dialog_manager.middleware_data["events"].get(int(data.get("event_id") or 0))
    card = card_text(event.payload(), actor.locale, event.timezone) if event else ""
    note = data.get("note") or {}
    note_text = ""
    if note.get("told") == 0 and note.get("field") == "translation":
        note_text = _("Saved. Nobody who answered Going or Maybe reads this language, so "
                      "nobody is told.")
    elif note.get("told") == 0:  # never "0 people are being told"
        note_text = _("Saved. Nobody had answered Going or Maybe, so nobody is told.")
    elif note.get("told") is not None:
        note_text = _("Saved; {count} person who answered Going or Maybe is being told.",
                             "Saved; {count} people who answered Going or Maybe are being told.",
                             int(note["told"])).format(count=note["told"])
    if note.get("unchanged"):  # never "nobody is told" when people were, a moment ago
        note_text = _("Nothing to save: the event already has this, so nobody is told now.")
    if note.get("added") == 0:
        note_text = _("Saved; nobody new gets the event.")
    elif note.get("added") is not None:
        note_text = _("Saved; {count} more member gets the event.",
                             "Saved; {count} more members get the event.",
                             int(note["added"])).format(count=note["added"])
    return {"card": card, "note": note_text, "fields": [(f, field_name(f)) for f in FIELDS],
            "error": moment_error(data.get("error"), actor.locale,
                                  event.timezone if event else "UTC")}


async def prompt_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    middleware = dialog_manager.middleware_data
    actor: Actor = middleware["actor"]
    ref: ReferenceData = middleware["ref"]
    event = await middleware["events"].get(int(data.get("event_id") or 0))
    field = data.get("field") or "title"
    zone = event.timezone if event else "UTC"
    window = dialog_manager.current_context().state.state.split(":", 1)[1]
    prompts = {
        "title": _("Send the new title."),
        "description": _("Send the new description."),
        "place": _("Send the new place."),
        "start": _("Send the new start in {zone} time, like 25.12.2026 14:00.").format(
            zone=zone_name(zone, actor.locale)),
        "duration": _("How long will it last? Press a duration or write when it ends, like "
                      "27.12.2026 18:00 (up to 7 days)."),
        "audience": _("Who is the event for?"),
    }
    result: dict[str, Any] = {
        "prompt": prompts.get(field, ""),
        "answer": _current(event, field, actor.locale, data, ref) if event else "",
        "error": moment_error(data.get("error"), actor.locale, zone), "choices": [],
        "is_admin": actor.is_admin, "countries_chosen": bool(data.get("aud_countries")),
    }
    result["has_answer"] = bool(result["answer"])
    if window == "duration" and event:
        result["choices"] = [(str(m), ("✓ " if m == event.duration_minutes else "")
                              + duration_label(m)) for m in DURATIONS]
    elif window == "audience" and event:
        organiser: EventOrganiser = middleware["event_organiser"]
        result["choices"] = await audience_choices(actor, {**data, "audience": event.audience},
                                                   ref, organiser.may_reach)
    elif window == "expertise":
        result["prompt"] = _("Members with an area of expertise")
        result["choices"] = [(c, ref.expertise(c, actor.locale)) for c in ref.expertise_codes]
    return result


async def confirm_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    middleware = dialog_manager.middleware_data
    actor: Actor = middleware["actor"]
    organiser: EventOrganiser = middleware["event_organiser"]
    event = await middleware["events"].get(int(data.get("event_id") or 0))
    pending = data.get("pending") or {}
    if event is None or not pending:
        return {"confirm": "", "yes": _("Save"), "error": ""}
    field = pending["field"]
    if field == "audience":
        count = len(await organiser.newly_included(event, Audience.parse(pending["value"])))
        audience = audience_text(pending["value"], middleware["ref"], actor.locale)
        confirm = _(
            "Change who the event is for to: {audience}? {count} more member gets it.",
            "Change who the event is for to: {audience}? {count} more members get it.",
            count).format(audience=audience, count=count) if count else _(
            "Change who the event is for to: {audience}? Nobody new gets it.").format(
            audience=audience)
        lost = len(await organiser.newly_excluded(event, Audience.parse(pending["value"])))
        if lost:
            confirm += " " + _(
                "{count} member no longer gets it; whoever of them answered is told.",
                "{count} members no longer get it; whoever of them answered is told.",
                lost).format(count=lost)
    else:
        count = await organiser.told_of_change(event, {COLUMNS[field]: pending["value"]})
        confirm = _(
            "Save this change ({field}) and tell {count} person who answered Going or Maybe?",
            "Save this change ({field}) and tell {count} people who answered Going or Maybe?",
            count).format(field=field_name(field), count=count) if count else _(
            "Save this change ({field})? Nobody has answered Going or Maybe, so nobody is "
            "told; the cards members have show the change.").format(field=field_name(field))
        if field == "translation" and not count:  # they may have answered, in other languages
            confirm = _("Save this translation? Nobody who answered Going or Maybe reads this "
                        "language, so nobody is told; the cards in it show it.")
    return {"confirm": confirm, "yes": _("Save"),
            "error": moment_error(data.get("error"), actor.locale, event.timezone)}


async def cancel_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    middleware = dialog_manager.middleware_data
    event = await middleware["events"].get(int(data.get("event_id") or 0))
    if event is None:
        return {"confirm": "", "error": ""}
    count = await middleware["event_organiser"].told_of_change(event)
    return {"error": "", "confirm": _(
        "Cancel «{title}» and tell {count} person who answered Going or Maybe?",
        "Cancel «{title}» and tell {count} people who answered Going or Maybe?",
        count).format(title=escape(event.title), count=count) if count else _(
        "Cancel «{title}»? Nobody has answered Going or Maybe, so nobody is told; the cards "
        "members have will say it is cancelled.").format(title=escape(event.title))}


# ---- what the buttons and typed answers do ----------------------------------------------------

async def on_field(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                   field: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, field in FIELDS):
        return
    event = await ctx.event(callback)
    if event is None:
        return
    ctx.data["field"] = field
    ctx.data.pop("aud_countries", None)
    # the translations it has: marked in the language list, each one's texts kept by Keep
    ctx.data["texts"] = {code: dict(texts) for code, texts in event.texts.items()}
    window = {"title": EventEdit.text, "description": EventEdit.text, "place": EventEdit.text,
              "start": EventEdit.start, "duration": EventEdit.duration,
              "audience": EventEdit.audience, "translation": EventEdit.tr_language}[field]
    await manager.switch_to(window)


async def on_message(message: Message, _widget: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    window = ctx.window
    if window not in ("text", "start", "duration", "tr_title", "tr_description"):
        ctx.refuse("use_buttons")
        return
    if message.text is None:
        ctx.refuse("not_text")
        return
    event = await ctx.event(message=message)
    if event is None:
        return
    if window == "text" or window.startswith("tr_"):
        limit = LIMITS.get(ctx.data["field"]) if window == "text" else (
            TITLE_MAX if window == "tr_title" else DESCRIPTION_MAX)
        assert limit is not None
        value, problem = check_short_text(message.text, limit, keep_lines=True)
        if problem is not None:
            ctx.refuse(problem.value, limit=limit)
            return
        if window == "text":
            await ctx.propose(value)
            return
        ctx.data.setdefault("texts", {}).setdefault(ctx.data["tr"], {})[
            window.removeprefix("tr_")] = value
        if window == "tr_title":
            await manager.switch_to(EventEdit.tr_description)
        else:
            await ctx.propose({**event.texts, ctx.data["tr"]: ctx.data["texts"][ctx.data["tr"]]})
        return
    today = today_in(event.timezone, ctx.clock.now())  # what "tomorrow" counts from
    if window == "start":
        moment = read_moment(message.text, today)
        if moment.problem is not None or moment.day is None or moment.at is None:
            ctx.refuse((moment.problem or MomentProblem.FORMAT).value,
                       bad_day=moment.bad_day, example="start")
            return
        start = local_moment(moment.day, moment.at, event.timezone)
        if start_problem(start, ctx.clock.now()) is not None:
            ctx.refuse(MomentProblem.PAST.value)
            return
        await ctx.propose(to_db(start))
        return
    minutes, problem = typed_duration(event.starts_at, message.text, today, event.timezone)
    if problem is not None or minutes is None:
        ctx.refuse((problem or MomentProblem.FORMAT).value, example="duration")
        return
    await ctx.propose(minutes)


async def on_duration(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      value: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, value.isdigit() and int(value) in DURATIONS):
        return
    if await ctx.event(callback) is not None:
        await ctx.propose(int(value))


async def on_audience(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      value: str) -> None:
    ctx = Ctx(manager)
    await pick_audience(ctx, callback, value, lambda audience: propose_audience(ctx, audience))


async def propose_audience(ctx: Ctx, audience: Audience) -> None:
    await ctx.propose(audience.encode())


async def on_countries_done(callback: CallbackQuery, _button: Any,
                            manager: DialogManager) -> None:
    ctx = Ctx(manager)
    await countries_done(ctx, callback, lambda audience: propose_audience(ctx, audience))


async def on_expertise_menu(callback: CallbackQuery, _button: Any,
                            manager: DialogManager) -> None:
    if await may_pick_expertise(Ctx(manager), callback):
        await manager.switch_to(EventEdit.expertise)


async def on_expertise(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                       code: str) -> None:
    ctx = Ctx(manager)
    await pick_expertise(ctx, callback, code, lambda audience: propose_audience(ctx, audience))


async def on_language(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      code: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, code in LANGUAGE_NAMES):
        return
    event = await ctx.event(callback)
    if event is None:
        return
    ctx.data["tr"] = code
    ctx.data.setdefault("texts", {}).setdefault(code, {})
    await manager.switch_to(EventEdit.tr_title)


async def on_keep(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """Keep the translation's title (or description) she wrote before."""
    ctx = Ctx(manager)
    event = await ctx.event(callback)
    if event is None:
        return
    code = ctx.data.get("tr") or ""
    current = (ctx.data.get("texts") or {}).get(code) or {}
    if ctx.window == "tr_title" and current.get("title"):
        await manager.switch_to(EventEdit.tr_description)
    elif ctx.window == "tr_description" and current.get("description"):
        await ctx.propose({**event.texts, code: current})
    else:
        await popup(callback, _("This button is no longer valid."))


async def on_back(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    ctx.data.pop("pending", None)
    await manager.switch_to(BACK.get(ctx.window, EventEdit.menu))


async def on_close(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await manager.done()


async def on_save(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    pending = ctx.data.pop("pending", None)
    if not pending:
        await popup(callback, _("This has already been handled."))
        return
    event = await ctx.event(callback)
    if event is None:
        return
    field, value = pending["field"], pending["value"]
    if field == "audience":
        added = await ctx.organiser.change_audience(event, Audience.parse(value),
                                                    ctx.actor.user_id)
        if added < 0:
            await popup(callback, _("You are not allowed to do this."))
            return
        ctx.data["note"] = {"added": added}
    else:
        if field == "start":
            value = from_db(value)
            if start_problem(value, ctx.clock.now()) is not None:  # time passed meanwhile
                ctx.data["error"] = {"code": MomentProblem.PAST.value}
                await manager.switch_to(EventEdit.start)
                return
        # one Save per version of the event: a double tap (or a second organiser saving over
        # a change she has not seen) finds the press taken
        press = f"event-edit:{event.id}:{event.sequence}"
        if not await ctx.once.first(press, ctx.clock.now()):
            await popup(callback, _("This has already been handled."))
            return
        told = await ctx.organiser.change(ctx.service, event, COLUMNS[field], value,
                                          ctx.actor.user_id)
        if told == UNCHANGED:  # nothing saved: the next change is a new press of this version
            await ctx.once.give_back(press)
            ctx.data["note"] = {"unchanged": True}  # also a Save tried again after a 502
            ctx.data.pop("texts", None)
            await manager.switch_to(EventEdit.menu)
            return
        elif told < 0:
            await ctx.once.give_back(press)
            await popup(callback, _("This has already been handled."))
            return
        ctx.data["note"] = {"told": told, "field": field}
    ctx.data.pop("texts", None)
    await manager.switch_to(EventEdit.menu)


async def on_cancel_event(callback: CallbackQuery, _button: Any, manager: DialogManager
                          ) -> None:
    ctx = Ctx(manager)
    event = await ctx.event(callback)
    if event is None:
        return
    if event.starts_at <= ctx.clock.now():  # confirmed after it began: it took place
        await popup(callback, _("This event has already started."))
        await manager.done()
        return
    told = await ctx.organiser.cancel(ctx.service, event, ctx.actor.user_id)
    if told < 0:
        await popup(callback, _("This has already been handled."))
        return
    await manager.done()
    if isinstance(callback.message, Message):
        await callback.message.answer(_(
            "The event is cancelled; {count} person who answered Going or Maybe is being "
            "told.",
            "The event is cancelled; {count} people who answered Going or Maybe are being "
            "told.", told).format(count=told) if told else _(
            "The event is cancelled. Nobody had answered Going or Maybe, so nobody is told."))

