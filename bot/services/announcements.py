"""Announcements: who may address whom, sending one now, or scheduling it for a moment in a
chosen zone (kept in the database, sent by the minute job: a restart keeps it).

The sender's role is asked when she presses Send and again when a scheduled one goes out (a
coordinator dismissed meanwhile sends nothing). Each member gets the text in her language
when the organiser wrote one (``texts``), rendered at send time by the delivery engine.

The author's "Scheduled: it goes to N members on …" (with *Withdraw it*) goes through the
delivery engine too (:meth:`AnnouncementService.confirm_scheduled`), so its message id is kept
on its outbox row: once the announcement is sent, or could not be, the minute job edits it
("Sent on …", "Not sent …") and it loses the button; withdrawing edits it where she pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from bot.clock import Clock
from bot.db.database import Database
from bot.db.repositories.announcements import AnnouncementRepo, ScheduledAnnouncement
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.message_kinds import MessageKind
from bot.services.roles import Authority

ALL = "*"


class Sent(str, Enum):
    DONE = "done"
    SCHEDULED = "scheduled"
    NOT_ALLOWED = "not_allowed"
    NOBODY = "nobody"
    PAST = "past"
    ALREADY = "already"


class Withdrawal(str, Enum):
    """What *Withdraw it* did (anything but DONE changed nothing)."""

    DONE = "done"
    ALREADY = "already"  # she withdrew it before (a second tap, an older copy)
    SENT = "sent"  # it went out at its time
    NOT_SENT = "not_sent"  # its time came and it could not go (role, nobody)
    UNKNOWN = "unknown"  # not hers, or no such announcement (forged)


@dataclass(frozen=True)
class SendResult:
    outcome: Sent
    broadcast_id: int | None = None
    recipients: int = 0
    scheduled_id: int | None = None


class AnnouncementService:
    def __init__(self, db: Database, repo: AnnouncementRepo, profiles: ProfileRepo,
                 delivery: DeliveryService, audit: AuditRepo, authority: Authority,
                 claims: ClaimRepo, clock: Clock) -> None:
        self._db = db
        self._repo = repo
        self._profiles = profiles
        self._delivery = delivery
        self._audit = audit
        self._authority = authority
        self._claims = claims
        self._clock = clock
        delivery.after_sent(MessageKind.SCHEDULED_GOING, self._going_shown)

    async def _going_shown(self, payload: dict[str, Any], author: int, message_id: int) -> None:
        await self._delivery.show_progress_in(int(payload["broadcast_id"]), author, message_id)

    async def may_address(self, user_id: int, audience: str) -> bool:
        """Administrators: everyone or any country; a coordinator: her own country."""
        if audience == ALL:
            return self._authority.is_admin(user_id)
        return await self._authority.may_manage(user_id, audience)

    async def recipients(self, audience: str, sender: int) -> list[int]:
        members = await self._profiles.approved_members(None if audience == ALL else [audience])
        return [r for r in members if r != sender]

    async def send_now(self, sender: int, draft_key: str, audience: str,
                       payload: dict[str, Any]) -> SendResult:
        now = self._clock.now()
        refused = await self._refusal(sender, audience)
        if refused is not None:
            return refused
        if not await self._claims.claim(f"announce:{sender}:{draft_key}", now):
            return SendResult(Sent.ALREADY)
        return await self._enqueue(sender, audience, payload, now)

    async def schedule(self, sender: int, draft_key: str, audience: str,
                       payload: dict[str, Any], send_at: datetime, timezone: str
                       ) -> SendResult:
        now = self._clock.now()
        refused = await self._refusal(sender, audience)
        if refused is not None:
            return refused
        if send_at <= now:
            return SendResult(Sent.PAST)
        if not await self._claims.claim(f"announce:{sender}:{draft_key}", now):
            return SendResult(Sent.ALREADY)
        item = await self._repo.schedule(sender, audience, payload, send_at, timezone, now)
        await self._audit.record(now, sender, "schedule_announcement",
                                 country_code=None if audience == ALL else audience,
                                 details=f"scheduled #{item}")
        return SendResult(Sent.SCHEDULED, recipients=len(await self.recipients(audience, sender)),
                          scheduled_id=item)

    async def confirm_scheduled(self, author: int, result: SendResult) -> None:
        """Tell her it is scheduled ("Scheduled: it goes to N members on …", *Withdraw it*),
        at once; its message id is kept, so the message is edited when it goes or not."""
        assert result.scheduled_id is not None
        await self._delivery.send_now(MessageKind.SCHEDULED_CONFIRMED, [Outgoing(
            author, {"scheduled_id": result.scheduled_id, "count": result.recipients})])

    async def scheduled(self, item_id: int) -> ScheduledAnnouncement | None:
        return await self._repo.get(item_id)

    async def withdraw(self, sender: int, item_id: int) -> Withdrawal:
        """A scheduled announcement taken back by its author before it goes out (once)."""
        now = self._clock.now()
        if await self._repo.withdraw(item_id, sender, now):
            await self._audit.record(now, sender, "withdraw_announcement",
                                     details=f"scheduled #{item_id}")
            return Withdrawal.DONE
        item = await self._repo.get(item_id)
        if item is None or item.created_by != sender:
            return Withdrawal.UNKNOWN
        return {"withdrawn": Withdrawal.ALREADY, "sent": Withdrawal.SENT}.get(
            item.outcome or "", Withdrawal.NOT_SENT)

    async def _settle_confirmation(self, item_id: int, count: int = 0) -> None:
        """Her "Scheduled: …" says what became of it and loses *Withdraw it*."""
        await self._delivery.edit_sent(MessageKind.SCHEDULED_CONFIRMED, "scheduled_id", item_id,
                                       MessageKind.SCHEDULED_CONFIRMED,
                                       {"scheduled_id": item_id, "count": count})

    async def send_due(self, now: datetime) -> int:
        """The scheduled announcements whose moment has come (the minute job)."""
        sent = 0
        for item in await self._repo.due(now):
            async with self._db.transaction():
                if not await self.may_address(item.created_by, item.audience):
                    await self._repo.mark(item.id, now, "not_allowed")
                    await self._audit.record(now, item.created_by, "announce",
                                             outcome="refused", details=f"scheduled #{item.id}")
                    await self._tell_not_sent(item.created_by, Sent.NOT_ALLOWED)
                    await self._settle_confirmation(item.id)
                    continue
                recipients = await self.recipients(item.audience, item.created_by)
                if not recipients:
                    await self._repo.mark(item.id, now, "nobody")
                    await self._tell_not_sent(item.created_by, Sent.NOBODY)
                    await self._settle_confirmation(item.id)
                    continue
                result = await self._enqueue(item.created_by, item.audience, item.payload, now,
                                             recipients)
                await self._repo.mark(item.id, now, "sent", result.broadcast_id)
                # she sees it go: this message becomes the broadcast's progress report
                await self._delivery.enqueue_each(MessageKind.SCHEDULED_GOING, [(
                    {"broadcast_id": result.broadcast_id, "count": len(recipients)},
                    item.created_by)])
                await self._settle_confirmation(item.id, len(recipients))
                sent += 1
        return sent

    async def _tell_not_sent(self, author: int, why: Sent) -> None:
        await self._delivery.enqueue_each(MessageKind.SCHEDULED_NOT_SENT,
                                          [({"why": why.value}, author)])

    async def _refusal(self, sender: int, audience: str) -> SendResult | None:
        if not await self.may_address(sender, audience):
            return SendResult(Sent.NOT_ALLOWED)
        if not await self.recipients(audience, sender):
            return SendResult(Sent.NOBODY)
        return None

    async def _enqueue(self, sender: int, audience: str, payload: dict[str, Any],
                       now: datetime, recipients: list[int] | None = None) -> SendResult:
        recipients = recipients if recipients is not None else await self.recipients(
            audience, sender)
        broadcast_id = await self._delivery.enqueue(MessageKind.ANNOUNCEMENT, payload,
                                                    recipients, sender)
        await self._audit.record(now, sender, "announce",
                                 country_code=None if audience == ALL else audience,
                                 details=f"broadcast #{broadcast_id}, {len(recipients)} "
                                         "recipients")
        return SendResult(Sent.DONE, broadcast_id, len(recipients))
