"""Unit tests of the mentorship, introduction and coffee services over a real database."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock, to_db
from bot.db import Database
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.coffee import CoffeeRepo
from bot.db.repositories.introductions import IntroRepo
from bot.db.repositories.mentorship import MentorshipRepo
from bot.db.repositories.outbox import OutboxRepo
from bot.db.repositories.users import UserRepo
from bot.services.coffee import CoffeeService, first_round_after
from bot.services.delivery import DeliveryService
from bot.services.introductions import IntroductionService, IntroOutcome
from bot.services import mentorship
from bot.services.mentorship import MentorshipService

KINDS = ("mentor_proposal", "mentor_paused", "mentor_reminder", "mentor_first",
         "mentor_partner_left", "mentor_round_asked", "mentor_contacts", "mentor_next",
         "mentor_checkin", "mentor_silent", "mentor_ended", "mentor_rate", "intro_request",
         "intro_contacts", "intro_next", "coffee_notice", "coffee_match", "coffee_followup",
         "mentor_held", "intro_withdrawn")


async def member(db: Database, user_id: int, country: str = "KZ", years: int = 10,
                 agency: str = "police", languages: tuple[str, ...] = ("ru",)) -> None:
    now = "2026-01-01 00:00:00"
    await db.execute("INSERT INTO users (id, locale, created_at, last_seen_at) "
                     "VALUES (?, 'en', ?, ?)", (user_id, now, now))
    await db.execute("INSERT INTO profiles (user_id, status, full_name, country_code, "
                     "agency_code, years_of_service, created_at, updated_at) "
                     "VALUES (?, 'approved', 'M', ?, ?, ?, ?, ?)",
                     (user_id, country, agency, years, now, now))
    await db.execute_many("INSERT INTO profile_languages (user_id, code) VALUES (?, ?)",
                          [(user_id, code) for code in languages])
    await db.execute("INSERT INTO profile_expertise (user_id, code) VALUES (?, 'cybercrime')",
                     (user_id,))


def delivery_for(db: Database, clock: FakeClock) -> DeliveryService:
    delivery = DeliveryService(OutboxRepo(db), UserRepo(db), clock)
    for kind in KINDS:
        delivery.register(kind, lambda payload, to: ("x", None))
    return delivery


async def proposed_pair(db: Database, *, places: int
                        ) -> tuple[FakeClock, MentorshipRepo, MentorshipService, int]:
    """Mentor 1 (senior, another agency) offers ``places``; mentee 2 has asked her."""
    clock = FakeClock()
    repo = MentorshipRepo(db)
    service = MentorshipService(db, repo, AuditRepo(db), delivery_for(db, clock), clock)
    await member(db, 1, years=30, agency="interior")
    await member(db, 2, years=2)
    await repo.save_offer(1, places, "monthly", ["cybercrime"], clock.now())
    await repo.save_request(2, ["cybercrime"], "goal", "any", clock.now())
    pair_id = await service.ask(2, 1)
    assert pair_id is not None
    return clock, repo, service, pair_id


async def queued(db: Database, kind: str) -> list[int]:
    rows = await db.fetch_all("SELECT o.recipient_id FROM outbox o JOIN broadcasts b ON "
                              "b.id = o.broadcast_id WHERE b.kind = ? ORDER BY o.id", (kind,))
    return [r[0] for r in rows]


async def test_the_last_place_goes_to_one_mentee_only(db: Database) -> None:
    clock = FakeClock()
    repo = MentorshipRepo(db)
    service = MentorshipService(db, repo, AuditRepo(db), delivery_for(db, clock), clock)
    await member(db, 1, years=30, agency="interior")
    await repo.save_offer(1, 1, "monthly", ["cybercrime"], clock.now())
    for mentee in (2, 3, 4):
        await member(db, mentee, years=2)
        await repo.save_request(mentee, ["cybercrime"], "goal", "any", clock.now())
    results = await asyncio.gather(*(service.ask(mentee, 1) for mentee in (2, 3, 4)))
    assert sum(r is not None for r in results) == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM mentor_pairs") == 1
    assert await queued(db, "mentor_proposal") == [1]


async def test_round_respects_capacity_and_skips_excluded_pairs(db: Database) -> None:
    clock = FakeClock()
    repo = MentorshipRepo(db)
    service = MentorshipService(db, repo, AuditRepo(db), delivery_for(db, clock), clock)
    await member(db, 1, years=30, agency="interior")
    await repo.save_offer(1, 2, "weekly", ["cybercrime"], clock.now())
    for mentee in (2, 3, 4):
        await member(db, mentee, years=2)
        await repo.save_request(mentee, ["cybercrime"], "goal", "any", clock.now())
    await IntroRepo(db).block(1, 4, clock.now())  # the mentor blocked mentee 4
    result = await service.run_round(seed=3)
    assert (result.waiting, result.proposed) == (3, 2)
    pairs = await db.fetch_all("SELECT mentee_id FROM mentor_pairs ORDER BY mentee_id")
    assert [r[0] for r in pairs] == [2, 3]
    again = await service.run_round(seed=3)  # nobody left who may be proposed
    assert again.proposed == 0


async def test_silent_mentor_counts_and_answer_resets(db: Database) -> None:
    clock, repo, service, pair_id = await proposed_pair(db, places=1)
    await service.answer(pair_id, 1, True)
    for _ in range(2):
        clock.advance(days=31)
        await service.send_checkins(clock.now())
    pair = await repo.get(pair_id)
    assert pair is not None and pair.mentor_silent == 1
    await service.checkin_answer(pair, 1)  # the mentor answers: silence forgiven
    clock.advance(days=31)
    await service.send_checkins(clock.now())
    assert (await repo.get(pair_id)).mentor_silent == 0  # type: ignore[union-attr]
    assert await queued(db, "mentor_silent") == []
    assert await service.send_checkins(clock.now()) == 0  # nothing due twice


async def test_introduction_limit_holds_under_concurrent_requests(db: Database) -> None:
    clock = FakeClock()
    service = IntroductionService(db, IntroRepo(db), delivery_for(db, clock), clock)
    for user_id in range(1, 10):
        await member(db, user_id)
    # Searches that ask nobody do not count; requests sent do, also sent all at once.
    searches = await asyncio.gather(*(service.start(1, None, None, None, "why")
                                      for _ in range(8)))
    assert all(o is IntroOutcome.DONE for o, _id in searches)
    outcomes = await asyncio.gather(*(service.start_with(1, target, "why")
                                      for target in range(2, 10)))
    assert sum(o is IntroOutcome.DONE for o in outcomes) == 5
    assert sum(o is IntroOutcome.LIMIT for o in outcomes) == 3


async def test_coffee_schedule_is_fortnightly_and_survives_downtime(db: Database) -> None:
    thursday = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert first_round_after(thursday) == datetime(2026, 1, 19, 6, 0, tzinfo=UTC)
    sunday_late = datetime(2026, 1, 18, 7, 0, tzinfo=UTC)  # less than a day before Monday
    assert first_round_after(sunday_late) == datetime(2026, 1, 26, 6, 0, tzinfo=UTC)
    clock = FakeClock(thursday)
    service = CoffeeService(db, CoffeeRepo(db), delivery_for(db, clock))
    first = await service.next_round(clock.now())
    clock.advance(first.pair_at - clock.now())
    assert "paired" in await service.run_due(clock.now())
    second = await service.next_round(clock.now())
    assert second.pair_at - first.pair_at == timedelta(days=14)
    # Off for six weeks: the missed round is paired late once; the next is in the future.
    clock.advance(days=42)
    done = await service.run_due(clock.now())
    assert done.count("paired") == 1
    upcoming = await service.next_round(clock.now())
    assert upcoming.pair_at > clock.now()
    assert to_db(upcoming.pair_at).endswith("06:00:00")


async def test_a_block_ends_an_open_proposal_and_stops_new_ones(db: Database) -> None:
    clock, repo, service, pair_id = await proposed_pair(db, places=2)
    await IntroRepo(db).block(2, 1, clock.now())  # the mentee blocks the mentor meanwhile
    assert (await service.answer(pair_id, 1, True)).name == "GONE"
    assert await queued(db, "mentor_contacts") == []
    # A round does not propose a pair blocked after its inputs were read (the check runs in
    # SQL as the rows are written); nor does a request.
    await member(db, 3, years=2)
    await repo.save_request(3, ["cybercrime"], "goal", "any", clock.now())
    await IntroRepo(db).block(1, 3, clock.now())
    assert await repo.propose_many([(3, 1, 50)], "round", clock.now(), clock.now()) == []
    assert await repo.propose(3, 1, "request", 50, clock.now(), clock.now()) is None


async def test_no_contacts_once_a_side_is_suspended(db: Database) -> None:
    clock, repo, service, pair_id = await proposed_pair(db, places=1)
    await db.execute("UPDATE profiles SET status = 'suspended' WHERE user_id = 2")
    assert (await service.answer(pair_id, 1, True)).name == "GONE"
    assert await queued(db, "mentor_contacts") == []


async def set_status(db: Database, user_id: int, status: str) -> None:
    await db.execute("UPDATE profiles SET status = ? WHERE user_id = ?", (status, user_id))


async def test_a_pair_is_held_while_a_side_is_suspended_and_resumes_from_then(
        db: Database) -> None:
    clock, repo, service, pair_id = await proposed_pair(db, places=1)
    await service.answer(pair_id, 1, True)
    clock.advance(days=31)
    await service.send_checkins(clock.now())  # one check-in the mentor leaves unanswered
    assert (await repo.get(pair_id)).held is False  # type: ignore[union-attr]
    await set_status(db, 1, "suspended")
    held = await repo.get(pair_id)
    assert held is not None and held.held and held.status == "active"
    assert [p.held for p in await repo.pairs_of(2)] == [True]
    clock.advance(days=62)
    assert await repo.due_checkins(clock.now()) == []
    assert not await repo.resume_after_hold(pair_id, clock.now())  # not while she is out
    await set_status(db, 1, "approved")
    assert await repo.resume_after_hold(pair_id, clock.now() + timedelta(days=7))
    resumed = await repo.get(pair_id)
    assert resumed is not None and not resumed.held and resumed.mentor_silent == 0
    assert resumed.next_checkin_at == clock.now() + timedelta(days=7)
    assert await repo.due_checkins(clock.now()) == []
    assert [p.id for p in await repo.due_checkins(clock.now() + timedelta(days=7))] == [pair_id]
    await repo.move(pair_id, ("active",), "ended", clock.now(), ended_at=clock.now())
    assert not await repo.resume_after_hold(pair_id, clock.now())  # only a running pair


async def test_hold_for_ends_the_proposals_waiting_on_her(db: Database) -> None:
    """Mentor 1 is suspended: her running pair is held (the mentee told), the mentee she
    was asked about hears now (more mentors), her own proposal as a mentee goes."""
    clock, repo, service, pair_id = await proposed_pair(db, places=2)
    await service.answer(pair_id, 1, True)
    await member(db, 3, years=2)
    await repo.save_request(3, ["cybercrime"], "goal", "any", clock.now())
    asked_of_her = await service.ask(3, 1)
    await member(db, 4, years=40, agency="prosecutor")
    await repo.save_offer(4, 1, "monthly", ["cybercrime"], clock.now())
    await repo.save_request(1, ["cybercrime"], "goal", "any", clock.now())
    assert await repo.propose(1, 4, "request", 50, clock.now(), clock.now()) is not None
    await set_status(db, 1, "suspended")
    await service.hold_for(1, clock.now())
    assert await queued(db, "mentor_held") == [2]
    asked = await repo.get(asked_of_her)  # type: ignore[arg-type]
    assert asked is not None and asked.status == "expired"
    assert await queued(db, "mentor_next") == [3]
    assert await repo.pairs_of(4) == []  # her own proposal went as if never made
    assert await repo.offer(1) is not None and await repo.request(1) is not None
    assert await repo.available_mentors(only=1) == []  # but not in rounds while suspended
    assert await repo.waiting_mentees(only=1) == []
    await set_status(db, 1, "approved")
    await service.resume_for(1, clock.now())
    assert await queued(db, "mentor_held") == [2, 2]


async def test_open_and_asked_requests_of_a_member(db: Database) -> None:
    clock = FakeClock()
    repo = IntroRepo(db)
    for user_id in (1, 2, 3, 4):
        await member(db, user_id)
    expires = clock.now() + timedelta(days=3)
    mine = await repo.create(1, None, None, None, "why", [2], clock.now())
    await repo.ask(mine, 2, clock.now(), expires)
    refused = await repo.create(1, None, None, None, "why", [3], clock.now())
    await repo.ask(refused, 3, clock.now(), expires)
    await repo.decide(refused, "asked", "declined", clock.now())
    told = await repo.create(1, None, None, None, "why", [4], clock.now())
    await repo.ask(told, 4, clock.now(), expires)
    await repo.decide(told, "asked", "declined", clock.now())
    await repo.mark_told(told, clock.now())
    await repo.create(1, None, None, None, "why", [3], clock.now())  # still choosing
    theirs = await repo.create(3, None, None, None, "why", [1], clock.now())
    await repo.ask(theirs, 1, clock.now(), expires)
    assert await repo.open_from(1) == [mine, refused]
    assert [i.id for i in await repo.asked_of(1)] == [theirs]
    assert [i.id for i in await repo.asked_of(2)] == [mine]
    assert await repo.asked_of(3) == []  # she declined: nothing waits for her


async def test_a_suspended_member_s_introductions_close_and_the_asker_hears_now(
        db: Database) -> None:
    clock = FakeClock()
    service = IntroductionService(db, IntroRepo(db), delivery_for(db, clock), clock)
    for user_id in (1, 2, 3, 4):
        await member(db, user_id)
    assert await service.start_with(1, 2, "why") is IntroOutcome.DONE  # hers, to 2
    outcome, theirs = await service.start(3, None, None, None, "why")  # 3 may ask 1 or 2, 4
    assert outcome is IntroOutcome.DONE
    intro = await service.get(theirs, 3)
    assert intro is not None and 1 in intro.candidates
    assert await service.ask(theirs, 3, dict((p, n) for n, p in intro.places)[1]) \
        is IntroOutcome.DONE
    await set_status(db, 1, "suspended")
    await service.member_suspended(1, clock.now())
    statuses = dict(await db.fetch_all(
        "SELECT id, status FROM intro_requests WHERE parent_id IS NULL"))
    assert statuses[theirs] == "expired"
    assert [r for r in statuses.values() if r == "asked"] == []
    assert await queued(db, "intro_next") == [3]  # now, not in 3 days
    follow_up = await db.fetch_value("SELECT id FROM intro_requests WHERE parent_id = ?",
                                     (theirs,))
    assert 1 not in (await service.get(follow_up, 3)).candidates  # type: ignore[union-attr]
    clock.advance(days=4)
    assert await service.send_follow_ups(clock.now()) == 0  # nothing more, to anyone


async def test_round_pairs_the_most_mentees_before_the_highest_score(db: Database) -> None:
    """The issue's example through the service: A fits X (27) or Y (10), B only X (10); the
    round proposes A→Y and B→X rather than A→X alone."""
    clock = FakeClock()
    repo = MentorshipRepo(db)
    service = MentorshipService(db, repo, AuditRepo(db), delivery_for(db, clock), clock)
    mentor_x, mentor_y, mentee_a, mentee_b = 1, 2, 3, 4
    await member(db, mentor_x, years=30, agency="interior")
    await member(db, mentor_y, years=1)
    await member(db, mentee_a, years=2)
    await member(db, mentee_b, years=40, agency="interior")
    await repo.save_offer(mentor_x, 1, "monthly", ["cybercrime", "border_management"], clock.now())
    await repo.save_offer(mentor_y, 1, "monthly", ["border_management"], clock.now())
    await repo.save_request(mentee_a, ["cybercrime", "border_management"], "goal", "any",
                            clock.now())
    await repo.save_request(mentee_b, ["cybercrime"], "goal", "any", clock.now())
    result = await service.run_round(seed=1)
    assert (result.waiting, result.proposed, result.total_score) == (2, 2, 20)
    pairs = await db.fetch_all("SELECT mentee_id, mentor_id, score FROM mentor_pairs "
                               "ORDER BY mentee_id")
    assert [tuple(r) for r in pairs] == [(mentee_a, mentor_y, 10), (mentee_b, mentor_x, 10)]
    assert sorted(await queued(db, "mentor_proposal")) == [mentor_x, mentor_y]
    assert sorted(await queued(db, "mentor_round_asked")) == [mentee_a, mentee_b]


async def test_round_fills_every_place_of_a_mentor_with_several(db: Database) -> None:
    clock = FakeClock()
    repo = MentorshipRepo(db)
    service = MentorshipService(db, repo, AuditRepo(db), delivery_for(db, clock), clock)
    await member(db, 1, years=30, agency="interior")
    await member(db, 2, years=30, agency="interior")
    await repo.save_offer(1, 3, "monthly", ["cybercrime"], clock.now())
    await repo.save_offer(2, 1, "monthly", ["cybercrime"], clock.now())
    for mentee in range(3, 9):
        await member(db, mentee, years=2)
        await repo.save_request(mentee, ["cybercrime"], "goal", "any", clock.now())
    result = await service.run_round(seed=7)
    assert (result.waiting, result.proposed) == (6, 4)
    per_mentor = await db.fetch_all("SELECT mentor_id, COUNT(*) FROM mentor_pairs "
                                    "GROUP BY mentor_id ORDER BY mentor_id")
    assert [tuple(r) for r in per_mentor] == [(1, 3), (2, 1)]


async def test_a_large_round_runs_in_its_own_process_with_the_same_result(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    repo = MentorshipRepo(db)
    service = MentorshipService(db, repo, AuditRepo(db), delivery_for(db, clock), clock)
    await member(db, 1, years=30, agency="interior")
    await member(db, 2, years=1)
    await repo.save_offer(1, 2, "monthly", ["cybercrime"], clock.now())
    await repo.save_offer(2, 1, "monthly", ["cybercrime"], clock.now())
    for mentee in range(3, 7):
        await member(db, mentee, years=2)
        await repo.save_request(mentee, ["cybercrime"], "goal", "any", clock.now())
    waiting, available = await repo.waiting_mentees(), await repo.available_mentors()
    in_thread = mentorship.solve(waiting, [c for c in available if c.free_places > 0],
                                 await repo.excluded_pairs(), seed=5)[2]
    monkeypatch.setattr(mentorship, "PROCESS_CELLS", 0)  # every round counts as large
    started = []
    real_exec = asyncio.create_subprocess_exec

    async def spy(*args: object, **kwargs: object) -> object:
        started.append(args[:3])
        return await real_exec(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spy)
    result = await service.run_round(seed=5)
    assert started == [(sys.executable, "-m", "bot.services.matching_worker")]
    assert (result.proposed, result.total_score) == (3, sum(score for *_, score in in_thread))
    pairs = await db.fetch_all("SELECT mentee_id, mentor_id FROM mentor_pairs ORDER BY 1")
    assert [tuple(r) for r in pairs] == [(mentee, mentor) for mentee, mentor, _ in in_thread]
    assert (result.waiting, result.mentors) == (4, 2)
    # the worker wrote each proposal's two messages, as the bot's own path does
    assert sorted(await queued(db, "mentor_proposal")) == sorted(
        mentor for _mentee, mentor, _score in in_thread)
    assert sorted(await queued(db, "mentor_round_asked")) == sorted(
        mentee for mentee, _mentor, _score in in_thread)
