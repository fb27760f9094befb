"""Events: reading what a coordinator typed, reminders at the right moments, the calendar file.

Reminders are rows in the outbox like every broadcast; what is due is decided from the events
table and the injected clock, and each reminder is marked done in the same transaction that
queues it, so a restart neither loses nor repeats one. Past events are never reminded. A
reminder counts only if its moment (start − 24 h, start − 1 h) comes after the event was
published or its start last changed (``reminders_armed_at``): an event published 10 hours
ahead gets the 1-hour reminder only, and nothing is marked done before it is due; a start
moved later re-arms both, and no move gives a "Reminder" a minute after the change notice.
Changes and the cancel go out to Going and Maybe (what changed, old → new, rendered for each
reader) and the new calendar file to whoever took one (``bot.services.calendar``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.db.database import Database
from bot.db.repositories.events import Event, EventRepo
from bot.services.delivery import DeliveryService
from bot.services.message_kinds import MessageKind

_FORMS = (
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\s+(?P<H>\d{1,2})[:.](?P<M>\d{2})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})[\sT]+(?P<H>\d{1,2}):(?P<M>\d{2})$"),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\s+(?P<H>\d{1,2}):(?P<M>\d{2})$"),
)
ALL = "*"


@dataclass(frozen=True)
class Audience:
    """Who an event is for: everyone, some countries, or members with an area of expertise.

    Stored as text: ``*``, ``KZ,KG`` or ``x:cybercrime``.
    """

    countries: tuple[str, ...] | None = None  # None: every country
    expertise: str | None = None

    @classmethod
    def parse(cls, raw: str) -> Audience:
        if raw == ALL:
            return cls()
        if raw.startswith("x:"):
            return cls(expertise=raw[2:])
        return cls(countries=tuple(sorted(filter(None, raw.split(",")))))

    def encode(self) -> str:
        if self.expertise:
            return "x:" + self.expertise
        return ",".join(self.countries) if self.countries else ALL

    @property
    def single_country(self) -> str | None:
        return self.countries[0] if self.countries and len(self.countries) == 1 else None

    def includes(self, country: str | None, expertise: list[str]) -> bool:
        if self.expertise:
            return self.expertise in expertise
        return self.countries is None or country in self.countries


REMINDERS = (("reminded_24h_at", timedelta(hours=24)), ("reminded_1h_at", timedelta(hours=1)))


def parse_start(text: str | None, timezone: str) -> datetime | None:
    """``25.12.2026 14:00``, ``2026-12-25 14:00`` or ``25/12/2026 14:00`` in that time zone."""
    value = " ".join((text or "").split())
    for form in _FORMS:
        match = form.match(value)
        if match:
            try:
                local = datetime(int(match["y"]), int(match["m"]), int(match["d"]),
                                 int(match["H"]), int(match["M"]), tzinfo=ZoneInfo(timezone))
            except ValueError:
                return None
            return local.astimezone(ZoneInfo("UTC"))
    return None


class EventService:
    def __init__(self, db: Database, events: EventRepo, delivery: DeliveryService,
                 clock: Clock) -> None:
        self._db = db
        self._events = events
        self._delivery = delivery
        self._clock = clock

    async def send_due_reminders(self, now: datetime) -> int:
        """Queue the 24-hour and 1-hour reminders and the after-event question that are due."""
        queued = 0
        # The day-before reminder is skipped for an event less than an hour away: the
        # hour-before one covers it.
        work = [(column, MessageKind.EVENT_REMINDER, await self._events.due_for(
            column, now + before, now, now + timedelta(hours=1) if before > timedelta(hours=1)
            else now)) for column, before in REMINDERS]
        work.append(("feedback_sent_at", "event_feedback",
                     await self._events.due_for("feedback_sent_at", now, now)))
        for column, kind, events in work:
            for event in events:
                async with self._db.transaction():  # marked done together with the queueing
                    recipients = await self._events.attendees(event.id)
                    await self._events.mark(event.id, column, now)
                    if recipients:
                        await self._delivery.enqueue(kind, event.payload(), recipients, None)
                        queued += 1
        return queued

    async def cancel(self, event: Event) -> int:
        """Cancel and tell everyone who answered Going or Maybe, in her language; whoever took
        the calendar file gets the cancelled one. -1 if it was not published any more."""
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._events.cancel(event.id, now):
                return -1
            recipients = await self._events.attendees(event.id)
            if recipients:
                await self._delivery.enqueue(MessageKind.EVENT_CANCELLED, event.payload(),
                                             recipients, None)
            await self._send_calendar_files(event.id)
        return len(recipients)

    async def change(self, event: Event, field: str, value: object) -> int:
        """Change a detail and tell everyone who answered Going or Maybe; -1 if not possible."""
        return await self.update(event, {field: value})

    async def update(self, event: Event, changes: dict[str, object]) -> int:
        """Change details (see ``EventRepo.update_fields``) and tell everyone who answered
        Going or Maybe what changed, old → new, in her language; whoever took the calendar
        file gets the new one. Returns how many were told, -1 if not possible."""
        async with self._db.transaction():
            if not await self._events.update_fields(event.id, changes, self._clock.now()):
                return -1
            changed = await self._events.get(event.id)
            assert changed is not None
            recipients = await self._events.attendees(event.id)
            if recipients:
                await self._delivery.enqueue(
                    MessageKind.EVENT_CHANGED, {**changed.payload(), "before": event.payload()},
                    recipients, None)
            await self._send_calendar_files(event.id)
        return len(recipients)

    async def took_calendar_file(self, event_id: int, user_id: int) -> None:
        await self._events.record_calendar_taker(event_id, user_id, self._clock.now())

    async def _send_calendar_files(self, event_id: int) -> None:
        """The file as it is now to those who took one (rendered when sent: the newest)."""
        takers = await self._events.calendar_takers(event_id)
        if takers:
            await self._delivery.enqueue(MessageKind.EVENT_CALENDAR, {"event_id": event_id},
                                         takers, None)
