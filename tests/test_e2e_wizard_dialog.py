"""End-to-end: the profile wizard as one live dialog (the conversation standard), in kk, ky
and en: where she is, Keep, Back with her answer, Leave empty, a refused answer in the same
message, old keyboards taken away, /cancel, the country confirmation, a restart, and every
earlier button stale once she has sent her application."""

from __future__ import annotations

from typing import Any

import asyncio

import pytest

from bot.i18n import LANGUAGE_NAMES

from tests.emulator.server import SentMessage, UserHandle
from tests.flows import fill_profile, ref_label, seed_member, start_and_accept, t
from tests.harness import BotHarness

LOCALES = ("kk", "ky", "en")
EARLIER = "This button is from an earlier message."
HEADER = "Step {step_no} of {total} · {field}"


def header(harness: BotHarness, locale: str, step_no: int, field: str, total: int = 9) -> str:
    return t(harness, locale, HEADER, step_no=step_no, total=total,
             field=t(harness, locale, field))


def buttons_of(message: SentMessage) -> list[str]:
    return [b["callback_data"] for b in message.buttons() if "callback_data" in b]


async def profile_state(harness: BotHarness, user_id: int) -> tuple[Any, ...]:
    """Everything her answers, her review and her account hold."""
    db = harness.db
    profile = await db.fetch_one("SELECT * FROM profiles WHERE user_id = ?", (user_id,))
    expertise = await db.fetch_all("SELECT code FROM profile_expertise WHERE user_id = ? "
                                   "ORDER BY code", (user_id,))
    languages = await db.fetch_all("SELECT code FROM profile_languages WHERE user_id = ? "
                                   "ORDER BY code", (user_id,))
    locale = await db.fetch_value("SELECT locale FROM users WHERE id = ?", (user_id,))
    audit = await db.fetch_value("SELECT COUNT(*) FROM audit_log")
    cards = await db.fetch_value("SELECT COUNT(*) FROM review_cards")
    return (tuple(profile) if profile else None, [r["code"] for r in expertise],
            [r["code"] for r in languages], locale, audit, cards)


@pytest.mark.parametrize("locale", LOCALES)
async def test_header_keep_and_back_show_her_answers(harness: BotHarness, locale: str) -> None:
    user = harness.user(1001, "Aigul", language_code=locale)
    await start_and_accept(harness, user, locale)
    assert user.last_text.startswith(header(harness, locale, 1, "Name"))
    assert t(harness, locale, "What is your full name?") in user.last_text
    assert t(harness, locale, "Keep") not in user.last.button_labels()  # nothing to keep yet
    user.new_messages()
    await user.send("Aigul Bekova")
    assert len(user.new_messages()) == 1  # her typed answer: the next question comes below
    country = user.last
    assert country.text is not None and country.text.startswith(
        header(harness, locale, 2, "Country"))
    await user.press(t(harness, locale, "« Back"))
    assert user.last is country and user.new_messages() == []  # the same message, edited
    assert header(harness, locale, 1, "Name") in user.last_text
    assert t(harness, locale, "Your answer: {answer}", answer="Aigul Bekova") in user.last_text
    await user.press(t(harness, locale, "Keep"))
    assert header(harness, locale, 2, "Country") in user.last_text
    await user.press(ref_label(harness, "country", "KG", locale))
    assert header(harness, locale, 3, "Agency") in user.last_text
    await user.press(t(harness, locale, "« Back"))
    kyrgyzstan = ref_label(harness, "country", "KG", locale)
    assert t(harness, locale, "Your answer: {answer}", answer=kyrgyzstan) in user.last_text
    assert "✓ " + kyrgyzstan in user.last.button_labels()
    await user.press(t(harness, locale, "Keep"))
    await user.press(ref_label(harness, "agency", "other", locale))
    # "Other" adds a question: the count follows the steps she goes through
    assert header(harness, locale, 4, "Agency name", total=10) in user.last_text
    assert (await harness.db.fetch_value(
        "SELECT full_name FROM profiles WHERE user_id = 1001")) == "Aigul Bekova"


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_typed_answer_takes_the_old_keyboard_away(harness: BotHarness,
                                                          locale: str) -> None:
    user = harness.user(1001, "Aigul", language_code=locale)
    await start_and_accept(harness, user, locale)
    notice = next(m for m in user.bot_messages
                  if t(harness, locale, "I agree") in (m.raw.get("reply_markup") or {}).__str__())
    assert notice.buttons() == []  # the privacy notice lost its buttons with the first question
    await user.send("Aigul Bekova")
    await user.press(ref_label(harness, "country", "KZ", locale))
    await user.press(ref_label(harness, "agency", "police", locale))
    position = user.last
    assert t(harness, locale, "Leave empty") in position.button_labels()
    await user.send("Major")
    years = user.last
    assert years is not position
    assert position.buttons() == []  # only the live message has buttons
    assert [m for m in user.bot_messages if m.buttons()] == [years]
    # its old buttons, replayed while the dialog is open, drive nothing
    raw = position.raw["reply_markup"]["inline_keyboard"]
    user.new_messages()
    for data in [b["callback_data"] for row in raw for b in row]:
        answer = await user.press_data(data, position)
        assert answer is not None and answer["text"] == t(harness, locale, EARLIER)
    assert user.new_messages() == [] and position.buttons() == []
    assert await harness.db.fetch_value(
        "SELECT position FROM profiles WHERE user_id = 1001") == "Major"
    assert t(harness, locale, "How many years have you served? Send a number from 0 to "
                              "45.") in years.text


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_wrong_answer_is_explained_in_the_same_message(harness: BotHarness,
                                                               locale: str) -> None:
    user = harness.user(1001, "Aigul", language_code=locale)
    await start_and_accept(harness, user, locale)
    await user.send("Aigul Bekova")
    await user.press(ref_label(harness, "country", "KZ", locale))
    await user.press(ref_label(harness, "agency", "police", locale))
    await user.press(t(harness, locale, "Leave empty"))
    live = user.last
    count = len(user.bot_messages)
    for bad, reason in (("abc", "Please send a whole number of years, for example 12."),
                        ("99", "Please send a number from 0 to {max}."),
                        ("x" * 20, "Please send a whole number of years, for example 12.")):
        await user.send(bad)
        assert len(user.bot_messages) == count  # one message, not two
        assert user.last is live
        assert "⚠️ " + t(harness, locale, reason).replace("{max}", "45") in user.last_text
        assert t(harness, locale, "How many years have you served? Send a number from 0 to "
                                  "45.") in user.last_text
    await user.send_sticker()
    assert len(user.bot_messages) == count
    assert "⚠️ " + t(harness, locale, "Please answer with a text message.") in user.last_text
    await user.send({"kk": " 15 жыл ", "ky": "15 жыл", "en": "15 years"}[locale])
    assert (await harness.db.fetch_value(
        "SELECT years_of_service FROM profiles WHERE user_id = 1001")) == 15
    assert len(user.bot_messages) == count + 1
    assert "⚠️" not in user.last_text  # the reason went with the answer it was about
    await user.send("Kazakhstan")  # typed on a question with buttons
    assert len(user.bot_messages) == count + 1
    assert "⚠️ " + t(harness, locale, "Please use the buttons below.") in user.last_text


async def test_leave_empty_clears_only_when_pressed(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul", language_code="en")
    await start_and_accept(harness, user, "en")
    await user.send("Aigul Bekova")
    await user.press("Kazakhstan")
    await user.press("Police")
    assert "Nothing to add? Press “Leave empty”." in user.last_text
    await user.send("Major")
    await user.press("« Back")  # from years: her position is shown, and kept
    assert "Your answer: Major" in user.last_text
    assert "“Leave empty” removes this answer." in user.last_text
    assert await harness.db.fetch_value(
        "SELECT position FROM profiles WHERE user_id = 1001") == "Major"
    await user.press("Keep")
    assert await harness.db.fetch_value(
        "SELECT position FROM profiles WHERE user_id = 1001") == "Major"
    await user.press("« Back")
    await user.press("Leave empty")
    assert await harness.db.fetch_value(
        "SELECT position FROM profiles WHERE user_id = 1001") is None
    assert "How many years have you served?" in user.last_text
    await user.send("7")
    assert "Leave empty" not in user.last.button_labels()  # a required question: no way out


@pytest.mark.parametrize("locale", LOCALES)
async def test_after_cancel_old_buttons_are_stale_and_typing_says_what_to_do(
        harness: BotHarness, locale: str) -> None:
    user = harness.user(1001, "Aigul", language_code=locale)
    await start_and_accept(harness, user, locale)
    await user.send("Aigul Bekova")
    await user.press(ref_label(harness, "country", "KG", locale))
    wizard = user.last
    old = buttons_of(wizard)
    assert len(old) >= 7  # the agencies, Back, Keep
    await user.send("/cancel")
    before = await profile_state(harness, 1001)
    user.new_messages()
    for data in old:
        answer = await user.press_data(data, wizard)
        assert answer is not None and answer["text"] == t(harness, locale, EARLIER)
    assert user.new_messages() == []
    assert await profile_state(harness, 1001) == before
    await user.send(ref_label(harness, "agency", "police", locale))
    assert user.last_text == t(harness, locale, "Send /start to continue your profile.")
    await user.send_photo()
    assert user.last_text == t(harness, locale, "Send /start to continue your profile.")
    assert await profile_state(harness, 1001) == before
    await user.send("/start")
    assert user.last_text.startswith(t(harness, locale, "Let's continue where you stopped."))
    assert header(harness, locale, 3, "Agency") in user.last_text
    await user.press(ref_label(harness, "agency", "police", locale))
    assert await harness.db.fetch_value(
        "SELECT agency_code FROM profiles WHERE user_id = 1001") == "police"


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_country_change_asks_first(harness: BotHarness, locale: str) -> None:
    kz = await seed_member(harness, 500, "KZ", coordinator=True, locale="en")
    kg = await seed_member(harness, 501, "KG", coordinator=True, locale="en")
    member = await seed_member(harness, 601, "KZ", locale=locale, name="Moving Member")
    await member.send("/profile")
    await member.press(t(harness, locale, "Edit country"))
    await member.press(ref_label(harness, "country", "KG", locale))
    question = t(harness, locale,
                 "Change your country to {new_country}? Your profile goes back to review by "
                 "the coordinator of {new_country}, and until then member features are paused "
                 "(you leave the chats of {old_country}).",
                 new_country=ref_label(harness, "country", "KG", locale),
                 old_country=ref_label(harness, "country", "KZ", locale))
    assert member.last_text == question
    before = await profile_state(harness, 601)
    kg.new_messages()
    await member.press(t(harness, locale, "Keep"))  # nothing changes
    assert await profile_state(harness, 601) == before
    assert kg.new_messages() == []
    assert t(harness, locale, "Your profile") in member.last_text
    await member.press(t(harness, locale, "Edit country"))
    await member.press(ref_label(harness, "country", "KG", locale))
    await member.press(t(harness, locale, "Confirm"))
    row = await harness.db.fetch_one("SELECT status, country_code FROM profiles "
                                     "WHERE user_id = 601")
    assert (row["status"], row["country_code"]) == ("pending", "KG")
    status = t(harness, locale, "Status: {status}", status=t(harness, locale, "under review"))
    assert status in member.last_text  # her real new status, not "member"
    assert t(harness, locale, "Status: {status}",
             status=t(harness, locale, "member")) not in member.last_text
    assert "Moving Member" in kg.last_text and "New application" in kg.last_text
    assert not any("Moving Member" in (m.text or "") for m in kz.new_messages())
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'change_country'") == 1


async def test_a_waiting_application_moves_after_confirmation(harness: BotHarness) -> None:
    kg = await seed_member(harness, 501, "KG", coordinator=True)
    uz = await seed_member(harness, 502, "UZ", coordinator=True)
    applicant = await seed_member(harness, 601, "KG", status="pending", name="Waiting One")
    await applicant.send("/profile")
    await applicant.press("Edit country")
    await applicant.press("Uzbekistan")
    assert applicant.last_text == ("Change your country to Uzbekistan? Your application goes "
                                   "to the coordinator of Uzbekistan instead.")
    await applicant.press("Confirm")
    assert await harness.db.fetch_value(
        "SELECT country_code FROM profiles WHERE user_id = 601") == "UZ"
    assert "Waiting One" in uz.last_text
    assert "Status: under review" in applicant.last_text
    _ = kg


async def test_the_wizard_survives_a_restart(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul", language_code="ky")
    await start_and_accept(harness, user, "ky")
    await user.send("Айгүл Бекова")
    await user.press(ref_label(harness, "country", "KG", "ky"))
    live = user.last
    await harness.restart()
    await user.press(ref_label(harness, "agency", "police", "ky"), live)
    assert await harness.db.fetch_value(
        "SELECT agency_code FROM profiles WHERE user_id = 1001") == "police"
    assert user.last is live and header(harness, "ky", 4, "Position or rank") in live.text
    await harness.restart()
    await user.send("Майор")  # a typed answer after a restart counts too
    assert await harness.db.fetch_value(
        "SELECT position FROM profiles WHERE user_id = 1001") == "Майор"


async def test_summary_edit_of_agency_asks_its_name_then_returns(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul", language_code="en")
    await start_and_accept(harness, user, "en")
    await fill_profile(harness, user, "en")
    await user.press("Edit agency")
    assert "Changing your answer · Agency" in user.last_text
    await user.press("Other")
    assert "Please type the name of your agency." in user.last_text
    await user.send("Financial police")
    assert user.last_text.startswith("Please check your profile before you send it:")
    assert "Financial police" in user.last_text
    await user.press("Edit years")
    await user.press("« Back")  # Back from an edit: the summary again, nothing changed
    assert user.last_text.startswith("Please check your profile before you send it:")
    assert await harness.db.fetch_value(
        "SELECT years_of_service FROM profiles WHERE user_id = 1001") == 12


class Recorder:
    """Every keyboard she was shown, message by message (edits replace keyboards)."""

    def __init__(self, user: UserHandle) -> None:
        self.user = user
        self.seen: dict[int, set[str]] = {}

    def snap(self) -> None:
        for message in self.user.bot_messages:
            raw = (message.raw.get("reply_markup") or {}).get("inline_keyboard", [])
            data = {b["callback_data"] for row in raw for b in row if "callback_data" in b}
            self.seen.setdefault(message.message_id, set()).update(data | set(
                buttons_of(message)))

    async def send(self, text: str) -> None:
        await self.user.send(text)
        self.snap()

    async def press(self, label: str) -> None:
        await self.user.press(label)
        self.snap()


@pytest.mark.parametrize("locale", LOCALES)
async def test_every_earlier_button_is_stale_after_she_applied(harness: BotHarness,
                                                               locale: str) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    user = harness.user(1001, "Aigul", language_code=locale)
    rec = Recorder(user)
    await rec.send("/start")
    await rec.press(LANGUAGE_NAMES[locale])
    await rec.press(t(harness, locale, "I agree"))
    await rec.send("Aigul Bekova")
    await rec.press(t(harness, locale, "« Back"))
    await rec.press(t(harness, locale, "Keep"))
    await rec.press(ref_label(harness, "country", "KG", locale))
    await rec.press(ref_label(harness, "agency", "border_guard", locale))
    await rec.send("Major")
    await rec.send("12")
    await rec.press(ref_label(harness, "expertise", "cybercrime", locale))
    await rec.press(t(harness, locale, "Done"))
    await rec.press(ref_label(harness, "language", "ky", locale))
    await rec.press(t(harness, locale, "Done"))
    await rec.press(t(harness, locale, "Leave empty"))
    await rec.press(t(harness, locale, "Done"))
    await rec.press(t(harness, locale, "Edit name"))
    await rec.send("Aigul N. Bekova")
    await rec.press(t(harness, locale, "Send application"))
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    assert [m for m in user.bot_messages if m.buttons()] == []  # no keyboard is left
    before = await profile_state(harness, 1001)
    cards = len(coordinator.bot_messages)
    user.new_messages()
    pressed = 0
    for message_id, datas in rec.seen.items():
        message = next(m for m in user.chat.messages if m.message_id == message_id)
        for data in sorted(datas):
            answer = await user.press_data(data, message)
            pressed += 1
            assert answer is not None and answer["text"] == t(harness, locale, EARLIER), data
    assert pressed > 30
    assert user.new_messages() == []
    assert await profile_state(harness, 1001) == before
    assert len(coordinator.bot_messages) == cards


async def test_confirm_and_send_work_once_when_pressed_twice(harness: BotHarness) -> None:
    kg = await seed_member(harness, 501, "KG", coordinator=True)
    member = await seed_member(harness, 601, "KZ", name="Moving Member")
    await member.send("/profile")
    await member.press("Edit country")
    await member.press("Kyrgyzstan")
    confirm = member.last
    await asyncio.gather(member.press("Confirm", confirm), member.press("Confirm", confirm))
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'change_country'") == 1
    assert len([m for m in kg.bot_messages if "Moving Member" in (m.text or "")]) == 1

    applicant = harness.user(1001, "Aigul", language_code="en")
    await start_and_accept(harness, applicant, "en")
    await fill_profile(harness, applicant, "en")
    summary = applicant.last
    await asyncio.gather(applicant.press("Send application", summary),
                         applicant.press("Send application", summary))
    assert len([m for m in kg.bot_messages if "Aigul Bekova" in (m.text or "")]) == 1
    thanks = [m for m in applicant.bot_messages if (m.text or "").startswith("Thank you!")]
    assert len(thanks) == 1


async def test_typed_text_cannot_pose_as_a_button_press(harness: BotHarness) -> None:
    from aiogram_dialog.utils import encode_reply_callback

    user = harness.user(1001, "Aigul", language_code="en")
    await start_and_accept(harness, user, "en")
    await user.send("Aigul Bekova")
    live = user.last
    intent = buttons_of(live)[0].split("\x1d")[0]
    sorry = "Sorry, something went wrong on our side. Please try again in a moment."
    for text in ("Kazakhstan" + encode_reply_callback(intent + "\x1dpick:KZ"),
                 "hello" + encode_reply_callback("l1:uz"), "hello\u200c", "\u2060\u2061\u2062"):
        await user.send(text)
        assert sorry not in user.all_texts()
    row = await harness.db.fetch_one("SELECT country_code FROM profiles WHERE user_id = 1001")
    assert row["country_code"] is None
    assert await harness.db.fetch_value("SELECT locale FROM users WHERE id = 1001") == "en"
    assert "⚠️ Please use the buttons below." in user.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_member_edits_one_answer_and_comes_back_to_her_profile(
        harness: BotHarness, locale: str) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="en")
    member = await seed_member(harness, 601, "KZ", locale=locale, name="Old Name", years=10)
    await member.send("/profile")
    profile_message = member.last
    await member.press(t(harness, locale, "Edit years"))
    assert member.last is profile_message  # the same message, now asking
    assert t(harness, locale, "Changing your answer · {field}",
             field=t(harness, locale, "Years of service")) in member.last_text
    assert t(harness, locale, "Your answer: {answer}", answer="10") in member.last_text
    await member.press(t(harness, locale, "Keep"))  # back to her profile, nothing changed
    assert t(harness, locale, "Your profile") in member.last_text
    await member.press(t(harness, locale, "Edit name"))
    await member.send("New Name")
    assert member.last_text.startswith(t(harness, locale, "Saved."))
    assert "New Name" in member.last_text
    assert t(harness, locale, "Status: {status}", status=t(harness, locale, "member")) \
        in member.last_text
    assert [m for m in member.bot_messages if m.buttons()] == [member.last]
    assert "Old Name" in coordinator.last_text and "New Name" in coordinator.last_text
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601") == "approved"


async def test_an_edit_that_changes_nothing_sends_reviewers_no_new_card(
        harness: BotHarness) -> None:
    """Second trial: Keep (or Done with nothing toggled) on a waiting application withdrew
    every reviewer's card and sent a new one."""
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ru")
    applicant = harness.user(1001, "Aigul", language_code="ky")
    await start_and_accept(harness, applicant, "ky")
    await fill_profile(harness, applicant, "ky")
    await applicant.press(t(harness, "ky", "Send application"))
    card = coordinator.last
    before = len(coordinator.bot_messages)
    await applicant.send("/profile")
    await applicant.press(t(harness, "ky", "Edit name"))
    await applicant.press(t(harness, "ky", "Keep"))
    await applicant.press(t(harness, "ky", "Edit languages"))
    await applicant.press(t(harness, "ky", "Done"))
    assert len(coordinator.bot_messages) == before
    assert t(harness, "ru", "Approve") in card.button_labels()  # her card still decides
    await applicant.press(t(harness, "ky", "Edit name"))
    await applicant.send("Aigul Toktosunova")
    assert len(coordinator.bot_messages) == before + 1  # a real change: a new card
    assert "Aigul Toktosunova" in coordinator.last_text


@pytest.mark.parametrize("locale", ["ru", "ky"])
async def test_typing_the_answer_on_her_profile_reaches_the_coordinator(
        harness: BotHarness, locale: str) -> None:
    """Second trial: /profile says "type your answer here", but the text was refused."""
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ru")
    applicant = harness.user(1001, "Aigul", language_code=locale)
    await start_and_accept(harness, applicant, locale)
    await fill_profile(harness, applicant, locale)
    await applicant.press(t(harness, locale, "Send application"))
    await coordinator.press(t(harness, "ru", "Ask for more information"))
    await coordinator.send("Which unit do you serve in?")
    await applicant.send("/profile")
    assert t(harness, locale, "Type your answer in a message here, or edit your profile and "
             "send it again.") in applicant.last_text
    await applicant.send("The Osh border unit")
    assert applicant.last_text.startswith(
        t(harness, locale, "Send this to the coordinator as your answer?"))
    await applicant.press(t(harness, locale, "Send answer"))
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    assert "The Osh border unit" in coordinator.last_text
