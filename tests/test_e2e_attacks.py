"""End-to-end attacks on authority, flow state, review versions and double taps (issue 10).

Each test replays what an attacker or a hurried user did against the real bot through the
emulator, and asserts what she sees and what the database holds afterwards.
"""

from __future__ import annotations


import asyncio

from bot.callbacks import EventCb, ReviewAction, ReviewCb, WizardAction, WizardCb
from tests.flows import (
    card_press, draft_event, onboard, publish_draft, ref_label, seed_member, t,
)
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_chats import KZ_CHAT, join, setup_chats

NOT_ALLOWED = "You are not allowed to do this."
EARLIER = "This button is from an earlier message."


async def profile_row(harness: BotHarness, user_id: int) -> tuple[str, str]:
    row = await harness.db.fetch_one(
        "SELECT status, country_code FROM profiles WHERE user_id = ?", (user_id,))
    return row["status"], row["country_code"]


async def test_country_hop_after_cancel_is_refused(harness: BotHarness) -> None:
    member = await seed_member(harness, 601, "KZ")
    await member.send("/profile")
    await member.press("Edit country")
    question = member.last
    kyrgyzstan = next(b["callback_data"] for b in question.buttons()
                      if b["text"] == ref_label(harness, "country", "KG", "en"))
    await member.send("/cancel")
    assert question.buttons() == []  # /cancel took the question's keyboard away
    answer = await member.press_data(kyrgyzstan, question)  # replayed
    assert answer is not None and answer["text"] == EARLIER
    assert await profile_row(harness, 601) == ("approved", "KZ")
    # A forged pick with no open question does nothing either.
    forged = WizardCb(action=WizardAction.PICK, step="country", value="TJ").pack()
    answer = await member.press_data(forged)
    assert answer is not None and answer["text"] == EARLIER
    assert await profile_row(harness, 601) == ("approved", "KZ")


async def test_a_real_country_change_goes_back_to_verification(harness: BotHarness) -> None:
    _, kz, _, _ = await setup_chats(harness)
    kg_coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    member = await seed_member(harness, 601, "KZ")
    await join(member, kz, "Kazakhstan officers")
    await member.send("/profile")
    await member.press("Edit country")
    assert "verified again by that country's coordinator" in member.last_text
    await member.press(ref_label(harness, "country", "KG", "en"))
    assert await profile_row(harness, 601) == ("approved", "KZ")  # she is asked first
    await member.press("Confirm")
    assert await profile_row(harness, 601) == ("pending", "KG")
    assert kg_coordinator.last_text.startswith("New application")
    await harness.deliver()
    assert kz.members.get(601) != "member"  # she left her old country's chat


async def test_a_suspended_member_cannot_move_herself(harness: BotHarness) -> None:
    member = await seed_member(harness, 601, "KZ", status="suspended")
    await member.send("/profile")
    assert member.has_button("Edit country")
    answer = await member.press("Edit country")
    assert answer is not None and "can't be changed" in answer["text"]
    forged = WizardCb(action=WizardAction.PICK, step="country", value="KG").pack()
    await member.press_data(forged)
    assert await profile_row(harness, 601) == ("suspended", "KZ")


async def test_a_suspended_coordinator_has_no_staff_powers(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    applicant = harness.user(1001, "Aigul", language_code="en")
    await onboard(harness, applicant, "en", country="KZ")
    card = coordinator.last
    approve = next(b["callback_data"] for b in card.buttons() if b["text"] == "Approve")
    await harness.db.execute("UPDATE profiles SET status = 'suspended' WHERE user_id = 500")
    answer = await coordinator.press_data(approve, card)
    assert answer is not None and answer["text"] == NOT_ALLOWED
    assert await profile_row(harness, 1001) == ("pending", "KZ")
    for command in ("/invite", "/announce", "/pending", "/post", "/newevent"):
        await coordinator.send(command)
        assert coordinator.last_text in ("This command is for coordinators.",
                                         "The association's chats are not set up yet."), command
    suspend_admin = card_press(ReviewAction.SUSPEND, ADMIN_ID)
    await seed_member(harness, ADMIN_ID, "KZ")
    answer = await coordinator.press_data(suspend_admin)
    assert answer is not None and answer["text"] == NOT_ALLOWED
    assert await profile_row(harness, ADMIN_ID) == ("approved", "KZ")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes") == 0


async def test_a_coordinator_never_suspends_an_administrator(harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    await coordinator.send("/help")  # any message of the bot's to press a forged button on
    answer = await coordinator.press_data(
        card_press(ReviewAction.SUSPEND, ADMIN_ID))
    assert answer is not None and answer["text"] == NOT_ALLOWED
    assert await profile_row(harness, ADMIN_ID) == ("approved", "KZ")


async def publish_event(harness: BotHarness, organiser) -> int:  # type: ignore[no-untyped-def]
    await draft_event(harness, organiser, "Border seminar")
    await publish_draft(organiser)
    return int(await harness.db.fetch_value("SELECT MAX(id) FROM events"))


async def test_a_dismissed_coordinator_loses_her_events(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    await seed_member(harness, 601, "KZ")
    event_id = await publish_event(harness, coordinator)
    await harness.deliver()
    await admin.send("/help")
    await admin.press_data(card_press(ReviewAction.DISMISS, 500))
    for action in ("csv", "edit", "stats", "cancel"):
        answer = await coordinator.press_data(EventCb(action=action, event_id=event_id).pack())
        assert answer is not None and answer["text"] == NOT_ALLOWED, action
    assert not any(m.document for m in coordinator.bot_messages)
    assert await harness.db.fetch_value(
        "SELECT status FROM events WHERE id = ?", (event_id,)) == "published"


async def test_double_tap_on_publish_makes_one_event(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    member = await seed_member(harness, 601, "KZ")
    await draft_event(harness, coordinator, "Border seminar")
    await coordinator.press("Publish")
    confirm = coordinator.last
    await asyncio.gather(coordinator.press("Yes, publish", confirm),
                         coordinator.press("Yes, publish", confirm))
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM events") == 1
    cards = [m for m in member.bot_messages if "Border seminar" in (m.text or "")]
    assert len(cards) == 1


async def test_double_tap_on_post_posts_once(harness: BotHarness) -> None:
    _, kz, _, _ = await setup_chats(harness)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    await coordinator.send("/post")
    await coordinator.press("Kazakhstan officers — chat of Kazakhstan")
    await coordinator.send("Meeting on Friday")
    preview = coordinator.last
    await asyncio.gather(coordinator.press("Publish", preview),
                         coordinator.press("Publish", preview))
    assert [m.text for m in kz.messages if m.from_bot] == ["Meeting on Friday"]


async def test_double_tap_on_announce_sends_once(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    member = await seed_member(harness, 601, "KZ")
    await coordinator.send("/announce")
    await coordinator.press(ref_label(harness, "country", "KZ", "en"))
    await coordinator.send("Training on Monday")
    await coordinator.press("Send now")
    confirm = coordinator.last
    await asyncio.gather(coordinator.press("Yes, send", confirm),
                         coordinator.press("Yes, send", confirm))
    await harness.deliver()
    assert len([m for m in member.bot_messages if "Training on Monday" in (m.text or "")]) == 1


async def test_approve_decides_only_on_the_version_the_reviewer_saw(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    applicant = harness.user(1001, "Aigul", language_code="en")
    await onboard(harness, applicant, "en", name="Aigul Bekova")
    old_card = coordinator.last
    approve_old = next(b["callback_data"] for b in old_card.buttons() if b["text"] == "Approve")
    await applicant.send("/profile")
    await applicant.press("Edit name")
    await applicant.send("Someone Else")
    new_card = coordinator.last
    assert new_card.message_id != old_card.message_id
    assert "Someone Else" in new_card.text
    withdrawn = next(m for m in coordinator.bot_messages if m.message_id == old_card.message_id)
    assert not withdrawn.buttons() and "changed or moved" in withdrawn.text
    answer = await coordinator.press_data(approve_old, withdrawn)
    assert answer is not None and "out of date" in answer["text"]
    assert await profile_row(harness, 1001) == ("pending", "KG")
    await coordinator.press("Approve", new_card)
    assert await profile_row(harness, 1001) == ("approved", "KG")


async def test_renaming_after_approval_is_shown_to_her_coordinators(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    member = await seed_member(harness, 601, "KZ", name="Aigerim Nurlanovna")
    await member.send("/profile")
    await member.press("Edit name")
    await member.send("Aigerim <Admin>")
    assert coordinator.last_text == ("A member of your country changed her name: "
                                     "Aigerim Nurlanovna → Aigerim <Admin>.")


async def test_appointing_twice_tells_once_and_dismissal_is_told(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    member = await seed_member(harness, 601, "KZ")
    appoint = card_press(ReviewAction.APPOINT, 601)
    await admin.send("/help")
    await admin.press_data(appoint)
    await admin.press_data(appoint)
    told = [m for m in member.bot_messages if "You are now a coordinator" in (m.text or "")]
    assert len(told) == 1
    await member.send("/invite")
    await member.press("1")
    await member.press("7 days")
    await admin.press_data(card_press(ReviewAction.DISMISS, 601),
                           admin.last)
    assert member.last_text.startswith("You are no longer a coordinator.")
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM invite_codes WHERE revoked_at IS NULL") == 0
    await member.send("/invite")
    assert member.last_text == "This command is for coordinators."


async def test_wizard_buttons_after_cancel_and_restart_are_stale(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul", language_code="en")
    from tests.flows import start_and_accept

    await start_and_accept(harness, user, "en")
    await user.send("Aigul Bekova")
    country_question = user.last
    kyrgyzstan = next(b for b in country_question.buttons()
                      if b["text"] == ref_label(harness, "country", "KG", "en"))
    await user.send("/cancel")
    assert country_question.buttons() == []
    answer = await user.press_data(kyrgyzstan["callback_data"], country_question)  # replayed
    assert answer is not None and answer["text"] == EARLIER
    assert await harness.db.fetch_value(
        "SELECT country_code FROM profiles WHERE user_id = 1001") is None
    await user.send("hello")  # a typed answer with no open question: she is told the way on
    assert user.last_text == "Send /start to continue your profile."
    await user.send("/start")  # resumes at the first unanswered question
    assert t(harness, "en", "Which country do you serve in?") in user.last_text
    await user.press(ref_label(harness, "country", "KG", "en"))
    assert await harness.db.fetch_value(
        "SELECT country_code FROM profiles WHERE user_id = 1001") == "KG"
    await harness.restart()  # the open question survives a restart
    await user.press(ref_label(harness, "agency", "police", "en"))
    assert await harness.db.fetch_value(
        "SELECT agency_code FROM profiles WHERE user_id = 1001") == "police"
    _ = KZ_CHAT


async def test_a_forged_privacy_agreement_from_a_stranger(harness: BotHarness) -> None:
    stranger = harness.user(1002, "Nobody", language_code="en")
    await stranger.send("hello")  # no /start, no language: nothing stored about her
    forged = WizardCb(action=WizardAction.ACCEPT, step="privacy").pack()
    answer = await stranger.press_data(forged, stranger.last)
    assert answer is not None and answer["text"] == "This button is no longer valid."
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM profiles") == 0


async def test_attendee_list_neutralises_formulas_and_hides_hidden_names(
        harness: BotHarness) -> None:
    import csv
    import io

    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    attacker = await seed_member(harness, 601, "KZ", name='=HYPERLINK("http://x.example","a")')
    hidden = await seed_member(harness, 602, "KZ", name="Hidden Name", hidden=("name",))
    await publish_event(harness, coordinator)
    await harness.deliver()
    for member in (attacker, hidden):
        card = next(m for m in member.bot_messages if "Border seminar" in (m.text or ""))
        await member.press("Going", card)
    await coordinator.send("/events")
    await coordinator.press("Attendee list")
    content = coordinator.last.document["content"].decode("utf-8-sig")  # type: ignore[index]
    names = [row[0] for row in csv.reader(io.StringIO(content))][1:]
    assert "'=HYPERLINK(\"http://x.example\",\"a\")" in names  # shown as text, never run
    assert "Hidden Name" not in content and "(name not shown)" in names
