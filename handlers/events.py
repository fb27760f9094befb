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

import secrets
from datetime import datetime, timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import EventCb
from bot.clock import Clock, from_db, to_db
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.chats import ChatRepo, KnownChat
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.events import ANSWERS, Event, EventRepo
from bot.db.repositories.outbox import OutboxRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.i18n import LANGUAGE_NAMES, use_locale
from bot.keyboards import button, rows, url_button
from bot.services.delivery import DeliveryService, Recipient
from bot.services.calendar import calendar_file
from bot.services.events import Audience, EventService, parse_start
from bot.services.message_kinds import MessageKind
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor, Authority
from bot.services.verification import VerificationService
from bot.telegram_delivery import progress_text
from bot.texts import problem_text, spreadsheet_safe
from handlers import event_cards, event_report
from handlers.event_cards import answer_keyboard, answer_label, card_text, field_name
from handlers.ui import edit_text, query_message, stale_button

TITLE_MAX, DESCRIPTION_MAX, PLACE_MAX = 120, 1500, 200
DURATIONS = (60, 120, 180, 480)
ALL = "*"


class EventForm(StatesGroup):
    title = State()
    description = State()
    start = State()
    place = State()
    edit = State()
    tr_title = State()
    tr_description = State()
    draft_edit = State()


EDITABLE = ("title", "description", "starts_at", "place")


def duration_label(minutes: int) -> str:
    hours = minutes // 60
    return _("{hours} hour", "{hours} hours", hours).format(hours=hours)


renderers = event_cards.renderers  # what the delivery engine sends for events


# ---- /newevent ---------------------------------------------------------------------------

async def future_start(message: Message, timezone: str, clock: Clock) -> datetime | None:
    """The start she typed, in the event's zone; or None after telling her what is wrong."""
    start = parse_start(message.text, timezone)
    if start is None:
        await message.answer(_("Please send the date and time like 25.12.2026 14:00."))
        return None
    if start <= clock.now():
        await message.answer(_("That moment has passed. Please send a date in the future."))
        return None
    return start


async def may_target(actor: Actor, audience: Audience, authority: Authority) -> bool:
    """Administrators reach anyone; a coordinator her country, or everyone if allowed."""
    return await authority.may_reach(actor.user_id, audience.countries, audience.expertise)


async def audience_keyboard(actor: Actor, data: dict, ref: ReferenceData,  # type: ignore[type-arg]
                            authority: Authority) -> InlineKeyboardMarkup:
    lines = []
    if actor.is_admin or await may_target(actor, Audience(), authority):
        lines.append([button(_("All members"), EventCb(action="aud", value=ALL))])
    if actor.is_admin:
        chosen = set(data.get("aud_countries", []))
        lines += [[button(("✓ " if c in chosen else "") + ref.country(c, actor.locale),
                          EventCb(action="audt", value=c))] for c in ref.country_codes]
        if chosen:
            lines.append([button(_("Done"), EventCb(action="audok"))])
        lines.append([button(_("Members with an area of expertise"), EventCb(action="audx"))])
    elif actor.coordinator_country:
        lines.append([button(ref.country(actor.coordinator_country, actor.locale),
                             EventCb(action="aud", value=actor.coordinator_country))])
    return rows(*lines)


async def show_preview(message: Message, actor: Actor, data: dict,  # type: ignore[type-arg]
                       ref: ReferenceData) -> None:
    preview = {"event_id": 0, "title": data["title"], "description": data["description"],
               "starts_at": data["starts_at"], "duration": data["duration"],
               "place": data["place"], "texts": data.get("texts", {})}
    text = card_text(preview, actor.locale, data["timezone"])
    if data.get("texts"):
        text += "\n\n" + _("Also in: {languages}").format(languages=", ".join(
            LANGUAGE_NAMES[code] for code in sorted(data["texts"])))
    await message.answer(_("This is how it will look:"))
    await message.answer(text, reply_markup=rows(
        [button(_("Publish"), EventCb(action="publish"))],
        [button(_("Edit"), EventCb(action="dedit")),
         button(_("Add a translation"), EventCb(action="tr"))],
        [button(_("Discard"), EventCb(action="drop"))]))


async def cmd_newevent(message: Message, actor: Actor, state: FSMContext) -> None:
    if not actor.is_staff:
        await message.answer(_("This command is for coordinators."))
        return
    await state.set_state(EventForm.title)
    await state.update_data(event={"draft": secrets.token_hex(8)})
    await message.answer(_("What is the event called?") + " " + _("(/cancel to stop)"))


async def on_event_text(message: Message, actor: Actor, state: FSMContext, ref: ReferenceData,
                        authority: Authority, clock: Clock) -> None:
    current = await state.get_state()
    data = dict((await state.get_data()).get("event", {}))
    limits = {EventForm.title.state: TITLE_MAX, EventForm.description.state: DESCRIPTION_MAX,
              EventForm.place.state: PLACE_MAX, EventForm.tr_title.state: TITLE_MAX,
              EventForm.tr_description.state: DESCRIPTION_MAX}
    if current == EventForm.draft_edit.state:
        await edit_draft(message, state, data, ref, actor, clock)
        return
    if current == EventForm.start.state:
        zone = ref.country_timezones.get(actor.coordinator_country or actor.country_code or "",
                                         "Asia/Almaty")
        start = await future_start(message, zone, clock)
        if start is None:
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
    elif current == EventForm.place.state:
        data["place"] = value
        await state.update_data(event=data)
        await message.answer(_("Who is the event for?"),
                             reply_markup=await audience_keyboard(actor, data, ref, authority))
        return
    elif current == EventForm.tr_title.state:
        data.setdefault("texts", {})[data["tr_locale"]] = {"title": value}
        await state.set_state(EventForm.tr_description)
        await message.answer(_("Now the description in {language}.").format(
            language=LANGUAGE_NAMES[data["tr_locale"]]))
    else:
        data["texts"][data["tr_locale"]]["description"] = value
        await state.update_data(event=data)
        await state.set_state(None)
        await show_preview(message, actor, data, ref)
        return
    await state.update_data(event=data)


async def read_field(message: Message, field: str, timezone: str, clock: Clock
                     ) -> str | datetime | None:
    """A new value for one of an event's fields, or None after telling her what is wrong."""
    if field == "starts_at":
        return await future_start(message, timezone, clock)
    limit = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "place": PLACE_MAX}[field]
    value, problem = check_short_text(message.text, limit, keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, limit))
    return value


async def edit_draft(message: Message, state: FSMContext, data: dict,  # type: ignore[type-arg]
                     ref: ReferenceData, actor: Actor, clock: Clock) -> None:
    """Change one answer of an event not yet published, then show the preview again."""
    field = data.get("draft_field")
    value = await read_field(message, field, data["timezone"], clock)
    if value is None:
        return
    if isinstance(value, datetime):
        data["start_local"] = " ".join((message.text or "").split())
        value = to_db(value)
    data[field] = value
    await state.update_data(event=data)
    await state.set_state(None)
    await show_preview(message, actor, data, ref)


async def on_event_non_text(message: Message) -> None:
    await message.answer(_("Please answer with a text message.") + " " + _("(/cancel to stop)"))


async def cb_event_form(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                        state: FSMContext, ref: ReferenceData, events: EventRepo,
                        delivery: DeliveryService, outbox: OutboxRepo, profiles: ProfileRepo,
                        authority: Authority, chats: ChatRepo, audit: AuditRepo,
                        clock: Clock, claims: ClaimRepo) -> None:
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
    if action == "audt" and actor.is_admin and value in ref.country_codes:
        chosen = set(data.get("aud_countries", [])) ^ {value}
        data["aud_countries"] = sorted(chosen)
        await state.update_data(event=data)
        await message.edit_reply_markup(
            reply_markup=await audience_keyboard(actor, data, ref, authority))
        return
    if action == "audx" and actor.is_admin and not value:
        await message.answer(_("Which area of expertise?"), reply_markup=rows(
            *[[button(ref.expertise(c, actor.locale), EventCb(action="audx", value=c))]
              for c in ref.expertise_codes]))
        return
    audience: Audience | None = None
    if action == "aud" and (value == ALL or value in ref.country_codes):
        audience = Audience.parse(value)
    elif action == "audok" and data.get("aud_countries"):
        audience = Audience(countries=tuple(data["aud_countries"]))
    elif action == "audx" and value in ref.expertise_codes:
        audience = Audience(expertise=value)
    if audience is not None:
        if not await may_target(actor, audience, authority):
            await message.answer(_("You are not allowed to do this."))
            return
        data["audience"] = audience.encode()
        await state.update_data(event=data)
        await state.set_state(None)
        await show_preview(message, actor, data, ref)
        return
    if action == "dedit" and "audience" in data:
        await message.answer(_("What should change?"), reply_markup=rows(
            *[[button(field_name(f), EventCb(action="deditf", value=f))] for f in EDITABLE]))
        return
    if action == "deditf" and value in EDITABLE and "audience" in data:
        data["draft_field"] = value
        await state.update_data(event=data)
        await state.set_state(EventForm.draft_edit)
        hint = _("When does it start? Send the date and time like 25.12.2026 14:00.") \
            if value == "starts_at" else _("Send the new text.")
        await message.answer(hint + " " + _("(/cancel to stop)"))
        return
    if action == "tr" and "audience" in data:
        await message.answer(_("In which language?"), reply_markup=rows(
            *[[button(name, EventCb(action="trl", value=code))]
              for code, name in LANGUAGE_NAMES.items()]))
        return
    if action == "trl" and value in LANGUAGE_NAMES and "audience" in data:
        data["tr_locale"] = value
        await state.update_data(event=data)
        await state.set_state(EventForm.tr_title)
        await message.answer(_("The title in {language}?").format(language=LANGUAGE_NAMES[value])
                             + " " + _("(/cancel to stop)"))
        return
    if action == "drop":
        await state.clear()
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Nothing was sent."))
        return
    if action == "publish" and {"title", "audience", "starts_at", "duration", "place"} <= set(data):
        target = Audience.parse(data["audience"])
        if not await may_target(actor, target, authority):  # the role, checked again now
            await message.answer(_("You are not allowed to do this."))
            return
        # one draft publishes once, whichever of its previews is pressed and however often
        if not await claims.claim(f"event:{actor.user_id}:{data.get('draft')}", clock.now()):
            return
        await state.clear()
        now = clock.now()
        texts = {code: t for code, t in data.get("texts", {}).items()
                 if t.get("title") and t.get("description")}
        event_id = await events.create(actor.user_id, target.encode(), data["title"],
                                       data["description"], from_db(data["starts_at"]),
                                       data["timezone"], data["duration"], data["place"], now,
                                       texts)
        event = await events.get(event_id)
        assert event is not None
        if target.expertise:
            everyone = await profiles.approved_with_expertise(target.expertise)
        else:
            everyone = await profiles.approved_members(
                list(target.countries) if target.countries else None)
        recipients = [r for r in everyone if r != actor.user_id]
        broadcast_id = await delivery.enqueue(MessageKind.EVENT, event.payload(), recipients,
                                              actor.user_id)
        await audit.record(now, actor.user_id, "publish_event",
                           country_code=target.single_country,
                           details=f"event #{event_id} for {target.encode()}")
        await message.edit_reply_markup(reply_markup=None)
        chat_targets = await chats_for(target, chats)
        await message.answer(
            _("Published. /events shows the answers."),
            reply_markup=rows([button(_("Also post it to the association's chats"),
                                      EventCb(action="tochats", event_id=event_id))])
            if chat_targets else None)
        progress = await message.answer(progress_text(await delivery.counts(broadcast_id), False,
                                                      actor.locale))
        await outbox.set_progress_message(broadcast_id, actor.user_id, progress.message_id)


# ---- members ---------------------------------------------------------------------------------

async def chats_for(audience: Audience, chats: ChatRepo) -> list[KnownChat]:
    """The bound chats whose people the event is for (none for an expertise audience)."""
    if audience.expertise:
        return []
    bound = await chats.bound()
    if audience.countries is None:
        return [c for c in bound if c.country_code is None]
    return [c for c in bound if c.country_code in audience.countries]


def may_see(actor: Actor, event: Event, expertise: list[str]) -> bool:
    if actor.is_admin or actor.user_id == event.created_by:
        return True
    audience = Audience.parse(event.audience)
    return actor.is_member and (audience.includes(actor.country_code, expertise)
                                or audience.includes(actor.coordinator_country, expertise))


async def may_manage_event(actor: Actor, event: Event,
                           verification: VerificationService) -> bool:
    """Asked now, of the current role: any administrator, or the organiser while she is
    still staff of the event's audience (not whoever ``created_by`` names)."""
    audience = Audience.parse(event.audience)
    return await verification.authority.may_manage_event(
        actor.user_id, event.created_by, audience.countries, audience.expertise)


async def cb_event_member(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                          events: EventRepo, event_service: EventService,
                          profiles: ProfileRepo, ref: ReferenceData, clock: Clock) -> None:
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    profile = await profiles.get(actor.user_id)
    if event is None or not may_see(actor, event, profile.expertise if profile else []):
        await stale_button(query)
        return
    if callback_data.action == "ics":
        # In her language, cancelled if it was (from an old card too); she gets the new
        # file whenever it changes.
        await query.answer()
        await event_service.took_calendar_file(event.id, actor.user_id)
        if message is not None:
            await message.answer_document(BufferedInputFile(
                calendar_file(event, actor.locale, clock.now()),
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
            keyboard = answer_keyboard(event.id, callback_data.value, event, actor.locale,
                                       join_link=(message.text or "").startswith("⏰"))
            if (message.text or "").startswith("📅"):  # the card itself: its counts too
                zone = ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")
                await edit_text(message, card_text(event.payload(), actor.locale, zone,
                                                   await events.going_maybe(event.id)),
                                keyboard)
            else:
                await message.edit_reply_markup(reply_markup=keyboard)
        return
    if callback_data.action == "rate" and callback_data.value in {"1", "2", "3", "4", "5"}:
        done = await events.rate(event.id, actor.user_id, int(callback_data.value), clock.now())
        await query.answer(_("Thank you!") if done else _("This button is no longer valid."))
        if done and message is not None:
            await message.edit_reply_markup(reply_markup=None)
        return
    await stale_button(query)


async def cmd_events(message: Message, actor: Actor, events: EventRepo, profiles: ProfileRepo,
                     verification: VerificationService, ref: ReferenceData,
                     clock: Clock) -> None:
    if not actor.is_member:
        await message.answer(_("Events are open to members once their application is "
                               "approved."))
        return
    profile = await profiles.get(actor.user_id)
    expertise = profile.expertise if profile else []
    upcoming = [e for e in await events.upcoming(clock.now()) if may_see(actor, e, expertise)]
    past = [e for e in await events.past(clock.now())
            if actor.is_staff and await may_manage_event(actor, e, verification)]
    if not upcoming:
        await message.answer(_("No upcoming events."))
    zone = ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")
    for event in upcoming[:20]:
        chosen = await events.answer_of(event.id, actor.user_id)
        keyboard = answer_keyboard(event.id, chosen, event, actor.locale)
        if actor.is_staff and await may_manage_event(actor, event, verification):
            keyboard.inline_keyboard.append([
                button(_("Answers"), EventCb(action="stats", event_id=event.id)),
                button(_("Attendee list"), EventCb(action="csv", event_id=event.id))])
            keyboard.inline_keyboard.append([
                button(_("Edit"), EventCb(action="edit", event_id=event.id)),
                button(_("Cancel event"), EventCb(action="cancel", event_id=event.id))])
        await message.answer(card_text(event.payload(), actor.locale, zone,
                                       await events.going_maybe(event.id)),
                             reply_markup=keyboard)
    if past:  # the organiser's past events stay reachable: the report and the list
        text, keyboard = event_report.past_events_view(past, actor.locale, zone)
        await message.answer(text, reply_markup=keyboard)


async def cmd_start_event(message: Message, command: CommandObject, actor: Actor,
                          events: EventRepo, profiles: ProfileRepo, ref: ReferenceData,
                          clock: Clock) -> None:
    """``/start event-<id>``: the button under a card posted to a chat opens it here, with
    the answer buttons."""
    event = await events.get(int((command.args or "0").removeprefix("event-")))
    if not actor.is_member:
        await message.answer(_("Events are open to members once their application is "
                               "approved."))
        return
    profile = await profiles.get(actor.user_id)
    if event is None or not may_see(actor, event, profile.expertise if profile else []) \
            or event.status != "published" or event.starts_at <= clock.now():
        await message.answer(_("This event is no longer open."))
        return
    zone = ref.country_timezones.get(actor.country_code or "", event.timezone)
    await message.answer(card_text(event.payload(), actor.locale, zone,
                                   await events.going_maybe(event.id)),
                         reply_markup=answer_keyboard(
                             event.id, await events.answer_of(event.id, actor.user_id), event,
                             actor.locale))


def create_deep_link_router() -> Router:
    """Before /start's own router: ``/start event-<id>`` is an event, not an invitation."""
    router = Router(name="event_links")
    router.message.register(cmd_start_event, CommandStart(
        deep_link=True, magic=F.args.regexp(r"^event-\d{1,12}$")), F.chat.type == "private")
    return router


async def cb_event_staff(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                         state: FSMContext, events: EventRepo, event_service: EventService,
                         chats: ChatRepo, bot: Bot, ref: ReferenceData,
                         verification: VerificationService, audit: AuditRepo,
                         clock: Clock, claims: ClaimRepo, i18n: I18n) -> None:
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    if event is None or message is None or not await may_manage_event(actor, event,
                                                                       verification):
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    await query.answer()
    zone = ref.country_timezones.get(actor.country_code or "", event.timezone)
    if callback_data.action == "stats":
        await message.answer(event_report.report_text(
            event, await events.counts(event.id), await events.ratings(event.id), ref,
            actor.locale, zone, clock.now()), reply_markup=event_report.report_keyboard(event))
        return
    if callback_data.action == "csv":  # hers to keep and forward: not protected
        await message.answer_document(BufferedInputFile(
            event_report.attendee_csv(await events.attendee_rows(event.id), ref, actor.locale,
                                      zone), filename=f"event-{event.id}-attendees.csv"))
        return
    if callback_data.action == "tochats":
        if not await claims.claim(f"event_chats:{event.id}", clock.now()):
            return  # already posted (a double tap)
        posted = []
        link = f"https://t.me/{(await bot.me()).username}?start=event-{event.id}"
        for chat in await chats_for(Audience.parse(event.audience), chats):
            locale = await chats.locale_of(chat.chat_id)
            zone = ref.country_timezones.get(chat.country_code or "", event.timezone)
            with use_locale(i18n, locale):  # the chat's language, not the organiser's
                text = card_text(event.payload(), locale, zone)
                keyboard = rows([url_button(_("Answer in the bot"), link)],
                                *event_cards.calendar_buttons(event, locale)[1:])
            try:
                await bot.send_message(chat.chat_id, text, reply_markup=keyboard)
            except TelegramAPIError:
                continue
            posted.append(escape(chat.title))
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Posted to: {chats}").format(chats=", ".join(posted))
                             if posted else _("Sorry, something went wrong on our side. Please "
                                              "try again in a moment."))
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
    if event is None or field not in EDITABLE or not await may_manage_event(actor, event,
                                                                             verification):
        await state.clear()
        await message.answer(_("You are not allowed to do this."))
        return
    value = await read_field(message, field, event.timezone, clock)
    if value is None:
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
                       EventForm.edit, EventForm.tr_title, EventForm.tr_description,
                       EventForm.draft_edit)
    router.message.register(on_event_edit, StateFilter(EventForm.edit), private, F.text,
                            ~F.text.startswith("/"))
    router.message.register(on_event_text, form, private, F.text, ~F.text.startswith("/"))
    router.message.register(on_event_non_text, form, private, ~F.text.startswith("/"))
    router.callback_query.register(
        cb_event_form, EventCb.filter(F.action.in_({"tz", "dur", "aud", "audt", "audok", "audx",
                                                     "tr", "trl", "dedit", "deditf", "publish",
                                                     "drop"})))
    router.callback_query.register(
        cb_event_member, EventCb.filter(F.action.in_({"rsvp", "ics", "rate"})))
    router.callback_query.register(
        cb_event_staff, EventCb.filter(F.action.in_({"stats", "csv", "cancel", "edit",
                                                      "editf", "tochats"})))
    return router


