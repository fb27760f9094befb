"""End-to-end: newcomers in every language fill in their profile and get verified."""

from __future__ import annotations

import pytest

from bot.callbacks import ReviewAction, ReviewCb
from bot.config import SUPPORTED_LOCALES
from tests.flows import onboard, seed_member, t
from tests.harness import BotHarness

APPROVED = ("Your application has been approved. Welcome to the association! "
            "/help shows what you can do now.")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_newcomer_in_her_language_is_approved_by_her_coordinator(
        harness: BotHarness, locale: str) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ru")
    user = harness.user(1001, "Aigul", language_code="en")
    await onboard(harness, user, locale, bio="Border officer, <b>15</b> years & counting")
    assert user.last_text == t(harness, locale,
                               "Thank you! Your application is under review by your country's "
                               "coordinator. I will let you know the outcome here.")
    summary = next(m for m in reversed(user.bot_messages)
                   if "<b>15</b>" in (m.text or ""))  # escaped: shown literally
    assert summary.text is not None
    row = await harness.db.fetch_one("SELECT * FROM profiles WHERE user_id = 1001")
    assert (row["status"], row["full_name"], row["years_of_service"], row["country_code"],
            row["agency_code"]) == ("pending", "Aigul Bekova", 12, "KG", "border_guard")
    assert row["bio"] == "Border officer, <b>15</b> years & counting"
    card = coordinator.last
    assert t(harness, "ru", "Approve") in card.button_labels()  # in the coordinator's language
    await coordinator.press(t(harness, "ru", "Approve"), card)
    row = await harness.db.fetch_one("SELECT status, decided_by FROM profiles WHERE user_id = 1001")
    assert (row["status"], row["decided_by"]) == ("approved", 500)
    assert user.last_text.startswith(t(harness, locale, APPROVED))
    if locale != "en":
        assert user.last_text != APPROVED


async def test_only_her_countrys_coordinator_or_an_admin_may_decide(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    other_coordinator = await seed_member(harness, 501, "KZ", coordinator=True)
    plain_member = await seed_member(harness, 502, "KG")
    stranger = harness.user(503, "Stranger")
    user = harness.user(1001, "Aigul")
    await onboard(harness, user, "en")
    approve = ReviewCb(action=ReviewAction.APPROVE, member_id=1001).pack()

    await stranger.send("/start")
    for intruder in (other_coordinator, plain_member, stranger):
        if not intruder.bot_messages:
            await intruder.send("/help")
        answer = await intruder.press_data(approve)  # forged, or forwarded and pressed
        assert answer is not None and answer["text"] == "You are not allowed to do this."
    row = await harness.db.fetch_one("SELECT status FROM profiles WHERE user_id = 1001")
    assert row["status"] == "pending"

    await coordinator.press("Approve", coordinator.last)
    replay = await coordinator.press_data(approve)
    assert replay is not None and replay["text"] == "This has already been handled."

    log = await harness.db.fetch_all(
        "SELECT actor_id, action, target_id, outcome FROM audit_log ORDER BY id")
    assert [tuple(r) for r in log] == [
        (501, "approve", 1001, "forbidden"),
        (502, "approve", 1001, "forbidden"),
        (503, "approve", 1001, "forbidden"),
        (500, "approve", 1001, "done"),
        (500, "approve", 1001, "already_decided"),
    ]


async def test_reject_with_a_reason_and_ask_for_information(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="en")
    first = harness.user(1001, "First", language_code="ru")
    second = harness.user(1002, "Second", language_code="en")
    await onboard(harness, first, "ru")
    await onboard(harness, second, "en", name="Second Applicant")

    card_first = next(m for m in coordinator.bot_messages if "Aigul Bekova" in (m.text or ""))
    await coordinator.press("Reject", card_first)
    await coordinator.press(t(harness, "en", "Profile unclear"))  # short label, full reason to her
    assert (await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001")) == "rejected"
    assert t(harness, "ru", "The profile is incomplete or unclear.") in first.last_text

    card_second = next(m for m in coordinator.bot_messages
                       if "Second Applicant" in (m.text or ""))
    await coordinator.press("Ask for more information", card_second)
    await coordinator.send("Which unit do you serve in?")
    assert (await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1002")) == "needs_info"
    assert "Which unit do you serve in?" in second.last_text
    # She answers by updating her profile and sending it again.
    await second.send("/profile")
    await second.press("Edit about me")
    await second.send("I serve in the Osh border unit")
    await second.press("Send application again")
    assert (await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1002")) == "pending"
    assert "Osh border unit" in coordinator.last_text


async def test_applicant_may_use_only_her_own_commands(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul")
    await onboard(harness, user, "en")
    await user.send("/members")
    assert user.last_text == "The directory is open to members once their application is approved."
    await user.send("/pending")
    assert user.last_text == "This command is for coordinators."
    await user.send("/profile")
    assert "Aigul Bekova" in user.last_text


async def test_pending_lists_applications_of_her_country_only(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    await onboard(harness, harness.user(1001, "A"), "en", name="Kyrgyz Applicant")
    await onboard(harness, harness.user(1002, "B"), "en", name="Kazakh Applicant", country="KZ")
    coordinator.new_messages()
    await coordinator.send("/pending")
    texts = [m.text or "" for m in coordinator.new_messages()]
    # one message listing them (tests/test_e2e_trial_reviews.py: paging, bringing up a card)
    assert texts == ["1 application is waiting for review.\n\n"
                     "1. Kyrgyz Applicant, Kyrgyzstan, waiting since Jan 15, 2026"]


async def test_country_change_goes_back_to_verification(harness: BotHarness) -> None:
    kg = await seed_member(harness, 500, "KG", coordinator=True)
    uz = await seed_member(harness, 501, "UZ", coordinator=True)
    member = await seed_member(harness, 601, "KG", name="Moving Member")
    await member.send("/profile")
    assert "Moving Member" in member.last_text
    await member.press("Edit years")
    await member.send("11")
    assert (await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601")) == "approved"
    kg.new_messages()
    await member.press("Edit country")
    await member.press("Uzbekistan")  # asks first (the conversation standard)
    assert member.last_text.startswith("Change your country to Uzbekistan?")
    assert (await harness.db.fetch_value(
        "SELECT country_code FROM profiles WHERE user_id = 601")) == "KG"
    await member.press("Confirm")
    assert "Status: under review" in member.last_text
    assert "Status: member" not in member.last_text
    row = await harness.db.fetch_one(
        "SELECT status, country_code, years_of_service FROM profiles WHERE user_id = 601")
    assert (row["status"], row["country_code"], row["years_of_service"]) == ("pending", "UZ", 11)
    assert "Moving Member" in uz.last_text and "New application" in uz.last_text
    assert not kg.new_messages()
    await member.send("/members")
    assert member.last_text == ("The directory is open to members once their application is "
                                "approved.")
