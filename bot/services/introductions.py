"""Peer introductions: she describes whom she wants to meet, picks one of up to three members
who fit and show those fields, and contacts go to both only if that member agrees.

A refusal and no answer in three days look the same to the requester: she is offered the
others who fit. A member can switch introductions off or block a person; a blocked person
is never proposed to her, here or in mentorship and coffee rounds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db.database import Database
from bot.db.repositories.introductions import Introduction, IntroRepo
from bot.services.delivery import DeliveryService

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

    async def mine(self, intro_id: int, requester_id: int) -> Introduction | None:
        intro = await self._repo.get(intro_id)
        return intro if intro is not None and intro.requester_id == requester_id else None

    async def ask(self, intro_id: int, requester_id: int, target_id: int) -> IntroOutcome:
        """She picks one of the people offered; that member is asked (checked again now)."""
        intro = await self._repo.get(intro_id)
        if intro is None or intro.requester_id != requester_id:
            return IntroOutcome.NOT_YOURS
        if intro.status != "choosing" or target_id not in intro.candidates:
            return IntroOutcome.GONE
        still_fits = await self._repo.find_people(
            requester_id, intro.country_code, intro.expertise_code, intro.language_code, 50)
        if target_id not in still_fits:
            return IntroOutcome.GONE
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._repo.ask(intro_id, target_id, now, now + ANSWER_TIMEOUT):
                return IntroOutcome.GONE
            await self._delivery.enqueue("intro_request", {"intro_id": intro_id}, [target_id],
                                         None)
        return IntroOutcome.DONE

    async def answer(self, intro_id: int, target_id: int, accept: bool, *,
                     block: bool = False) -> IntroOutcome:
        intro = await self._repo.get(intro_id)
        if intro is None or intro.target_id != target_id:
            return IntroOutcome.NOT_YOURS
        now = self._clock.now()
        async with self._db.transaction():
            status = "accepted" if accept else "declined"
            if not await self._repo.decide(intro_id, "asked", status, now):
                return IntroOutcome.GONE
            if block:
                await self._repo.block(target_id, intro.requester_id, now)
            if accept:
                await self._delivery.enqueue("intro_contacts", {"intro_id": intro_id},
                                             [intro.requester_id, target_id], None)
            else:
                await self._offer_others(intro, now)
        return IntroOutcome.DONE

    async def _offer_others(self, intro: Introduction, now: datetime) -> None:
        others = [p for p in intro.candidates if p != intro.target_id]
        still_fit = set(await self._repo.find_people(
            intro.requester_id, intro.country_code, intro.expertise_code, intro.language_code,
            50))
        others = [p for p in others if p in still_fit]
        follow_up = await self._repo.reopen(intro.id, others, now) if others else 0
        await self._delivery.enqueue("intro_next", {"intro_id": follow_up},
                                     [intro.requester_id], None)

    async def expire(self, now: datetime) -> int:
        expired = 0
        for intro in await self._repo.expired(now):
            async with self._db.transaction():
                if await self._repo.decide(intro.id, "asked", "expired", now):
                    await self._offer_others(intro, now)
                    expired += 1
        return expired
