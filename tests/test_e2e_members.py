"""End-to-end: the member directory, suspending and reinstating, coordinators and the audit log."""

from __future__ import annotations

from tests.flows import seed_member
from tests.harness import ADMIN_ID, BotHarness


async def test_directory_filters_and_shows_only_visible_fields(harness: BotHarness) -> None:
    viewer = await seed_member(harness, 600, "KZ")
    await seed_member(harness, 601, "KG", name="Visible Colleague")
    await seed_member(harness, 602, "KG", name="Hidden Name")
    await harness.db.execute("UPDATE profiles SET visible_fields = 'agency,languages' "
                             "WHERE user_id = 602")
    await viewer.send("/members")
    await viewer.press("Country")
    await viewer.press("Kyrgyzstan")
    assert "Country: Kyrgyzstan" in viewer.last_text
    await viewer.press("Search")
    text = viewer.last_text
    assert text.startswith("Found: 2 · page 1 of 1")
    assert "Visible Colleague" in text and "Hidden Name" not in text
    assert "@" not in text and "tg://" not in text
    # A filter on a field she hides never finds her.
    await viewer.press("Expertise", viewer.bot_messages[-2])
    await viewer.press("Cybercrime")
    await viewer.press("Search")
    assert viewer.last_text.startswith("Found: 1 · page 1 of 1")
    assert "Visible Colleague" in viewer.last_text


async def test_directory_pages(harness: BotHarness) -> None:
    viewer = await seed_member(harness, 600, "KZ")
    for number in range(11):
        await seed_member(harness, 700 + number, "UZ", name=f"Uzbek Member {number:02d}")
    await viewer.send("/members")
    await viewer.press("Country")
    await viewer.press("Uzbekistan")
    await viewer.press("Search")
    assert viewer.last_text.startswith("Found: 11 · page 1 of 3")
    await viewer.press("Next »")
    assert viewer.last_text.startswith("Found: 11 · page 2 of 3")
    await viewer.press("Next »")
    assert viewer.last_text.startswith("Found: 11 · page 3 of 3")
    assert "Next »" not in viewer.last.button_labels()
    await viewer.press("« Previous")
    assert viewer.last_text.startswith("Found: 11 · page 2 of 3")


async def test_coordinator_suspends_and_reinstates_a_member_of_her_country(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    other = await seed_member(harness, 501, "KZ", coordinator=True)
    member = await seed_member(harness, 601, "KG", name="Member To Suspend")
    await coordinator.send("/members")
    await coordinator.press("Search")
    await coordinator.press("⚙ 3")
    card = coordinator.last
    assert "Member To Suspend" in (card.text or "")
    # Another country's coordinator pressing the same button is refused.
    answer = await other.press_data(card.buttons()[0]["callback_data"], card)
    assert answer is not None and answer["text"] == "You are not allowed to do this."
    await coordinator.press("Suspend", card)
    await coordinator.send("Left the service")
    assert coordinator.last_text == "Membership suspended."
    assert (await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601")) == "suspended"
    assert member.last_text == "Your membership has been suspended. Reason: Left the service"
    await member.send("/members")
    assert member.last_text == ("The directory is open to members once their application is "
                                "approved.")
    await coordinator.press("⚙ 3")
    await coordinator.press("Reinstate")
    assert member.last_text == "Your membership has been reinstated. Welcome back!"
    outcomes = [tuple(r) for r in await harness.db.fetch_all(
        "SELECT actor_id, action, outcome FROM audit_log ORDER BY id")]
    assert outcomes == [(501, "suspend", "forbidden"), (500, "suspend", "done"),
                        (500, "reinstate", "done")]


async def test_admin_appoints_and_removes_a_coordinator(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    candidate = await seed_member(harness, 601, "TM", name="Future Coordinator")
    await candidate.send("/pending")
    assert candidate.last_text == "This command is for coordinators."
    await admin.send("/members")
    await admin.press("Search")
    await admin.press("⚙ 1")
    await admin.press("Make coordinator")
    assert admin.last_text == "She is now a coordinator."
    assert (await harness.db.fetch_value(
        "SELECT country_code FROM coordinators WHERE user_id = 601")) == "TM"
    await candidate.send("/pending")
    assert candidate.last_text == "No applications are waiting. 🎉"
    # A coordinator cannot appoint anyone.
    from bot.callbacks import ReviewAction, ReviewCb

    answer = await candidate.press_data(
        ReviewCb(action=ReviewAction.APPOINT, member_id=ADMIN_ID).pack())
    assert answer is not None and answer["text"] == "You are not allowed to do this."
    await admin.send("/coordinators")
    assert "Future Coordinator" in admin.last_text
    await admin.press("Remove Future Coordinator")
    assert (await harness.db.fetch_value("SELECT COUNT(*) FROM coordinators")) == 0
    await admin.send("/audit")
    log = admin.last_text
    assert log.startswith("Audit log · page 1 of 1")
    assert "remove_coordinator" in log and "appoint_coordinator" in log and "forbidden" in log


async def test_audit_log_is_for_admins_and_paginated(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    for number in range(12):
        await harness.db.execute(
            "INSERT INTO audit_log (at, actor_id, action) VALUES ('2026-01-01 00:00:00', ?, ?)",
            (500, f"action_{number:02d}"))
    await coordinator.send("/audit")
    assert coordinator.last_text == "This command is for administrators."
    await admin.send("/audit")
    assert admin.last_text.startswith("Audit log · page 1 of 2")
    assert "action_11" in admin.last_text and "action_01" not in admin.last_text
    await admin.press("Next »")
    assert admin.last_text.startswith("Audit log · page 2 of 2")
    assert "action_01" in admin.last_text
