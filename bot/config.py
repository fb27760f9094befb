"""Settings from the environment (and an optional ``.env``), validated once at start-up.

A wrong setting must stop the bot with one clear line naming the variable, never a traceback,
so ``load_settings`` turns pydantic's errors into :class:`SettingsError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LOCALES: tuple[str, ...] = ("ru", "en", "kk", "ky", "tg", "tk", "uz")
TELEGRAM_API_URL = "https://api.telegram.org"
SANDBOX_COMMAND = "python3 tasks.py demo"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    bot_api_url: str = TELEGRAM_API_URL
    database_path: Path = Path("data/bot.sqlite3")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: str = "ru"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    delivery_rate: float = Field(default=30.0, gt=0, le=1000)
    reconcile_auto_remove: bool = False
    mentor_round_days: int = Field(default=7, ge=1, le=90)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        bot_id, sep, secret = token.partition(":")
        if not sep or not bot_id.isdigit() or not secret:
            raise ValueError("must look like 123456:ABC-DEF…")
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.lstrip("-").isdigit() for part in parts):
                raise ValueError("must be comma-separated Telegram user ids")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        if self.webhook_url and not self.webhook_url.startswith("https://"):
            raise ValueError("WEBHOOK_URL must start with https://")
        return self

    @property
    def use_webhook(self) -> bool:
        return bool(self.webhook_url)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise :class:`SettingsError` with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        location = "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing" and location == "BOT_TOKEN":
            raise SettingsError(f"{location} is required but not set; to try the bot without "
                                f"a token, run the browser sandbox: {SANDBOX_COMMAND}") from None
        if error["type"] == "missing":
            raise SettingsError(f"{location} is required but not set") from None
        if not location:
            raise SettingsError(message) from None
        raise SettingsError(f"{location} is invalid: {message}") from None
