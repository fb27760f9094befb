"""Events on the members' side: the card members answer, /events, calendar files, and the
organiser's buttons under her events (answers, attendee list, chats, edit, cancel).

/newevent and changing a published event are dialogs of their own (``handlers.event_form``).
Members get the card in their language with the time in their own zone, answer Going /
Maybe / Can't (and can change it), get reminders 24 hours and 1 hour before, and a one-tap
"How was it?" afterwards.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.callbacks import EventAction, EventCb
from bot.clock import Clock, from_db
from bot.db.repositories.chats import ChatRepo, KnownChat
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.events import ANSWERS, Event, EventRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.i18n import format_range, zone_name
from bot.keyboards import button, rows
from bot.services.delivery import Recipient
from bot.services.events import Audience, calendar_file
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.services.verification import VerificationService
from bot.texts import spreadsheet_safe
from handlers.ui import query_message, stale_button


def answer_label(answer: str) -> str:
    return {"going": _("Going"), "maybe": _("Maybe"), "no": _("Can't")}[answer]


def duration_label(minutes: int) -> str:
    hours = minutes // 60
    return _("{hours} hour", "{hours} hours", hours).format(hours=hours)


def card_text(payload: dict, locale: str, timezone: str) -> str:  # type: ignore[type-arg]
    """The card in her language: the organiser's translation if there is one, else the
    original title and description; the time always in her zone and locale."""
    translated = (payload.get("texts") or {}).get(locale) or {}
    payload = {**payload, **translated}
    start = from_db(payload["starts_at"])
    end = start + timedelta(minutes=int(payload["duration"]))
    return "\n".join([
        "📅 <b>" + escape(payload["title"]) + "</b>",
        "",
        escape(payload["description"]),
        "",
        _("When: {when} ({zone})").format(when=format_range(start, end, locale, timezone),
                                          zone=zone_name(timezone, locale)),
        _("Where: {place}").format(place=escape(payload["place"])),
    ])


def answer_keyboard(event_id: int, chosen: str | None) -> InlineKeyboardMarkup:
    return rows(
        [button(("✓ " if chosen == a else "") + answer_label(a),
                EventCb(action=EventAction.RSVP, event_id=event_id, value=a)) for a in ANSWERS],
        [button(_("Add to calendar"), EventCb(action=EventAction.ICS, event_id=event_id))],
    )


def renderers(app: Any) -> dict[MessageKind, Any]:
    """What the delivery engine sends for events, rendered for each recipient."""
    return {MessageKind.EVENT: render_event, MessageKind.EVENT_REMINDER: render_reminder,
            MessageKind.EVENT_CANCELLED: render_cancelled,
            MessageKind.EVENT_CHANGED: render_changed,
            MessageKind.EVENT_FEEDBACK: render_feedback}


def render_event(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return card_text(payload, to.locale, to.timezone), answer_keyboard(payload["event_id"], None)


def render_reminder(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return (_("⏰ Reminder") + "\n\n" + card_text(payload, to.locale, to.timezone),
            rows([button(_("Add to calendar"), EventCb(action=EventAction.ICS,
                                                       event_id=payload["event_id"]))]))


def render_cancelled(payload: dict, to: Recipient) -> tuple[str, None]:  # type: ignore[type-arg]
    return (_("❌ This event has been cancelled:") + "\n\n"
            + card_text(payload, to.locale, to.timezone)), None


def render_changed(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return (_("✏️ This event has changed:") + "\n\n"
            + card_text(payload, to.locale, to.timezone),
            rows([button(_("Add to calendar"), EventCb(action=EventAction.ICS,
                                                       event_id=payload["event_id"]))]))


def render_feedback(payload: dict, to: Recipient) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[type-arg]
    return (_("How was «{title}»? Tap a mark from 1 to 5.").format(
        title=escape(payload["title"])),
        rows([button(str(n), EventCb(action=EventAction.RATE, event_id=payload["event_id"], value=str(n)))
              for n in range(1, 6)]))


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
                          events: EventRepo, profiles: ProfileRepo, clock: Clock) -> None:
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    profile = await profiles.get(actor.user_id)
    if event is None or not may_see(actor, event, profile.expertise if profile else []):
        await stale_button(query)
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
    await stale_button(query)


async def cmd_events(message: Message, actor: Actor, events: EventRepo, profiles: ProfileRepo,
                     verification: VerificationService, ref: ReferenceData,
                     clock: Clock) -> None:
    if not actor.is_member:
        await message.answer(_("The directory is open to members once their application is "
                               "approved."))
        return
    profile = await profiles.get(actor.user_id)
    expertise = profile.expertise if profile else []
    upcoming = [e for e in await events.upcoming(clock.now()) if may_see(actor, e, expertise)]
    if not upcoming:
        await message.answer(_("No upcoming events."))
        return
    zone = ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")
    for event in upcoming[:20]:
        chosen = await events.answer_of(event.id, actor.user_id)
        keyboard = answer_keyboard(event.id, chosen)
        if actor.is_staff and await may_manage_event(actor, event, verification):
            keyboard.inline_keyboard.append([
                button(_("Answers"), EventCb(action=EventAction.STATS, event_id=event.id)),
                button(_("Attendee list"), EventCb(action=EventAction.CSV, event_id=event.id))])
            keyboard.inline_keyboard.append([
                button(_("Edit"), EventCb(action=EventAction.EDIT, event_id=event.id)),
                button(_("Cancel event"), EventCb(action=EventAction.CANCEL, event_id=event.id))])
        await message.answer(card_text(event.payload(), actor.locale, zone),
                             reply_markup=keyboard)


async def managed_event(query: CallbackQuery, callback_data: EventCb,
                        actor: Actor, events: EventRepo,
                        verification: VerificationService) -> tuple[Event, Message] | None:
    """The event of an organiser's button, if she may manage it now (else a popup)."""
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    if event is None or message is None or not await may_manage_event(actor, event,
                                                                       verification):
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return None
    return event, message


async def cb_stats(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                   events: EventRepo, ref: ReferenceData,
                   verification: VerificationService) -> None:
    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    event, message = found
    await query.answer()
    lines = [_("Answers to «{title}»:").format(title=escape(event.title))]
    for country, answer, count in await events.counts(event.id):
        place = ref.country(country, actor.locale) if country else "—"
        lines.append(f"{escape(place)} · {answer_label(answer)}: {count}")
    if len(lines) == 1:
        lines.append(_("No answers yet."))
    await message.answer("\n".join(lines))


async def cb_csv(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                 events: EventRepo, verification: VerificationService) -> None:
    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    event, message = found
    await query.answer()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "country", "answer", "answered_at_utc"])
    for row in await events.attendee_rows(event.id):
        name = row["full_name"] if row["shows_name"] else _("(name not shown)")
        writer.writerow([spreadsheet_safe(str(value or "")) for value in (
            name, row["country_code"], row["answer"], row["updated_at"])])
    await message.answer_document(
        BufferedInputFile(buffer.getvalue().encode("utf-8-sig"),
                          filename=f"event-{event.id}-attendees.csv"),
        protect_content=True)


async def cb_to_chats(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                      events: EventRepo, chats: ChatRepo, bot: Bot,
                      verification: VerificationService, clock: Clock,
                      claims: ClaimRepo) -> None:
    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    event, message = found
    await query.answer()
    if not await claims.claim(f"event_chats:{event.id}", clock.now()):
        return  # already posted (a double tap)
    posted = []
    for chat in await chats_for(Audience.parse(event.audience), chats):
        try:
            await bot.send_message(chat.chat_id, card_text(event.payload(), actor.locale,
                                                           event.timezone))
        except TelegramAPIError:
            continue
        posted.append(escape(chat.title))
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(_("Posted to: {chats}").format(chats=", ".join(posted))
                         if posted else _("Sorry, something went wrong on our side. Please "
                                          "try again in a moment."))


async def cb_edit(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                  events: EventRepo, verification: VerificationService,
                  dialog_manager: DialogManager) -> None:
    """The edit dialog (handlers.event_form): what to change, confirmed with who is told."""
    from handlers.event_form.editing import open_edit

    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    await open_edit(dialog_manager, callback_data.event_id, found[1])


async def cb_cancel(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                    events: EventRepo, verification: VerificationService,
                    dialog_manager: DialogManager) -> None:
    """"Cancel «…» and tell N people?" first (the edit dialog's confirmation)."""
    from handlers.event_form.editing import open_edit

    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    if found[0].status != "published":
        await query.answer(_("This event has been cancelled."), show_alert=True)
        return
    await open_edit(dialog_manager, callback_data.event_id, found[1], cancel=True)


def create_router() -> Router:
    router = Router(name="events")
    private = F.chat.type == "private"
    router.message.register(cmd_events, Command("events"), private)
    router.callback_query.register(
        cb_event_member, EventCb.filter(F.action.in_({EventAction.RSVP, EventAction.ICS,
                                                      EventAction.RATE})))
    for action, handler in ((EventAction.STATS, cb_stats), (EventAction.CSV, cb_csv),
                            (EventAction.TO_CHATS, cb_to_chats), (EventAction.EDIT, cb_edit),
                            (EventAction.CANCEL, cb_cancel)):
        router.callback_query.register(handler, EventCb.filter(F.action == action))
    return router
