"""The mentorship programme: suggestions, consent, weekly rounds, check-ins and endings.

```mermaid
stateDiagram-v2
    [*] --> proposed: she asks a suggested mentor / the weekly round
    proposed --> active: the mentor accepts (contacts go to both, protected)
    proposed --> declined: the mentor declines, or withdraws her offer
    proposed --> expired: no answer in 3 days (the mentor's copy says it lapsed)
    proposed --> [*]: the mentee stops looking (as if it had never been made)
    proposed --> [*]: the mentee cancels it, or deletes her data (the mentor's copy says so)
    active --> paused: either side (the other is told)
    paused --> active: either side (the check-in keeps its date)
    active --> completed: either side, goals reached (her request closes with it)
    paused --> completed
    active --> ended: either side; or the mentee asks for a new match after a silent mentor
    paused --> ended
```
The mentor is reminded a day before a proposal lapses. A proposal that ends without her
answer (taken back, or lapsed) is edited on her side, the proposal and its reminder, to say so
without buttons: nothing waits for her on a message that no longer asks her. Declined or expired, the mentee hears
only when the 3 days are over, "it did not work out this time" with more mentors: a decline
looks exactly like no answer. A lapsed proposal is no refusal: a later round may ask the same
mentor again. A partner who deletes her data ends the pair; the other is told. A suspended
partner puts the pair on hold (no check-ins, its buttons say so; proposals waiting on her
end) until she is reinstated, and the other is told both times (``hold_for``, ``resume_for``).
Nothing here talks to Telegram: messages are queued in the outbox with only ids in their
payload and rendered at send time in the recipient's language (see
``handlers.mentorship_messages``).
The weekly round's optimal assignment runs off the event loop: in a worker thread, or for a
large round in a worker process that reads the candidates itself (see ``_solve_round``).
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path

from bot.clock import Clock, to_db
from bot.db.database import Database, in_background
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.mentorship import (
    OPEN_PAIR, RUNNING_PAIR, MentorshipRepo, Offer, Pair, Request,
)
from bot.services.delivery import DeliveryService
from bot.services.matching import Match, evaluate, suggest
from bot.services.matching_worker import Written, mentee_request, mentor_offer, solve
from bot.services.message_kinds import MessageKind
from bot.speed import replies_first

PROPOSAL_TIMEOUT = timedelta(days=3)
REMIND_BEFORE = timedelta(days=1)  # the mentor's reminder, before a proposal lapses
RESUMED_CHECKIN = timedelta(days=7)  # a check-in due while paused comes this long after Resume
FIRST_CHECKIN = timedelta(days=14)
CHECKIN_EVERY = timedelta(days=30)
SILENT_CHECKINS = 2  # a mentor silent at this many check-ins in a row: offer a new match
SUGGESTIONS = 3
ROUND_CHUNK = 25  # proposals written per transaction (short: replies wait for the lock)
PROCESS_CELLS = 100_000  # mentees × mentors from which the round runs in its own process
# (at 2,000 members a round in a thread made replies 10× slower at p99; its own process starts
# in ~0.3 s, nothing beside a weekly round)


class Waiting(Enum):
    """Whether she can be given suggestions now, and if not, why."""

    YES = "yes"
    NO_REQUEST = "no_request"
    PAUSED = "paused"
    HAS_MENTOR = "has_mentor"  # a pair is running or a mentor is considering her


class Outcome(Enum):
    DONE = "done"
    GONE = "gone"            # the proposal or pair is no longer in a state that allows it
    FULL = "full"            # the mentor has no place left for it
    NOT_YOURS = "not_yours"  # she is not a side of this pair
    NOT_ALLOWED = "not_allowed"
    ALREADY = "already"      # she gave this very answer before (a retry after a failure)


def shared_locale(mine: frozenset[str], theirs: frozenset[str], my_locale: str,
                  supported: tuple[str, ...]) -> str:
    """The language of a suggested first message: one both speak and the bot writes, hers
    first, else Russian (the region's common one), else any shared; hers if none is."""
    both = mine & theirs & set(supported)
    for choice in (my_locale, "ru", *sorted(both)):
        if choice in both:
            return choice
    return my_locale


async def _round_in_process(path: Path, seed: int, stamp: str, expires: str) -> Written:
    """A large round, read, solved and written in a process of its own
    (``bot.services.matching_worker``), so the replies never wait for its GIL or its statements.
    The process imports only the engine and the repositories and ends with the round; its start
    (well under a second) is small beside a weekly round."""
    request = pickle.dumps((str(path), seed, stamp, expires), pickle.HIGHEST_PROTOCOL)
    home = str(Path(__file__).resolve().parents[2])  # this checkout's ``bot`` first
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [home, os.environ.get("PYTHONPATH")]))}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.services.matching_worker", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env)
    try:
        answer, _ = await worker.communicate(request)
    finally:
        if worker.returncode is None:  # cancelled meanwhile: the round is not wanted
            worker.kill()
            await worker.wait()
    if worker.returncode != 0:
        raise RuntimeError(f"the matching worker exited with code {worker.returncode}")
    written: Written = pickle.loads(answer)
    return written


@dataclass(frozen=True)
class RoundResult:
    waiting: int
    mentors: int
    proposed: int
    total_score: int


class MentorshipService:
    def __init__(self, db: Database, repo: MentorshipRepo, audit: AuditRepo,
                 delivery: DeliveryService, clock: Clock) -> None:
        self._db = db
        self._repo = repo
        self._audit = audit
        self._delivery = delivery
        self._clock = clock

    # ---- on request ------------------------------------------------------------------------

    async def suggestions(self, mentee_id: int) -> list[Match]:
        """Up to three mentors for her now (empty if she is not waiting for one)."""
        mentee = await self._repo.waiting_mentees(only=mentee_id)
        if not mentee:
            return []
        mentors = [mentor_offer(c) for c in await self._repo.available_mentors()]
        excluded = await self._repo.excluded_pairs(mentee_id)
        return suggest(mentee_request(mentee[0]), mentors, excluded, limit=SUGGESTIONS)

    async def waiting(self, mentee_id: int) -> Waiting:
        if await self._repo.has_open_pair(mentee_id):
            return Waiting.HAS_MENTOR
        request = await self._repo.request(mentee_id)
        if request is None:
            return Waiting.NO_REQUEST
        return Waiting.PAUSED if request.paused else Waiting.YES

    async def ask(self, mentee_id: int, mentor_id: int) -> int | None:
        """She asks a suggested mentor: checked again now, then the mentor gets the proposal."""
        mentee = await self._repo.waiting_mentees(only=mentee_id)
        mentor = await self._repo.available_mentors(only=mentor_id)
        if not mentee or not mentor or mentor[0].free_places < 1:
            return None
        excluded = await self._repo.excluded_pairs(mentee_id)
        match = evaluate(mentee_request(mentee[0]), mentor_offer(mentor[0]), excluded)
        if match is None:
            return None
        return await self._propose(match, "request")

    async def _propose(self, match: Match, source: str) -> int | None:
        now = self._clock.now()
        async with self._db.transaction():
            pair_id = await self._repo.propose(match.mentee_id, match.mentor_id, source,
                                               match.score, now, now + PROPOSAL_TIMEOUT)
            if pair_id is not None:
                await self._delivery.enqueue(MessageKind.MENTOR_PROPOSAL, {"pair_id": pair_id},
                                             [match.mentor_id], None)
        return pair_id

    async def answer(self, pair_id: int, mentor_id: int, accept: bool) -> Outcome:
        """The proposed mentor's answer; only she may give it, and only once (the same answer
        again, after a failure kept her from seeing the first, is ``ALREADY``)."""
        pair = await self._repo.get(pair_id)
        if pair is None:
            return Outcome.GONE
        if pair.mentor_id != mentor_id:
            await self._audit.record(self._clock.now(), mentor_id, "mentor_answer",
                                     outcome="refused")
            return Outcome.NOT_YOURS
        now = self._clock.now()
        async with self._db.transaction():
            if not accept:
                # Nothing goes to the mentee now: she hears when the 3 days are over, as if
                # there had been no answer (see send_follow_ups).
                done = await self._repo.move(pair_id, ("proposed",), "declined", now,
                                             ended_at=now)
                if done:
                    return Outcome.DONE
                return Outcome.ALREADY if pair.status == "declined" else Outcome.GONE
            if not await self._repo.accept(pair, now, now + FIRST_CHECKIN):
                if pair.status == "proposed" and await self._repo.is_full(mentor_id):
                    return Outcome.FULL
                return Outcome.ALREADY if pair.status in RUNNING_PAIR else Outcome.GONE
            await self._delivery.enqueue(MessageKind.MENTOR_CONTACTS, {"pair_id": pair_id},
                                         [pair.mentee_id, pair.mentor_id], None)
            await self._delivery.enqueue(MessageKind.MENTOR_FIRST, {"pair_id": pair_id},
                                         [pair.mentee_id, pair.mentor_id], None)
        return Outcome.DONE

    async def send_follow_ups(self, now: datetime) -> int:
        """Proposals whose 3 days are over, unanswered or declined: the mentee simply gets
        more suggestions (the same message either way)."""
        for pair in await self._repo.due_reminders(now + REMIND_BEFORE):
            async with self._db.transaction():
                if await self._repo.mark_reminded(pair.id, now):
                    await self._delivery.enqueue(MessageKind.MENTOR_REMINDER,
                                                 {"pair_id": pair.id}, [pair.mentor_id], None)
        told = 0
        for pair in await self._repo.due_follow_ups(now):
            async with self._db.transaction():
                if pair.status == "proposed":
                    if not await self._repo.move(pair.id, ("proposed",), "expired", now,
                                                 ended_at=now):
                        continue
                    await self._take_off_mentor([pair], lapsed=True)
                if await self._repo.mark_told(pair.id, now):
                    await self._delivery.enqueue(MessageKind.MENTOR_NEXT, {}, [pair.mentee_id],
                                                 None)
                    told += 1
        return told

    async def stop_looking(self, mentee_id: int, *, withdraw: bool) -> None:
        """She pauses or withdraws her request: open proposals for her end with it (each
        mentor's copy says it was withdrawn)."""
        now = self._clock.now()
        async with self._db.transaction():
            if withdraw:
                await self._repo.withdraw("mentee_requests", mentee_id)
            else:
                await self._repo.set_paused("mentee_requests", mentee_id, True, now)
            await self._take_off_mentor(await self._proposals_from(mentee_id))
            await self._repo.withdraw_proposals(mentee_id)

    async def cancel_proposal(self, mentee_id: int) -> bool:
        """She takes back her pending proposal; her request stays (suggestions, rounds). The
        mentor's copy says it was withdrawn."""
        async with self._db.transaction():
            await self._take_off_mentor(await self._proposals_from(mentee_id))
            return await self._repo.cancel_proposals(mentee_id, self._clock.now()) > 0

    async def _proposals_from(self, mentee_id: int) -> list[Pair]:
        """Her proposals still waiting for a mentor's answer."""
        return [pair for pair in await self._repo.pairs_of(mentee_id, ("proposed",))
                if pair.mentee_id == mentee_id]

    async def _take_off_mentor(self, pairs: Iterable[Pair], *, lapsed: bool = False,
                               offer_withdrawn: bool = False) -> None:
        """Proposals that end without the mentor's answer (in the caller's transaction): the
        proposal and the reminder she got are edited to say it was withdrawn or lapsed, with
        no buttons and nothing about the mentee (as a withdrawn introduction request). One
        not sent yet never will be: its renderer finds the proposal gone."""
        for pair in pairs:
            for kind in (MessageKind.MENTOR_PROPOSAL, MessageKind.MENTOR_REMINDER):
                await self._delivery.edit_sent(kind, "pair_id", pair.id,
                                               MessageKind.MENTOR_WITHDRAWN,
                                               {"lapsed": lapsed,
                                                "offer_withdrawn": offer_withdrawn})

    async def pending(self, mentee_id: int) -> Pair | None:
        return await self._repo.pending_for(mentee_id)

    async def partner_leaves(self, user_id: int) -> None:
        """Before her data goes: whoever runs a pair with her, or waits for her answer, is told
        (the message names nobody: her name goes with her)."""
        for pair in await self._repo.partners_of(user_id):
            if pair.status == "proposed" and pair.mentee_id == user_id:
                # the mentor was only asked: her copy says it was withdrawn, and shows no
                # more of her
                await self._take_off_mentor([pair])
                continue
            await self._delivery.enqueue(MessageKind.MENTOR_PARTNER_LEFT,
                                         {"role": pair.role_of(pair.other(user_id)),
                                          "status": pair.status},
                                         [pair.other(user_id)], None)

    async def hold_for(self, user_id: int, now: datetime) -> None:
        """She was suspended (in the decision's transaction): her running pairs are on hold
        (read from her status: no check-ins, their buttons say so) and each partner is told,
        without the reason; proposals waiting on her end, so nobody waits for her. Her offer
        and request stay, left out of suggestions and rounds while she is not a member."""
        async with self._db.transaction():
            for pair in await self._repo.pairs_of(user_id, OPEN_PAIR):
                if pair.status != "proposed":
                    await self._delivery.enqueue(MessageKind.MENTOR_HELD,
                                                 {"pair_id": pair.id, "held": True},
                                                 [pair.other(user_id)], None)
                elif pair.mentor_id == user_id:  # the mentee hears now: more mentors
                    await self._release_mentee(pair, now)
            # Her own proposals go as if never made (each mentor's copy says it was
            # withdrawn), and a decline not yet told to her is closed: no "more mentors"
            # reaches her now.
            await self._take_off_mentor(await self._proposals_from(user_id))
            await self._repo.cancel_proposals(user_id, now)

    async def resume_for(self, user_id: int, now: datetime) -> None:
        """She was reinstated (in the decision's transaction): each pair held only for her
        goes on, its next check-in a week from now, and the partner is told."""
        async with self._db.transaction():
            for pair in await self._repo.pairs_of(user_id, RUNNING_PAIR):
                if await self._repo.resume_after_hold(pair.id, now + RESUMED_CHECKIN):
                    await self._delivery.enqueue(MessageKind.MENTOR_HELD,
                                                 {"pair_id": pair.id, "held": False},
                                                 [pair.other(user_id)], None)

    # ---- what the menu reads and writes ----------------------------------------------------

    async def offer(self, user_id: int) -> Offer | None:
        return await self._repo.offer(user_id)

    async def request(self, user_id: int) -> Request | None:
        return await self._repo.request(user_id)

    async def running_pairs(self, user_id: int) -> list[Pair]:
        return await self._repo.pairs_of(user_id, RUNNING_PAIR)

    async def save_offer(self, user_id: int, capacity: int, availability: str,
                         areas: list[str]) -> None:
        await self._repo.save_offer(user_id, capacity, availability, areas, self._clock.now())

    async def save_request(self, user_id: int, goals: list[str], goal_text: str,
                           preference: str) -> None:
        await self._repo.save_request(user_id, goals, goal_text, preference, self._clock.now())

    async def set_paused(self, user_id: int, *, offer: bool, paused: bool) -> None:
        table = "mentor_offers" if offer else "mentee_requests"
        await self._repo.set_paused(table, user_id, paused, self._clock.now())

    async def save_suggestions(self, mentee_id: int, mentor_ids: list[int]) -> int:
        return await self._repo.save_suggestions(mentee_id, mentor_ids, self._clock.now())

    async def suggested_mentor(self, list_id: int, place: int, mentee_id: int) -> int | None:
        return await self._repo.suggested_mentor(list_id, place, mentee_id)

    async def comment(self, pair_id: int, user_id: int, text: str) -> bool:
        return await self._repo.comment(pair_id, user_id, text)

    async def overview(self) -> dict[str, dict[str, float]]:
        return await self._repo.overview()

    async def recent_comments(self, country: str, limit: int) -> list[str]:
        return await self._repo.recent_comments(country, limit)

    async def languages_of(self, user_id: int) -> frozenset[str]:
        return await self._repo.languages_of(user_id)

    async def withdraw_offer(self, mentor_id: int) -> None:
        """She stops mentoring new people: proposals waiting for her end now (each mentee told
        at once, with more mentors), and her copies of them say so."""
        now = self._clock.now()
        async with self._db.transaction():
            asked = [pair for pair in await self._repo.pairs_of(mentor_id, ("proposed",))
                     if pair.mentor_id == mentor_id]
            await self._repo.withdraw("mentor_offers", mentor_id)
            for pair in asked:
                await self._release_mentee(pair, now)
            await self._take_off_mentor(asked, offer_withdrawn=True)

    async def _release_mentee(self, pair: Pair, now: datetime) -> None:
        """A proposal the mentor can no longer answer (she withdrew her offer or was
        suspended) ends now, as a lapse (no refusal), and the mentee hears at once, with more
        mentors, instead of waiting out the 3 days."""
        if await self._repo.move(pair.id, ("proposed",), "expired", now, ended_at=now) \
                and await self._repo.mark_told(pair.id, now):
            await self._delivery.enqueue(MessageKind.MENTOR_NEXT, {}, [pair.mentee_id], None)

    # ---- the weekly round ------------------------------------------------------------------

    async def run_round(self, *, seed: int = 0) -> RoundResult:
        """Everyone still waiting, assigned at once: as many mentees as possible get a mentor,
        and of those rounds the one with the highest total score. The solver runs off the event loop
        (a worker thread, or a process for a large round) and the proposals are written in
        bulk."""
        with replies_first(), in_background():
            return await self._run_round(seed)

    async def _run_round(self, seed: int) -> RoundResult:
        """A large round runs whole in its own process (an in-memory database, which no other
        process can read, never does); a small one is read here, solved in a worker thread
        and written here, in short transactions that give way to replies."""
        now = self._clock.now()
        expires = now + PROPOSAL_TIMEOUT
        path = self._db.path
        if path is not None and await self._repo.round_size() >= PROCESS_CELLS:
            written = await _round_in_process(path, seed, to_db(now), to_db(expires))
            self._delivery.outbox_changed()
            return RoundResult(*written)
        waiting = await self._repo.waiting_mentees()
        available = [c for c in await self._repo.available_mentors() if c.free_places > 0]
        excluded = await self._repo.excluded_pairs()
        waiting_count, mentors, matches = await asyncio.to_thread(
            solve, waiting, available, excluded, seed)
        written: list[tuple[int, int, int, int]] = []
        for start in range(0, len(matches), ROUND_CHUNK):
            await self._db.after_foreground()
            async with self._db.transaction():  # short, so replies are not held back long
                fresh = await self._repo.propose_many(
                    matches[start:start + ROUND_CHUNK], "round", now, expires)
                await self._delivery.enqueue_each(
                    MessageKind.MENTOR_PROPOSAL, [({"pair_id": pair_id}, mentor)
                                        for pair_id, _mentee, mentor, _score in fresh])
                await self._delivery.enqueue_each(  # she knows why she is waiting
                    MessageKind.MENTOR_ROUND_ASKED, [({"pair_id": pair_id}, mentee)
                                           for pair_id, mentee, _mentor, _score in fresh])
            written += fresh
        return RoundResult(waiting_count, mentors, len(written),
                           sum(score for *_ids, score in written))

    # ---- running pairs ---------------------------------------------------------------------

    async def send_checkins(self, now: datetime) -> int:
        """Check-ins after two weeks and then monthly; a mentor silent twice in a row means
        the mentee is offered a new match."""
        sent = 0
        for pair in await self._repo.due_checkins(now):
            silent = pair.mentor_silent
            if pair.last_checkin_at is not None and (
                    pair.mentor_answered_at is None
                    or pair.mentor_answered_at < pair.last_checkin_at):
                silent += 1
            async with self._db.transaction():
                if not await self._repo.record_checkin(pair, now, now + CHECKIN_EVERY, silent):
                    continue
                if silent >= SILENT_CHECKINS:  # the mentee gets the offer of a new match
                    await self._delivery.enqueue(MessageKind.MENTOR_CHECKIN, {"pair_id": pair.id},
                                                 [pair.mentor_id], None)
                    await self._delivery.enqueue(MessageKind.MENTOR_SILENT, {"pair_id": pair.id},
                                                 [pair.mentee_id], None)
                else:
                    await self._delivery.enqueue(MessageKind.MENTOR_CHECKIN, {"pair_id": pair.id},
                                                 [pair.mentee_id, pair.mentor_id], None)
            sent += 1
        return sent

    async def side_of(self, pair_id: int, user_id: int) -> Pair | None:
        pair = await self._repo.get(pair_id)
        if pair is None or pair.role_of(user_id) is None:
            return None
        return pair

    async def checkin_answer(self, pair: Pair, user_id: int) -> None:
        if user_id == pair.mentor_id:
            await self._repo.mentor_answered(pair.id, self._clock.now())

    async def pause(self, pair: Pair, user_id: int, paused: bool) -> bool:
        """Either side pauses or resumes; the other is told. Resuming keeps the check-in's
        date (one that fell due meanwhile comes a week after)."""
        now = self._clock.now()
        async with self._db.transaction():
            if paused:
                done = await self._repo.move(pair.id, ("active",), "paused", now)
            else:
                due = pair.next_checkin_at
                if due is None or due < now:
                    due = now + RESUMED_CHECKIN
                done = await self._repo.move(pair.id, ("paused",), "active", now,
                                             next_checkin_at=due)
            if done:
                await self._delivery.enqueue(MessageKind.MENTOR_PAUSED,
                                             {"pair_id": pair.id, "paused": paused},
                                             [pair.other(user_id)], None)
        return done

    async def end(self, pair: Pair, user_id: int, completed: bool) -> bool:
        """Either side ends the pair: both are asked for a 1–5 rating, the other is told
        (a pair on hold can be ended by the partner who is a member; the suspended one is told,
        not asked to rate).
        Goals reached closes the mentee's request too: no round asks a new mentor for her
        unprompted."""
        now = self._clock.now()
        status = "completed" if completed else "ended"
        async with self._db.transaction():
            if not await self._repo.move(pair.id, RUNNING_PAIR, status, now, ended_at=now):
                return False
            if completed:
                await self._repo.withdraw("mentee_requests", pair.mentee_id)
            # a suspended partner learns what became of it too, but rates nothing
            await self._delivery.enqueue(MessageKind.MENTOR_ENDED, {"pair_id": pair.id},
                                         [pair.other(user_id)], None)
            await self._delivery.enqueue(MessageKind.MENTOR_RATE, {"pair_id": pair.id},
                                         [user_id] if pair.held
                                         else [pair.mentee_id, pair.mentor_id], None)
        return True

    async def rate(self, pair: Pair, user_id: int, country: str | None, rating: int) -> bool:
        if pair.status not in ("completed", "ended") or not 1 <= rating <= 5:
            return False
        return await self._repo.rate(pair.id, user_id, country, rating, self._clock.now())
