"""End-to-end: what the second trial of issue 11 left open, fixed.

A reason typed for an application that has moved meanwhile says so; a one-use invitation used
up by someone else leaves her choice of country to her; the wizard's live step comes back after
a side question (/language, /delete_me → No); a second Confirm gets a popup; a failed link edit
takes the old question's buttons away.
"""

from __future__ import annotations

from bot.i18n import LANGUAGE_NAMES
from tests.flows import onboard, ref_label, seed_member, start_and_accept, t
from tests.harness import BotHarness


def card_of(user, name: str):  # type: ignore[no-untyped-def]
    return next(m for m in reversed(user.bot_messages) if name in (m.text or ""))


async def test_a_reason_typed_after_she_moved_country_says_the_card_is_out_of_date(
        harness: BotHarness) -> None:
    kg = await seed_member(harness, 501, "KG", coordinator=True, locale="ky", name="Aida")
    await seed_member(harness, 502, "UZ", coordinator=True, locale="uz", name="Dilnoza")
    applicant = harness.user(1001, "Gulnara", language_code="ky")
    await onboard(harness, applicant, "ky", name="Gulnara Asanova", country="KG")
    card = card_of(kg, "Gulnara Asanova")
    await kg.press(t(harness, "ky", "Reject"), card)
    await kg.press(t(harness, "ky", "Type a reason"), card)
    # Meanwhile she moves her application to Uzbekistan.
    await applicant.send("/profile")
    await applicant.press(t(harness, "ky", "Edit country"))
    await applicant.press(ref_label(harness, "country", "UZ", "ky"))
    await applicant.press(t(harness, "ky", "Confirm"))
    kg.new_messages()
    await kg.send("Not confirmed by the unit")
    assert kg.last_text == t(harness, "ky", "This application was changed or moved after this "
                                            "card was sent. Any newer card replaces it.")
    assert await harness.db.fetch_value(
        "SELECT status || ' ' || country_code FROM profiles WHERE user_id = 1001") == "pending UZ"


async def wizard_at_agency(harness: BotHarness, locale: str):  # type: ignore[no-untyped-def]
    """A newcomer who has answered her name and country: the live step is the agency."""
    user = harness.user(1001, "Malika", language_code=locale)
    await start_and_accept(harness, user, locale)
    await user.send("Malika Yusupova")
    await user.press(ref_label(harness, "country", "UZ", locale))
    assert header(harness, locale, 3, "Agency") in user.last_text
    return user


def header(harness: BotHarness, locale: str, step_no: int, field: str) -> str:
    return t(harness, locale, "Step {step_no} of {total} · {field}", step_no=step_no, total=9,
             field=t(harness, locale, field))


async def test_after_no_to_delete_me_the_wizard_question_comes_back(harness: BotHarness) -> None:
    user = await wizard_at_agency(harness, "uz")
    question = user.last
    await user.send("/delete_me")  # closes the dialog, as every command does
    await user.press(t(harness, "uz", "No, keep my data"))
    live = user.last
    assert live is not question and live.buttons()
    assert t(harness, "uz", "Let's continue where you stopped.") in live.text
    await user.press(ref_label(harness, "agency", "border_guard", "uz"), live)
    assert await harness.db.fetch_value(
        "SELECT agency_code FROM profiles WHERE user_id = 1001") == "border_guard"


async def test_after_language_the_wizard_question_comes_back_in_the_new_one(
        harness: BotHarness) -> None:
    user = await wizard_at_agency(harness, "tg")
    await user.send("/language")
    await user.press(LANGUAGE_NAMES["uz"])
    live = user.last
    assert t(harness, "uz", "Let's continue where you stopped.") in live.text
    assert ref_label(harness, "agency", "border_guard", "uz") in live.button_labels()
    await user.press(ref_label(harness, "agency", "border_guard", "uz"), live)
    assert await harness.db.fetch_value(
        "SELECT agency_code FROM profiles WHERE user_id = 1001") == "border_guard"


async def test_a_second_tap_on_confirm_gets_the_popup_and_changes_nothing(
        harness: BotHarness) -> None:
    await seed_member(harness, 500, "KZ", coordinator=True)
    kg = await seed_member(harness, 501, "KG", coordinator=True)
    member = await seed_member(harness, 601, "KZ", locale="kk", name="Moving Member")
    await member.send("/profile")
    await member.press(t(harness, "kk", "Edit country"))
    await member.press(ref_label(harness, "country", "KG", "kk"))
    question = member.last
    confirm = next(b["callback_data"] for b in question.buttons()
                   if b["text"] == t(harness, "kk", "Confirm"))
    await member.press_data(confirm, question)
    kg.new_messages()
    answer = await member.press_data(confirm, question)
    assert answer is not None and answer["show_alert"]
    assert answer["text"] == t(harness, "kk", "This button is from an earlier message.")
    assert kg.new_messages() == []  # no second card
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'change_country'") == 1
