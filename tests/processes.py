"""``python -m bot`` as its own process, for tests that need the real entry point.

Waiting on another process cannot be event-driven from the test, so :func:`eventually`
polls the emulator's state every 50 ms until a deadline.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from tests.emulator.server import TelegramEmulator

REPO = Path(__file__).resolve().parents[1]
ADMIN_ID = 900001
REPLY_TIMEOUT = 30.0
EXIT_TIMEOUT = 20.0


class BotProcess:
    """``python -m bot`` with its output in files (a pipe nobody reads would block it)."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.stdout_path = tmp_path / "bot.stdout"
        self.stderr_path = tmp_path / "bot.stderr"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.tmp_path, env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
            )
        return self

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    @property
    def returncode(self) -> int | None:
        assert self.proc is not None
        return self.proc.returncode

    async def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"the bot did not exit within {EXIT_TIMEOUT} s of SIGTERM\n{self.stderr}"
            ) from None

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def bot_env(emulator: TelegramEmulator | None, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Only what the bot needs: nothing from the developer's environment leaks in."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "TMPDIR") if key in os.environ}
    env.update(PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1",
               DATABASE_PATH=str(tmp_path / "bot.sqlite3"), ADMIN_IDS=str(ADMIN_ID),
               LOG_LEVEL="INFO")
    if emulator is not None:
        env.update(BOT_TOKEN=emulator.token, BOT_API_URL=emulator.base_url)
    env.update(extra)
    return env


async def eventually(condition: Callable[[], bool], what: str, bot: BotProcess,
                     timeout: float = REPLY_TIMEOUT) -> None:
    """Wait for another process to bring the emulator into a state (polled: see docstring)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if bot.returncode is not None:
            raise AssertionError(f"the bot exited ({bot.returncode}) while waiting for {what}"
                                 f"\n{bot.stderr}")
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{bot.stderr}")
        await asyncio.sleep(0.05)


async def seed_approved_members(db_path: Path, ids: list[int], locales: tuple[str, ...] = ("en",)
                                ) -> None:
    """A database as a running association would have it: approved members of Kazakhstan."""
    from datetime import UTC, datetime

    from bot.clock import to_db
    from bot.db import Database, apply_migrations

    db = await Database.open(db_path)
    try:
        await apply_migrations(db)
        stamp = to_db(datetime(2026, 1, 1, tzinfo=UTC))
        await db.execute_many("INSERT INTO users (id, locale, created_at, last_seen_at) "
                              "VALUES (?, ?, ?, ?)",
                              [(i, locales[i % len(locales)], stamp, stamp) for i in ids])
        await db.execute_many(
            "INSERT INTO profiles (user_id, status, full_name, country_code, agency_code, "
            "years_of_service, created_at, updated_at) "
            "VALUES (?, 'approved', 'Member', 'KZ', 'police', 5, ?, ?)",
            [(i, stamp, stamp) for i in ids])
    finally:
        await db.close()
