"""Attacks on delivery: Telegram (or the proxy in front of it) failing in the middle of a
broadcast or a chat removal.

Time is fake and consistent: the delivery engine's pacing moves the FakeClock too, and the
emulator's faults read that clock, so "a 3-second HTML 502 page" starts half a second into
the broadcast and ends 3 s later, while retries wait for their backoff. Nothing sleeps: when
the engine has nothing due, the test moves the clock to the next retry, as time would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock, from_db
from bot.services.delivery import FakePacer
from tests.emulator.server import Chat, Fault, TelegramEmulator, UserHandle
from tests.flows import seed_member
from tests.harness import ADMIN_ID, BotHarness, make_settings
from tests.test_e2e_chats import KG_CHAT, KZ_CHAT, REGION, bind, join

TEXT = "Meeting at 10:00 in Almaty"
MEMBERS = 60


class ClockedPacer(FakePacer):
    """Pacing in fake time that moves the FakeClock along: a broadcast of 60 at 30/s takes
    two seconds of the clock the outbox and the emulator's faults read."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        await super().sleep(seconds)


@pytest.fixture
async def harness(emulator: TelegramEmulator, tmp_path: Path, clock: FakeClock
                  ) -> AsyncIterator[BotHarness]:
    emulator.clock = lambda: clock.now().timestamp()
    running = BotHarness(emulator, make_settings(emulator, tmp_path / "bot.sqlite3"), clock)
    running.pacer = ClockedPacer(clock)
    await running.start()
    yield running
    await running.stop()


async def deliver_as_time_passes(harness: BotHarness, limit: timedelta = timedelta(days=2)
                                 ) -> None:
    """What the engine's background loop does while time passes: send what is due, then
    wait (here: move the clock) until the next retry is due, until nothing waits."""
    assert harness.app is not None
    start = harness.clock.now()
    await harness.deliver()
    for _ in range(10_000):
        due = await harness.app.outbox.next_due_at()
        if due is None:
            return
        if due:
            moment = from_db(due)
            if moment - start > limit:
                return  # the next try would come after the time we were asked to watch
            harness.clock.set(max(harness.clock.now(), moment))
        await harness.deliver()
    raise AssertionError("delivery never settled")


async def broadcast_setup(harness: BotHarness, members: int = MEMBERS
                          ) -> tuple[UserHandle, list[UserHandle]]:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    people = [await seed_member(harness, 1000 + n, ["KZ", "KG", "UZ"][n % 3])
              for n in range(members)]
    return admin, people


async def announce(admin: UserHandle) -> None:
    await admin.send("/announce")
    await admin.press("All members")
    await admin.send(TEXT)
    await admin.press("Send now")
    await admin.press("Yes, send")


def copies(people: list[UserHandle]) -> Counter[int]:
    return Counter({p.id: sum(TEXT in (m.text or "") for m in p.bot_messages) for p in people})


async def outbox_counts(harness: BotHarness) -> dict[str, int]:
    rows = await harness.db.fetch_all("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


def finished(sent: int, failed: int = 0, unreachable: int = 0) -> str:
    return (f"Delivery finished: {sent} sent, {failed} failed, {unreachable} unreachable "
            "(blocked the bot).")


# ---- short faults in the middle of a broadcast -------------------------------------------


@pytest.mark.parametrize("error", ["html", "garbage", "truncated", "binary"])
async def test_three_seconds_of_undecodable_answers_lose_and_double_nothing(
        harness: BotHarness, error: str) -> None:
    admin, people = await broadcast_setup(harness)
    await announce(admin)
    t0 = harness.clock.now().timestamp()
    fault = Fault(error=error, method="sendMessage", times=None, since=t0 + 0.5,
                  until=t0 + 3.5)
    harness.emu.faults.append(fault)
    await harness.deliver()
    assert fault.hits >= MEMBERS // 2  # most of the broadcast ran into it
    waiting = await outbox_counts(harness)
    assert "failed" not in waiting and waiting["pending"] >= MEMBERS // 2
    assert admin.last_text.endswith(
        f"{waiting['pending']} still waiting: Telegram did not answer, retrying.")
    await deliver_as_time_passes(harness)
    assert set(copies(people).values()) == {1}  # 0 lost, 0 doubled
    assert await outbox_counts(harness) == {"sent": MEMBERS}
    assert admin.last_text == finished(MEMBERS)
    # Everything went out within a minute of the outage's end (backoff 2, 4, 8 … s).
    assert harness.clock.now().timestamp() - t0 < 3.5 + 60


async def test_a_ten_minute_outage_of_5xx_then_dropped_connections(harness: BotHarness
                                                                    ) -> None:
    admin, people = await broadcast_setup(harness)
    await announce(admin)
    t0 = harness.clock.now().timestamp()
    outage = [
        Fault(error=502, method="sendMessage", times=None, since=t0 + 0.3, until=t0 + 300),
        Fault(error="drop", method="sendMessage", times=None, since=t0 + 300,
              until=t0 + 600),
        # The progress message cannot be edited meanwhile either.
        Fault(error=502, method="editMessageText", times=None, until=t0 + 600),
    ]
    harness.emu.faults += outage
    await deliver_as_time_passes(harness, limit=timedelta(seconds=590))
    assert harness.clock.now().timestamp() < t0 + 600  # still inside the outage
    assert outage[0].hits > 3 * MEMBERS  # retried again and again …
    assert outage[1].hits >= MEMBERS // 2  # … and then into dropped connections
    during = await outbox_counts(harness)
    assert "failed" not in during and during["pending"] >= MEMBERS - 10
    await deliver_as_time_passes(harness)
    assert set(copies(people).values()) == {1}
    assert await outbox_counts(harness) == {"sent": MEMBERS}
    assert admin.last_text == finished(MEMBERS)  # the progress message is not stuck
    # Backoff is capped at five minutes: the last copy went out within 5 min of the end.
    assert harness.clock.now().timestamp() <= t0 + 600 + 300 + 5


async def test_a_400_ends_only_that_message(harness: BotHarness) -> None:
    admin, people = await broadcast_setup(harness, members=10)
    await announce(admin)
    t0 = harness.clock.now().timestamp()
    harness.emu.faults += [
        Fault(error=400, method="sendMessage", chat_id=people[3].id, times=None,
              description="Bad Request: chat not found"),
        Fault(error="html", method="sendMessage", times=None, until=t0 + 3),
    ]
    await deliver_as_time_passes(harness)
    received = copies(people)
    assert received[people[3].id] == 0
    assert {received[p.id] for p in people if p is not people[3]} == {1}
    assert await outbox_counts(harness) == {"sent": 9, "failed": 1}
    assert admin.last_text == finished(9, failed=1)


async def test_an_outage_of_more_than_a_day_ends_them_and_the_report_says_so(
        harness: BotHarness) -> None:
    admin, people = await broadcast_setup(harness, members=5)
    await announce(admin)
    t0 = harness.clock.now()
    harness.emu.faults.append(Fault(error=502, method="sendMessage", times=None))
    await deliver_as_time_passes(harness, limit=timedelta(hours=23, minutes=55))
    assert await outbox_counts(harness) == {"pending": 5}  # nearly a day: still trying
    assert admin.last_text.endswith("5 still waiting: Telegram did not answer, retrying.")
    await deliver_as_time_passes(harness)
    assert harness.clock.now() - t0 >= timedelta(hours=24)
    assert await outbox_counts(harness) == {"failed": 5}
    assert admin.last_text == (finished(0, failed=5) + " 5 of them failed because Telegram "
                               "did not answer for 24 hours.")
    assert all(copies(people)[p.id] == 0 for p in people)


async def test_the_progress_message_is_completed_when_delivery_beat_it(
        harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine runs in the background: it may finish the whole broadcast before the
    handler has saved the progress message's id. The message must still end final."""
    assert harness.app is not None
    admin, people = await broadcast_setup(harness, members=8)
    outbox = harness.app.outbox
    save = outbox.set_progress_message

    async def saved_late(broadcast_id: int, chat_id: int, message_id: int) -> None:
        await harness.deliver()  # the engine is faster than the handler
        await save(broadcast_id, chat_id, message_id)

    monkeypatch.setattr(outbox, "set_progress_message", saved_late)
    await announce(admin)
    assert set(copies(people).values()) == {1}
    assert admin.last_text.startswith("Sending: 0 sent")  # nobody could edit it yet
    await harness.deliver()  # the engine's next round, with nothing left to send
    assert admin.last_text == finished(8)


# ---- chat removals ------------------------------------------------------------------------


async def suspended_member(harness: BotHarness, *, region_can_ban: bool = True
                           ) -> tuple[UserHandle, UserHandle, Chat, Chat, Chat]:
    """A KZ member in the KZ chat and the regional chat (never in the KG chat), suspended
    by her coordinator."""
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    kz = await bind(harness, admin, KZ_CHAT, "Kazakhstan officers", "Kazakhstan")
    kg = await bind(harness, admin, KG_CHAT, "Kyrgyzstan officers", "Kyrgyzstan")
    region = await bind(harness, admin, REGION, "Regional network", "Regional chat",
                        can_restrict_members=region_can_ban)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    member = await seed_member(harness, 601, "KZ", name="Member Leaving")
    await join(member, kz, "Kazakhstan officers")
    await join(member, region, "Regional network")
    await coordinator.send("/members")
    await coordinator.press("Search")
    # Her place in the listing: the bind offers' pacing moved the clock past the first seeding.
    place = next(line.split(".")[0] for line in (coordinator.last_text or "").splitlines()
                 if line.endswith(". Member Leaving"))
    await coordinator.press(f"⚙ {place}")
    await coordinator.press("Suspend")
    await coordinator.send("Left the service")
    return coordinator, member, kz, kg, region


def removal_reports(coordinator: UserHandle) -> list[str]:
    return [m.text or "" for m in coordinator.bot_messages
            if (m.text or "").startswith(("Removed from", "Still in"))]


async def queued_removals(harness: BotHarness) -> int:
    return int(await harness.db.fetch_value(
        "SELECT COUNT(*) FROM chat_removals WHERE done_at IS NULL"))


NO_RIGHT_RETRYING = ("• Regional network — membership suspended: the bot has no right to "
                     "remove members there; it will try again (give it the right to ban users)")


async def test_a_removal_without_rights_is_retried_and_done_once_rights_are_granted(
        harness: BotHarness) -> None:
    coordinator, member, kz, kg, region = await suspended_member(harness, region_can_ban=False)
    assert kz.members[601] == "left" and region.members[601] == "member"
    # The report names whom it is about (issue 11), then each chat.
    assert coordinator.last_text == ("Removed from the association's chats:\n"
                                     "Member Leaving\n"
                                     "• Kazakhstan officers — membership suspended\n\n"
                                     "Still in these chats:\nMember Leaving\n"
                                     + NO_RIGHT_RETRYING)
    assert "Kyrgyzstan" not in coordinator.last_text  # she was never there
    assert await queued_removals(harness) == 1
    reports = len(coordinator.bot_messages)
    harness.clock.advance(minutes=5)
    await harness.tick()  # not due yet: no new attempt, no new report
    assert len(coordinator.bot_messages) == reports
    region.admin_rights["can_restrict_members"] = True  # an administrator grants the right
    harness.clock.advance(minutes=6)
    await harness.tick()
    assert region.members[601] == "left"
    assert coordinator.last_text == ("Removed from the association's chats:\n"
                                     "Member Leaving\n"
                                     "• Regional network — membership suspended")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM chat_removals") == 0


async def test_a_removal_that_never_gets_the_right_is_reported_as_still_in(
        harness: BotHarness) -> None:
    coordinator, member, _, _, region = await suspended_member(harness, region_can_ban=False)
    tried = sum(1 for method, _ in harness.emu.requests if method == "banChatMember")
    for _ in range(4):  # 10 min, 1 h, 6 h, then it gives up
        harness.clock.advance(hours=6, minutes=1)
        await harness.tick()
    bans = [p for method, p in harness.emu.requests if method == "banChatMember"]
    assert len(bans) - tried == 3  # the three slower retries, no more
    assert region.members[601] == "member"
    assert coordinator.last_text == (
        "Still in these chats:\nMember Leaving\n"
        "• Regional network — membership suspended: the bot has no "
        "right to remove members there; please remove her yourself")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM chat_removals") == 0


async def test_removals_during_an_outage_and_a_restart_lose_none(harness: BotHarness) -> None:
    t0 = harness.clock.now().timestamp()
    harness.emu.faults.append(Fault(error="html", method="banChatMember", times=None,
                                    until=t0 + 600))
    coordinator, member, kz, kg, region = await suspended_member(harness)
    assert kz.members[601] == "member" and region.members[601] == "member"
    assert coordinator.last_text == (
        "Still in these chats:\nMember Leaving\n"
        "• Kazakhstan officers — membership suspended: Telegram did not answer; the bot keeps "
        "trying\n"
        "• Regional network — membership suspended: Telegram did not answer; the bot keeps "
        "trying")
    told = len(removal_reports(coordinator))
    harness.clock.advance(minutes=3)
    await harness.tick()
    # Still failing, still queued (the KG chat too, quietly: she is not there), not re-told.
    assert await queued_removals(harness) == 3
    assert len(removal_reports(coordinator)) == told
    await harness.restart()  # the bot restarts halfway through the outage
    while harness.clock.now().timestamp() < t0 + 600 + 300:
        harness.clock.advance(minutes=1)
        await harness.tick()
    assert kz.members[601] == "left" and region.members[601] == "left"
    assert removal_reports(coordinator)[told:] == [
        "Removed from the association's chats:\nMember Leaving\n"
        "• Kazakhstan officers — membership suspended\n"
        "• Regional network — membership suspended"]
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM chat_removals") == 0
