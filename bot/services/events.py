"""Events: who an event is for, reminders at the right moments, the calendar file, and the
organiser's side (publishing a draft once, a new audience). What she types is read in
:mod:`bot.services.event_input`.

Reminders are rows in the outbox like every broadcast; what is due is decided from the events
table and the injected clock, and each reminder is marked done in the same transaction that
queues it, so a restart neither loses nor repeats one. Past events are never reminded. A
reminder counts only if its moment (start − 24 h, start − 1 h) comes after the event was
published or its start last changed (``reminders_armed_at``): an event published 10 hours
ahead gets the 1-hour reminder only, and nothing is marked done before it is due; a start
moved later re-arms both, and no move gives a "Reminder" a minute after the change notice.
Changes and the cancel go out to Going and Maybe (what changed, old → new, rendered for each
reader) and the new calendar file to whoever took one (``bot.services.calendar``).

The card posted to the association's chats (:meth:`EventService.post_to_chats`, once per
chat) is kept live like the members' own cards: its message id is kept
(``event_chat_posts``), a change edits it to the new details and a cancel says so and takes
its "Answer in the bot" button away — edits through the outbox like every other, so a post a
chat's administrator deleted, or a chat the bot has left, ends its edit quietly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from bot.clock import Clock
from bot.db.database import Database
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.events import Event, EventRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.message_kinds import MessageKind
from bot.services.roles import Authority

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


UNCHANGED = -2  # EventService.update: the values were the event's already

REMINDERS = (("reminded_24h_at", timedelta(hours=24)), ("reminded_1h_at", timedelta(hours=1)))




async def told_of(events: EventRepo, event: Event, changes: dict[str, object]) -> list[int]:
    """Who a change tells: those who answered Going or Maybe — of a translation, only those
    whose language's title or description it changes (the others read nothing new: no empty
    "This event has changed:", no new calendar file)."""
    if set(changes) != {"texts"}:
        return await events.attendees(event.id)
    texts = changes["texts"]
    assert isinstance(texts, dict)
    after = replace(event, texts=texts)
    return [user for user, locale in (await events.attendee_locales(event.id)).items()
            if after.localized(locale) != event.localized(locale)]


@dataclass
class ChatPosting:
    """What "Post to the chats" did: the chats it posted to now and those it could not."""

    posted: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


# Posts the card to one chat; the message's id, or None if Telegram refused or failed.
PostToChat = Callable[[int], Awaitable[int | None]]


class EventService:
    def __init__(self, db: Database, events: EventRepo, delivery: DeliveryService,
                 claims: ClaimRepo, clock: Clock) -> None:
        self._db = db
        self._events = events
        self._delivery = delivery
        self._claims = claims
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
            # the card each member has says so too, and loses its answer buttons; so do the
            # change notices and reminders she had (their buttons would answer a stale popup)
            for kind in (MessageKind.EVENT, MessageKind.EVENT_CHANGED,
                         MessageKind.EVENT_REMINDER):
                await self._delivery.edit_sent(kind, "event_id", event.id,
                                               MessageKind.EVENT_CARD, {"event_id": event.id})
            # and the posts in the chats: "This event has been cancelled.", no button
            await self._edit_chat_posts(event.id, {"event_id": event.id})
            await self._send_calendar_files(event.id)
        return len(recipients)

    async def change(self, event: Event, field: str, value: object) -> int:
        """Change a detail and tell everyone who answered Going or Maybe; -1 if not possible."""
        return await self.update(event, {field: value})

    async def update(self, event: Event, changes: dict[str, object]) -> int:
        """Change details (see ``EventRepo.update_fields``) and tell everyone who answered
        Going or Maybe what changed, old → new, in her language; whoever took the calendar
        file gets the new one. Returns how many were told, -1 if not possible, ``UNCHANGED``
        if every value is what the event has already (nothing written, nobody told)."""
        async with self._db.transaction():
            current = await self._events.get(event.id)
            if current is None or current.status != "published":
                return -1
            changes = {name: value for name, value in changes.items()
                       if getattr(current, name) != value}
            if not changes:
                return UNCHANGED
            if not await self._events.update_fields(event.id, changes, self._clock.now()):
                return -1
            changed = await self._events.get(event.id)
            assert changed is not None
            recipients = await told_of(self._events, current, changes)
            notice = {**changed.payload(), "before": event.payload()}
            if recipients:
                await self._delivery.enqueue(MessageKind.EVENT_CHANGED, notice, recipients, None)
            # one live card per member: the card she has shows the event as it is now and
            # what changed (the notice above is what rings her phone, for those who answered)
            await self._delivery.edit_sent(MessageKind.EVENT, "event_id", event.id,
                                           MessageKind.EVENT_CARD, notice)
            # her earlier reminders and change notices show the event as it is now, so no
            # message above keeps the old time (the new notice, below, says what changed)
            for kind in (MessageKind.EVENT_REMINDER, MessageKind.EVENT_CHANGED):
                await self._delivery.edit_sent(kind, "event_id", event.id,
                                               MessageKind.EVENT_CARD, {"event_id": event.id})
            # the posts in the chats show the new details too, with what changed
            await self._edit_chat_posts(event.id, notice)
            await self._send_calendar_files(event.id, None if set(changes) != {"texts"}
                                            else set(recipients))
        return len(recipients)

    # ---- the card in the association's chats ----------------------------------------------

    async def post_to_chats(self, event: Event, chat_ids: list[int],
                            post: PostToChat) -> ChatPosting:
        """Post its card to each of these chats once, however often or concurrently "Post to
        the chats" is pressed: a chat that has its post, or one being posted by another
        press, is skipped (an atomic claim per chat, given back if the post failed, so "Try
        again" posts there and only there). Each post's message id is kept, so changes and
        the cancel edit it; one that changed while it was being posted is edited at once."""
        done = ChatPosting()
        has_post = {chat_id for chat_id, _message in await self._events.chat_posts(event.id)}
        for chat_id in chat_ids:
            key = f"event_chats:{event.id}:{chat_id}"
            if chat_id in has_post or not await self._claims.claim(key, self._clock.now()):
                continue
            message_id = await post(chat_id)  # Telegram: never inside a transaction
            if message_id is None:
                await self._claims.release(key)
                done.failed.append(chat_id)
                continue
            await self._events.record_chat_post(event.id, chat_id, message_id,
                                                self._clock.now())
            done.posted.append(chat_id)
        latest = await self._events.get(event.id)
        if done.posted and latest is not None and latest.sequence != event.sequence:
            # changed or cancelled after the card was drawn: its edit missed these posts
            await self._edit_chat_posts(event.id, {"event_id": event.id}, set(done.posted))
        return done

    async def _edit_chat_posts(self, event_id: int, payload: dict[str, Any],
                               only: set[int] | None = None) -> None:
        """Queue an edit of its posts in the chats (``only``: in these chats), rendered in
        each chat's language when it is sent."""
        posts = [(chat_id, message_id) for chat_id, message_id
                 in await self._events.chat_posts(event_id) if only is None or chat_id in only]
        await self._delivery.queue(MessageKind.EVENT_CHAT_POST, [
            Outgoing(chat_id, payload, edit_of=message_id) for chat_id, message_id in posts])

    # ---- after the event: "How was it?" (a mark says she was there), a comment ----------

    def has_ended(self, event: Event) -> bool:
        return self._clock.now() >= event.starts_at + timedelta(minutes=event.duration_minutes)

    async def rate(self, event: Event, user_id: int, mark: int) -> bool:
        """Her mark, asked for after the event (a forged one before it is not stored) of
        those who answered Going or Maybe."""
        return self.has_ended(event) and 1 <= mark <= 5 and await self._events.rate(
            event.id, user_id, mark, self._clock.now())

    async def not_there(self, event: Event, user_id: int) -> bool:
        return self.has_ended(event) and await self._events.not_there(event.id, user_id)

    async def may_comment(self, event: Event, user_id: int) -> bool:
        return self.has_ended(event) and await self._events.has_rated(event.id, user_id)

    async def comment(self, event: Event, user_id: int, text: str) -> bool:
        """Her anonymous comment (she rated it first); the organiser reads it without a
        name, and only once enough people have rated (``handlers.event_report``)."""
        return self.has_ended(event) and await self._events.comment(event.id, user_id, text)

    async def took_calendar_file(self, event_id: int, user_id: int) -> None:
        await self._events.record_calendar_taker(event_id, user_id, self._clock.now())

    async def _send_calendar_files(self, event_id: int, only: set[int] | None = None) -> None:
        """The file as it is now to those who took one (rendered when sent: the newest);
        ``only``: of those, the ones it changed for."""
        takers = [user for user in await self._events.calendar_takers(event_id)
                  if only is None or user in only]
        if takers:
            await self._delivery.enqueue(MessageKind.EVENT_CALENDAR, {"event_id": event_id},
                                         takers, None)

# ---- the organiser's side: publishing a draft, an audience changed after publishing ---------
# (/newevent and its edits call these; the change and cancel notices stay with EventService)

@dataclass(frozen=True)
class Draft:
    """An event as the organiser composed it in /newevent, not yet published."""

    title: str
    description: str
    starts_at: datetime
    timezone: str
    duration: int
    place: str
    audience: Audience
    texts: dict[str, dict[str, str]]


class Published(str, Enum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"  # her role no longer reaches that audience
    PAST = "past"  # the start has passed while she composed it
    ALREADY = "already"  # this draft was published already (a double tap)


@dataclass(frozen=True)
class PublishResult:
    outcome: Published
    event_id: int | None = None
    broadcast_id: int | None = None
    recipients: int = 0


class EventOrganiser:
    """Who an event reaches, and publishing it once: the role is asked when she presses
    Publish (a coordinator dismissed meanwhile publishes nothing)."""

    def __init__(self, db: Database, events: EventRepo, profiles: ProfileRepo,
                 delivery: DeliveryService, audit: AuditRepo, authority: Authority,
                 claims: ClaimRepo, clock: Clock) -> None:
        self._db = db
        self._events = events
        self._profiles = profiles
        self._delivery = delivery
        self._audit = audit
        self._authority = authority
        self._claims = claims
        self._clock = clock

    async def may_reach(self, user_id: int, audience: Audience) -> bool:
        return await self._authority.may_reach(user_id, audience.countries, audience.expertise)

    async def recipients(self, audience: Audience, organiser: int) -> list[int]:
        """The approved members the audience includes, the organiser herself left out."""
        if audience.expertise:
            everyone = await self._profiles.approved_with_expertise(audience.expertise)
        else:
            everyone = await self._profiles.approved_members(
                list(audience.countries) if audience.countries else None)
        return [r for r in everyone if r != organiser]

    async def publish(self, organiser: int, draft_key: str, draft: Draft) -> PublishResult:
        now = self._clock.now()
        if not await self.may_reach(organiser, draft.audience):
            await self._audit.record(now, organiser, "publish_event", outcome="refused",
                                     country_code=draft.audience.single_country)
            return PublishResult(Published.NOT_ALLOWED)
        if draft.starts_at <= now:
            return PublishResult(Published.PAST)
        # one draft publishes once, however often or concurrently Publish is pressed
        if not await self._claims.claim(f"event:{organiser}:{draft_key}", now):
            return PublishResult(Published.ALREADY)
        texts = {code: t for code, t in draft.texts.items()
                 if t.get("title") and t.get("description")}
        async with self._db.transaction():
            event_id = await self._events.create(
                organiser, draft.audience.encode(), draft.title, draft.description,
                draft.starts_at, draft.timezone, draft.duration, draft.place, now, texts)
            event = await self._events.get(event_id)
            assert event is not None
            recipients = await self.recipients(draft.audience, organiser)
            broadcast_id = await self._delivery.enqueue(MessageKind.EVENT, event.payload(),
                                                        recipients, organiser)
            await self._audit.record(now, organiser, "publish_event",
                                     country_code=draft.audience.single_country,
                                     details=f"event #{event_id} for {draft.audience.encode()}")
        return PublishResult(Published.DONE, event_id, broadcast_id, len(recipients))

    async def newly_included(self, event: Event, audience: Audience) -> list[int]:
        """Who a new audience adds to the event's (they get its card)."""
        before = set(await self.recipients(Audience.parse(event.audience),
                                           event.created_by or 0))
        return [r for r in await self.recipients(audience, event.created_by or 0)
                if r not in before]

    async def newly_excluded(self, event: Event, audience: Audience) -> list[int]:
        """Who a new audience leaves out of the event's."""
        after = set(await self.recipients(audience, event.created_by or 0))
        return [r for r in await self.recipients(Audience.parse(event.audience),
                                                 event.created_by or 0) if r not in after]

    async def change_audience(self, event: Event, audience: Audience, actor: int) -> int:
        """A new audience; those it adds get the card, those it leaves out who had answered
        Going or Maybe are told, and their answers (so their reminders) go. -1 if the event
        is no longer open or her role does not reach the new audience."""
        if not await self.may_reach(actor, audience):
            return -1
        async with self._db.transaction():
            added = await self.newly_included(event, audience)
            removed = set(await self.newly_excluded(event, audience))
            told = [r for r in await self._events.attendees(event.id) if r in removed]
            if removed:
                await self._events.forget(event.id, sorted(removed))
            if told:
                await self._delivery.enqueue(MessageKind.EVENT_WITHDRAWN, event.payload(),
                                             told, actor)
            if not await self._events.update_field(event.id, "audience", audience.encode(),
                                                   self._clock.now()):
                return -1
            changed = await self._events.get(event.id)
            assert changed is not None
            if added:
                await self._delivery.enqueue(MessageKind.EVENT, changed.payload(), added, actor)
            await self._audit.record(self._clock.now(), actor, "edit_event",
                                     details=f"event #{event.id}: audience")
        return len(added)

    async def change(self, service: EventService, event: Event, field: str, value: object,
                     actor: int) -> int:
        """A detail changed through :meth:`EventService.change` (which tells those who
        answered), written to the audit log; -1 if the event is no longer open."""
        told = await service.change(event, field, value)
        if told >= 0:  # not UNCHANGED: saving what it had already is no edit
            await self._audit.record(self._clock.now(), actor, "edit_event",
                                     details=f"event #{event.id}: {field}")
        return told

    async def cancel(self, service: EventService, event: Event, actor: int) -> int:
        told = await service.cancel(event)
        if told >= 0:
            await self._audit.record(self._clock.now(), actor, "cancel_event",
                                     details=f"event #{event.id}")
        return told

    async def told_of_change(self, event: Event, changes: dict[str, object] | None = None
                             ) -> int:
        """How many a change (``changes``) or a cancellation tells: those who answered Going
        or Maybe (of a translation, those whose language it changes)."""
        if changes:
            return len(await told_of(self._events, event, changes))
        return len(await self._events.attendees(event.id))

    async def may_manage(self, actor: int, event: Event) -> bool:
        """Asked now, of the current role: any administrator, or the organiser while she is
        still staff of the event's audience."""
        audience = Audience.parse(event.audience)
        return await self._authority.may_manage_event(actor, event.created_by,
                                                      audience.countries, audience.expertise)
