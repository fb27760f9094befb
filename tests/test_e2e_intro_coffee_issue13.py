"""End-to-end: what issue 13 found in introductions and coffee rounds, each on the injected
clock and in the members' own languages — a shared language, contacts that survive Telegram
failing and come back on request, a first message to copy in a language both speak, staff
without a profile, pending applicants, old buttons, the skip's undo, partners named, no
coffee for those just introduced or mentor and mentee, a prompt in the shared language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import to_db
from bot.i18n import format_datetime
from bot.services.message_kinds import MessageKind
from bot.texts import language_names
from tests.emulator.server import Fault, UserHandle
from tests.flows import seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_attacks_delivery import deliver_as_time_passes
from tests.test_e2e_introductions import ask_to_meet

ROUND = datetime(2026, 1, 19, 6, 0, tzinfo=UTC)  # the first coffee round (see test_e2e_coffee)


def language(harness: BotHarness, code: str, locale: str) -> str:
    assert harness.app is not None
    return language_names([code], harness.app.reference, locale)[0]


async def join_coffee(harness: BotHarness, *users: tuple[UserHandle, str]) -> None:
    for user, locale in users:
        await user.send("/coffee")
        await user.press(t(harness, locale, "Join coffee rounds"))


async def to_round(harness: BotHarness) -> None:
    harness.clock.advance(ROUND - harness.clock.now())
    await harness.tick()
    await harness.deliver()


# ---- introductions --------------------------------------------------------------------------

async def test_only_members_who_share_a_language_are_offered(harness: BotHarness) -> None:
    asker = await seed_member(harness, 1301, "UZ", locale="uz", name="Dilnoza",
                              languages=("en", "uz", "ru"))
    await seed_member(harness, 1302, "KZ", name="Only Kazakh", languages=("kk",),
                      expertise=("border_management",))
    await seed_member(harness, 1303, "KZ", name="Speaks Russian", languages=("kk", "ru"),
                      expertise=("border_management",))
    await ask_to_meet(harness, asker, country="KZ", language=None, locale="uz")
    offered = asker.last_text
    assert "Speaks Russian" in offered
    assert "Only Kazakh" not in offered  # she could not talk with her


async def test_contacts_survive_get_chat_failing_and_come_back(harness: BotHarness) -> None:
    # A Turkmen mentee and a Kyrgyz member who share only Russian.
    asker = await seed_member(harness, 1311, "TM", locale="tk", name="Maral", username="maral",
                              languages=("tk", "ru"))
    target = await seed_member(harness, 1312, "KG", locale="ky", name="Aizada",
                               username="aizada", languages=("ky", "ru"),
                               expertise=("border_management",))
    await ask_to_meet(harness, asker, country="KG", language=None, locale="tk")
    await asker.press(t(harness, "tk", "Ask member {number}", number=1))
    await harness.deliver()
    # Telegram answers getChat with a proxy page, then garbage: the contacts wait, not lost.
    harness.emu.faults.append(Fault(error="html", method="getChat", times=2))
    harness.emu.faults.append(Fault(error="garbage", method="getChat", times=2))
    await target.press(t(harness, "ky", "Agree"))
    await harness.deliver()
    assert not any("@aizada" in (m.text or "") for m in asker.bot_messages)
    await deliver_as_time_passes(harness, timedelta(hours=1))
    contact = next(m for m in asker.bot_messages if "@aizada" in (m.text or ""))
    assert contact.protect_content  # the contact itself stays protected
    assert any("@maral" in (m.text or "") and m.protect_content for m in target.bot_messages)
    # The first message to copy: not protected, in the language they both speak.
    opener = next(m for m in asker.bot_messages if "<code>" in (m.html or ""))
    assert not opener.protect_content
    assert language(harness, "ru", "tk") in (opener.text or "")
    assert "Aizada" in (opener.text or "") and "Maral" in (opener.text or "")
    assert not any("<code>" in (m.html or "") for m in target.bot_messages)  # she writes first

    # Later: "My introductions" lists it and sends the contact again, protected.
    harness.clock.advance(days=20)
    await asker.send("/introduce")
    await asker.press(t(harness, "tk", "My introductions"))
    assert "1. 🤝 Aizada" in asker.last_text
    before = len(asker.bot_messages)
    await asker.press(t(harness, "tk", "Contact {number}", number=1))
    again = asker.bot_messages[before:]
    assert any("@aizada" in (m.text or "") and m.protect_content for m in again)


async def test_a_pending_request_shows_until_when_on_both_sides(harness: BotHarness) -> None:
    asker = await seed_member(harness, 1321, "KZ", locale="ru", name="Asel")
    target = await seed_member(harness, 1322, "TJ", locale="tg", name="Nigora",
                               expertise=("border_management",))
    await ask_to_meet(harness, asker, locale="ru")
    await asker.press(t(harness, "ru", "Ask member {number}", number=1))
    until = format_datetime(harness.clock.now() + timedelta(days=3), "ru", "Asia/Almaty",
                            weekday=True)
    assert until in asker.last_text  # "she has until … to answer"
    await harness.deliver()
    assert t(harness, "tg", "Please answer by {until}.", until=format_datetime(
        harness.clock.now() + timedelta(days=3), "tg", "Asia/Dushanbe", weekday=True)) \
        in target.last_text
    await target.send("/introduce")
    await target.press(t(harness, "tg", "My introductions"))
    assert "Asel" in target.last_text
    # She declines: the requester's list still shows it waiting (a refusal is not news).
    await target.press(t(harness, "tg", "Not now"))
    await asker.send("/introduce")
    await asker.press(t(harness, "ru", "My introductions"))
    assert "Nigora" in asker.last_text


async def test_staff_without_a_profile_are_told_and_never_reach_members(
        harness: BotHarness) -> None:
    admin = harness.user(ADMIN_ID, "Admin", language_code="en")
    admin.user.started = True
    await admin.send("/introduce")
    complete = ("Please complete your member profile first (/start): members see it before "
                "they agree to meet you.")
    assert admin.last_text == complete
    await admin.send("/coffee")
    assert admin.last_text == complete
    # Nor from the directory: her 🤝 asks her to complete her profile first.
    await seed_member(harness, 1330, "KZ", name="Found Member")
    await admin.send("/members")
    await admin.press("Search")
    answer = await admin.press(t(harness, "en", "🤝 Ask to meet {number}", number=1))
    assert answer is not None and answer["text"] == complete
    # Even opted in behind the bot's back, she is never paired, and never shown as a card.
    member = await seed_member(harness, 1331, "KZ", name="Member", username="member_kz")
    other = await seed_member(harness, 1332, "KG", name="Other", username="other_kg")
    await join_coffee(harness, (member, "en"), (other, "en"))
    now = to_db(harness.clock.now())
    await harness.db.execute("INSERT INTO users (id, locale, created_at, last_seen_at) "
                             "VALUES (?, 'en', ?, ?) ON CONFLICT DO NOTHING",
                             (ADMIN_ID, now, now))
    await harness.db.execute("INSERT INTO member_settings (user_id, coffee_opt_in, updated_at) "
                             "VALUES (?, 1, ?)", (ADMIN_ID, now))
    intro_id = await harness.db.insert(
        "INSERT INTO intro_requests (requester_id, target_id, reason, status, created_at, "
        "asked_at, expires_at) VALUES (?, 1331, 'hello', 'asked', ?, ?, ?)",
        (ADMIN_ID, now, now, to_db(harness.clock.now() + timedelta(days=3))))
    assert harness.app is not None
    await harness.app.delivery.enqueue(MessageKind.INTRO_REQUEST, {"intro_id": intro_id},
                                       [1331], None)
    await to_round(harness)
    assert not any("Agency: —" in (m.text or "") or "A member would like to meet you" in
                   (m.text or "") for m in member.bot_messages)
    paired = {r[0] for r in await harness.db.fetch_all("SELECT user_id FROM coffee_members")}
    assert paired == {1331, 1332}


async def test_a_pending_applicant_hears_it_needs_approval(harness: BotHarness) -> None:
    applicant = await seed_member(harness, 1341, "KZ", locale="en", status="pending")
    for command in ("/introduce", "/coffee"):
        await applicant.send(command)
        assert applicant.last_text.startswith("This opens once your application is approved")
        assert "directory" not in applicant.last_text


async def test_old_and_foreign_buttons_are_refused(harness: BotHarness) -> None:
    member = await seed_member(harness, 1351, "KZ", locale="en")
    await member.send("/introduce")
    first, mine = member.find_button("My introductions")
    await member.send("/introduce")  # a new menu: the first one is no longer live
    assert not first.buttons()
    answer = await member.press_data(mine["callback_data"], first)
    assert answer is not None and answer["text"] == "This button is from an earlier message."
    # Buttons of the wizard before the dialog, still in chats.
    for data in ("n1:toggle::0", "n1:new::0", "k1:skip::0:0"):
        answer = await member.press_data(data, first)
        assert answer is not None and answer["text"] in (
            "This button is no longer valid.", "This button is from an earlier message.",
            "This round has already been paired.")
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM member_settings WHERE intros_enabled = 0") == 0


# ---- coffee -----------------------------------------------------------------------------------

async def test_a_skip_is_said_and_can_be_undone(harness: BotHarness) -> None:
    member = await seed_member(harness, 1361, "KZ", locale="kk", name="Aigerim")
    partner = await seed_member(harness, 1362, "KG", locale="ru", name="Jyldyz")
    await join_coffee(harness, (member, "kk"), (partner, "ru"))
    when = format_datetime(ROUND, "kk", "Asia/Almaty", weekday=True)
    assert t(harness, "kk", "You take part. Next round: {when}.", when=when) in member.last_text
    assert ":00:00" not in member.last_text  # no seconds
    await member.press(t(harness, "kk", "Skip the next round"))
    assert t(harness, "kk", "You skip the next round ({when}); you take part again in the one "
             "after.", when=when) in member.last_text
    await member.send("/coffee")  # the same when she asks again
    assert t(harness, "kk", "Skip the next round") not in member.last.button_labels()
    await member.press(t(harness, "kk", "Take part after all"))
    assert t(harness, "kk", "You take part. Next round: {when}.", when=when) in member.last_text
    # Under the day-before notice too: skip, then undo.
    harness.clock.advance(ROUND - timedelta(days=1) - harness.clock.now())
    await harness.tick()
    await harness.deliver()
    await member.press(t(harness, "kk", "Skip this round"))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_skips") == 1
    await member.press(t(harness, "kk", "Take part after all"))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_skips") == 0
    await to_round(harness)
    paired = {r[0] for r in await harness.db.fetch_all("SELECT user_id FROM coffee_members")}
    assert paired == {1361, 1362}


async def test_partner_named_and_a_prompt_in_the_shared_language(harness: BotHarness) -> None:
    tajik = await seed_member(harness, 1371, "TJ", locale="tg", name="Nigora",
                              username="nigora", languages=("tg", "ru"))
    english = await seed_member(harness, 1372, "UZ", locale="en", name="Dilnoza",
                                username="dilnoza", languages=("en", "ru"))
    await join_coffee(harness, (tajik, "tg"), (english, "en"))
    await to_round(harness)
    match = english.last
    assert "@nigora" in (match.text or "") and match.protect_content
    assert t(harness, "en", "Something to start with, in {language}, which you share:",
             language=language(harness, "ru", "en")) in (match.text or "")
    assert t(harness, "tg", "Something to start with, in {language}, which you share:",
             language=language(harness, "ru", "tg")) in tajik.last_text
    harness.clock.advance(days=7)
    await harness.tick()
    await harness.deliver()
    assert english.last_text == "☕ Did you meet Nigora?"
    assert tajik.last_text == t(harness, "tg", "☕ Did you meet {names}?", names="Dilnoza")


async def test_introduced_or_mentor_and_mentee_are_not_paired(harness: BotHarness) -> None:
    # Without the rule the only way to pair all four is 1381–1382 and 1383–1384: 1381 shares
    # a language with 1382 only.
    seeded = ((1381, "KZ", "ru", ("ru",)), (1382, "KG", "ky", ("ru", "ky")),
              (1383, "KZ", "kk", ("ky",)), (1384, "KG", "tg", ("ky",)))
    people = [(await seed_member(harness, user_id, country, locale=locale, name=f"P{user_id}",
                                 languages=spoken), locale)
              for user_id, country, locale, spoken in seeded]
    await join_coffee(harness, *people)
    now = to_db(harness.clock.now())
    # 1381 and 1382 were just introduced; 1383 mentors 1384.
    await harness.db.execute(
        "INSERT INTO intro_requests (requester_id, target_id, reason, status, created_at, "
        "asked_at, decided_at) VALUES (1381, 1382, 'r', 'accepted', ?, ?, ?)", (now, now, now))
    await harness.db.execute(
        "INSERT INTO mentor_pairs (mentee_id, mentor_id, status, source, score, proposed_at, "
        "expires_at, started_at) VALUES (1384, 1383, 'active', 'request', 10, ?, ?, ?)",
        (now, now, now))
    await to_round(harness)
    groups = [frozenset(int(u) for u in ids.split(",")) for _g, ids in await harness.db.fetch_all(
        "SELECT group_id, group_concat(user_id) FROM coffee_members GROUP BY group_id")]
    assert len(groups) == 1 and 1382 in groups[0]  # 1382 with 1383 or 1384; 1381 waits
    for group in groups:
        assert not {1381, 1382} <= group and not {1383, 1384} <= group


async def test_a_waiting_request_can_be_withdrawn(harness: BotHarness) -> None:
    asker = await seed_member(harness, 1391, "KG", locale="ky", name="Aizada")
    target = await seed_member(harness, 1392, "UZ", locale="uz", name="Dilnoza",
                               expertise=("border_management",))
    await ask_to_meet(harness, asker, country="UZ", locale="ky")
    await asker.press(t(harness, "ky", "Ask member {number}", number=1))
    await harness.deliver()
    request, agree = target.find_button(t(harness, "uz", "Agree"))
    await asker.send("/introduce")
    await asker.press(t(harness, "ky", "My introductions"))
    assert "1. ⏳" in asker.last_text
    await asker.press(t(harness, "ky", "Withdraw {number}", number=1))  # asks first
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "asked"
    await asker.press(t(harness, "ky", "Yes, withdraw"))
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "expired"
    await harness.deliver()
    assert request.text == t(harness, "uz", "🤝 This request to meet you was withdrawn. "
                                            "Nothing more is needed from you.")
    answer = await target.press_data(agree["callback_data"], request)
    assert answer is not None and answer["text"] == t(harness, "uz",
                                                      "This request is no longer open.")
    seen = len(asker.bot_messages)
    harness.clock.advance(days=3, minutes=11)
    await harness.tick()
    await harness.deliver()
    assert len(asker.bot_messages) == seen  # no "did not work out": she took it back
