"""End-to-end: every wizard step tried with bad input gets a clear reason and the step again,
in the same message (the conversation standard: one message, not two)."""

from __future__ import annotations

from tests.emulator.server import UserHandle
from tests.flows import start_and_accept
from tests.harness import BotHarness

QUESTIONS = {
    "name": "What is your full name?",
    "country": "Which country do you serve in?",
    "agency": "Which agency do you work for?",
    "agency_other": "Please type the name of your agency.",
    "position": "What is your position or rank? (optional)",
    "years": "How many years have you served? Send a number from 0 to 45.",
    "expertise": "Choose your areas of expertise (one or more), then press Done.",
    "languages": "Which languages do you speak? Choose one or more, then press Done.",
    "bio": "Tell other members a little about yourself (optional, up to 500 characters).",
}
EMPTY = "The answer is empty. Please type it in a message."
NO_LETTERS = "Please use words: numbers or emoji alone are not accepted here."
NOT_TEXT = "Please answer with a text message."
USE_BUTTONS = "Please use the buttons below."


def too_long(limit: int) -> str:
    return f"That is too long: please keep it under {limit} characters."


async def expect(user: UserHandle, error: str, step: str) -> None:
    """The live message was edited to give the reason and ask again; nothing new was sent."""
    messages = user.new_messages()
    assert messages == [], [m.text for m in messages]
    assert "⚠️ " + error in user.last_text and QUESTIONS[step] in user.last_text, user.last_text


def earlier_buttons(user: UserHandle) -> list[str]:
    """The callback data of every keyboard the bot sent before its live message."""
    data = []
    for message in user.bot_messages[:-1]:
        markup = message.raw.get("reply_markup") or {}
        data += [b["callback_data"] for row in markup.get("inline_keyboard", [])
                 for b in row if "callback_data" in b]
    return data


async def try_text_step(user: UserHandle, step: str, limit: int) -> None:
    user.new_messages()
    await user.send("   ")
    await expect(user, EMPTY, step)
    await user.send("x" * 5000)
    await expect(user, too_long(limit), step)
    await user.send("🌷🌷🌷")
    await expect(user, NO_LETTERS, step)
    await user.send_photo()
    await expect(user, NOT_TEXT, step)
    await user.send_sticker()
    await expect(user, NOT_TEXT, step)
    await user.send_contact()
    await expect(user, NOT_TEXT, step)


async def try_button_step(user: UserHandle, step: str) -> None:
    user.new_messages()
    await user.send("Kazakhstan")
    await expect(user, USE_BUTTONS, step)
    await user.send_sticker()
    await expect(user, USE_BUTTONS, step)


async def press_old_buttons(user: UserHandle, current: str) -> None:
    user.new_messages()
    live = user.last_text
    old = earlier_buttons(user)
    assert old  # the privacy notice's, at least
    for data in old:
        answer = await user.press_data(data, user.bot_messages[0])
        assert answer is not None and answer["text"] in (
            "This button is from an earlier message.", "This button is no longer valid.")
    assert user.new_messages() == []  # the open question stays where it is
    assert user.last_text == live and QUESTIONS[current] in live


async def test_bad_input_at_every_step_keeps_earlier_answers(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul", language_code="en")
    await start_and_accept(harness, user, "en")

    async def saved() -> dict:  # type: ignore[type-arg]
        row = await harness.db.fetch_one("SELECT * FROM profiles WHERE user_id = 1001")
        return dict(row)

    await try_text_step(user, "name", 100)
    await user.send("12345")
    await expect(user, NO_LETTERS, "name")
    await user.send("<b>Aigul</b> ' OR 1=1; DROP TABLE profiles; --")
    assert (await saved())["full_name"] == "<b>Aigul</b> ' OR 1=1; DROP TABLE profiles; --"

    await try_button_step(user, "country")
    await press_old_buttons(user, "country")
    await user.press("Kazakhstan")

    await try_button_step(user, "agency")
    await user.press("Other")

    await try_text_step(user, "agency_other", 100)
    await user.send("Financial police <i>unit</i>")

    await try_text_step(user, "position", 100)
    await user.send("Major")

    user.new_messages()
    for bad in ("   ", "twelve", "<b>5</b>", "-3", "1e3", "15 apples"):
        await user.send(bad)
        assert user.new_messages() == []
        assert any("⚠️ " + reason in user.last_text for reason in (
            EMPTY, "Please send a whole number of years, for example 12."))
    await user.send("46")
    await expect(user, "Please send a number from 0 to 45.", "years")
    await user.send_photo()
    await expect(user, NOT_TEXT, "years")
    await user.send(" 0 years ")

    await try_button_step(user, "expertise")
    user.new_messages()
    answer = await user.press("Done")
    assert answer is not None and answer["text"] == "Please choose at least one."
    await user.press("Forensics")
    await user.press("Done")

    await try_button_step(user, "languages")
    await user.press("Russian")
    await user.press("Done")

    await try_text_step(user, "bio", 500)
    await user.send("x " * 249 + "end")  # 501 characters
    await expect(user, too_long(500), "bio")
    await user.send("Twenty years at the border & <script>alert(1)</script>")

    row = await saved()
    assert (row["full_name"], row["country_code"], row["agency_code"], row["agency_other"],
            row["position"], row["years_of_service"]) == (
        "<b>Aigul</b> ' OR 1=1; DROP TABLE profiles; --", "KZ", "other",
        "Financial police <i>unit</i>", "Major", 0)
    assert row["bio"] == "Twenty years at the border & <script>alert(1)</script>"
    await user.press("Done")  # visibility
    summary = user.last_text
    assert "<b>Aigul</b> ' OR 1=1; DROP TABLE profiles; --" in summary  # shown, not interpreted
    assert "Financial police <i>unit</i>" in summary
    assert "<script>alert(1)</script>" in summary


async def test_back_returns_to_the_previous_step_with_the_answer_kept(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul")
    await start_and_accept(harness, user, "en")
    await user.send("Aigul Bekova")
    await user.press("Kyrgyzstan")
    await user.press("« Back")
    assert QUESTIONS["country"] in user.last_text
    assert "Your answer: Kyrgyzstan" in user.last_text
    assert "✓ Kyrgyzstan" in user.last.button_labels()
    await user.press("« Back")
    assert QUESTIONS["name"] in user.last_text
    assert "Your answer: Aigul Bekova" in user.last_text
    assert (await harness.db.fetch_value(
        "SELECT full_name FROM profiles WHERE user_id = 1001")) == "Aigul Bekova"


async def test_cancel_then_start_resumes_where_she_stopped(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul")
    await start_and_accept(harness, user, "en")
    await user.send("Aigul Bekova")
    await user.press("Kyrgyzstan")
    await user.send("/cancel")
    assert user.last_text.startswith("Cancelled.")
    await user.send("Police")  # not taken as an answer any more, and she is told what to do
    assert user.last_text == "Send /start to continue your profile."
    await harness.restart()  # even a restart loses nothing
    await user.send("/start")
    assert user.last_text.startswith("Let's continue where you stopped.")
    assert QUESTIONS["agency"] in user.last_text
    await user.press("Police")
    assert QUESTIONS["position"] in user.last_text


async def test_decline_privacy_keeps_only_her_language(harness: BotHarness) -> None:
    user = harness.user(1001, "Aigul", language_code="ru")
    await user.send("/start")
    await user.press("English")
    await user.press("I do not agree")
    assert (await harness.db.fetch_value("SELECT COUNT(*) FROM profiles")) == 0
    row = await harness.db.fetch_one("SELECT * FROM users WHERE id = 1001")
    assert row["locale"] == "en"
    await user.send("/start")
    assert user.last.button_labels() == ["I agree", "I do not agree"]


async def test_summary_edit_returns_to_summary(harness: BotHarness) -> None:
    from tests.flows import fill_profile

    user = harness.user(1001, "Aigul")
    await start_and_accept(harness, user, "en")
    await fill_profile(harness, user, "en")
    await user.press("Edit name")
    assert QUESTIONS["name"] in user.last_text
    assert "Your answer: Aigul Bekova" in user.last_text
    await user.send("Aigul Nurlanovna Bekova")
    assert user.last_text.startswith("Please check your profile before you send it:")
    assert "Aigul Nurlanovna Bekova" in user.last_text
