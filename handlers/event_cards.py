"""What members read about an event, rendered for each recipient when it is sent.

The card, the reminders ("⏰ Reminder · in 1 hour"), the change notice (what changed, old →
new), the cancel notice, the "How was it?" question and the updated calendar file: each in
her language (the organiser's translation of the title and description when there is one),
with times in her zone, and — wherever it asks her something — the buttons to answer it.
The async renderers read the event as it is at send time, so a card queued before a change
shows the change and nothing is sent about an event that was cancelled meanwhile.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import EventAction, EventCb
from bot.clock import Clock, from_db
from bot.db.repositories.chats import chat_locale
from bot.db.repositories.events import ANSWERS, Event, EventRepo
from bot.i18n import format_range, format_when, use_locale, zone_name
from bot.keyboards import button, rows, url_button
from bot.services.calendar import calendar_file, google_calendar_url, outlook_url
from bot.services.delivery import Document, Recipient
from bot.services.message_kinds import MessageKind

SHORT = 80  # an old → new line shows at most this much of a long text
COMMENT_MAX = 500  # an anonymous comment after the event


def answer_label(answer: str) -> str:
    return {"going": _("Going"), "maybe": _("Maybe"), "no": _("Can't")}[answer]


def _localized(payload: dict[str, Any], locale: str) -> dict[str, Any]:
    translated = (payload.get("texts") or {}).get(locale) or {}
    return {**payload, **{k: v for k, v in translated.items() if v}}


def _when(payload: dict[str, Any], locale: str, timezone: str) -> str:
    start = from_db(payload["starts_at"])
    end = start + timedelta(minutes=int(payload["duration"]))
    return _("When: {when} ({zone})").format(when=format_range(start, end, locale, timezone),
                                             zone=zone_name(timezone, locale))


def counts_line(going: int, maybe: int) -> str:
    return "👥 " + _("{going} going · {maybe} maybe").format(going=going, maybe=maybe)


def card_text(payload: dict[str, Any], locale: str, timezone: str,
              counts: tuple[int, int] | None = None) -> str:
    """The card in her language: the organiser's translation if there is one, else the
    original title and description; the time always in her zone and locale; how many are
    going when anyone answered."""
    shown = _localized(payload, locale)
    lines = ["📅 <b>" + escape(shown["title"]) + "</b>", "", escape(shown["description"]), "",
             _when(shown, locale, timezone),
             _("Where: {place}").format(place=escape(shown["place"]))]
    if counts and any(counts):
        lines.append(counts_line(*counts))
    return "\n".join(lines)


def online_link(place: str) -> str | None:
    """The place when it is a link (an online event): reminders carry it as a button."""
    value = place.strip()
    return value if value.startswith(("https://", "http://")) and " " not in value else None


def calendar_buttons(event: Event, locale: str) -> list[list[InlineKeyboardButton]]:
    return [[button(_("Add to calendar"), EventCb(action="ics", event_id=event.id))],
            [url_button("Google Calendar", google_calendar_url(event, locale)),
             url_button("Outlook", outlook_url(event, locale))]]


def answer_keyboard(event_id: int, chosen: str | None, event: Event | None = None,
                    locale: str = "", *, join_link: bool = False) -> InlineKeyboardMarkup:
    """Going / Maybe / Can't (hers ticked), the calendar file and, with the event, the
    Google and Outlook links (and the online link, for a reminder)."""
    lines: list[list[InlineKeyboardButton]] = [
        [button(("✓ " if chosen == a else "") + answer_label(a),
                EventCb(action="rsvp", event_id=event_id, value=a)) for a in ANSWERS]]
    if event is None:
        lines.append([button(_("Add to calendar"), EventCb(action="ics", event_id=event_id))])
    else:
        link = online_link(event.place) if join_link else None
        if link:
            lines.insert(0, [url_button(_("Join online"), link)])
        lines += calendar_buttons(event, locale)
    return rows(*lines)


def chat_post_view(event: Event, locale: str, timezone: str, link: str,
                   before: dict[str, Any] | None = None
                   ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card posted in a chat, in the chat's language and zone, with "Answer in the bot"
    (``link``) and the calendar links; after a change, what changed (``before``: the event
    as it was); once cancelled, it says so and has no buttons."""
    text = card_text(event.payload(), locale, timezone)
    if event.status != "published":
        return text + "\n\n" + _("This event has been cancelled."), None
    if before is not None:
        lines = changes_lines(before, event.payload(), locale, timezone)
        if lines:
            text += "\n\n" + "\n".join([_("✏️ This event has changed:"), *lines])
    return text, rows([url_button(_("Answer in the bot"), link)],
                      *calendar_buttons(event, locale)[1:])


def field_name(field: str) -> str:
    return {"title": _("Title"), "description": _("Description"), "starts_at": _("Start"),
            "place": _("Place")}[field]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def changes_lines(before: dict[str, Any], after: dict[str, Any], locale: str,
                  timezone: str) -> list[str]:
    """What changed as she reads it, old → new: in her language, times in her zone."""
    old, new = _localized(before, locale), _localized(after, locale)
    lines = []
    for key in ("title", "description", "place"):
        if old[key] != new[key]:
            lines.append(f"{field_name(key)}: {escape(_short(old[key]))} → "
                         f"{escape(_short(new[key]))}")
    old_when, new_when = _when(old, locale, timezone), _when(new, locale, timezone)
    if old_when != new_when:
        prefix = _("When: {when} ({zone})").split("{when}")[0]
        lines.append(f"{old_when}\n→ {new_when.removeprefix(prefix)}")  # a phone: 2 lines
    if not lines:  # only another language's text changed: say so in the original
        for key in ("title", "description"):
            if before[key] != after[key]:
                lines.append(f"{field_name(key)}: {escape(_short(before[key]))} → "
                             f"{escape(_short(after[key]))}")
    return lines


def renderers(app: Any) -> dict[MessageKind, Any]:
    """What the delivery engine sends for events, rendered for each recipient at send time."""
    events: EventRepo = app.events
    clock: Clock = app.clock

    async def current(payload: dict[str, Any]) -> Event | None:
        event = await events.get(int(payload["event_id"]))
        return event if event is not None and event.status == "published" else None

    async def live_card(event: Event, to: Recipient, *, join_link: bool = False
                        ) -> tuple[str, InlineKeyboardMarkup]:
        counts = await events.going_maybe(event.id)
        chosen = await events.answer_of(event.id, to.user_id)
        return (card_text(event.payload(), to.locale, to.timezone, counts),
                answer_keyboard(event.id, chosen, event, to.locale, join_link=join_link))

    async def render_event(payload: dict[str, Any], to: Recipient) -> Any:
        event = await current(payload)
        return None if event is None else await live_card(event, to)

    async def render_reminder(payload: dict[str, Any], to: Recipient) -> Any:
        event = await current(payload)
        if event is None or event.starts_at <= clock.now():
            return None
        text, keyboard = await live_card(event, to, join_link=True)
        when = format_when(event.starts_at, clock.now(), to.locale, to.timezone)
        return _("⏰ Reminder") + " · " + escape(when) + "\n\n" + text, keyboard

    async def render_changed(payload: dict[str, Any], to: Recipient) -> Any:
        event = await current(payload)
        if event is None:
            return None  # cancelled meanwhile: the cancel notice says it
        text, keyboard = await live_card(event, to)
        lines = changes_lines(payload.get("before") or payload, payload, to.locale,
                              to.timezone)
        return ("\n".join([_("✏️ This event has changed:"), *lines]) + "\n\n" + text, keyboard)

    async def render_card_update(payload: dict[str, Any], to: Recipient) -> Any:
        """Her card, edited in place: the event as it is now with what changed below it;
        once cancelled, the card says so and has no answer buttons."""
        event = await events.get(int(payload["event_id"]))
        if event is None:
            return None
        if event.status != "published":  # the calendar button gives the cancelled file
            return (card_text(event.payload(), to.locale, to.timezone) + "\n\n"
                    + _("This event has been cancelled."), rows(
                        [button(_("Add to calendar"), EventCb(action="ics", event_id=event.id))]))
        text, keyboard = await live_card(event, to)
        if "before" not in payload:  # an earlier reminder or notice: the event as it is now
            return text, keyboard
        lines = changes_lines(payload["before"], payload, to.locale, to.timezone)
        if lines:
            text += "\n\n" + "\n".join([_("✏️ This event has changed:"), *lines])
        return text, keyboard

    async def render_chat_post(payload: dict[str, Any], to: Recipient) -> Any:
        """The post in a chat (``to`` is the chat), edited in the chat's language, which may
        have changed since it was posted (``handlers.chat_language``)."""
        event = await events.get(int(payload["event_id"]))
        if event is None or app.bot is None:
            return None
        chat = await app.chats.get(to.user_id)
        locale = chat_locale(chat) if chat is not None else to.locale
        zone = app.reference.country_timezones.get(
            chat.country_code if chat is not None and chat.country_code else "", event.timezone)
        link = f"https://t.me/{(await app.bot.me()).username}?start=event-{event.id}"
        with use_locale(app.i18n, locale):
            return chat_post_view(event, locale, zone, link, payload.get("before"))

    async def render_feedback(payload: dict[str, Any], to: Recipient) -> Any:
        title = _localized(payload, to.locale)["title"]
        event_id = int(payload["event_id"])
        return (_("How was «{title}»? Tap a mark from 1 to 5.").format(title=escape(title)),
                rows([button(str(n), EventCb(action=EventAction.RATE, event_id=event_id,
                                             value=str(n))) for n in range(1, 6)],
                     [button(_("I wasn't there"), EventCb(action=EventAction.NOT_THERE,
                                                          event_id=event_id))]))

    async def render_calendar(payload: dict[str, Any], to: Recipient) -> Any:
        event = await events.get(int(payload["event_id"]))
        if event is None:
            return None
        title = event.localized(to.locale)[0]
        caption = (_("This event has been cancelled.") if event.status == "cancelled"
                   else _("«{title}» has changed: open this file to update your calendar."
                          ).format(title=escape(title)))
        return Document(f"event-{event.id}.ics", calendar_file(event, to.locale, clock.now()),
                        caption)

    return {MessageKind.EVENT: render_event, MessageKind.EVENT_REMINDER: render_reminder,
            MessageKind.EVENT_CANCELLED: render_cancelled,
            MessageKind.EVENT_CHANGED: render_changed,
            MessageKind.EVENT_CARD: render_card_update,
            MessageKind.EVENT_CHAT_POST: render_chat_post,
            MessageKind.EVENT_FEEDBACK: render_feedback,
            MessageKind.EVENT_CALENDAR: render_calendar,
            MessageKind.EVENT_WITHDRAWN: render_withdrawn}


def render_cancelled(payload: dict[str, Any], to: Recipient) -> tuple[str, None]:
    return (_("❌ This event has been cancelled:") + "\n\n"
            + card_text(payload, to.locale, to.timezone)), None


def render_withdrawn(payload: dict[str, Any], to: Recipient) -> tuple[str, None]:
    return (_("❌ The organiser has changed who this event is for: it is no longer open to "
              "you.") + "\n\n" + card_text(payload, to.locale, to.timezone)), None


# ---- after the event: what "How was it?" becomes once she answered ---------------------------

def rated_view(event: Event, mark: int, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """Her mark, and the offer of a comment."""
    title = event.localized(locale)[0]
    return ("\n\n".join([
        _("How was «{title}»? Tap a mark from 1 to 5.").format(title=escape(title)),
        _("Thank you! Your mark: {stars}").format(stars="★" * mark + "☆" * (5 - mark)),
        _("You may add a comment: the organiser reads it without your name.")]),
        rows([button(_("Add a comment"), EventCb(action=EventAction.COMMENT,
                                                 event_id=event.id))]))


def not_there_text(event: Event, locale: str) -> str:
    return _("Thank you: noted that you could not come to «{title}».").format(
        title=escape(event.localized(locale)[0]))


def comment_prompt(event: Event, locale: str) -> str:
    return _("Your comment on «{title}»: write it in one message, up to {limit} characters. "
             "The organiser reads it without your name, once at least five people have "
             "rated. /cancel to stop.").format(title=escape(event.localized(locale)[0]),
                                                limit=COMMENT_MAX)
