"""Peer introductions: she describes whom she wants to meet, picks one of up to three members
who fit and show those fields, and contacts go to both only if that member agrees.

A refusal and no answer look the same to the requester: when the three days are over she
is offered the others who fit. A member can switch introductions off or block a person; a
blocked person is never proposed to her, here or in mentorship and coffee rounds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db.database import Database
from bot.db.repositories.introductions import Introduction, IntroRepo
from bot.services.delivery import DeliveryService
from bot.services.message_kinds import MessageKind

WEEKLY_LIMIT = 5
ANSWER_TIMEOUT = timedelta(days=3)
CANDIDATES = 3


class IntroOutcome(Enum):
    DONE = "done"
    LIMIT = "limit"
    NOBODY = "nobody"
    GONE = "gone"
    NOT_YOURS = "not_yours"


class IntroductionService:
    def __init__(self, db: Database, repo: IntroRepo, delivery: DeliveryService,
                 clock: Clock) -> None:
        self._db = db
        self._repo = repo
        self._delivery = delivery
        self._clock = clock

    async def at_limit(self, requester_id: int) -> bool:
        since = self._clock.now() - timedelta(days=7)
        return await self._repo.opened_since(requester_id, since) >= WEEKLY_LIMIT

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
        if not await self._still_fits(intro, target_id):
            return IntroOutcome.GONE
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._repo.ask(intro_id, target_id, now, now + ANSWER_TIMEOUT):
                return IntroOutcome.GONE
            await self._delivery.enqueue(MessageKind.INTRO_REQUEST, {"intro_id": intro_id},
                                         [target_id], None)
        return IntroOutcome.DONE

    async def _still_fits(self, intro: Introduction, person_id: int) -> bool:
        return bool(await self._repo.find_people(
            intro.requester_id, intro.country_code, intro.expertise_code, intro.language_code,
            1, only=person_id))

    async def answer(self, intro_id: int, target_id: int, accept: bool, *,
                     block: bool = False) -> IntroOutcome:
        intro = await self._repo.get(intro_id)
        if intro is None or intro.target_id != target_id:
            return IntroOutcome.NOT_YOURS
        now = self._clock.now()
        if accept and not await self._repo.may_meet(intro.requester_id, target_id):
            return IntroOutcome.GONE
        async with self._db.transaction():
            status = "accepted" if accept else "declined"
            if not await self._repo.decide(intro_id, "asked", status, now):
                return IntroOutcome.GONE
            if block:
                await self._repo.block(target_id, intro.requester_id, now)
            if accept:
                await self._delivery.enqueue(MessageKind.INTRO_CONTACTS, {"intro_id": intro_id},
                                             [intro.requester_id, target_id], None)
            # A refusal tells the requester nothing now: she hears when the 3 days are over,
            # exactly as if there had been no answer (see send_follow_ups).
        return IntroOutcome.DONE

    async def send_follow_ups(self, now: datetime) -> int:
        """Requests whose 3 days are over without a yes: the others who fit, or nobody."""
        told = 0
        for intro in await self._repo.due_follow_ups(now):
            async with self._db.transaction():
                if intro.status == "asked" and not await self._repo.decide(
                        intro.id, "asked", "expired", now):
                    continue
                if not await self._repo.mark_told(intro.id, now):
                    continue
                others = [person for person in intro.candidates if person != intro.target_id
                          and await self._still_fits(intro, person)]
                follow_up = await self._repo.reopen(intro.id, others, now) if others else 0
                await self._delivery.enqueue(MessageKind.INTRO_NEXT, {"intro_id": follow_up},
                                             [intro.requester_id], None)
                told += 1
        return told
