"""End-to-end: review cards close the loop (issue 11).

Every reviewer's copy shows who decided and when, in her language and her country's zone;
reasons are short on buttons and full in the message; a question can be answered by typing;
a refused press costs one popup and no message.
"""

from __future__ import annotations

from datetime import timedelta

from bot.callbacks import ReviewAction, ReviewCb
from bot.config import SUPPORTED_LOCALES
from tests.emulator.server import Fault
from tests.flows import onboard, seed_member, t
from tests.harness import ADMIN_ID, BotHarness

NNBSP = "\u202f"  # Babel puts a narrow no-break space before AM/PM


def plain(text: str) -> str:
    """A msgid with markup as the member reads it (the emulator shows text, not tags)."""
    return text.replace("<b>", "").replace("</b>", "").replace("<i>", "").replace("</i>", "")


async def reviewers(harness: BotHarness):  # type: ignore[no-untyped-def]
    """Two coordinators of Kyrgyzstan (ru and ky) and an administrator living in Kazakhstan."""
    aigerim = await seed_member(harness, 500, "KG", coordinator=True, locale="ru",
                                name="Aigerim <Nur>")
    bermet = await seed_member(harness, 501, "KG", coordinator=True, locale="ky",
                               name="Bermet")
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="en", name="Admin Dana")
    return aigerim, bermet, admin


def card_of(user, name: str):  # type: ignore[no-untyped-def]
    return next(m for m in reversed(user.bot_messages) if name in (m.text or ""))


async def test_every_reviewers_copy_shows_who_approved_and_when(harness: BotHarness) -> None:
    aigerim, bermet, admin = await reviewers(harness)
    applicant = harness.user(1001, "Aigul", language_code="kk")
    await onboard(harness, applicant, "kk", name="Aigul Bekova")
    copies = {who: card_of(who, "Aigul Bekova") for who in (aigerim, bermet, admin)}
    stale = next(b["callback_data"] for b in copies[bermet].buttons()
                 if b["text"] == t(harness, "ky", "Approve"))
    harness.clock.advance(timedelta(hours=5, minutes=7))  # 14:07 UTC
    aigerim.new_messages()
    answer = await aigerim.press(t(harness, "ru", "Approve"), copies[aigerim])
    assert answer is not None and answer["text"] == t(harness, "ru", "Approved.")
    # Bishkek is UTC+6, Almaty UTC+5; her name is shown as she typed it (escaped).
    expected = {
        aigerim: t(harness, "ru", "✅ Approved by {name}, {time}", name="Aigerim <Nur>",
                   time="20:07"),
        bermet: t(harness, "ky", "✅ Approved by {name}, {time}", name="Aigerim <Nur>",
                  time="20:07"),
        admin: f"✅ Approved by Aigerim <Nur>, 7:07{NNBSP}PM",
    }
    for who, card in copies.items():
        assert card.text is not None and card.text.endswith(expected[who]), card.text
        assert "Aigul Bekova" in card.text and not card.buttons()
        assert ":07:" not in card.text  # no seconds
    assert not aigerim.new_messages()  # the card says it: no second message
    # A stale copy's button: one popup, nothing changes, nothing is sent.
    bermet.new_messages()
    answer = await bermet.press_data(stale, copies[bermet])
    assert answer is not None and answer["show_alert"]
    assert answer["text"] == t(harness, "ky", "This has already been handled.")
    assert not bermet.new_messages()
    assert [m.text for m in applicant.bot_messages].count(applicant.last_text) == 1
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'approve' AND outcome = 'done'") == 1


async def test_reasons_are_short_on_buttons_and_full_in_her_message(harness: BotHarness) -> None:
    aigerim, bermet, admin = await reviewers(harness)
    applicant = harness.user(1001, "Aigul", language_code="ky")
    await onboard(harness, applicant, "ky", name="Aigul Bekova")
    card = card_of(bermet, "Aigul Bekova")
    await bermet.press(t(harness, "ky", "Reject"), card)
    # The same card, now the choice of reason: short labels, the full texts in the message.
    assert card_of(bermet, "Aigul Bekova").message_id == card.message_id
    labels = card.button_labels()
    assert labels[:3] == [t(harness, "ky", label) for label in
                          ("Service not confirmed", "Profile unclear", "Second application")]
    for locale in SUPPORTED_LOCALES:
        for label in ("Service not confirmed", "Profile unclear", "Second application",
                      "Type a reason", "« Back"):
            assert len(t(harness, locale, label)) <= 24, (locale, label)
    full = t(harness, "ky", "The profile is incomplete or unclear.")
    assert full in (card.text or "")
    # Back: the card as it was, nothing decided.
    await bermet.press(t(harness, "ky", "« Back"), card)
    assert t(harness, "ky", "Approve") in card.button_labels()
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    await bermet.press(t(harness, "ky", "Reject"), card)
    await bermet.press(t(harness, "ky", "Profile unclear"), card)
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "rejected"
    assert t(harness, "ky", "The profile is incomplete or unclear.") in applicant.last_text
    reason_ru = t(harness, "ru", "Reason: {reason}",
                  reason=t(harness, "ru", "The profile is incomplete or unclear."))
    assert (card_of(aigerim, "Aigul Bekova").text or "").endswith(reason_ru)
    assert not card_of(aigerim, "Aigul Bekova").buttons()


async def test_ask_then_she_answers_with_the_button(harness: BotHarness) -> None:
    aigerim, bermet, admin = await reviewers(harness)
    applicant = harness.user(1001, "Aigul", language_code="kk")
    await onboard(harness, applicant, "kk", name="Aigul Bekova")
    card = card_of(aigerim, "Aigul Bekova")
    await aigerim.press(t(harness, "ru", "Ask for more information"), card)
    assert plain(t(harness, "ru", "Type your question for the applicant.")) in (card.text or "")
    assert card.button_labels() == [t(harness, "ru", "« Back")]
    aigerim.new_messages()
    await aigerim.send("Which unit do you serve in? <Osh>")
    assert [m.text for m in aigerim.new_messages()] == [
        t(harness, "ru", "Your question has been sent to {name}.", name="Aigul Bekova")]
    assert (card.text or "").endswith("Which unit do you serve in? <Osh>")
    assert t(harness, "ru", "❓ {name} asked for more information, {time}:",
             name="Aigerim <Nur>", time="15:00") in (card.text or "")
    assert not card_of(bermet, "Aigul Bekova").buttons()

    question = applicant.last
    assert "Which unit do you serve in? <Osh>" in (question.text or "")
    assert question.button_labels() == [t(harness, "kk", "Answer the coordinator")]
    await applicant.send("/profile")
    assert t(harness, "kk", "Question from the coordinator: {question}",
             question="Which unit do you serve in? <Osh>") in applicant.last_text

    await applicant.press(t(harness, "kk", "Answer the coordinator"), question)
    assert not question.buttons()
    await applicant.send("The Osh border unit, since 2019")
    assert applicant.last_text == t(harness, "kk", "Thank you! Your answer has been sent to "
                                    "the coordinator. I will let you know the outcome here.")
    row = await harness.db.fetch_one(
        "SELECT status, decision_note, review_answer FROM profiles WHERE user_id = 1001")
    assert tuple(row) == ("pending", "Which unit do you serve in? <Osh>",
                          "The Osh border unit, since 2019")
    for who, locale in ((aigerim, "ru"), (bermet, "ky")):
        fresh = who.last
        assert (fresh.text or "").startswith(plain(t(harness, locale,
                                                     "<b>She answered your question</b>")))
        assert t(harness, locale, "Her answer: {answer}",
                 answer="The Osh border unit, since 2019") in (fresh.text or "")
        assert t(harness, locale, "Question: {question}",
                 question="Which unit do you serve in? <Osh>") in (fresh.text or "")
        assert t(harness, locale, "Approve") in fresh.button_labels()
    await applicant.send("/profile")
    assert "Which unit" not in applicant.last_text  # no question is open any more
    await aigerim.press(t(harness, "ru", "Approve"), aigerim.last)
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "approved"
    assert await harness.db.fetch_value(
        "SELECT review_answer FROM profiles WHERE user_id = 1001") is None


async def test_she_simply_types_her_answer_and_confirms_it(harness: BotHarness) -> None:
    aigerim, _bermet, _admin = await reviewers(harness)
    applicant = harness.user(1001, "Aigul", language_code="ru")
    await onboard(harness, applicant, "ru", name="Aigul Bekova")
    await aigerim.press(t(harness, "ru", "Ask for more information"),
                        card_of(aigerim, "Aigul Bekova"))
    await aigerim.send("Which unit?")
    await applicant.send("Osh unit")
    prompt = applicant.last
    assert (prompt.text or "").startswith(t(harness, "ru", "Send this to the coordinator as "
                                            "your answer?"))
    await applicant.press(t(harness, "ru", "Don't send"), prompt)
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "needs_info"
    await applicant.send("Osh border unit")
    await applicant.press(t(harness, "ru", "Send answer"))
    assert await harness.db.fetch_value(
        "SELECT review_answer FROM profiles WHERE user_id = 1001") == "Osh border unit"
    assert "Osh border unit" in aigerim.last_text
    # The confirmation's buttons are spent.
    answer = await applicant.press_data(
        ReviewCb(action=ReviewAction.ANSWER_SEND, member_id=1001).pack())
    assert answer is not None and answer["show_alert"]
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'answer_question'") == 1


async def test_resubmission_after_rejection_shows_the_earlier_note(harness: BotHarness) -> None:
    aigerim, _bermet, _admin = await reviewers(harness)
    applicant = harness.user(1001, "Aigul", language_code="en")
    await onboard(harness, applicant, "en", name="Aigul Bekova")
    card = card_of(aigerim, "Aigul Bekova")
    await aigerim.press(t(harness, "ru", "Reject"), card)
    await aigerim.press(t(harness, "ru", "Type a reason"), card)
    await aigerim.send("Unit <unknown>")
    assert applicant.last_text.startswith("Your application was not approved. "
                                          "Reason: Unit <unknown>")
    await applicant.send("/profile")
    await applicant.press("Send application again")
    fresh = aigerim.last
    assert fresh.message_id != card.message_id
    assert (fresh.text or "").startswith(plain(t(harness, "ru",
                                                 "<b>Application sent again</b>")))
    assert t(harness, "ru", "Earlier note: {note}", note="Unit <unknown>") in (fresh.text or "")
    assert plain(t(harness, "ru", "<b>New application</b>")) not in (fresh.text or "")
    assert await harness.db.fetch_value(
        "SELECT decision_note FROM profiles WHERE user_id = 1001") == "Unit <unknown>"


async def test_a_refused_press_costs_one_popup(harness: BotHarness) -> None:
    await reviewers(harness)
    outsider = await seed_member(harness, 510, "KZ", coordinator=True, locale="kk")
    applicant = harness.user(1001, "Aigul", language_code="en")
    await onboard(harness, applicant, "en")
    version = await harness.db.fetch_value("SELECT version FROM profiles WHERE user_id = 1001")
    await outsider.send("/help")
    outsider.new_messages()
    for action in (ReviewAction.APPROVE, ReviewAction.REJECT, ReviewAction.ASK):
        answer = await outsider.press_data(
            ReviewCb(action=action, member_id=1001, version=version).pack())
        assert answer is not None and answer["show_alert"]
        assert answer["text"] == t(harness, "kk", "You are not allowed to do this.")
    assert not outsider.new_messages()
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"


async def test_a_card_that_met_a_502_still_reaches_her_and_approve_edits_every_copy(
        harness: BotHarness) -> None:
    """The card goes through the delivery engine: Telegram failing on Aigerim's copy leaves it
    queued, the engine's next round brings it, and it is a card like the others."""
    aigerim, bermet, admin = await reviewers(harness)
    fault = Fault(error=502, method="sendMessage", chat_id=aigerim.id)
    harness.emu.faults.append(fault)
    applicant = harness.user(1001, "Aigul", language_code="kk")
    await onboard(harness, applicant, "kk", name="Aigul Bekova")
    assert fault.hits == 1
    assert not any("Aigul Bekova" in (m.text or "") for m in aigerim.bot_messages)
    assert card_of(bermet, "Aigul Bekova").buttons() and card_of(admin, "Aigul Bekova")
    harness.clock.advance(timedelta(seconds=5))  # past the first retry's backoff
    assert await harness.deliver() == 1
    copies = {who: card_of(who, "Aigul Bekova") for who in (aigerim, bermet, admin)}
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM review_cards WHERE member_id = 1001") == 3
    answer = await aigerim.press(t(harness, "ru", "Approve"), copies[aigerim])
    assert answer is not None and answer["text"] == t(harness, "ru", "Approved.")
    for who, card in copies.items():
        assert card.text is not None and "Aigerim <Nur>" in card.text, card.text
        assert "Aigul Bekova" in card.text and not card.buttons()
    assert applicant.last_text is not None and applicant.last_text.startswith(t(
        harness, "kk", "Your application has been approved. Welcome to the association! "
        "/help shows what you can do now."))
