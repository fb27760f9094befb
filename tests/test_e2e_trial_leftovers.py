"""End-to-end: what the second trial of issue 11 left open, fixed.

A reason typed for an application that has moved meanwhile says so; a one-use invitation used
up by someone else leaves her choice of country to her; the wizard's live step comes back after
a side question (/language, /delete_me → No); a second Confirm gets a popup; a failed link edit
takes the old question's buttons away.
"""

from __future__ import annotations

from tests.flows import onboard, ref_label, seed_member, t
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
