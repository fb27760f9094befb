"""Peer introductions: she describes whom she wants to meet, picks one of up to three members
who fit, show those fields and speak a language she speaks, and contacts go to both only if
that member agrees.

A refusal and no answer look the same to the requester: when the three days are over she
is offered the others who fit. A member can switch introductions off or block a person; a
blocked person is never proposed to her, here or in mentorship and coffee rounds, and she
can end each block again. At most ``WEEKLY_LIMIT`` requests are *sent* in seven days.

```mermaid
stateDiagram-v2
    [*] --> choosing: she searches (nobody is asked yet: it does not count)
    choosing --> asked: she picks one (it counts from now; the member has 3 days)
    asked --> accepted: "Agree" (contacts to both, through the outbox, again on request)
    asked --> declined: "Not now" or a block (she hears only when the 3 days are over)
    asked --> expired: no answer in 3 days, or she withdraws it (the member's copy says so)
    declined --> choosing: after the 3 days, the others who fit (a follow-up request)
    expired --> choosing
```
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db.database import Database
from bot.db.repositories.introductions import Blocked, Introduction, IntroRepo, Settings
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.message_kinds import MessageKind

WEEKLY_LIMIT = 5
LIMIT_WINDOW = timedelta(days=7)
ANSWER_TIMEOUT = timedelta(days=3)
CANDIDATES = 3


class IntroOutcome(Enum):
    DONE = "done"
    LIMIT = "limit"
    NOBODY = "nobody"
    GONE = "gone"
    NOT_YOURS = "not_yours"
    ALREADY = "already"  # she gave this very answer before (a retry after a failure)


@dataclass(frozen=True)
class Allowance:
    """Her requests sent in the last seven days, and when the oldest of them stops counting."""

    sent: int
    resets_at: datetime | None

    @property
    def exhausted(self) -> bool:
        return self.sent >= WEEKLY_LIMIT


def common_language(first: Iterable[str], second: Iterable[str], prefer: Sequence[str],
                    supported: Collection[str]) -> str | None:
    """A language of the bot both speak, for a text one of them will send the other: the
    first of ``prefer`` both speak, else the first shared one in the bot's order; None if
    they share none the bot writes."""
    shared = set(first) & set(second) & set(supported)
    for code in (*prefer, *supported):
        if code in shared:
            return code
    return None


class IntroductionService:
    def __init__(self, db: Database, repo: IntroRepo, delivery: DeliveryService,
                 clock: Clock) -> None:
        self._db = db
        self._repo = repo
        self._delivery = delivery
        self._clock = clock

    async def allowance(self, requester_id: int) -> Allowance:
        sent = await self._repo.sent_since(requester_id, self._clock.now() - LIMIT_WINDOW)
        return Allowance(len(sent), sent[0] + LIMIT_WINDOW if sent else None)

    async def at_limit(self, requester_id: int) -> bool:
        return (await self.allowance(requester_id)).exhausted

    # ---- her settings, her blocks, her introductions ---------------------------------------

    async def settings(self, user_id: int) -> Settings:
        return await self._repo.settings(user_id)

    async def switch_requests(self, user_id: int) -> bool:
        """Requests to her on or off; whether they are on now."""
        enabled = not (await self._repo.settings(user_id)).intros_enabled
        await self._repo.update_settings(user_id, self._clock.now(), intros_enabled=enabled)
        return enabled

    async def blocked(self, user_id: int) -> list[Blocked]:
        return await self._repo.blocked(user_id)

    async def unblock(self, user_id: int, key: str) -> bool:
        return await self._repo.unblock(user_id, key)

    async def connections(self, user_id: int) -> list[Introduction]:
        """Agreed introductions (while they last) and requests waiting for an answer."""
        return await self._repo.connections(user_id)

    async def already_asked(self, requester_id: int, people: list[int]) -> set[int]:
        """Who of these she has asked before: she can't ask them again (a list shows no Ask
        for them)."""
        return await self._repo.asked_among(requester_id, people)

    async def get(self, intro_id: int, requester_id: int) -> Introduction | None:
        """Her request (None if it is not hers)."""
        intro = await self._repo.get(intro_id)
        return intro if intro is not None and intro.requester_id == requester_id else None

    async def request_to(self, intro_id: int, target_id: int) -> Introduction | None:
        """A request made to her (None if it was not)."""
        intro = await self._repo.get(intro_id)
        return intro if intro is not None and intro.target_id == target_id else None

    async def resend_contacts(self, user_id: int, intro_id: int) -> IntroOutcome:
        """Her contact message of an agreed introduction, once more (protected, through the
        outbox like the first)."""
        if not any(intro.id == intro_id and intro.status == "accepted"
                   for intro in await self._repo.connections(user_id)):
            return IntroOutcome.GONE
        await self._delivery.send_now(MessageKind.INTRO_CONTACTS,
                                      [Outgoing(user_id, {"intro_id": intro_id})])
        return IntroOutcome.DONE

    # ---- requests ----------------------------------------------------------------------------

    async def start(self, requester_id: int, country: str | None, expertise: str | None,
                    language: str | None, reason: str) -> tuple[IntroOutcome, int]:
        """A new request with up to three people who fit; (outcome, request id)."""
        now = self._clock.now()
        async with self._db.transaction():  # two requests at once cannot both pass the limit
            if await self.at_limit(requester_id):
                return IntroOutcome.LIMIT, 0
            people = await self._repo.find_people(requester_id, country, expertise, language,
                                                  CANDIDATES)
            if not people:
                return IntroOutcome.NOBODY, 0
            intro_id = await self._repo.create(requester_id, country, expertise, language,
                                               reason, people, now)
        return IntroOutcome.DONE, intro_id

    async def start_with(self, requester_id: int, target_id: int, reason: str
                         ) -> IntroOutcome:
        """A request for one member she picked in the directory: the same request, with the
        same checks (limit, blocks, switched off, asked before) and the same consent; the
        member is asked at once."""
        now = self._clock.now()
        async with self._db.transaction():
            if await self.at_limit(requester_id):
                return IntroOutcome.LIMIT
            if not await self._repo.find_people(requester_id, None, None, None, 1,
                                                only=target_id):
                return IntroOutcome.NOBODY
            intro_id = await self._repo.create(requester_id, None, None, None, reason,
                                               [target_id], now)
        return await self.ask(intro_id, requester_id, 1)

    async def ask(self, intro_id: int, requester_id: int, position: int) -> IntroOutcome:
        """She picks one of the people offered (by place); that member is asked, if she still
        fits now."""
        intro = await self._repo.get(intro_id)
        if intro is None or intro.requester_id != requester_id:
            return IntroOutcome.NOT_YOURS
        target_id = intro.at_place(position)  # the place shown, even if someone left since
        if intro.status != "choosing" or target_id is None:
            return IntroOutcome.GONE
        if not await self._still_fits(intro, target_id) \
                or not await self._repo.may_meet(requester_id, target_id):
            return IntroOutcome.GONE  # (she must be an approved member herself, too)
        now = self._clock.now()
        async with self._db.transaction():
            # A new request counts when it is sent (a follow-up is the same request).
            if intro.parent_id is None and await self.at_limit(requester_id):
                return IntroOutcome.LIMIT
            if not await self._repo.ask(intro_id, target_id, now, now + ANSWER_TIMEOUT):
                return IntroOutcome.GONE
            await self._delivery.enqueue(MessageKind.INTRO_REQUEST, {"intro_id": intro_id},
                                         [target_id], None)
        return IntroOutcome.DONE

    async def withdraw(self, requester_id: int, intro_id: int) -> IntroOutcome:
        """She takes back a request that waits for an answer; the member's message says so
        (if she had not answered yet). The week's count stays: it was sent."""
        async with self._db.transaction():
            before = await self._repo.withdraw(intro_id, requester_id, self._clock.now())
            if before is None:
                return IntroOutcome.GONE
            if before == "asked":
                await self._delivery.edit_sent(MessageKind.INTRO_REQUEST, "intro_id", intro_id,
                                               MessageKind.INTRO_WITHDRAWN,
                                               {"intro_id": intro_id})
        return IntroOutcome.DONE

    async def requester_leaves(self, user_id: int) -> None:
        """She deletes her data (in the erasure's transaction): each member still asked by
        her sees the request withdrawn, not her card with live answer buttons."""
        for intro_id in await self._repo.waiting_from(user_id):
            await self.withdraw(user_id, intro_id)

    async def member_suspended(self, user_id: int, now: datetime) -> None:
        """She was suspended (in the decision's transaction): nobody waits for her. Each
        request of hers still open ends (a member she asked sees it withdrawn), and each
        member who asked her hears now, as after no answer, with the others who fit."""
        async with self._db.transaction():
            for intro_id in await self._repo.open_from(user_id):
                await self.withdraw(user_id, intro_id)
            for intro in await self._repo.asked_of(user_id):
                await self._follow_up(intro, now)

    async def _still_fits(self, intro: Introduction, person_id: int) -> bool:
        return bool(await self._repo.find_people(
            intro.requester_id, intro.country_code, intro.expertise_code, intro.language_code,
            1, only=person_id))

    async def answer(self, intro_id: int, target_id: int, accept: bool, *,
                     block: bool = False, from_list: bool = False) -> IntroOutcome:
        """Her answer to a request made to her; ``from_list``: given in "My introductions",
        so the request's own message (far above by then) is edited to say so, without its
        buttons."""
        intro = await self._repo.get(intro_id)
        if intro is None or intro.target_id != target_id:
            return IntroOutcome.NOT_YOURS
        now = self._clock.now()
        if accept and not await self._repo.may_meet(intro.requester_id, target_id):
            return IntroOutcome.GONE
        async with self._db.transaction():
            status = "accepted" if accept else "declined"
            if not await self._repo.decide(intro_id, "asked", status, now):
                return IntroOutcome.ALREADY if intro.status == status and not block \
                    else IntroOutcome.GONE
            if block:
                await self._repo.block(target_id, intro.requester_id, now)
            if from_list:
                answer = "block" if block else "agree" if accept else "decline"
                await self._delivery.edit_sent(MessageKind.INTRO_REQUEST, "intro_id", intro_id,
                                               MessageKind.INTRO_ANSWERED,
                                               {"intro_id": intro_id, "answer": answer})
            if accept:
                await self._delivery.enqueue(MessageKind.INTRO_CONTACTS, {"intro_id": intro_id},
                                             [intro.requester_id, target_id], None)
                # She writes first: a first message to copy, in a language both speak.
                await self._delivery.enqueue(MessageKind.INTRO_OPENER, {"intro_id": intro_id},
                                             [intro.requester_id], None)
            # A refusal tells the requester nothing now: she hears when the 3 days are over,
            # exactly as if there had been no answer (see send_follow_ups).
        return IntroOutcome.DONE

    async def send_follow_ups(self, now: datetime) -> int:
        """Requests whose 3 days are over without a yes: the others who fit, or nobody."""
        told = 0
        for intro in await self._repo.due_follow_ups(now):
            told += await self._follow_up(intro, now)
        return told

    async def _follow_up(self, intro: Introduction, now: datetime) -> bool:
        """The request ends without a yes (unless it ended meanwhile) and the requester is
        offered the others who fit, or told there is nobody."""
        async with self._db.transaction():
            if intro.status == "asked" and not await self._repo.decide(
                    intro.id, "asked", "expired", now):
                return False
            if not await self._repo.mark_told(intro.id, now):
                return False
            others = [person for person in intro.candidates if person != intro.target_id
                      and await self._still_fits(intro, person)]
            follow_up = await self._repo.reopen(intro.id, others, now) if others else 0
            await self._delivery.enqueue(MessageKind.INTRO_NEXT, {"intro_id": follow_up},
                                         [intro.requester_id], None)
        return True
