"""End-to-end attacks on input and abuse: impersonating names, a flood, over-long directory
pages, another country's coordinator learning of a suspension."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGE_NAMES
from bot.services.profile_input import (
    AGENCY_MAX, BIO_MAX, NAME_MAX, POSITION_MAX, check_bio, check_name, check_short_text,
)
from tests.emulator.server import UserHandle
from tests.flows import seed_member, start_and_accept, t
from tests.harness import ADMIN_ID, BotHarness

NAME_QUESTION = "What is your full name?"
INVISIBLE = ("The text contains invisible characters (direction marks, zero-width spaces, "
             "control characters), often copied along with text. Please type it again by hand.")
LINK = "Please type only the name: links, t.me addresses and @usernames are not allowed here."
NO_LETTERS = "Please use words: numbers or emoji alone are not accepted here."
NOTICE = ("You are sending messages faster than I can answer. Please wait a few seconds: "
          "I will answer what you send after that.")

BAD_NAMES = [
    ("Aigul \u202eavokeB", INVISIBLE),        # right-to-left override
    ("Aigul\u2066 Bekova", INVISIBLE),        # bidi isolate
    ("Ai\u200bgul Bekova", INVISIBLE),        # zero-width space
    ("Aigul\u200dBekova", INVISIBLE),         # zero-width joiner
    ("\ufeffAigul Bekova", INVISIBLE),        # byte-order mark
    ("Aigul\u200f Bekova", INVISIBLE),        # right-to-left mark
    ("Aigul\x00Bekova", INVISIBLE),           # NUL
    ("Aigul\x07 Bekova", INVISIBLE),          # another control character
    ("https://evil.example/login", LINK),
    ("Coordinator t.me/evil_support", LINK),
    ("ｔ．ｍｅ/evil", LINK),                   # full-width letters: NFKC makes it t.me/evil
    ("@kz_coordinator", LINK),
    ("Aigul www.evil.kz", LINK),
    ("Admin support.kz", LINK),
    ("1234567", NO_LETTERS),
]
GOOD_NAMES = [
    "Gulnara Akhmedova", "Гүлнара Ахмедова", "Айгүл Сәрсенқызы", "Oʻrinboy Gʻulomova",
    "O‘Brien", "D'Arcy Smith-Jones", "Mary-Jane O’Neil", "Ogulgerek Çaryýewa",
    "Şöhrat Öwezowa", "Зарина Ҷӯраева", "Нурзада Өмүрбекова", "Ńoŋo Ŋ",
]


async def at_name_step(harness: BotHarness, user_id: int) -> UserHandle:
    user = harness.user(user_id, "Aigul")
    await start_and_accept(harness, user, "en")
    assert NAME_QUESTION in user.last_text
    return user


async def full_name(harness: BotHarness, user_id: int) -> str | None:
    return await harness.db.fetch_value("SELECT full_name FROM profiles WHERE user_id = ?",
                                        (user_id,))


async def test_impersonating_names_are_refused_with_the_reason(harness: BotHarness) -> None:
    user = await at_name_step(harness, 1001)
    for name, reason in BAD_NAMES:
        user.new_messages()
        await user.send(name)
        # one message: the question, edited to give the reason (the conversation standard)
        assert user.new_messages() == [], repr(name)
        assert "⚠️ " + reason in user.last_text and NAME_QUESTION in user.last_text, repr(name)
        assert await full_name(harness, 1001) is None, repr(name)


async def test_an_approved_member_cannot_rename_herself_into_a_link(harness: BotHarness) -> None:
    member = await seed_member(harness, 601, "KZ", name="Aigerim Nurlanovna")
    await member.send("/profile")
    await member.press("Edit name")
    for name, reason in BAD_NAMES[:3] + BAD_NAMES[8:10]:
        await member.send(name)
        assert "⚠️ " + reason in member.last_text
    assert await full_name(harness, 601) == "Aigerim Nurlanovna"


async def test_the_refusal_is_in_her_language(harness: BotHarness) -> None:
    user = harness.user(1002, "Aigul")
    await start_and_accept(harness, user, "kk")
    question = user.last_text
    await user.send("t.me/evil")
    assert "⚠️ " + t(harness, "kk", LINK) in user.last_text
    await user.send("Ай\u200bгүл")
    assert "⚠️ " + t(harness, "kk", INVISIBLE) in user.last_text
    assert question in user.last_text.replace("⚠️ " + t(harness, "kk", INVISIBLE) + "\n\n", "")


@pytest.mark.parametrize("name", GOOD_NAMES)
async def test_real_names_pass(harness: BotHarness, name: str) -> None:
    user = await at_name_step(harness, 1003)
    await user.send(name)
    assert await full_name(harness, 1003) == name
    assert "Which country do you serve in?" in user.last_text


async def test_names_are_normalised_before_they_are_stored(harness: BotHarness) -> None:
    user = await at_name_step(harness, 1004)
    await user.send("  Ａｉｇｕｌ \t  Bekova  ")  # full-width letters, a tab, runs of spaces
    assert await full_name(harness, 1004) == "Aigul Bekova"


async def test_bio_keeps_its_lines_and_refuses_hidden_characters() -> None:
    assert check_bio("Border officer.\r\n\n\n\nCybercrime   and  K9.") == (
        "Border officer.\n\nCybercrime and K9.", None)
    assert check_bio("Nice \u202egnp.exe")[0] is None
    assert check_short_text("Major\u2060", 100)[0] is None


async def test_a_flood_is_dropped_with_one_notice_and_others_are_answered(
        harness: BotHarness) -> None:
    assert harness.app is not None
    flooder = harness.user(2001, "Flood")
    for _ in range(3000):
        await flooder.send("/start", wait=False)
    other = harness.user(2002, "Aigul")
    await other.send("/start")
    assert other.last.button_labels()[:1] == [LANGUAGE_NAMES["ru"]] or other.has_button(
        LANGUAGE_NAMES["en"])
    assert await harness.app.in_flight.wait_idle(timeout=60)
    texts = flooder.all_texts()
    assert texts.count(NOTICE) == 1
    assert len(texts) < 100  # at most the burst and a few refills were handled


async def test_a_flood_of_button_presses_stops_every_spinner(harness: BotHarness) -> None:
    assert harness.app is not None
    flooder = harness.user(2003, "Flood")
    await flooder.send("/start")
    message = flooder.last
    data = message.buttons()[0]["callback_data"]
    chat = harness.emu.chats[message.chat_id]
    ids = []
    for _ in range(200):
        query_id = str(next(harness.emu._callback_ids))
        ids.append(query_id)
        await harness.emu.push_update({"callback_query": {
            "id": query_id, "from": flooder.user.as_json(),
            "message": harness.emu._message_json(chat, message),
            "chat_instance": str(chat.id), "data": data}}, wait=False)
    await flooder.send("/help")  # queued behind the presses
    assert await harness.app.in_flight.wait_idle(timeout=60)
    assert all(query_id in harness.emu.callback_answers for query_id in ids)
    assert flooder.all_texts().count(NOTICE) == 1


def longest(prefix: str, limit: int, filler: str) -> str:
    text = (prefix + " " + filler * limit)[:limit].rstrip()
    return text


@pytest.mark.parametrize("locale", sorted(LANGUAGE_NAMES))
async def test_directory_pages_of_longest_profiles_fit_telegram(harness: BotHarness,
                                                                locale: str) -> None:
    assert harness.app is not None
    ref = harness.app.reference
    names = []
    for number in range(12):
        name = longest(f"Member {number:02d}", NAME_MAX, "Ӑ-ж ")
        assert check_name(name) == (name, None)
        names.append(name)
        bio = longest("Bio & <notes>", BIO_MAX, "🌷 <b>&amp; ")
        assert check_bio(bio) == (bio, None)
        position = longest("Position", POSITION_MAX, "<i>&")
        agency = longest("Agency", AGENCY_MAX, "&<>")
        assert check_name(agency, AGENCY_MAX) == (agency, None)
        await seed_member(harness, 3000 + number, "UZ", locale=locale, name=name,
                          agency="other", languages=tuple(ref.language_codes),
                          expertise=tuple(ref.expertise_codes))
        await harness.db.execute(
            "UPDATE profiles SET bio = ?, position = ?, agency_other = ? WHERE user_id = ?",
            (bio, position, agency, 3000 + number))
    viewer = await seed_member(harness, 2999, "KZ", locale=locale)
    await viewer.send("/members")
    await viewer.press(t(harness, locale, "Search"))
    seen = viewer.last_text
    for _ in range(2):
        await viewer.press(t(harness, locale, "Next »"))
        seen += viewer.last_text
    assert harness.emu.violations == []
    for name in names:
        assert name in seen


async def test_another_countrys_coordinator_does_not_see_a_suspension(
        harness: BotHarness) -> None:
    kg = await seed_member(harness, 500, "KG", coordinator=True)
    kz = await seed_member(harness, 501, "KZ", coordinator=True)
    admin = await seed_member(harness, ADMIN_ID, "TJ")
    await seed_member(harness, 601, "KZ", name="Suspended Member", status="suspended")
    await seed_member(harness, 602, "KZ", name="Ordinary Member")
    await seed_member(harness, 603, "KG", name="Kyrgyz Suspended", status="suspended")
    for viewer, sees in ((kg, {"Kyrgyz Suspended"}), (kz, {"Suspended Member"}),
                         (admin, {"Kyrgyz Suspended", "Suspended Member"})):
        await viewer.send("/members")
        await viewer.press("Search")
        text = viewer.last_text
        assert "Ordinary Member" in text
        assert {n for n in ("Suspended Member", "Kyrgyz Suspended") if n in text} == sees
        assert text.count("Status: membership suspended") == len(sees)
