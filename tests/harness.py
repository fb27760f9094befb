"""Runs the real bot (``create_dispatcher``, as ``python -m bot`` does) against the emulator."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from sandbox.runner import BotRunner
from tests.emulator.server import TelegramEmulator

ADMIN_ID = 900001


def make_settings(emulator: TelegramEmulator, db_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": emulator.token,
        "bot_api_url": emulator.base_url,
        "database_path": db_path,
        "admin_ids": frozenset({ADMIN_ID}),
        "default_locale": "ru",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class BotHarness(BotRunner):
    """The bot polling the emulator in this event loop, with a clock the test moves
    (:class:`sandbox.runner.BotRunner`, which the sandbox runs too)."""
