"""Scheduled jobs driven by the injected clock: abandoned sign-ups and overdue reviews."""

from __future__ import annotations

from datetime import timedelta

from tests.flows import onboard, seed_member, start_and_accept
from tests.harness import BotHarness

ALL_JOBS = ["cleanup_abandoned_signups", "coffee_rounds", "event_reminders",
            "flush_chat_removals", "matching_upkeep", "mentorship_round", "reconcile_chats",
            "remind_overdue_reviews", "scheduled_announcements", "weekly_digest"]
OVERDUE = "1 application from Kyrgyzstan has waited more than 7 days. /pending shows it."


async def test_abandoned_signups_are_deleted_after_30_days(harness: BotHarness) -> None:
    stale = harness.user(1001, "Stale")
    fresh = harness.user(1002, "Fresh")
    await start_and_accept(harness, stale, "en")
    await stale.send("Stale Name")
    harness.clock.advance(days=20)
    await start_and_accept(harness, fresh, "en")
    await harness.tick()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM profiles") == 2
    harness.clock.advance(days=10, minutes=1)
    await harness.tick()
    ids = [r["user_id"] for r in await harness.db.fetch_all("SELECT user_id FROM profiles")]
    assert ids == [1002]
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM fsm_states WHERE user_id = 1001") == 0
    assert await harness.db.fetch_value("SELECT locale FROM users WHERE id = 1001") == "en"
    await stale.send("/start")  # she starts over from the privacy notice
    assert stale.last.button_labels() == ["I agree", "I do not agree"]


async def test_overdue_applications_are_reminded_once_a_week(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    await onboard(harness, harness.user(1001, "A"), "en")
    harness.clock.advance(days=6)
    await harness.tick()
    assert OVERDUE not in coordinator.all_texts()
    harness.clock.advance(days=1, hours=1)
    await harness.tick()
    assert coordinator.last_text == OVERDUE
    await harness.restart()  # a restart neither loses nor repeats the reminder
    harness.clock.advance(hours=2)
    await harness.tick()
    assert coordinator.all_texts().count(OVERDUE) == 1
    harness.clock.advance(days=7)
    await harness.tick()
    assert coordinator.all_texts().count(OVERDUE) == 2


async def test_jobs_run_on_the_first_tick_after_downtime(harness: BotHarness) -> None:
    assert sorted(await harness.tick()) == ALL_JOBS
    assert await harness.tick() == []
    await harness.stop()
    harness.clock.advance(timedelta(days=2))
    await harness.start()
    assert sorted(await harness.tick()) == [job for job in ALL_JOBS if job != "mentorship_round"]
    harness.clock.advance(timedelta(days=5))  # the matching round is weekly
    assert "mentorship_round" in await harness.tick()
