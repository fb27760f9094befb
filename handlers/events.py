"""Events: /newevent for coordinators, the card members answer, /events, calendar files.

```mermaid
stateDiagram-v2
    [*] --> Title: /newevent
    Title --> Description
    Description --> Start: typed (25.12.2026 14:00 or 2026-12-25 14:00), in the future
    Start --> Zone: her country's zone preselected
    Zone --> Duration
    Duration --> Place
    Place --> Audience
    Audience --> Preview: exactly what members will see
    Preview --> [*]: Publish (outbox) or Discard
```
Members get the card in their language with the time in their own zone, answer Going /
Maybe / Can't (and can change it), get reminders 24 hours and 1 hour before, and a one-tap
"How was it?" afterwards.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import EventCb
from bot.clock import Clock, from_db, to_db
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.events import ANSWERS, Event, EventRepo
from bot.db.repositories.outbox import OutboxRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.i18n import format_datetime
from bot.keyboards import button, rows
from bot.services.delivery import DeliveryService, Recipient
from bot.services.events import EventService, calendar_file, parse_start
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.services.verification import VerificationService
from bot.telegram_delivery import progress_text
from bot.texts import problem_text
from handlers.ui import query_message

TITLE_MAX, DESCRIPTION_MAX, PLACE_MAX = 120, 1500, 200
DURATIONS = (60, 120, 180, 480)
ALL = "*"


class EventForm(StatesGroup):
    title = State()
    description = State()
    start = State()
    place = State()
    edit = State()


EDITABLE = ("title", "description", "starts_at", "place")


def answer_label(answer: str) -> str:
    return {"going": _("Going"), "maybe": _("Maybe"), "no": _("Can't")}[answer]


def duration_label(minutes: int) -> str:
    hours = minutes // 60
    return _("{hours} hour", "{hours} hours", hours).format(hours=hours)


def card_text(payload: dict, locale: str, timezone: str) -> str:  # type: ignore[type-arg]
    start = from_db(payload["starts_at"])
    end = start + timedelta(minutes=int(payload["duration"]))
    when = format_datetime(start, locale, timezone)
    until = format_datetime(end, locale, timezone)
    return "\n".join([
        "📅 <b>" + escape(payload["title"]) + "</b>",
        "",
        escape(payload["description"]),
        "",
        _("When: {start} – {end} ({zone})").format(start=when, end=until, zone=timezone),
        _("Where: {place}").format(place=escape(payload["place"])),
    ])


def answer_keyboard(event_id: int, chosen: str | None) -> InlineKeyboardMarkup:
    return rows(
        [button(("✓ " if chosen == a else "") + answer_label(a),
                EventCb(action="rsvp", event_id=event_id, value=a)) for a in ANSWERS],
        [button(_("Add to calendar"), EventCb(action="ics", event_id=event_id))],
    )


def render_event(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return card_text(payload, to.locale, to.timezone), answer_keyboard(payload["event_id"], None)


def render_reminder(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return (_("⏰ Reminder") + "\n\n" + card_text(payload, to.locale, to.timezone),
            rows([button(_("Add to calendar"), EventCb(action="ics",
                                                       event_id=payload["event_id"]))]))


def render_cancelled(payload: dict, to: Recipient) -> tuple[str, None]:  # type: ignore[type-arg]
    return (_("❌ This event has been cancelled:") + "\n\n"
            + card_text(payload, to.locale, to.timezone)), None


def render_changed(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return (_("✏️ This event has changed:") + "\n\n"
            + card_text(payload, to.locale, to.timezone),
            rows([button(_("Add to calendar"), EventCb(action="ics",
                                                       event_id=payload["event_id"]))]))


def field_name(field: str) -> str:
    return {"title": _("Title"), "description": _("Description"), "starts_at": _("Start"),
            "place": _("Place")}[field]


def render_feedback(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return (_("How was «{title}»? Tap a mark from 1 to 5.").format(
        title=escape(payload["title"])),
        rows([button(str(n), EventCb(action="rate", event_id=payload["event_id"], value=str(n)))
              for n in range(1, 6)]))


# ---- /newevent ---------------------------------------------------------------------------

async def cmd_newevent(message: Message, actor: Actor, state: FSMContext) -> None:
    if not actor.is_staff:
        await message.answer(_("This command is for coordinators."))
        return
    await state.set_state(EventForm.title)
    await state.update_data(event={})
    await message.answer(_("What is the event called?") + " " + _("(/cancel to stop)"))


async def on_event_text(message: Message, actor: Actor, state: FSMContext, ref: ReferenceData,
                        clock: Clock) -> None:
    current = await state.get_state()
    data = dict((await state.get_data()).get("event", {}))
    limits = {EventForm.title.state: TITLE_MAX, EventForm.description.state: DESCRIPTION_MAX,
              EventForm.place.state: PLACE_MAX}
    if current == EventForm.start.state:
        zone = ref.country_timezones.get(actor.coordinator_country or actor.country_code or "",
                                         "Asia/Almaty")
        start = parse_start(message.text, zone)
        if start is None:
            await message.answer(_("Please send the date and time like 25.12.2026 14:00."))
            return
        if start <= clock.now():
            await message.answer(_("That moment has passed. Please send a date in the future."))
            return
        data["start_local"] = " ".join((message.text or "").split())
        await state.update_data(event=data)
        zones = [zone] + [z for z in dict.fromkeys(ref.country_timezones.values()) if z != zone]
        await message.answer(_("In which time zone?"), reply_markup=rows(
            *[[button(("✓ " if z == zone else "") + z, EventCb(action="tz", value=z))]
              for z in zones]))
        return
    value, problem = check_short_text(message.text, limits[current or ""], keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, limits[current or ""]))
        return
    if current == EventForm.title.state:
        data["title"] = value
        await state.set_state(EventForm.description)
        await message.answer(_("Describe the event in a few lines."))
    elif current == EventForm.description.state:
        data["description"] = value
        await state.set_state(EventForm.start)
        await message.answer(_("When does it start? Send the date and time like "
                               "25.12.2026 14:00."))
    else:
        data["place"] = value
        await state.update_data(event=data)
        choices = [[button(ref.country(actor.coordinator_country, actor.locale),
                           EventCb(action="aud", value=actor.coordinator_country))]] \
            if actor.coordinator_country and not actor.is_admin else []
        if actor.is_admin:
            choices = [[button(_("All members"), EventCb(action="aud", value=ALL))]] + [
                [button(ref.country(c, actor.locale), EventCb(action="aud", value=c))]
                for c in ref.country_codes]
        await message.answer(_("Who is the event for?"), reply_markup=rows(*choices))
        return
    await state.update_data(event=data)


async def on_event_non_text(message: Message) -> None:
    await message.answer(_("Please answer with a text message.") + " " + _("(/cancel to stop)"))


async def cb_event_form(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                        state: FSMContext, ref: ReferenceData, events: EventRepo,
                        delivery: DeliveryService, outbox: OutboxRepo, profiles: ProfileRepo,
                        verification: VerificationService, audit: AuditRepo,
                        clock: Clock) -> None:
    message = query_message(query)
    data = dict((await state.get_data()).get("event", {}))
    if message is None or not actor.is_staff or not data:
        await query.answer(_("This button is from an earlier message."), show_alert=True)
        return
    action, value = callback_data.action, callback_data.value
    await query.answer()
    if action == "tz" and value in ref.country_timezones.values() and "start_local" in data:
        start = parse_start(data["start_local"], value)
        assert start is not None
        data.update(timezone=value, starts_at=to_db(start))
        await state.update_data(event=data)
        await message.answer(_("How long will it last?"), reply_markup=rows(
            [button(duration_label(m), EventCb(action="dur", value=str(m))) for m in DURATIONS]))
        return
    if action == "dur" and value.isdigit() and int(value) in DURATIONS:
        data["duration"] = int(value)
        await state.update_data(event=data)
        await state.set_state(EventForm.place)
        await message.answer(_("Where? Send the place or the online link."))
        return
    if action == "aud" and (value == ALL or value in ref.country_codes):
        if not (actor.is_admin if value == ALL
                else await verification.may_manage(actor.user_id, value)):
            await message.answer(_("You are not allowed to do this."))
            return
        data["audience"] = value
        await state.update_data(event=data)
        await state.set_state(None)
        preview = {"event_id": 0, "title": data["title"], "description": data["description"],
                   "starts_at": data["starts_at"], "duration": data["duration"],
                   "place": data["place"]}
        await message.answer(_("This is how it will look:"))
        await message.answer(card_text(preview, actor.locale, data["timezone"]),
                             reply_markup=rows([
                                 button(_("Publish"), EventCb(action="publish")),
                                 button(_("Discard"), EventCb(action="drop"))]))
        return
    if action == "drop":
        await state.clear()
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Nothing was sent."))
        return
    if action == "publish" and {"title", "audience", "starts_at", "duration", "place"} <= set(data):
        audience = data["audience"]
        if not (actor.is_admin if audience == ALL
                else await verification.may_manage(actor.user_id, audience)):
            await message.answer(_("You are not allowed to do this."))
            return
        await state.clear()
        now = clock.now()
        event_id = await events.create(actor.user_id, audience, data["title"],
                                       data["description"], from_db(data["starts_at"]),
                                       data["timezone"], data["duration"], data["place"], now)
        event = await events.get(event_id)
        assert event is not None
        recipients = [r for r in await profiles.approved_members(
            None if audience == ALL else [audience]) if r != actor.user_id]
        broadcast_id = await delivery.enqueue("event", event.payload(), recipients, actor.user_id)
        await audit.record(now, actor.user_id, "publish_event",
                           country_code=None if audience == ALL else audience,
                           details=f"event #{event_id}")
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Published. /events shows the answers."))
        progress = await message.answer(progress_text(await delivery.counts(broadcast_id), False,
                                                      actor.locale))
        await outbox.set_progress_message(broadcast_id, actor.user_id, progress.message_id)


# ---- members ---------------------------------------------------------------------------------

async def may_see(actor: Actor, event: Event) -> bool:
    return actor.is_admin or (actor.is_member and (event.audience == ALL or event.audience in (
        actor.country_code, actor.coordinator_country)))


async def cb_event_member(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                          events: EventRepo, clock: Clock) -> None:
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    if event is None or not await may_see(actor, event):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    if callback_data.action == "ics":
        await query.answer()
        if message is not None:
            await message.answer_document(BufferedInputFile(calendar_file(event),
                                                             filename=f"event-{event.id}.ics"))
        return
    if event.status != "published":
        await query.answer(_("This event has been cancelled."), show_alert=True)
        return
    if callback_data.action == "rsvp" and callback_data.value in ANSWERS:
        if event.starts_at <= clock.now():
            await query.answer(_("This event has already started."), show_alert=True)
            return
        await events.answer(event.id, actor.user_id, callback_data.value, clock.now())
        await query.answer(_("Your answer: {answer}").format(
            answer=answer_label(callback_data.value)))
        if message is not None:
            await message.edit_reply_markup(
                reply_markup=answer_keyboard(event.id, callback_data.value))
        return
    if callback_data.action == "rate" and callback_data.value in {"1", "2", "3", "4", "5"}:
        done = await events.rate(event.id, actor.user_id, int(callback_data.value), clock.now())
        await query.answer(_("Thank you!") if done else _("This button is no longer valid."))
        if done and message is not None:
            await message.edit_reply_markup(reply_markup=None)
        return
    await query.answer(_("This button is no longer valid."), show_alert=True)


async def cmd_events(message: Message, actor: Actor, events: EventRepo, ref: ReferenceData,
                     clock: Clock) -> None:
    if not actor.is_member:
        await message.answer(_("The directory is open to members once their application is "
                               "approved."))
        return
    audiences = None if actor.is_admin else [ALL] + [c for c in (actor.country_code,
                                                                 actor.coordinator_country) if c]
    upcoming = await events.upcoming(clock.now(), audiences)
    if not upcoming:
        await message.answer(_("No upcoming events."))
        return
    zone = ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")
    for event in upcoming:
        chosen = await events.answer_of(event.id, actor.user_id)
        keyboard = answer_keyboard(event.id, chosen)
        if actor.user_id == event.created_by or actor.manages(
                None if event.audience == ALL else event.audience) and actor.is_staff:
            keyboard.inline_keyboard.append([
                button(_("Answers"), EventCb(action="stats", event_id=event.id)),
                button(_("Attendee list"), EventCb(action="csv", event_id=event.id))])
            keyboard.inline_keyboard.append([
                button(_("Edit"), EventCb(action="edit", event_id=event.id)),
                button(_("Cancel event"), EventCb(action="cancel", event_id=event.id))])
        await message.answer(card_text(event.payload(), actor.locale, zone),
                             reply_markup=keyboard)


async def cb_event_staff(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                         state: FSMContext, events: EventRepo, event_service: EventService,
                         ref: ReferenceData,
                         verification: VerificationService, audit: AuditRepo,
                         clock: Clock) -> None:
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    allowed = event is not None and (
        actor.is_admin or actor.user_id == event.created_by
        or (event.audience != ALL and await verification.may_manage(actor.user_id,
                                                                      event.audience)))
    if event is None or not allowed or message is None:
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    await query.answer()
    if callback_data.action == "stats":
        lines = [_("Answers to «{title}»:").format(title=escape(event.title))]
        for country, answer, count in await events.counts(event.id):
            place = ref.country(country, actor.locale) if country else "—"
            lines.append(f"{escape(place)} · {answer_label(answer)}: {count}")
        if len(lines) == 1:
            lines.append(_("No answers yet."))
        await message.answer("\n".join(lines))
        return
    if callback_data.action == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["name", "country", "answer", "answered_at_utc"])
        for row in await events.attendee_rows(event.id):
            writer.writerow([row["full_name"], row["country_code"], row["answer"],
                             row["updated_at"]])
        await message.answer_document(
            BufferedInputFile(buffer.getvalue().encode("utf-8-sig"),
                              filename=f"event-{event.id}-attendees.csv"),
            protect_content=True)
        return
    if callback_data.action == "edit":
        await message.answer(_("What should change?"), reply_markup=rows(
            *[[button(field_name(f), EventCb(action="editf", event_id=event.id, value=f))]
              for f in EDITABLE]))
        return
    if callback_data.action == "editf" and callback_data.value in EDITABLE:
        await state.set_state(EventForm.edit)
        await state.update_data(edit_event=event.id, edit_field=callback_data.value)
        hint = _("When does it start? Send the date and time like 25.12.2026 14:00.") \
            if callback_data.value == "starts_at" else _("Send the new text.")
        await message.answer(hint + " " + _("(/cancel to stop)"))
        return
    if callback_data.action == "cancel":
        told = await event_service.cancel(event)
        if told < 0:
            await message.answer(_("This has already been handled."))
            return
        await audit.record(clock.now(), actor.user_id, "cancel_event",
                           details=f"event #{event.id}")
        await message.answer(_("The event is cancelled; those who answered Going or Maybe "
                               "are being told."))


async def on_event_edit(message: Message, actor: Actor, state: FSMContext, events: EventRepo,
                        event_service: EventService, verification: VerificationService,
                        audit: AuditRepo, clock: Clock) -> None:
    data = await state.get_data()
    event = await events.get(int(data.get("edit_event", 0)))
    field = data.get("edit_field")
    if event is None or field not in EDITABLE or not (
            actor.is_admin or actor.user_id == event.created_by
            or (event.audience != ALL and await verification.may_manage(actor.user_id,
                                                                          event.audience))):
        await state.clear()
        await message.answer(_("You are not allowed to do this."))
        return
    value: object
    if field == "starts_at":
        value = parse_start(message.text, event.timezone)
        if value is None:
            await message.answer(_("Please send the date and time like 25.12.2026 14:00."))
            return
        if value <= clock.now():
            await message.answer(_("That moment has passed. Please send a date in the future."))
            return
    else:
        limit = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "place": PLACE_MAX}[field]
        value, problem = check_short_text(message.text, limit, keep_lines=True)
        if problem is not None:
            await message.answer(problem_text(problem, limit))
            return
    await state.clear()
    told = await event_service.change(event, field, value)
    if told < 0:
        await message.answer(_("This has already been handled."))
        return
    await audit.record(clock.now(), actor.user_id, "edit_event",
                       details=f"event #{event.id}: {field}")
    await message.answer(_("Saved; those who answered Going or Maybe are being told."))


def create_router() -> Router:
    router = Router(name="events")
    private = F.chat.type == "private"
    router.message.register(cmd_newevent, Command("newevent"), private)
    router.message.register(cmd_events, Command("events"), private)
    form = StateFilter(EventForm.title, EventForm.description, EventForm.start, EventForm.place,
                       EventForm.edit)
    router.message.register(on_event_edit, StateFilter(EventForm.edit), private, F.text,
                            ~F.text.startswith("/"))
    router.message.register(on_event_text, form, private, F.text, ~F.text.startswith("/"))
    router.message.register(on_event_non_text, form, private, ~F.text.startswith("/"))
    router.callback_query.register(
        cb_event_form, EventCb.filter(F.action.in_({"tz", "dur", "aud", "publish", "drop"})))
    router.callback_query.register(
        cb_event_member, EventCb.filter(F.action.in_({"rsvp", "ics", "rate"})))
    router.callback_query.register(
        cb_event_staff, EventCb.filter(F.action.in_({"stats", "csv", "cancel", "edit",
                                                      "editf"})))
    return router


