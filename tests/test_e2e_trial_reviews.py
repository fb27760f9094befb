"""End-to-end: what the trial of issue 11 found in reviews and staff cards, fixed.

A double tap sends her answer once; a prompt's card comes back to its buttons when a command
ends the flow (or the reviewer loses her role); a decision answers on the card, once; a
refused Confirm says what is true now and shows the card as it is; /pending is one list.
"""

from __future__ import annotations

import asyncio
import re

from bot.callbacks import ReviewAction
from tests.flows import card_press, nt, onboard, seed_member, t
from tests.harness import ADMIN_ID, BotHarness


def card_of(user, name: str):  # type: ignore[no-untyped-def]
    return next(m for m in reversed(user.bot_messages) if name in (m.text or ""))


def plain(text: str) -> str:
    return text.replace("<b>", "").replace("</b>", "")


async def member_card(harness: BotHarness, staff,  # type: ignore[no-untyped-def]
                      locale: str, name: str):
    """A member's card for staff, opened from the directory (⚙ next to her number)."""
    await staff.send("/members")
    await staff.press(t(harness, locale, "Search"))
    found = re.search(rf"(\d+)\. {re.escape(name)}", staff.last_text)
    assert found is not None, staff.last_text
    await staff.press(f"⚙ {found.group(1)}")
    card = staff.last
    assert name in (card.text or "")
    return card


async def count(harness: BotHarness, sql: str) -> int:
    return int(await harness.db.fetch_value(sql))


async def test_double_tap_on_send_answer_sends_it_once(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru",
                                    name="Madina")
    applicant = harness.user(1001, "Aigul", language_code="kk")
    await onboard(harness, applicant, "kk", name="Aigul Bekova", country="KZ")
    await coordinator.press(t(harness, "ru", "Ask for more information"),
                            card_of(coordinator, "Aigul Bekova"))
    await coordinator.send("Which unit?")
    await applicant.send("Almaty, third post")
    confirm = applicant.last
    send = next(b["callback_data"] for b in confirm.buttons()
                if b["text"] == t(harness, "kk", "Send answer"))
    applicant.new_messages()
    answers = await asyncio.gather(applicant.press_data(send, confirm),
                                   applicant.press_data(send, confirm))
    assert [m.text for m in applicant.new_messages()] == [t(
        harness, "kk", "Thank you! Your answer has been sent to the coordinator. "
        "I will let you know the outcome here.")]
    popups = [a for a in answers if a and a.get("text")]
    assert len(popups) == 1 and popups[0]["show_alert"]  # the other press: a popup only
    # (handled at once, the second finds the claim taken; after the first, the state cleared)
    assert popups[0]["text"] in (t(harness, "kk", "This has already been handled."),
                                 t(harness, "kk", "This button is no longer valid."))
    assert await count(harness, "SELECT COUNT(*) FROM audit_log "
                                "WHERE action = 'answer_question'") == 1
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE user_id = 1001 "
                                "AND status = 'pending' AND review_answer IS NOT NULL") == 1


async def test_a_command_ends_the_prompt_and_the_card_gets_its_buttons_back(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True, locale="tg",
                                    name="Madina")
    applicant = harness.user(1001, "Nigora", language_code="tg")
    await onboard(harness, applicant, "tg", name="Nigora Karimova", country="TJ")
    card = card_of(coordinator, "Nigora Karimova")
    buttons = card.button_labels()
    assert buttons == [t(harness, "tg", "Approve"), t(harness, "tg", "Reject"),
                       t(harness, "tg", "Ask for more information")]
    # Ask, then /cancel: the card is the application with its buttons again.
    await coordinator.press(t(harness, "tg", "Ask for more information"), card)
    assert card.button_labels() == [t(harness, "tg", "« Back")]
    await coordinator.send("/cancel")
    assert card.button_labels() == buttons
    assert plain(t(harness, "tg", "Type your question for the applicant.")) not in card.text
    # Type a reason, then /start: the same.
    await coordinator.press(t(harness, "tg", "Reject"), card)
    await coordinator.press(t(harness, "tg", "Type a reason"), card)
    assert card.button_labels() == [t(harness, "tg", "« Back")]
    await coordinator.send("/start")
    assert card.button_labels() == buttons
    # What she types now is not a reason, and the card said so; nothing was decided.
    await coordinator.send("Not a reason")
    assert coordinator.last_text == t(harness, "tg",
                                      "I didn't understand that. /help lists what you can do.")
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE user_id = 1001 "
                                "AND status = 'pending'") == 1
    # The restored card works.
    await coordinator.press(t(harness, "tg", "Approve"), card)
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE user_id = 1001 "
                                "AND status = 'approved'") == 1


async def test_a_command_ends_the_suspend_prompt_and_the_member_card_comes_back(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru",
                                    name="Aigerim")
    await seed_member(harness, 601, "KZ", name="Zarina Member")
    card = await member_card(harness, coordinator, "ru", "Zarina Member")
    await coordinator.press(t(harness, "ru", "Suspend"), card)
    assert card.button_labels() == [t(harness, "ru", "Keep")]
    await coordinator.send("/help")
    assert card.button_labels() == [t(harness, "ru", "Suspend")]
    await coordinator.send("Typed after /help")
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE user_id = 601 "
                                "AND status = 'approved'") == 1


async def test_a_dismissed_coordinators_prompts_close_and_her_cards_keep_the_applicant(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KG", locale="en", name="Admin Dana")
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="kk",
                                    name="Bota")
    await seed_member(harness, 601, "KZ", name="Zarina Member")
    applicant = harness.user(1001, "Dana", language_code="ru")
    await onboard(harness, applicant, "ru", name="Dana Omarova", country="KZ")
    review = card_of(coordinator, "Dana Omarova")
    member = await member_card(harness, coordinator, "kk", "Zarina Member")
    await coordinator.press(t(harness, "kk", "Suspend"), member)
    await admin.send("/coordinators")
    await admin.press(next(b for b in admin.last.button_labels() if "Bota" in b))
    coordinator.new_messages()
    await admin.press("Confirm")
    # One message tells her; the review card keeps the applicant, below it why, no buttons.
    assert [m.text for m in coordinator.new_messages()] == [t(
        harness, "kk", "You are no longer a coordinator. Your membership stays as it is; the "
        "invitation links you created no longer work.")]
    assert "Dana Omarova" in (review.text or "") and not review.buttons()
    assert review.text.endswith(t(harness, "kk",
                                  "You can no longer decide on this application."))
    # The suspend prompt closed too: the member stays, no buttons, and typing decides nothing.
    assert "Zarina Member" in (member.text or "") and not member.buttons()
    assert member.text.endswith(t(harness, "kk", "You can no longer manage this member."))
    await coordinator.send("Reason typed too late")
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE user_id = 601 "
                                "AND status = 'approved'") == 1
    assert await count(harness, "SELECT COUNT(*) FROM audit_log WHERE action = 'suspend'") == 0


async def test_a_suspension_and_a_typed_rejection_answer_once_on_the_card(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru",
                                    name="Aigerim")
    member = await seed_member(harness, 601, "KZ", locale="kk", name="Zarina Member")
    applicant = harness.user(1001, "Dana", language_code="kk")
    await onboard(harness, applicant, "kk", name="Dana Omarova", country="KZ")
    card = await member_card(harness, coordinator, "ru", "Zarina Member")
    await coordinator.press(t(harness, "ru", "Suspend"), card)
    coordinator.new_messages()
    await coordinator.send("Left the service")
    assert not coordinator.new_messages()
    assert card.text.endswith(t(harness, "ru", "Membership of {name} suspended, {time}. "
                                "She has been told.", name="Zarina Member", time="14:00"))
    assert not card.buttons()
    assert member.last_text.startswith(t(harness, "kk", "Your membership has been suspended. "
                                         "Reason: {reason}", reason="Left the service"))
    # A typed reason for rejecting: the card says it, no second message.
    review = card_of(coordinator, "Dana Omarova")
    await coordinator.press(t(harness, "ru", "Reject"), review)
    await coordinator.press(t(harness, "ru", "Type a reason"), review)
    coordinator.new_messages()
    await coordinator.send("Wrong agency")
    assert not coordinator.new_messages()
    assert review.text.endswith(t(harness, "ru", "Reason: {reason}", reason="Wrong agency"))
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE user_id = 1001 "
                                "AND status = 'rejected'") == 1


async def test_two_suspension_reasons_at_once_have_one_effect_and_one_result(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru",
                                    name="Aigerim")
    member = await seed_member(harness, 601, "KZ", locale="ky", name="Bermet Member")
    card = await member_card(harness, coordinator, "ru", "Bermet Member")
    await coordinator.press(t(harness, "ru", "Suspend"), card)
    coordinator.new_messages()
    member.new_messages()
    await asyncio.gather(coordinator.send("Reason one"), coordinator.send("Reason two"))
    assert not coordinator.new_messages()
    assert card.text.endswith(t(harness, "ru", "Membership of {name} suspended, {time}. "
                                "She has been told.", name="Bermet Member", time="14:00"))
    assert len(member.new_messages()) == 1
    assert await count(harness, "SELECT COUNT(*) FROM audit_log WHERE action = 'suspend' "
                                "AND outcome = 'done'") == 1


async def test_a_refused_confirm_says_what_is_true_and_shows_the_card_as_it_is(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="en", name="Admin Dana")
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru",
                                    name="Aigerim")
    await seed_member(harness, 601, "KZ", locale="kk", name="Candidate")
    # The administrator asks to appoint her; her coordinator suspends her meanwhile.
    card = await member_card(harness, admin, "en", "Candidate")
    await admin.press("Make coordinator", card)
    suspend = await member_card(harness, coordinator, "ru", "Candidate")
    await coordinator.press(t(harness, "ru", "Suspend"), suspend)
    await coordinator.send("Reason")
    admin.new_messages()
    answer = await admin.press("Confirm", card)
    assert answer is not None and answer["show_alert"]
    assert answer["text"] == "She is suspended now: nothing was changed."
    assert card.button_labels() == ["Reinstate"]  # the card as it is now
    assert not admin.new_messages()
    assert await count(harness, "SELECT COUNT(*) FROM coordinators WHERE user_id = 601") == 0
    # The coordinator asks to reinstate her, and is suspended herself meanwhile.
    again = await member_card(harness, coordinator, "ru", "Candidate")
    await coordinator.press(t(harness, "ru", "Reinstate"), again)
    assert t(harness, "ru", "Confirm") in again.button_labels()
    await admin.press_data(card_press(ReviewAction.SUSPEND, 500))
    await admin.send("Check")
    answer = await coordinator.press(t(harness, "ru", "Confirm"), again)
    assert answer is not None and answer["show_alert"]
    assert answer["text"] == t(harness, "ru", "You are not allowed to do this.")
    assert t(harness, "ru", "Confirm") not in again.button_labels()
    assert t(harness, "ru", "Keep") not in again.button_labels()
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE user_id = 601 "
                                "AND status = 'suspended'") == 1


async def test_pending_is_one_paged_list_that_brings_up_each_card(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky",
                                    name="Bermet")
    for i in range(12):
        await onboard(harness, harness.user(2000 + i, f"U{i}", language_code="ru"), "ru",
                      name=f"Applicant {i:02d}", country="KG")
    first_copy = card_of(coordinator, "Applicant 10")
    coordinator.new_messages()
    await coordinator.send("/pending")
    sent = coordinator.new_messages()
    assert len(sent) == 1
    listing = sent[0]
    assert (listing.text or "").startswith(nt(
        harness, "ky", "{count} application is waiting for review.",
        "{count} applications are waiting for review.", 12, count=12))
    assert "Applicant 00" in listing.text and "Applicant 09" in listing.text
    assert "Applicant 10" not in listing.text
    assert len([b for b in listing.button_labels() if b.startswith(tuple("0123456789"))]) == 10
    await coordinator.press(t(harness, "ky", "Next »"), listing)
    assert not coordinator.new_messages()  # the same message, paged
    assert "Applicant 10" in listing.text and "Applicant 11" in listing.text
    assert "Applicant 00" not in listing.text
    assert all(len(label) <= 24 for label in listing.button_labels())
    await coordinator.press("11. Applicant 10", listing)
    fresh = coordinator.new_messages()
    assert len(fresh) == 1 and "Applicant 10" in (fresh[0].text or "")
    assert fresh[0].button_labels()[0] == t(harness, "ky", "Approve")
    # The older copy of that card is withdrawn: one live card. It keeps her name and says
    # why truthfully (second trial: "the application changed", with no name).
    assert not first_copy.buttons()
    assert first_copy.text == "Applicant 10\n" + t(
        harness, "ky", "You opened this application again below.")
    await coordinator.press(t(harness, "ky", "Approve"), fresh[0])
    assert await count(harness, "SELECT COUNT(*) FROM profiles WHERE status = 'approved' "
                                "AND full_name = 'Applicant 10'") == 1
    # Its button in the list now only says so.
    answer = await coordinator.press("11. Applicant 10", listing)
    assert answer is not None and answer["text"] == t(harness, "ky",
                                                      "This has already been handled.")
    assert not coordinator.new_messages()
