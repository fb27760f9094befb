"""Events as calendar entries: the .ics file (RFC 5545) and "add to" links for Google and Outlook.

One event is one VEVENT with a UID that is unique across installations (a random one stored
with the event, never its row id), a SEQUENCE that grows with every change and the cancel (so
a calendar app replaces the entry it has instead of adding a second one), DTSTAMP when the
file is made, STATUS:CANCELLED once cancelled, and a VALARM an hour before. The summary and
description are in the reader's language when the organiser gave a translation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from icalendar import Alarm, Calendar
from icalendar import Event as CalendarEvent

from bot.db.repositories.events import Event

PRODID = "-//Regional Association of Women in Law Enforcement//Association bot//EN"
ALARM_BEFORE = timedelta(hours=1)
LINK_DETAILS_MAX = 400  # a link button carries a shortened description; the file has it all


def ends_at(event: Event) -> datetime:
    return event.starts_at + timedelta(minutes=event.duration_minutes)


def calendar_file(event: Event, locale: str, now: datetime) -> bytes:
    """The event as an iCalendar file in her language (times in UTC inside, so every app
    shows them in its own zone)."""
    title, description = event.localized(locale)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", event.uid)
    entry.add("dtstamp", now)
    if event.created_at is not None:
        entry.add("created", event.created_at)
    if event.updated_at is not None:
        entry.add("last-modified", event.updated_at)
    entry.add("sequence", event.sequence)
    entry.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    entry.add("summary", title)
    entry.add("description", description)
    entry.add("location", event.place)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", ends_at(event))
    if event.status != "cancelled":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", -ALARM_BEFORE)
        entry.add_component(alarm)
    calendar.add_component(entry)
    return calendar.to_ical()


def _short(text: str) -> str:
    return text if len(text) <= LINK_DETAILS_MAX else text[:LINK_DETAILS_MAX - 1] + "…"


def google_calendar_url(event: Event, locale: str) -> str:
    title, description = event.localized(locale)
    stamp = "%Y%m%dT%H%M%SZ"
    return "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": title,
        "dates": f"{event.starts_at.strftime(stamp)}/{ends_at(event).strftime(stamp)}",
        "details": _short(description), "location": event.place})


def outlook_url(event: Event, locale: str) -> str:
    title, description = event.localized(locale)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": title,
        "startdt": event.starts_at.strftime(stamp), "enddt": ends_at(event).strftime(stamp),
        "body": _short(description), "location": event.place})
