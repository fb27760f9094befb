"""Settings: clear one-line errors naming the variable."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "ADMIN_IDS", "DEFAULT_LOCALE", "WEBHOOK_URL", "WEBHOOK_SECRET",
                 "WEBHOOK_PORT", "BOT_API_URL", "LOG_LEVEL", "DATABASE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")  # no .env


def test_missing_token_is_named() -> None:
    with pytest.raises(SettingsError, match="^BOT_TOKEN is required"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [("ADMIN_IDS", "1,abc"), ("DEFAULT_LOCALE", "fr"), ("WEBHOOK_PORT", "99999"),
     ("BOT_API_URL", "ftp://x"), ("LOG_LEVEL", "LOUD"), ("BOT_TOKEN", "nocolon")],
)
def test_malformed_value_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value).startswith(name)
    assert "\n" not in str(info.value)


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("ADMIN_IDS", "5, 7")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.admin_ids == frozenset({5, 7})
    assert settings.bot_api_url == "http://127.0.0.1:8081"
    assert settings.default_locale == "ru"
    assert not settings.use_webhook


def test_webhook_needs_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org")
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings()
