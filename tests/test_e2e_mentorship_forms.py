"""End-to-end: the two /mentorship wizards as one live dialog (handlers/mentorship_forms) —
"Step 2 of 3 · Areas", her earlier answers pre-filled with Keep, Back that keeps every answer,
a too-long goal explained in the same message, /cancel closing it (its buttons then answer
with the stale popup, nothing saved changes), and a restart in the middle resuming it; in
Kazakh, Turkmen and Russian."""

from __future__ import annotations

import pytest

from tests.emulator.server import UserHandle
from tests.flows import ref_label, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_mentorship import look_for_mentor, offer_to_mentor

LOCALES = ["kk", "tk", "ru"]
STALE = "This button is from an earlier message."


def step(harness: BotHarness, locale: str, number: int, field: str) -> str:
    return t(harness, locale, "Step {step_no} of {total} · {field}", step_no=number, total=3,
             field=t(harness, locale, field))


def answer(harness: BotHarness, locale: str, value: str) -> str:
    return t(harness, locale, "Your answer: {answer}", answer=value)


def area(harness: BotHarness, code: str, locale: str) -> str:
    return ref_label(harness, "expertise", code, locale)


async def open_menu_button(harness: BotHarness, user: UserHandle, locale: str,
                           label: str) -> None:
    await user.send("/mentorship")
    await user.press(t(harness, locale, label))


@pytest.mark.parametrize("locale", LOCALES)
async def test_offer_steps_keep_and_back(harness: BotHarness, locale: str) -> None:
    mentor = await seed_member(harness, 901, "KZ", locale=locale, name="Mentor")
    await offer_to_mentor(harness, mentor, locale, places="3", area="cybercrime")
    await mentor.send("/mentorship")
    menu_id = mentor.last.message_id
    await mentor.press(t(harness, locale, "Change my offer"))
    live = mentor.last
    assert live.message_id == menu_id  # the menu's message becomes the wizard
    assert live.text.startswith(step(harness, locale, 1, "Places"))
    assert answer(harness, locale, "3") in live.text  # her answer, pre-filled
    assert "✓ 3" in live.button_labels()
    await mentor.press(t(harness, locale, "Keep"))
    assert mentor.last.text.startswith(step(harness, locale, 2, "Areas"))
    assert f"✓ {area(harness, 'cybercrime', locale)}" in mentor.last.button_labels()
    await mentor.press(area(harness, "forensics", locale))
    await mentor.press(t(harness, locale, "Done"))
    assert mentor.last.text.startswith(step(harness, locale, 3, "Time"))
    assert answer(harness, locale, t(harness, locale, "twice a month")) in mentor.last.text
    # Back, twice, loses nothing: the areas she toggled, then the places she kept.
    await mentor.press(t(harness, locale, "« Back"))
    labels = mentor.last.button_labels()
    assert f"✓ {area(harness, 'forensics', locale)}" in labels
    assert f"✓ {area(harness, 'cybercrime', locale)}" in labels
    await mentor.press(t(harness, locale, "« Back"))
    assert answer(harness, locale, "3") in mentor.last.text
    await mentor.press(t(harness, locale, "« Back"))  # from the first step: the menu again
    assert t(harness, locale, "Change my offer") in mentor.last.button_labels()
    assert mentor.last.message_id == menu_id
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM mentor_areas") == 1  # nothing saved before the last step
    await mentor.press(t(harness, locale, "Change my offer"))
    await mentor.press("4")
    await mentor.press(t(harness, locale, "Done"))
    await mentor.press(t(harness, locale, "Keep"))
    assert mentor.last_text == t(harness, locale, "Thank you! You are on the list of mentors. "
                                                  "When a member asks you, I will show you her "
                                                  "profile and goal, and you decide.")
    assert tuple(await harness.db.fetch_one(
        "SELECT capacity, availability FROM mentor_offers")) == (4, "twice_monthly")


@pytest.mark.parametrize("locale", LOCALES)
async def test_request_long_goal_in_place_keep_and_suggestions(harness: BotHarness,
                                                               locale: str) -> None:
    mentor = await seed_member(harness, 911, "KG", locale=locale, name="Mentor Kg")
    mentee = await seed_member(harness, 912, "KZ", locale=locale, name="Mentee Kz")
    await offer_to_mentor(harness, mentor, locale)
    await open_menu_button(harness, mentee, locale, "Find a mentor")
    assert mentee.last.text.startswith(step(harness, locale, 1, "Goals"))
    assert t(harness, locale, "Keep") not in mentee.last.button_labels()  # nothing to keep
    await mentee.press(area(harness, "cybercrime", locale))
    await mentee.press(t(harness, locale, "Done"))
    asking = mentee.last
    assert asking.text.startswith(step(harness, locale, 2, "In your words"))
    await mentee.send("y" * 301)
    assert mentee.last.message_id == asking.message_id  # the same message, asking again
    too_long = t(harness, locale, "That is too long: please keep it under {limit} characters.",
                 limit=300)
    assert f"⚠️ {too_long}" in mentee.last_text
    assert t(harness, locale, "In a sentence or two, what do you hope a mentor helps you "
                              "with? (up to {limit} characters)", limit=300) in mentee.last_text
    await mentee.send("Расследования <киберпреступлений>")
    assert mentee.last.text.startswith(step(harness, locale, 3, "Mentors from"))
    assert not asking.buttons()  # the old message lost its keyboard
    await mentee.press(t(harness, locale, "« Back"))  # her words are kept, escaped
    assert answer(harness, locale, "Расследования <киберпреступлений>") in mentee.last_text
    await mentee.press(t(harness, locale, "Keep"))
    await mentee.press(t(harness, locale, "from another country"))
    assert mentee.last_text.startswith(t(harness, locale, "Mentors who could suit you:"))
    assert "Mentor Kg" in mentee.last_text
    row = await harness.db.fetch_one("SELECT goal_text, country_preference FROM mentee_requests")
    assert tuple(row) == ("Расследования <киберпреступлений>", "other")

    # Changing the request: every answer pre-filled, Keep through to the suggestions.
    await open_menu_button(harness, mentee, locale, "Change my request")
    assert f"✓ {area(harness, 'cybercrime', locale)}" in mentee.last.button_labels()
    await mentee.press(t(harness, locale, "Done"))
    assert answer(harness, locale, "Расследования <киберпреступлений>") in mentee.last_text
    await mentee.press(t(harness, locale, "Keep"))
    assert answer(harness, locale, t(harness, locale, "from another country")) \
        in mentee.last_text
    assert f"✓ {t(harness, locale, 'from another country')}" in mentee.last.button_labels()
    await mentee.press(t(harness, locale, "Keep"))
    assert mentee.last_text.startswith(t(harness, locale, "Mentors who could suit you:"))


@pytest.mark.parametrize("locale", LOCALES)
async def test_cancel_closes_it_and_its_buttons_are_stale(harness: BotHarness,
                                                          locale: str) -> None:
    mentee = await seed_member(harness, 921, "TJ", locale=locale, name="Mentee Tj")
    await look_for_mentor(harness, mentee, locale, where="from my country")
    await open_menu_button(harness, mentee, locale, "Change my request")
    await mentee.press(area(harness, "forensics", locale))
    await mentee.press(t(harness, locale, "Done"))
    live = mentee.last
    keep = next(b for b in live.buttons() if b["text"] == t(harness, locale, "Keep"))
    await mentee.send("/cancel")
    assert mentee.last_text == t(harness, locale, "Cancelled. Your mentorship offer and request "
                                                  "stay as they were. /mentorship opens the menu.")
    assert not live.buttons()  # the live message lost its keyboard
    popup = await mentee.press_data(keep["callback_data"], live)
    assert popup is not None and popup["text"] == t(harness, locale, STALE)
    await mentee.send("Something typed afterwards")
    assert await harness.db.fetch_value("SELECT goal_text FROM mentee_requests") \
        == "I want to learn <how> to investigate crypto fraud"
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentee_goals") == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_restart_in_the_middle_resumes(harness: BotHarness, locale: str) -> None:
    mentor = await seed_member(harness, 931, "UZ", locale=locale, name="Mentor Uz")
    await open_menu_button(harness, mentor, locale, "Offer to mentor")
    await mentor.press("2")
    await mentor.press(area(harness, "border_management", locale))
    await harness.restart()
    live = mentor.last
    await mentor.press(t(harness, locale, "Done"), live)
    assert mentor.last.text.startswith(step(harness, locale, 3, "Time"))
    await mentor.press(t(harness, locale, "« Back"))
    assert f"✓ {area(harness, 'border_management', locale)}" in mentor.last.button_labels()
    await mentor.press(t(harness, locale, "Done"))
    await mentor.press(t(harness, locale, "every week"))
    offer = await harness.db.fetch_one("SELECT capacity, availability FROM mentor_offers")
    assert tuple(offer) == (2, "weekly")
    assert await harness.db.fetch_value("SELECT code FROM mentor_areas") == "border_management"
