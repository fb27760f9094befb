"""Fixtures: the emulator (failing the test on any schema violation) and the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.db import Database, apply_migrations
from tests.emulator.server import TelegramEmulator
from tests.harness import BotHarness, make_settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator()
    await emu.start()
    yield emu
    await emu.stop()
    assert emu.violations == [], "the bot sent requests that break the Bot API schema"


@pytest.fixture
async def harness(emulator: TelegramEmulator, tmp_path: Path, clock: FakeClock
                  ) -> AsyncIterator[BotHarness]:
    running = BotHarness(emulator, make_settings(emulator, tmp_path / "bot.sqlite3"), clock)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "unit.sqlite3")
    await apply_migrations(database)
    yield database
    await database.close()
