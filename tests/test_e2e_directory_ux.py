"""End-to-end: the directory shows fields in one fixed order, offers "ask for an introduction"
on each result (with her consent, as /introduce), and every page fits Telegram."""

from __future__ import annotations

import re

from bot.callbacks import DirectoryAction, DirectoryCb
from bot.db.repositories.profiles import VISIBLE_FIELD_NAMES, Profile
from bot.paging import rendered_length
from bot.texts import profile_card
from tests.flows import ref_label, seed_member, t
from tests.harness import BotHarness


def test_fields_others_see_are_listed_in_the_card_order() -> None:
    from aiogram.utils.i18n import I18n

    from bot.i18n import LOCALES_DIR

    i18n = I18n(path=LOCALES_DIR, default_locale="en", domain="bot")
    profile = Profile(1, "approved", None, "A", "KZ", None, None, None, None, None,
                      frozenset(reversed(VISIBLE_FIELD_NAMES)), None, None, None)

    class Ref:  # only what the card reads of a profile without codes
        other_agency_codes: frozenset[str] = frozenset()

        def country(self, code: str, locale: str) -> str:
            return code

    with i18n.context(), i18n.use_locale("en"):
        card = profile_card(profile, Ref(), "en")  # type: ignore[arg-type]
    assert ("Other members see: full name, agency, position or rank, years of service, "
            "expertise, languages, about me") in card


async def test_results_show_fields_in_order_and_offer_an_introduction(
        harness: BotHarness) -> None:
    viewer = await seed_member(harness, 601, "KZ", locale="kk", name="Viewer Asks",
                               username="viewer_kz")
    target = await seed_member(harness, 602, "UZ", locale="uz", name="Target Member",
                               languages=("uz", "ru"), hidden=("position",))
    await viewer.send("/members")
    await viewer.press(t(harness, "kk", "Search"))
    page = viewer.last_text
    labels = [t(harness, "kk", msgid).split("{")[0].strip() for msgid in (
        "Agency: {agency}", "Years of service: {years}", "Expertise: {areas}",
        "Languages: {languages}")]
    for card in page.split("\n\n")[1:]:
        positions = [card.index(label) for label in labels]
        assert positions == sorted(positions), card
    meet = [b for b in viewer.last.button_labels() if b.startswith("🤝")]
    assert len(meet) == 1  # not on her own card
    number = int(re.search(r"\d+", meet[0]).group())  # type: ignore[union-attr]
    assert page.split("\n\n")[number].startswith(f"{number}. Target Member")

    old_results, old_meet = viewer.find_button(meet[0])
    await viewer.press(meet[0])
    assert t(harness, "kk", "You are asking to meet {name}. Why would you like to meet her? "
                            "One or two sentences; she will read them. (up to {limit} "
                            "characters) /cancel to stop.", name="Target Member",
             limit=300) == viewer.last_text
    stored = await harness.db.fetch_value(
        "SELECT group_concat(data) FROM fsm_states WHERE user_id = 601")
    assert stored and not re.search(r"\b602\b", stored)  # no id of hers in the viewer's data
    await viewer.send("We both work on border cooperation")
    assert viewer.last_text == t(harness, "kk", "✓ I have asked her. If she agrees, you both "
                                                "get each other's contacts.")
    row = await harness.db.fetch_one("SELECT requester_id, target_id, status, reason "
                                     "FROM intro_requests")
    assert tuple(row) == (601, 602, "asked", "We both work on border cooperation")
    await harness.deliver()
    request = target.last
    assert request.text is not None and request.text.startswith(
        t(harness, "uz", "A member would like to meet you:"))
    # Nothing is shared until she agrees.
    assert not any("viewer_kz" in (m.text or "") for m in target.bot_messages)
    assert not any("Target" in (m.text or "") and "@" in (m.text or "")
                   for m in viewer.bot_messages)
    await target.press(t(harness, "uz", "Agree"))
    await harness.deliver()
    assert "@viewer_kz" in target.last_text
    # Asking her again from the directory: not twice. Her card says she was asked, and
    # the button of an earlier list is refused.
    await viewer.send("/members")
    await viewer.press(t(harness, "kk", "Search"))
    assert meet[0] not in viewer.last.button_labels()
    assert t(harness, "kk", "🤝 You have asked to meet her.") in viewer.last_text
    answer = await viewer.press_data(old_meet["callback_data"], old_results)
    assert answer is not None and answer["text"]
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 1


async def test_the_ask_button_goes_once_she_has_asked(harness: BotHarness) -> None:
    """After she asked someone from the results, the list shows it (edited in place), and
    pressing that person's button again sends no second request."""
    viewer = await seed_member(harness, 611, "TJ", locale="ru", name="Viewer")
    first = await seed_member(harness, 612, "KG", locale="ky", name="First Member")
    await seed_member(harness, 613, "KG", locale="uz", name="Second Member")
    await viewer.send("/members")
    await viewer.press(t(harness, "ru", "Country"))
    await viewer.press(ref_label(harness, "country", "KG", "ru"))
    await viewer.press(t(harness, "ru", "Search"))
    results = viewer.last
    cards = (results.text or "").split("\n\n")
    place = next(n for n, card in enumerate(cards) if "First Member" in card)
    label = t(harness, "ru", "🤝 Ask to meet {number}", number=place)
    _msg, ask = viewer.find_button(label, results)
    await viewer.press(label, results)
    again = await viewer.press_data(ask["callback_data"], results)  # before she typed
    assert again is not None and again["text"]
    await viewer.send("We both train dog handlers")
    assert viewer.last_text == t(harness, "ru", "✓ I have asked her. If she agrees, you both "
                                                "get each other's contacts.")
    # The same results message, edited: her button is gone, the other's stays.
    assert label not in results.button_labels()
    other = t(harness, "ru", "🤝 Ask to meet {number}", number=3 - place)
    assert other in results.button_labels()
    assert t(harness, "ru", "🤝 You have asked to meet her.") in \
        (results.text or "").split("\n\n")[place]
    # Her old button, pressed again (replayed), asks nobody a second time.
    late = await viewer.press_data(ask["callback_data"], results)
    assert late is not None and late["text"]
    assert viewer.last_text == t(harness, "ru", "✓ I have asked her. If she agrees, you both "
                                                "get each other's contacts.")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 1
    assert sum(t(harness, "ky", "Agree") in m.button_labels() for m in first.bot_messages) == 1
    # The other one can still be asked from the same list.
    await viewer.press(other, results)
    await viewer.send("Also you")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 2
    assert not any(b.startswith("🤝") for b in results.button_labels())


async def test_an_older_pages_button_is_stale_and_pages_fit(harness: BotHarness) -> None:
    viewer = await seed_member(harness, 601, "KZ", locale="ru")
    for number in range(12):
        await seed_member(harness, 700 + number, "UZ" if number % 2 else "KG",
                          name=f"Member {number}")
    await harness.db.execute("UPDATE profiles SET bio = ?, position = ? WHERE user_id != 601",
                             ("<длинный текст> " * 120, "Major " * 40))
    await viewer.send("/members")
    await viewer.press(t(harness, "ru", "Country"))
    await viewer.press(ref_label(harness, "country", "UZ", "ru"))
    await viewer.press(t(harness, "ru", "Search"))
    first = viewer.last
    assert t(harness, "ru", "Found: {count} · page {page} of {pages}", count=6, page=1,
             pages=2) in (first.text or "")
    assert rendered_length(first.html or "") <= 4096
    old_meet = next(b for b in first.buttons() if b["text"].startswith("🤝"))
    await viewer.press(t(harness, "ru", "Next »"))
    assert rendered_length(viewer.last.html or "") <= 4096
    assert t(harness, "ru", "Found: {count} · page {page} of {pages}", count=6, page=2,
             pages=2) in viewer.last_text
    for line in viewer.last_text.split("\n\n")[1:]:
        assert t(harness, "ru", "Country: {country}",
                 country=ref_label(harness, "country", "UZ", "ru")) in line
    answer = await viewer.press_data(old_meet["callback_data"], first)  # an earlier page
    assert answer is not None and answer["text"] == t(harness, "ru",
                                                      "This button is no longer valid.")
    forged = DirectoryCb(action=DirectoryAction.INTRODUCE, place=99, view=2).pack()
    answer = await viewer.press_data(forged)
    assert answer is not None and answer["text"] == t(harness, "ru",
                                                      "This button is no longer valid.")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 0


async def test_asking_after_going_back_to_the_filters_leaves_them(harness: BotHarness) -> None:
    viewer = await seed_member(harness, 621, "UZ", locale="uz", name="Viewer")
    await seed_member(harness, 622, "KZ", locale="kk", name="Only Member")
    await viewer.send("/members")
    await viewer.press(t(harness, "uz", "Search"))
    panel = viewer.last
    await viewer.press(t(harness, "uz", "🤝 Ask to meet {number}", number=2), panel)
    await viewer.press(t(harness, "uz", "« Back"), panel)  # the filters again
    await viewer.send("Exchange on border posts")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 1
    assert t(harness, "uz", "Search") in panel.button_labels()  # not turned into results
    await viewer.press(t(harness, "uz", "Search"), panel)
    assert t(harness, "uz", "🤝 You have asked to meet her.") in (panel.text or "")
    assert not any(b.startswith("🤝") for b in panel.button_labels())
