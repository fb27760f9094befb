"""Privileged decisions on members, each checked against the actor's role when it runs.

Button data only names the member; whether the presser may act is read from the database
(and ``ADMIN_IDS``) inside the same transaction that changes the member, so forged, replayed,
double-pressed or forwarded buttons change nothing. Every attempt lands in the audit log,
refused ones included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from bot.db.database import Database
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.invites import InviteRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.services.chat_access import ChatAccessService
from bot.services.roles import Authority


class Decision(Enum):
    APPROVE = "approve"
    REJECT = "reject"
    ASK_INFO = "ask_info"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


# decision -> (states it applies to, resulting state)
TRANSITIONS: dict[Decision, tuple[tuple[str, ...], str]] = {
    Decision.APPROVE: (("pending", "needs_info"), "approved"),
    Decision.REJECT: (("pending", "needs_info"), "rejected"),
    Decision.ASK_INFO: (("pending",), "needs_info"),
    Decision.SUSPEND: (("approved",), "suspended"),
    Decision.REINSTATE: (("suspended",), "approved"),
}


class Outcome(Enum):
    DONE = "done"
    FORBIDDEN = "forbidden"
    ALREADY_DECIDED = "already_decided"
    NOT_FOUND = "not_found"
    STALE = "stale"  # the application changed after the card she pressed was sent
    MOVED = "moved"  # a prompt she opened, of an application that went to other reviewers


@dataclass(frozen=True)
class DecisionResult:
    outcome: Outcome
    member_id: int
    country_code: str | None = None
    status: str | None = None
    version: int | None = None  # the application's version now (told on a refusal)


@dataclass(frozen=True)
class ReviewDecision:
    decision: Decision
    decider: int
    decider_is_admin: bool
    at: datetime
    note: str | None


class AnswerOutcome(Enum):
    SENT = "sent"
    NO_QUESTION = "no_question"  # nothing is asked of her now (answered, decided, withdrawn)


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    reviewers: list[int]


# Decisions on an application must be about the version the reviewer saw.
REVIEW_DECISIONS = frozenset({Decision.APPROVE, Decision.REJECT, Decision.ASK_INFO})
REVIEW_OUTCOMES = {"approved": Decision.APPROVE, "rejected": Decision.REJECT,
                   "needs_info": Decision.ASK_INFO}  # status -> the review decision behind it


# What else follows a decision on a member, in its own transaction: (member id, now).
SideEffect = Callable[[int, datetime], Awaitable[None]]


class VerificationService:
    def __init__(self, db: Database, profiles: ProfileRepo, coordinators: CoordinatorRepo,
                 audit: AuditRepo, authority: Authority, chat_access: ChatAccessService,
                 invites: InviteRepo,
                 side_effects: Mapping[Decision, Sequence[SideEffect]] | None = None) -> None:
        # e.g. a suspension puts her mentorships on hold and closes introductions waiting
        # on her; a reinstatement lets them go on (the features register them: no import
        # of theirs here)
        self._side_effects = {decision: tuple(effects)
                              for decision, effects in (side_effects or {}).items()}
        self._chat_access = chat_access
        self._db = db
        self._profiles = profiles
        self._coordinators = coordinators
        self._audit = audit
        self._authority = authority
        self._invites = invites

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._authority.admin_ids

    @property
    def authority(self) -> Authority:
        return self._authority

    async def may_manage(self, actor_id: int, country_code: str | None) -> bool:
        return await self._authority.may_manage(actor_id, country_code)

    async def count_waiting(self, country_code: str | None) -> int:
        """How many applications wait for review (None: of every country)."""
        return await self._profiles.count_waiting(country_code)

    async def waiting(self, country_code: str | None, offset: int, limit: int) -> list[int]:
        """The waiting applicants, longest waiting first: one page for /pending."""
        return await self._profiles.waiting_for_review(country_code, limit=limit, offset=offset)

    async def overdue_reviews(self, waiting_since: datetime) -> dict[str, int]:
        """Countries whose applications have waited since before ``waiting_since`` and were
        not reminded since then, with how many wait."""
        return await self._profiles.overdue_reviews(submitted_before=waiting_since,
                                                    reminded_before=waiting_since)

    async def mark_reminded(self, country_code: str, waiting_since: datetime, now: datetime
                            ) -> None:
        await self._profiles.mark_reminded(country_code, waiting_since, now)

    async def reminded_reviewers(self, country_code: str) -> list[int]:
        """Who is reminded of that country's waiting applications: its coordinators, or
        the administrators while it has none."""
        return await self._coordinators.of_country(country_code) or sorted(self.admin_ids)

    async def decide(self, actor_id: int, member_id: int, decision: Decision, now: datetime,
                     note: str | None = None, version: int | None = None) -> DecisionResult:
        """``version``: the profile version on the card she pressed (required for reviews)."""
        expected, new_status = TRANSITIONS[decision]
        async with self._db.transaction():
            profile = await self._profiles.get(member_id)
            if profile is None:
                await self._audit.record(now, actor_id, decision.value, target_id=member_id,
                                         outcome=Outcome.NOT_FOUND.value)
                return DecisionResult(Outcome.NOT_FOUND, member_id)
            country = profile.country_code
            if not await self._authority.may_decide_on(actor_id, member_id, country):
                await self._audit.record(now, actor_id, decision.value, target_id=member_id,
                                         country_code=country, outcome=Outcome.FORBIDDEN.value)
                return DecisionResult(Outcome.FORBIDDEN, member_id, country, profile.status,
                                      profile.version)
            if decision in REVIEW_DECISIONS and profile.status in expected \
                    and version != profile.version:
                await self._audit.record(now, actor_id, decision.value, target_id=member_id,
                                         country_code=country, outcome=Outcome.STALE.value)
                return DecisionResult(Outcome.STALE, member_id, country, profile.status)
            changed = await self._profiles.set_status(
                member_id, now, new_status, expected=expected, decided_by=actor_id, note=note,
                version=profile.version if decision in REVIEW_DECISIONS else None)
            outcome = Outcome.DONE if changed else Outcome.ALREADY_DECIDED
            if changed and decision is Decision.SUSPEND:
                await self._chat_access.queue_removals(member_id, "suspended", actor_id, now)
            if changed:
                for effect in self._side_effects.get(decision, ()):
                    await effect(member_id, now)
            await self._audit.record(now, actor_id, decision.value, target_id=member_id,
                                     country_code=country, outcome=outcome.value)
            return DecisionResult(outcome, member_id, country,
                                  new_status if changed else profile.status)

    async def last_review(self, member_id: int) -> ReviewDecision | None:
        """The review decision her application is at (None while it waits, or for a member's
        later changes such as a suspension): what a stale copy of her card should show."""
        found = await self._profiles.decision_of(member_id)
        if found is None:
            return None
        status, decider, at, note = found
        decision = REVIEW_OUTCOMES.get(status)
        if decision is None or decider is None or at is None:
            return None
        return ReviewDecision(decision, decider, decider in self._authority.admin_ids, at, note)

    async def answer_question(self, member_id: int, answer: str, now: datetime) -> AnswerResult:
        """Her typed answer to the reviewer's question: stored, and the application goes
        back to its reviewers (who get a new card showing the question and the answer)."""
        async with self._db.transaction():
            profile = await self._profiles.get(member_id)
            if profile is None or not await self._profiles.record_answer(member_id, answer, now):
                return AnswerResult(AnswerOutcome.NO_QUESTION, [])
            await self._audit.record(now, member_id, "answer_question", target_id=member_id,
                                     country_code=profile.country_code)
        reviewers = await self._authority.reviewers_of(profile.country_code)
        return AnswerResult(AnswerOutcome.SENT, [r for r in reviewers if r != member_id])

    async def appoint_coordinator(self, actor_id: int, member_id: int, country_code: str,
                                  now: datetime) -> Outcome:
        """Idempotent: appointing her again for the same country changes and tells nothing."""
        async with self._db.transaction():
            if not self._authority.is_admin(actor_id):
                await self._audit.record(now, actor_id, "appoint_coordinator", target_id=member_id,
                                         country_code=country_code, outcome="forbidden")
                return Outcome.FORBIDDEN
            profile = await self._profiles.get(member_id)
            if profile is None or profile.status != "approved" \
                    or profile.country_code != country_code:
                return Outcome.NOT_FOUND
            if not await self._coordinators.appoint(member_id, country_code, actor_id, now):
                return Outcome.ALREADY_DECIDED
            await self._audit.record(now, actor_id, "appoint_coordinator", target_id=member_id,
                                     country_code=country_code)
            return Outcome.DONE

    async def remove_coordinator(self, actor_id: int, member_id: int, now: datetime) -> Outcome:
        """Her powers end at once, and so do the invitations she created."""
        async with self._db.transaction():
            if not self._authority.is_admin(actor_id):
                await self._audit.record(now, actor_id, "remove_coordinator", target_id=member_id,
                                         outcome="forbidden")
                return Outcome.FORBIDDEN
            country = await self._coordinators.country_of(member_id)
            if not await self._coordinators.remove(member_id):
                return Outcome.ALREADY_DECIDED
            revoked = await self._invites.revoke_created_by(member_id, now)
            await self._audit.record(now, actor_id, "remove_coordinator", target_id=member_id,
                                     country_code=country,
                                     details=f"invitations revoked: {revoked}")
            return Outcome.DONE

    async def allow_region_events(self, actor_id: int, member_id: int, allowed: bool,
                                  now: datetime) -> Outcome:
        """Administrators let a coordinator publish events for the whole region (or not)."""
        async with self._db.transaction():
            if not self._authority.is_admin(actor_id):
                await self._audit.record(now, actor_id, "allow_region_events",
                                         target_id=member_id, outcome="forbidden")
                return Outcome.FORBIDDEN
            if not await self._coordinators.set_may_publish_region(member_id, allowed):
                return Outcome.NOT_FOUND
            await self._audit.record(now, actor_id, "allow_region_events", target_id=member_id,
                                     details="allowed" if allowed else "withdrawn")
            return Outcome.DONE
