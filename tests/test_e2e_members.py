"""End-to-end: the member directory, suspending and reinstating, coordinators and the audit log."""

from __future__ import annotations


from tests.flows import card_press, ref_label, seed_member, t
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
    # Asks first, in place: who, and what follows; typing the reason confirms.
    assert card.text is not None and card.text.endswith(
        "Suspend Member To Suspend? She will be told and removed from the association's "
        "chats. To confirm, type the reason (she will read it).")
    assert card.button_labels() == ["Keep"]
    coordinator.new_messages()
    await coordinator.send("Left the service")
    assert not coordinator.new_messages()  # the card says it: no second message
    assert card.text.endswith("Membership of Member To Suspend suspended, 3:00\u202fPM. "
                              "She has been told.") and not card.buttons()
    assert (await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601")) == "suspended"
    assert member.last_text == ("Your membership has been suspended. Reason: Left the service\n"
                                "To talk about it, write to your country's coordinator: "
                                "Seeded Member.")
    await member.send("/members")
    assert member.last_text == ("The directory is open to members once their application is "
                                "approved.")
    await coordinator.press("⚙ 3")
    await coordinator.press("Reinstate")
    assert coordinator.last_text.endswith(
        "Reinstate Member To Suspend? She will be told and may join the association's chats "
        "again.")
    await coordinator.press("Confirm")
    assert coordinator.last_text.endswith(
        "Membership of Member To Suspend reinstated. She has been told.")
    assert member.last_text == ("Your membership has been reinstated. Welcome back! You can "
                                "join the association's chats again with /chats.")
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
    assert admin.last_text.endswith(
        "Make Future Coordinator the coordinator for Turkmenistan? She will be told.")
    await admin.press("Confirm")
    assert admin.last_text.endswith(
        "Future Coordinator is now the coordinator for Turkmenistan. She has been told.")
    assert (await harness.db.fetch_value(
        "SELECT country_code FROM coordinators WHERE user_id = 601")) == "TM"
    await candidate.send("/pending")
    assert candidate.last_text == "No applications are waiting. 🎉"
    # A coordinator cannot appoint anyone.
    from bot.callbacks import ReviewAction, ReviewCb

    answer = await candidate.press_data(
        card_press(ReviewAction.APPOINT, ADMIN_ID))
    assert answer is not None and answer["text"] == "You are not allowed to do this."
    await admin.send("/coordinators")
    assert "Future Coordinator" in admin.last_text
    await admin.press("Remove Future Coordina…")  # ≤ 24 characters on the button
    assert (await harness.db.fetch_value("SELECT COUNT(*) FROM coordinators")) == 1
    await admin.press("Confirm")
    assert (await harness.db.fetch_value("SELECT COUNT(*) FROM coordinators")) == 0
    await admin.send("/audit")
    log = admin.last_text
    assert log.startswith("Audit log · page 1 of 1")
    # In her language, with names, no codes and no ids (issue 11).
    assert "Removed as coordinator for Turkmenistan → Future Coordinator" in log
    assert "Appointed coordinator for Turkmenistan → Future Coordinator" in log
    assert "Future Coordinator: Appointed coordinator for Kazakhstan → Seeded Member" \
        " — refused: not allowed" in log
    assert "_coordinator" not in log and "#" not in log and str(ADMIN_ID) not in log


async def test_audit_log_is_for_admins_and_paginated(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="ru")
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, name="Aigerim <K>")
    actions = ["approve", "reject", "ask_info", "suspend", "reinstate", "create_invitation",
               "revoke_invitation", "bind_chat", "unbind_chat", "announce",
               "approve_by_invitation", "appoint_coordinator"]
    for number, action in enumerate(actions):
        await harness.db.execute(
            "INSERT INTO audit_log (at, actor_id, action, target_id, country_code) "
            "VALUES (?, ?, ?, NULL, 'KG')", (f"2026-01-01 00:{number:02d}:00", 500, action))
    await coordinator.send("/audit")
    assert coordinator.last_text == "This command is for administrators."
    await admin.send("/audit")
    page = admin.last_text
    assert page.startswith(t(harness, "ru", "<b>Audit log</b> · page {page} of {pages}",
                             page=1, pages=2).replace("<b>", "").replace("</b>", ""))
    kyrgyzstan = ref_label(harness, "country", "KG", "ru")
    assert t(harness, "ru", "Appointed coordinator for {country}",
             country=kyrgyzstan) in page
    assert "Aigerim &lt;K&gt;" not in page and "Aigerim <K>" in page  # escaped, shown as typed
    assert t(harness, "ru", "Approved by invitation") + f" ({kyrgyzstan})" in page
    assert t(harness, "ru", "Rejected the application") not in page
    for raw in [a for a in actions if "_" in a] + ["#", "500", "KG", "forbidden", "done"]:
        assert raw not in page.replace("Aigerim", ""), raw
    await admin.press(t(harness, "ru", "Next »"))
    assert admin.last_text.startswith(t(
        harness, "ru", "<b>Audit log</b> · page {page} of {pages}", page=2,
        pages=2).replace("<b>", "").replace("</b>", ""))
    assert t(harness, "ru", "Rejected the application") in admin.last_text
