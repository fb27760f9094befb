"""Coffee rounds: every two weeks, opted-in members are paired across borders for a chat.

A day before a round everyone taking part is told and may skip it (and undo that until the
round is paired); at the round, groups are formed (always a shared language; nobody who met
in the last six rounds, was introduced or was mentor and mentee in that time; an odd one out
joins a trio) and each member gets her partners' contacts with something to talk about in
the language they share; a week later, "Did you meet Aigerim?". Each step is marked done in
the same transaction that queues its messages, so a restart neither loses nor repeats one.
Only approved members take part: staff without a member profile are never paired.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.db.database import Database
from bot.db.repositories.coffee import CoffeeRepo, CoffeeRound
from bot.services.coffee_pairing import CoffeeMember, pair_members
from bot.services.delivery import DeliveryService
from bot.services.message_kinds import MessageKind
from bot.speed import replies_first

ROUND_EVERY = timedelta(days=14)
NOTICE_BEFORE = timedelta(days=1)
FOLLOW_UP_AFTER = timedelta(days=7)
NO_REPEAT_ROUNDS = 6
ROUND_HOUR_UTC = 6  # Mondays at 06:00 UTC: late morning everywhere in the region


def first_round_after(now: datetime) -> datetime:
    """The next Monday at the round hour, at least a notice period away."""
    start = (now + NOTICE_BEFORE).replace(hour=ROUND_HOUR_UTC, minute=0, second=0,
                                          microsecond=0)
    while start.weekday() != 0 or start < now + NOTICE_BEFORE:
        start += timedelta(days=1)
    return start


class CoffeeOutcome(Enum):
    DONE = "done"
    GONE = "gone"  # the round was paired meanwhile, or she answered already
    NOT_YOURS = "not_yours"
    LEFT = "left"  # she left the rounds since: there is nothing to skip


@dataclass(frozen=True)
class CoffeeStatus:
    """Where she stands: taking part or not, the next round, and whether she skips it."""

    opted_in: bool
    upcoming: CoffeeRound
    skipping: bool


class CoffeeService:
    def __init__(self, db: Database, repo: CoffeeRepo, delivery: DeliveryService) -> None:
        self._db = db
        self._repo = repo
        self._delivery = delivery

    async def status(self, user_id: int, now: datetime) -> CoffeeStatus:
        upcoming = await self.next_round(now)
        return CoffeeStatus(await self._repo.opted_in(user_id), upcoming,
                            await self._repo.skips(upcoming.id, user_id))

    async def round(self, round_id: int) -> CoffeeRound | None:
        return await self._repo.get(round_id)

    async def take_part(self, user_id: int, opt_in: bool, now: datetime) -> None:
        """Join the rounds, or leave them (she is paused until she joins again)."""
        await self._repo.set_opt_in(user_id, opt_in, now)

    async def skip(self, round_id: int, user_id: int, *, undo: bool = False) -> CoffeeOutcome:
        """She skips that round, or takes part after all: only until it is paired."""
        round_ = await self._repo.get(round_id)
        if round_ is None or round_.paired:
            return CoffeeOutcome.GONE
        if not await self._repo.opted_in(user_id):
            return CoffeeOutcome.LEFT
        if undo:
            await self._repo.unskip(round_id, user_id)
        else:
            await self._repo.skip(round_id, user_id)
        return CoffeeOutcome.DONE

    async def answer_met(self, group_id: int, user_id: int, met: bool) -> CoffeeOutcome:
        if not await self._repo.in_group(group_id, user_id):
            return CoffeeOutcome.NOT_YOURS
        if not await self._repo.answer_met(group_id, user_id, "yes" if met else "no"):
            return CoffeeOutcome.GONE
        return CoffeeOutcome.DONE

    async def next_round(self, now: datetime) -> CoffeeRound:
        """The round members can skip now (planned if there is none yet)."""
        latest = await self._repo.latest()
        if latest is None:
            pair_at = first_round_after(now)
        elif latest.paired:
            pair_at = latest.pair_at + ROUND_EVERY
            while pair_at < now + NOTICE_BEFORE:  # the bot was off for a while: no catch-up
                pair_at += ROUND_EVERY
        else:
            return latest
        round_ = await self._repo.get(await self._repo.plan(pair_at))
        assert round_ is not None
        return round_

    async def run_due(self, now: datetime, *, seed: int = 0) -> list[str]:
        """Whatever step of the current rounds is due: notice, pairing, follow-up."""
        done: list[str] = []
        await self.next_round(now)
        for round_ in await self._repo.unfinished():
            if not round_.notice_sent and now >= round_.pair_at - NOTICE_BEFORE \
                    and now < round_.pair_at:
                async with self._db.transaction():
                    if await self._repo.mark(round_.id, "notice_sent_at", now):
                        people = [m.user_id for m in await self._repo.participants(round_.id)]
                        if people:
                            await self._delivery.enqueue(MessageKind.COFFEE_NOTICE,
                                                         {"round_id": round_.id}, people, None)
                        done.append("notice")
            if not round_.paired and now >= round_.pair_at:
                await self._pair(round_, now, seed)
                done.append("paired")
            elif round_.paired and not round_.followup_sent \
                    and now >= round_.pair_at + FOLLOW_UP_AFTER:
                async with self._db.transaction():
                    if await self._repo.mark(round_.id, "followup_sent_at", now):
                        groups = await self._repo.groups_of_round(round_.id)
                        people = [user for members in groups.values() for user in members]
                        if people:
                            await self._delivery.enqueue(MessageKind.COFFEE_FOLLOWUP,
                                                         {"round_id": round_.id}, people, None)
                        done.append("followup")
        if "paired" in done:
            await self.next_round(now)
        return done

    async def _pair(self, round_: CoffeeRound, now: datetime, seed: int) -> None:
        members = [CoffeeMember(m.user_id, m.country, m.languages)
                   for m in await self._repo.participants(round_.id)]
        recent = await self._repo.recent_pairs(NO_REPEAT_ROUNDS,
                                               now - NO_REPEAT_ROUNDS * ROUND_EVERY)
        with replies_first():
            groups = await asyncio.to_thread(pair_members, members, recent,
                                             seed=seed + round_.id)
        async with self._db.transaction():
            if not await self._repo.mark(round_.id, "paired_at", now):
                return
            # Whoever left or skipped while the pairs were computed is not sent to anyone.
            still = {m.user_id for m in await self._repo.participants(round_.id)}
            groups = [group for group in groups if set(group) <= still]
            await self._repo.save_groups(round_.id, groups)
            members = [m for m in members if m.user_id in still]
            if members:
                # Everyone taking part hears: her partners, or that there was nobody this time.
                await self._delivery.enqueue(MessageKind.COFFEE_MATCH, {"round_id": round_.id},
                                             [m.user_id for m in members], None)
