"""End-to-end in each of the seven languages: the mentorship, introduction and coffee texts
render as valid Telegram HTML (the emulator checks every message) and read in her language."""

from __future__ import annotations

import pytest

from bot.config import SUPPORTED_LOCALES
from tests.flows import ref_label, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_introductions import ask_to_meet
from tests.test_e2e_mentorship import look_for_mentor, offer_to_mentor


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_matching_speaks_her_language(harness: BotHarness, locale: str) -> None:
    mentor = await seed_member(harness, 951, "KZ", locale=locale, name="Mentor <M>",
                               username="mentor_m", years=30, agency="interior",
                               languages=("ru", "kk"))
    mentee = await seed_member(harness, 952, "KG", locale=locale, name="Mentee & Co",
                               username="mentee_m", years=2, expertise=("border_management",))
    await harness.tick()  # this week's round has run
    await offer_to_mentor(harness, mentor, locale)
    await look_for_mentor(harness, mentee, locale)
    suggestion = mentee.last.text or ""
    assert suggestion.startswith(t(harness, locale, "Mentors who could suit you:"))
    assert t(harness, locale, "{years} years of service", years=30) in suggestion
    assert ref_label(harness, "agency", "interior", locale) in suggestion
    await mentee.press(t(harness, locale, "Ask mentor {number}", number=1))
    await harness.deliver()
    assert mentor.last_text.startswith(t(harness, locale, "A member would like you as her "
                                                          "mentor:"))
    await mentor.press(t(harness, locale, "Accept"))
    await harness.deliver()
    assert "@mentor_m" in "\n".join(mentee.all_texts()[-2:])
    assert "@mentee_m" in "\n".join(mentor.all_texts()[-2:])

    harness.clock.advance(days=14, minutes=1)
    await harness.tick()
    await harness.deliver()
    await mentee.press(t(harness, locale, "End mentorship"))
    await mentee.press(t(harness, locale, "Yes, end it"))
    await harness.deliver()
    await mentee.press("5")
    await mentee.send("Спасибо <3")
    assert mentee.last_text == t(harness, locale, "Thank you, your comment is saved.")

    await mentee.send("/mentorship")
    await mentee.press(t(harness, locale, "Change my request"))  # the wizard again, then stop
    await mentee.send("/cancel")

    await ask_to_meet(harness, mentee, country="KZ", expertise=None, language="kk",
                      reason="Обмен опытом <b>", locale=locale)
    assert mentee.last_text.startswith(t(harness, locale, "Members who fit your request:"))
    await mentee.press(t(harness, locale, "Ask member {number}", number=1))
    await harness.deliver()
    assert "Обмен опытом <b>" in mentor.last_text
    await mentor.press(t(harness, locale, "Agree"))
    await harness.deliver()

    # Introduced and mentor and mentee: the coffee rounds pair each with someone new.
    partners = [await seed_member(harness, 954 + n, "UZ", locale=locale,
                                  name="Coffee Partner") for n in range(2)]
    for user in (mentee, mentor, *partners):
        await user.send("/coffee")
        await user.press(t(harness, locale, "Join coffee rounds"))
    assert harness.app is not None
    coffee = await harness.app.coffee_service.next_round(harness.clock.now())
    harness.clock.advance(coffee.pair_at - harness.clock.now())
    await harness.tick()
    await harness.deliver()
    assert mentee.last.protect_content  # her coffee partner's card and contact
    harness.clock.advance(days=7)
    await harness.tick()
    await harness.deliver()
    assert mentee.last_text == t(harness, locale, "☕ Did you meet {names}?",
                                 names="Coffee Partner")

    coordinator = await seed_member(harness, 953, "KZ", locale=locale, coordinator=True)
    await coordinator.send("/mentorship")
    await coordinator.press(t(harness, locale, "Programme overview"))
    assert coordinator.last_text.startswith(
        t(harness, locale, "<b>Mentorship programme</b>").replace("<b>", "").replace("</b>", ""))
