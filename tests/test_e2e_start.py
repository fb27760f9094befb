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
