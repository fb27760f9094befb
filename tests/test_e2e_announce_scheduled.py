"""End-to-end: the author's "Scheduled: it goes to N members on …" loses *Withdraw it* once
the announcement has gone (it reads "Sent on …"), could not go ("Not sent on …") or was
withdrawn ("Withdrawn"), edited in place in her language; a press on a stale copy of the
button says what became of it and changes nothing. The Kyrgyz coordinator reads ky, the
Uzbek one uz, the Russian-speaking Kazakh one ru; the injected clock is moved past the
sending time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import format_datetime, zone_name
from sandbox.emulator.server import SentMessage, UserHandle
from tests.flows import nt, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_attacks_sweep import diff, snapshot
from tests.test_e2e_event_notices import run
from tests.test_e2e_trial_events2 import schedule


def confirmation(harness: BotHarness, author: UserHandle, locale: str
                 ) -> tuple[SentMessage, str]:
    """Her "Scheduled: …" message and its Withdraw button's data (kept, as a stale copy)."""
    message, withdraw = author.find_button(t(harness, locale, "Withdraw it"))
    return message, withdraw["callback_data"]


async def test_once_sent_the_confirmation_says_so_and_its_withdraw_is_stale(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    members = [await seed_member(harness, 601, "KG", locale="ky"),
               await seed_member(harness, 602, "KG", locale="ru")]
    await schedule(harness, coordinator, "ky", "KG", "Жыйын жума күнү", "16.01.2026 10:00")
    scheduled, data = confirmation(harness, coordinator, "ky")
    assert scheduled.text == nt(
        harness, "ky", "Scheduled: it goes to {count} member on {when} ({zone}).",
        "Scheduled: it goes to {count} members on {when} ({zone}).", 2, count=2,
        when=format_datetime(datetime(2026, 1, 16, 4, 0, tzinfo=UTC), "ky", "Asia/Bishkek",
                             weekday=True), zone=zone_name("Asia/Bishkek", "ky"))

    harness.clock.set(datetime(2026, 1, 16, 4, 1, tzinfo=UTC))  # 10:01 in Bishkek
    await run(harness)
    await run(harness)
    assert all(any("Жыйын жума күнү" in text for text in m.all_texts()) for m in members)
    sent = nt(harness, "ky", "Sent on {when} ({zone}) to {count} member.",
              "Sent on {when} ({zone}) to {count} members.", 2, count=2,
              when=format_datetime(harness.clock.now(), "ky", "Asia/Bishkek", weekday=True),
              zone=zone_name("Asia/Bishkek", "ky"))
    assert scheduled.text == sent and scheduled.buttons() == []  # the same message, edited

    before, messages = await snapshot(harness), len(coordinator.bot_messages)
    answer = await coordinator.press_data(data, scheduled)  # a stale copy of the button
    assert answer is not None and answer.get("text") == t(
        harness, "ky", "This announcement has already been sent: it can no longer be "
                       "withdrawn.")
    assert diff(before, await snapshot(harness)) == {}
    assert len(coordinator.bot_messages) == messages and scheduled.text == sent


async def test_withdrawn_it_says_so_in_place_and_nothing_goes_at_its_time(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    member = await seed_member(harness, 601, "UZ", locale="uz")
    await schedule(harness, coordinator, "uz", "UZ", "Seminar moved", "16.01.2026 09:00")
    scheduled, data = confirmation(harness, coordinator, "uz")
    messages = len(coordinator.bot_messages)
    await coordinator.press(t(harness, "uz", "Withdraw it"), scheduled)
    withdrawn = t(harness, "uz", "Withdrawn: the announcement will not be sent.")
    assert scheduled.text == withdrawn and scheduled.buttons() == []
    assert len(coordinator.bot_messages) == messages  # no second message about it

    harness.clock.set(datetime(2026, 1, 16, 4, 1, tzinfo=UTC))  # past 09:00 in Tashkent
    await run(harness)
    assert not any("Seminar moved" in text for text in member.all_texts())
    assert scheduled.text == withdrawn
    answer = await coordinator.press_data(data, scheduled)
    assert answer is not None and answer.get("text") == t(
        harness, "uz", "You have already withdrawn this announcement.")
    assert await harness.db.fetch_value(
        "SELECT outcome FROM scheduled_announcements") == "withdrawn"


async def test_one_that_could_not_go_says_not_sent_and_loses_its_button(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    await seed_member(harness, 601, "KZ", locale="kk")
    await schedule(harness, coordinator, "ru", "KZ", "Собрание", "16.01.2026 09:00")
    scheduled, data = confirmation(harness, coordinator, "ru")
    await harness.db.execute("DELETE FROM coordinators WHERE user_id = 500")  # dismissed

    harness.clock.set(datetime(2026, 1, 16, 4, 30, tzinfo=UTC))
    await run(harness)
    zone = harness.app.reference.country_timezones["KZ"]  # type: ignore[union-attr]
    assert scheduled.text == t(
        harness, "ru", "Not sent on {when} ({zone}): the message below says why.",
        when=format_datetime(harness.clock.now(), "ru", zone, weekday=True),
        zone=zone_name(zone, "ru"))
    assert scheduled.buttons() == []
    assert coordinator.last_text == t(
        harness, "ru", "⏰ Your scheduled announcement was not sent: you may no longer send to "
                       "this audience.")
    answer = await coordinator.press_data(data, scheduled)
    assert answer is not None and answer.get("text") == t(
        harness, "ru", "This announcement was not sent at its time: there is nothing to "
                       "withdraw.")


async def test_someone_elses_withdraw_is_refused(harness: BotHarness) -> None:
    author = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    await seed_member(harness, 601, "KG", locale="ky")
    other = await seed_member(harness, 510, "KG", coordinator=True, locale="ru")
    await schedule(harness, author, "ky", "KG", "Жыйын", "16.01.2026 10:00")
    scheduled, data = confirmation(harness, author, "ky")
    await other.send("/help")
    answer = await other.press_data(data, other.last)  # forged into her own chat
    assert answer is not None and answer.get("text") == t(
        harness, "ru", "This button is no longer valid.")
    assert await harness.db.fetch_value(
        "SELECT handled_at FROM scheduled_announcements") is None
    assert t(harness, "ky", "Withdraw it") in scheduled.button_labels()
