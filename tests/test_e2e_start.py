"""End-to-end: /start, the language picker, /language, /help and /cancel through the emulator."""

from __future__ import annotations

from tests.harness import BotHarness


async def test_first_start_offers_languages_preselecting_telegram_guess(harness: BotHarness) -> None:
    user = harness.user(1001, language_code="kk")
    await user.send("/start")
    labels = user.last.button_labels()
    assert "✓ Қазақша" in labels
    assert {"Русский", "English", "Кыргызча", "Тоҷикӣ", "Türkmençe", "Oʻzbekcha"} <= set(labels)


async def test_language_choice_is_stored(harness: BotHarness) -> None:
    user = harness.user(1002, language_code="en")
    await user.send("/start")
    await user.press("Русский")
    row = await harness.db.fetch_one("SELECT locale FROM users WHERE id = ?", (1002,))
    assert row["locale"] == "ru"


import pytest  # noqa: E402

from bot.config import SUPPORTED_LOCALES  # noqa: E402
from tests.emulator.server import Fault  # noqa: E402
from tests.flows import seed_member, t  # noqa: E402
from tests.harness import ADMIN_ID  # noqa: E402

THREE = ("ru", "en", "kk")


async def test_command_menus_are_set_per_language(harness: BotHarness) -> None:
    for locale in SUPPORTED_LOCALES:
        commands = harness.emu.commands[("all_private_chats", locale)]
        # Everyone's default is what a newcomer may do; members get theirs per chat.
        assert [c["command"] for c in commands][:3] == ["start", "profile", "language"]
        assert "members" not in [c["command"] for c in commands]
        assert commands[0]["description"] == t(harness, locale, "Begin or continue")
    assert ("all_private_chats", "") in harness.emu.commands


@pytest.mark.parametrize("locale", THREE)
async def test_help_lists_what_she_may_do_by_role(harness: BotHarness, locale: str) -> None:
    applicant = harness.user(1001, language_code=locale)
    await applicant.send("/start")
    await applicant.press({"ru": "Русский", "en": "English", "kk": "Қазақша"}[locale])
    await applicant.send("/help")
    text = applicant.last_text
    assert t(harness, locale, "/mydata — get everything stored about you as a file") in text
    assert t(harness, locale, "/members — find colleagues in the directory") not in text
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale=locale)
    await coordinator.send("/help")
    assert t(harness, locale, "/pending — applications waiting for your decision") \
        in coordinator.last_text
    assert t(harness, locale, "/audit — the log of privileged actions") not in coordinator.last_text
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale=locale)
    await admin.send("/help")
    assert t(harness, locale, "/audit — the log of privileged actions") in admin.last_text


@pytest.mark.parametrize("locale", THREE)
async def test_cancel_unknown_commands_and_stray_messages(harness: BotHarness,
                                                          locale: str) -> None:
    user = harness.user(1001, language_code=locale)
    await user.send("/start")
    await user.press({"ru": "Русский", "en": "English", "kk": "Қазақша"}[locale])
    await user.send("/cancel")
    assert user.last_text == t(harness, locale,
                               "There is nothing to cancel. /help lists what you can do.")
    await user.send("/frobnicate")
    unknown = t(harness, locale, "I don't know this command. /help lists what you can do.")
    assert user.last_text == unknown
    # she is on the privacy notice: what she types gets the way on, not "I didn't understand"
    hint = t(harness, locale, "Please press “I agree” or “I do not agree” below.")
    for act in (user.send("hello?"), user.send_photo(), user.send_sticker(), user.send_contact(),
                user.send_document()):
        user.new_messages()
        await act
        assert [m.text for m in user.new_messages()] == [hint]
    await user.press(t(harness, locale, "I agree"))
    await user.send("/cancel")
    await user.send("hello?")
    assert user.last_text == t(harness, locale, "Send /start to continue your profile.")
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale=locale)
    stray = t(harness, locale, "I didn't understand that. /help lists what you can do.")
    await coordinator.send("hello?")  # a member with nothing open
    assert coordinator.last_text == stray


async def test_language_can_be_changed_any_time(harness: BotHarness) -> None:
    user = harness.user(1001, language_code="ru")
    await user.send("/start")
    await user.press("Русский")
    await user.send("/language")
    await user.press("Oʻzbekcha")
    assert await harness.db.fetch_value("SELECT locale FROM users WHERE id = 1001") == "uz"
    await user.send("/cancel")
    assert user.last_text == t(harness, "uz",
                               "There is nothing to cancel. /help lists what you can do.")


@pytest.mark.parametrize("locale", THREE)
async def test_failure_is_reported_in_her_language_and_the_bot_goes_on(
        harness: BotHarness, locale: str) -> None:
    user = harness.user(1001, language_code=locale)
    await user.send("/start")
    await user.press({"ru": "Русский", "en": "English", "kk": "Қазақша"}[locale])
    harness.emu.faults.append(Fault(error=500, method="sendMessage", chat_id=1001, times=1))
    await user.send("/help")  # the reply fails with a server error inside the handler
    assert user.last_text == t(
        harness, locale, "Sorry, something went wrong on our side. Please try again in a moment.")
    await user.send("/help")
    assert t(harness, locale, "/cancel — stop what you are doing") in user.last_text


async def test_stale_buttons_are_answered(harness: BotHarness) -> None:
    user = harness.user(1001)
    await user.send("/start")
    answer = await user.press_data("zz:garbage")
    assert answer is not None and answer["text"] == "This button is no longer valid."
    answer = await user.press_data("l1:xx")
    assert answer is not None and answer["text"] == "This button is no longer valid."


@pytest.mark.parametrize("locale", ("kk", "ky", "en"))
async def test_typing_on_the_privacy_notice_gets_its_buttons(harness: BotHarness,
                                                              locale: str) -> None:
    user = harness.user(1001, language_code=locale)
    await user.send("/start")
    await user.press({"en": "English", "kk": "Қазақша", "ky": "Кыргызча"}[locale])
    await user.press(t(harness, locale, "I do not agree"))
    user.new_messages()
    await user.send("Aigul")  # she changed her mind, and types instead of pressing /start
    hint = user.new_messages()
    assert [m.text for m in hint] == [
        t(harness, locale, "Please press “I agree” or “I do not agree” below.")]
    assert hint[0].button_labels() == [t(harness, locale, "I agree"),
                                       t(harness, locale, "I do not agree")]
    await user.press(t(harness, locale, "I agree"), hint[0])
    assert t(harness, locale, "What is your full name?") in user.last_text
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "draft"
