"""End-to-end: /announce through the delivery engine, under faults the emulator injects."""

from __future__ import annotations

from collections import Counter

from tests.emulator.server import Fault
from tests.flows import seed_member, t
from tests.harness import ADMIN_ID, BotHarness


async def announce(sender, audience: str, text: str,  # type: ignore[no-untyped-def]
                   bold: str | None = None) -> None:
    await sender.send("/announce")
    await sender.press(audience)
    await sender.send(text, bold=bold)
    await sender.press("Send now")
    await sender.press("Yes, send")


async def test_coordinator_announces_to_her_country_in_each_language(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="en")
    locales = ["ru", "ky", "uz", "en"]
    members = [await seed_member(harness, 600 + n, "KG", locale=locales[n % 4])
               for n in range(8)]
    outsider = await seed_member(harness, 700, "KZ")
    await announce(coordinator, "Kyrgyzstan", "Meeting at 10:00 & coffee", bold="10:00")
    progress = coordinator.last
    assert progress.text == "Sending: 0 sent, 0 failed, 0 unreachable, 8 remaining."
    await harness.deliver()
    for member in members:
        received = [m for m in member.bot_messages if "Meeting at 10:00 & coffee" in (m.text or "")]
        assert len(received) == 1
        locale = locales[(member.id - 600) % 4]
        header = t(harness, locale, "📢 <b>Announcement from the association</b>")
        assert (received[0].text or "").startswith(header.replace("<b>", "").replace("</b>", ""))
        assert "<b>10:00</b>" in (received[0].html or "")  # her formatting kept
    assert not any("Meeting" in text for text in outsider.all_texts())
    assert progress.text == ("Delivery finished: 8 sent, 0 failed, 0 unreachable "
                             "(blocked the bot).")
    log = await harness.db.fetch_one("SELECT actor_id, action, country_code FROM audit_log")
    assert tuple(log) == (500, "announce", "KG")


async def test_delivery_under_429_403_and_5xx_faults(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    members = [await seed_member(harness, 1000 + n, ["KZ", "KG", "UZ"][n % 3])
               for n in range(60)]
    blocked = members[::10]  # 10% blocked the bot
    for member in blocked:
        member.block_bot()
    await announce(admin, "All members", "Meeting at 10:00")
    harness.emu.faults += [
        Fault(error=429, method="sendMessage", times=3, retry_after=2),  # a burst of 429s
        Fault(error=502, method="sendMessage", chat_id=members[1].id, times=2),
        Fault(error="drop", method="sendMessage", chat_id=members[2].id, times=1),
    ]
    await harness.deliver()
    for _ in range(3):  # time passes: the backoff after each 5xx or dropped connection
        harness.clock.advance(minutes=1)
        await harness.deliver()
    received = Counter({m.id: sum("Meeting at 10:00" in (x.text or "") for x in m.bot_messages)
                        for m in members})
    assert {uid for uid, n in received.items() if n} == {m.id for m in members} - {
        b.id for b in blocked}
    assert set(received[m.id] for m in members if m not in blocked) == {1}
    assert harness.pacer.slept >= 2  # the whole sender paused for retry_after
    assert admin.last_text == ("Delivery finished: 54 sent, 0 failed, 6 unreachable "
                               "(blocked the bot).")
    unreachable = await harness.db.fetch_all(
        "SELECT id FROM users WHERE unreachable_at IS NOT NULL ORDER BY id")
    assert [r["id"] for r in unreachable] == [b.id for b in blocked]
    # When she writes to the bot again she is reachable again.
    await blocked[0].send("/help")
    assert await harness.db.fetch_value(
        "SELECT unreachable_at FROM users WHERE id = ?", (blocked[0].id,)) is None


async def test_only_staff_announce_and_only_to_their_country(harness: BotHarness) -> None:
    member = await seed_member(harness, 601, "KG")
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    await member.send("/announce")
    assert member.last_text == "This command is for coordinators."
    await coordinator.send("/announce")
    assert coordinator.last.button_labels() == ["Kyrgyzstan"]
    own = coordinator.last.buttons()[0]["callback_data"]
    for forged in ("*", "KZ"):  # the dialog's own button data, with another audience
        answer = await coordinator.press_data(own.removesuffix("KG") + forged)
        assert answer is not None and answer["text"] == "You are not allowed to do this."
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM broadcasts") == 0
