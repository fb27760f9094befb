"""Unit tests of the services and repositories, without Telegram."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.clock import FakeClock, to_db
from bot.db import Database
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.chats import ChatRepo
from bot.db.repositories.invites import InviteRepo
from bot.db.repositories.jobs import JobRunRepo
from bot.db.repositories.profiles import DirectoryFilter, ProfileRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.db.repositories.users import UserRepo
from bot.services.chat_access import ChatAccessService
from bot.services.invites import CodeProblem, InviteService, hash_code
from bot.services.members import MemberService
from bot.services.onboarding import missing_required, next_step, previous_step
from bot.services.profile_input import (
    InputProblem,
    check_bio,
    check_name,
    check_short_text,
    check_years,
)
from bot.services.scheduler import JobScheduler
from bot.services.roles import Authority
from bot.services.verification import Decision, Outcome, SideEffect, VerificationService

ADMIN = 1
OTHER = frozenset({"other"})


@pytest.mark.parametrize(("text", "problem"), [
    ("", InputProblem.EMPTY), ("   ", InputProblem.EMPTY), (None, InputProblem.EMPTY),
    ("x" * 101, InputProblem.TOO_LONG), ("12345", InputProblem.NO_LETTERS),
    ("🌷🌷", InputProblem.NO_LETTERS), ("A", InputProblem.TOO_SHORT),
])
def test_name_problems(text: str | None, problem: InputProblem) -> None:
    assert check_name(text) == (None, problem)


def test_name_is_normalised() -> None:
    assert check_name("  Aigul   Bekova ") == ("Aigul Bekova", None)
    assert check_name("Гүлнара Ахмедова") == ("Гүлнара Ахмедова", None)


@pytest.mark.parametrize(("text", "expected"), [
    ("0", (0, None)), ("45", (45, None)), (" 12 ", (12, None)),
    ("46", (None, InputProblem.OUT_OF_RANGE)), ("-1", (None, InputProblem.NOT_A_NUMBER)),
    ("twelve", (None, InputProblem.NOT_A_NUMBER)), ("", (None, InputProblem.EMPTY)),
    ("1e3", (None, InputProblem.NOT_A_NUMBER)), ("²", (None, InputProblem.NOT_A_NUMBER)),
    ("١٢", (12, None)),
])
def test_years(text: str, expected: tuple) -> None:  # type: ignore[type-arg]
    assert check_years(text) == expected


def test_bio_and_short_text_limits() -> None:
    assert check_bio("a" * 500) == ("a" * 500, None)
    assert check_bio("a" * 501) == (None, InputProblem.TOO_LONG)
    assert check_short_text("Major", 100) == ("Major", None)
    assert check_short_text("🙂", 100) == (None, InputProblem.NO_LETTERS)


async def draft(db: Database, user_id: int = 10, **values: object) -> ProfileRepo:
    repo = ProfileRepo(db)
    clock = FakeClock()
    await db.execute("INSERT INTO users (id, locale, created_at, last_seen_at) VALUES "
                     "(?, 'en', ?, ?)", (user_id, to_db(clock.now()), to_db(clock.now())))
    await repo.create_draft(user_id, clock.now())
    if values:
        await repo.update(user_id, clock.now(), **values)
    return repo


async def test_wizard_order_skips_country_with_invitation_and_other_agency(db: Database) -> None:
    repo = await draft(db, agency_code="police")
    profile = await repo.get(10)
    assert profile is not None
    assert next_step("name", profile, OTHER) == "country"
    assert next_step("agency", profile, OTHER) == "position"
    profile.agency_code = "other"
    assert next_step("agency", profile, OTHER) == "agency_other"
    assert previous_step("position", profile, OTHER) == "agency_other"
    profile.invite_code_id = 1
    assert next_step("name", profile, OTHER) == "agency"
    assert previous_step("agency", profile, OTHER) == "name"
    assert previous_step("name", profile, OTHER) is None


async def test_missing_required_answers(db: Database) -> None:
    repo = await draft(db, full_name="A B", country_code="KZ", agency_code="other",
                       years_of_service=3)
    profile = await repo.get(10)
    assert profile is not None
    assert missing_required(profile, OTHER) == "agency_other"
    await repo.update(10, FakeClock().now(), agency_other="Unit")
    await repo.toggle_choice(10, "profile_expertise", "forensics")
    profile = await repo.get(10)
    assert profile is not None
    assert missing_required(profile, OTHER) == "languages"
    await repo.toggle_choice(10, "profile_languages", "ru")
    profile = await repo.get(10)
    assert profile is not None and missing_required(profile, OTHER) is None
    await repo.toggle_choice(10, "profile_languages", "ru")  # toggled off again
    profile = await repo.get(10)
    assert profile is not None and profile.languages == []


async def test_profile_update_rejects_unknown_columns(db: Database) -> None:
    repo = await draft(db)
    with pytest.raises(ValueError):
        await repo.update(10, FakeClock().now(), status="approved")


async def test_invitation_code_lifecycle(db: Database) -> None:
    clock = FakeClock()
    service = InviteService(InviteRepo(db), AuditRepo(db))
    created = await service.create(ADMIN, "KZ", 2, timedelta(days=7), clock.now())
    assert len(created.code) >= 16
    assert created.record.hint == created.code[:4]
    assert await db.fetch_value("SELECT code_hash FROM invite_codes") == hash_code(created.code)
    assert (await service.check("nonsense", clock.now()))[1] is CodeProblem.UNKNOWN
    assert (await service.take(created.code, clock.now()))[1] is None
    assert (await service.take(created.code, clock.now()))[1] is None
    assert (await service.take(created.code, clock.now()))[1] is CodeProblem.USED_UP
    other = await service.create(ADMIN, "KZ", 1, timedelta(days=1), clock.now())
    clock.advance(days=1)
    assert (await service.check(other.code, clock.now()))[1] is CodeProblem.EXPIRED
    third = await service.create(ADMIN, "KZ", 1, timedelta(days=1), clock.now())
    assert await service.revoke(ADMIN, third.record.id, clock.now())
    assert not await service.revoke(ADMIN, third.record.id, clock.now())
    assert (await service.check(third.code, clock.now()))[1] is CodeProblem.REVOKED


async def test_last_use_is_taken_once_under_concurrency(db: Database) -> None:
    clock = FakeClock()
    service = InviteService(InviteRepo(db), AuditRepo(db))
    created = await service.create(ADMIN, "UZ", 3, timedelta(days=7), clock.now())
    results = await asyncio.gather(*(service.take(created.code, clock.now()) for _ in range(20)))
    assert sum(problem is None for _, problem in results) == 3
    assert await db.fetch_value("SELECT used_count FROM invite_codes") == 3


async def test_decisions_check_roles_at_run_time(db: Database) -> None:
    clock = FakeClock()
    profiles = await draft(db, 10, country_code="KG")
    await profiles.set_status(10, clock.now(), "pending", submitted=True)
    coordinators = CoordinatorRepo(db)
    for user_id, country in ((20, "KG"), (21, "KZ")):
        await draft(db, user_id, country_code=country)
        await profiles.set_status(user_id, clock.now(), "approved")
        await coordinators.appoint(user_id, country, ADMIN, clock.now())
    authority = Authority(coordinators, frozenset({ADMIN}))
    service = VerificationService(db, profiles, coordinators, AuditRepo(db), authority,
                                  ChatAccessService(ChatRepo(db), UserRepo(db), coordinators,
                                                    frozenset({ADMIN})), InviteRepo(db))
    seen = (await profiles.get(10)).version  # type: ignore[union-attr]
    assert (await service.decide(21, 10, Decision.APPROVE, clock.now(), version=seen)).outcome \
        is Outcome.FORBIDDEN
    assert (await service.decide(10, 10, Decision.APPROVE, clock.now(), version=seen)).outcome \
        is Outcome.FORBIDDEN  # nobody approves herself
    assert (await service.decide(20, 10, Decision.ASK_INFO, clock.now(), "Which unit?",
                                 version=seen)).outcome is Outcome.DONE
    await profiles.set_status(10, clock.now(), "pending", submitted=True)
    await profiles.update(10, clock.now(), full_name="Someone Else")  # edited after the card
    assert (await service.decide(20, 10, Decision.APPROVE, clock.now(), version=seen)).outcome \
        is Outcome.STALE
    seen = (await profiles.get(10)).version  # type: ignore[union-attr]
    await profiles.set_status(20, clock.now(), "suspended")  # her own membership suspended
    assert (await service.decide(20, 10, Decision.APPROVE, clock.now(), version=seen)).outcome \
        is Outcome.FORBIDDEN
    await profiles.set_status(20, clock.now(), "approved")
    await coordinators.remove(20)  # removed between the card and the press
    assert (await service.decide(20, 10, Decision.APPROVE, clock.now(), version=seen)).outcome \
        is Outcome.FORBIDDEN
    assert (await service.decide(21, 20, Decision.SUSPEND, clock.now())).outcome \
        is Outcome.FORBIDDEN  # another country's coordinator
    assert (await service.decide(ADMIN, 10, Decision.APPROVE, clock.now(), version=seen)
            ).outcome is Outcome.DONE
    assert (await service.decide(ADMIN, 10, Decision.REJECT, clock.now(), version=seen)
            ).outcome is Outcome.ALREADY_DECIDED
    assert (await service.decide(ADMIN, 99, Decision.APPROVE, clock.now())).outcome \
        is Outcome.NOT_FOUND
    outcomes = [r["outcome"] for r in await db.fetch_all("SELECT outcome FROM audit_log")]
    assert outcomes == ["forbidden", "forbidden", "done", "stale", "forbidden", "forbidden",
                        "forbidden", "done", "already_decided", "not_found"]


async def test_staff_are_decided_on_only_by_administrators(db: Database) -> None:
    clock = FakeClock()
    profiles = await draft(db, 20, country_code="KZ")
    coordinators = CoordinatorRepo(db)
    for user_id in (20, 21, ADMIN):
        if user_id != 20:
            await draft(db, user_id, country_code="KZ")
        await profiles.set_status(user_id, clock.now(), "approved")
    await coordinators.appoint(20, "KZ", ADMIN, clock.now())
    await coordinators.appoint(21, "KZ", ADMIN, clock.now())
    authority = Authority(coordinators, frozenset({ADMIN}))
    service = VerificationService(db, profiles, coordinators, AuditRepo(db), authority,
                                  ChatAccessService(ChatRepo(db), UserRepo(db), coordinators,
                                                    frozenset({ADMIN})), InviteRepo(db))
    assert (await service.decide(20, ADMIN, Decision.SUSPEND, clock.now())).outcome \
        is Outcome.FORBIDDEN  # a coordinator never suspends an administrator
    assert (await service.decide(20, 21, Decision.SUSPEND, clock.now())).outcome \
        is Outcome.FORBIDDEN  # nor a fellow coordinator
    assert await coordinators.appoint(20, "KZ", ADMIN, clock.now()) is False  # idempotent
    assert (await service.appoint_coordinator(ADMIN, 20, "KZ", clock.now())) \
        is Outcome.ALREADY_DECIDED
    assert (await service.decide(ADMIN, 20, Decision.SUSPEND, clock.now())).outcome \
        is Outcome.DONE
    assert await authority.is_staff(20) is False  # suspended: no staff rights at all
    assert await coordinators.of_country("KZ") == [21]


async def test_a_decision_s_side_effects_run_once_when_it_changes_her_status(
        db: Database) -> None:
    """Suspend and reinstate run what the features registered (her mentorships, her
    introductions), in the decision's transaction, only when the status changed."""
    clock = FakeClock()
    profiles = await draft(db, 30, country_code="KZ")
    await draft(db, ADMIN, country_code="KZ")
    for user_id in (30, ADMIN):
        await profiles.set_status(user_id, clock.now(), "approved")
    coordinators = CoordinatorRepo(db)
    authority = Authority(coordinators, frozenset({ADMIN}))
    ran: list[tuple[str, int, str | None]] = []

    def effect(name: str) -> SideEffect:
        async def run(member_id: int, _now: datetime) -> None:
            ran.append((name, member_id, await db.fetch_value(
                "SELECT status FROM profiles WHERE user_id = ?", (member_id,))))
        return run

    service = VerificationService(
        db, profiles, coordinators, AuditRepo(db), authority,
        ChatAccessService(ChatRepo(db), UserRepo(db), coordinators, frozenset({ADMIN})),
        InviteRepo(db), side_effects={Decision.SUSPEND: (effect("hold"), effect("close")),
                                      Decision.REINSTATE: (effect("resume"),)})
    for _ in range(2):  # pressed twice: the second changes nothing and runs nothing
        await service.decide(ADMIN, 30, Decision.SUSPEND, clock.now(), "note")
    assert ran == [("hold", 30, "suspended"), ("close", 30, "suspended")]
    for _ in range(2):
        await service.decide(ADMIN, 30, Decision.REINSTATE, clock.now())
    assert ran[2:] == [("resume", 30, "approved")]


async def test_staff_reads_what_cards_and_pending_show(db: Database) -> None:
    """The reads the reviews and roles handlers make through services: a suspended
    coordinator is still shown as appointed but acts for nobody; /pending pages are disjoint
    even when applications were sent at the same moment."""
    clock = FakeClock()
    profiles = await draft(db, 20, country_code="KZ", full_name="Aigerim")
    await profiles.set_status(20, clock.now(), "approved")
    coordinators = CoordinatorRepo(db)
    await coordinators.appoint(20, "KZ", ADMIN, clock.now())
    authority = Authority(coordinators, frozenset({ADMIN}))
    await profiles.set_status(20, clock.now(), "suspended")
    assert await authority.appointed_country(20) == "KZ"
    assert await authority.coordinated_country(20) is None
    assert await authority.coordinators_of("KZ") == []
    assert await authority.appointments() == [(20, "KZ")]
    assert await authority.publishes_region(20) is False
    for user_id in (13, 11, 12):
        await draft(db, user_id, country_code="KZ")
        await profiles.set_status(user_id, clock.now(), "pending", submitted=True)
    service = VerificationService(db, profiles, coordinators, AuditRepo(db), authority,
                                  ChatAccessService(ChatRepo(db), UserRepo(db), coordinators,
                                                    frozenset({ADMIN})), InviteRepo(db))
    assert await service.count_waiting("KZ") == 3 and await service.count_waiting("KG") == 0
    pages = [await service.waiting("KZ", offset, 2) for offset in (0, 2)]
    assert pages == [[11, 12], [13]]
    assert await MemberService(profiles).name_of(20) == "Aigerim"
    assert await MemberService(profiles).name_of(99) is None


async def test_directory_search_respects_visibility(db: Database) -> None:
    clock = FakeClock()
    repo = await draft(db, 10, country_code="KG", agency_code="police")
    await draft(db, 11, country_code="KG", agency_code="police", visible_fields="name")
    for user_id in (10, 11):
        await repo.toggle_choice(user_id, "profile_languages", "ky")
        await repo.set_status(user_id, clock.now(), "approved")
    assert (await repo.search(DirectoryFilter(country="KG"), 0, 10))[1] == 2
    assert (await repo.search(DirectoryFilter(agency="police"), 0, 10))[0] == [10]
    assert (await repo.search(DirectoryFilter(language="ky"), 0, 10))[0] == [10]
    assert (await repo.search(DirectoryFilter(country="KZ"), 0, 10))[1] == 0


async def test_scheduler_runs_each_job_once_per_interval(db: Database) -> None:
    clock = FakeClock()
    runs: list[str] = []

    async def job(now) -> None:  # type: ignore[no-untyped-def]
        runs.append(to_db(now))

    async def broken(now) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    scheduler = JobScheduler(JobRunRepo(db), clock)
    scheduler.add("hourly", timedelta(hours=1), job)
    scheduler.add("broken", timedelta(hours=1), broken)
    assert await scheduler.tick() == ["hourly"]
    clock.advance(minutes=59)
    assert await scheduler.tick() == []
    clock.advance(minutes=1)
    assert await scheduler.tick() == ["hourly"]
    # A new scheduler over the same database (a restart) knows what already ran.
    again = JobScheduler(JobRunRepo(db), clock)
    again.add("hourly", timedelta(hours=1), job)
    assert await again.tick() == []
    assert len(runs) == 2


def test_emoji_sequences_pass_in_free_text_but_hidden_joiners_do_not() -> None:
    from bot.services.profile_input import check_bio, check_name

    assert check_bio("I code 👩\u200d💻 and train ❤️\u200d🔥") == (
        "I code 👩\u200d💻 and train ❤️\u200d🔥", None)
    for hidden in ("Cyber\u200dcrime", "\u200d👩", "ends with 👩\u200d"):
        assert check_bio(hidden)[1] is not None, hidden
    assert check_name("Aigul 👩\u200d💻")[1] is not None  # names: no joiner at all
