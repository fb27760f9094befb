"""Shared by the benchmarks: when each user got her first reply, and nearest-rank percentiles."""

from __future__ import annotations

import asyncio
import math
import time
from types import TracebackType

from tests.emulator.server import SentMessage, TelegramEmulator, UserHandle


class FirstReplies:
    """Watches the emulator for the bot's first message to each of ``users`` (``with``)."""

    def __init__(self, emu: TelegramEmulator, users: list[UserHandle]) -> None:
        self._emu = emu
        self._expected = len(users)
        self.pushed: dict[int, float] = {}
        self.replied: dict[int, float] = {}
        self.all_replied = asyncio.Event()

    def _on_bot_message(self, msg: SentMessage) -> None:
        if msg.chat_id in self.pushed and msg.chat_id not in self.replied:
            self.replied[msg.chat_id] = time.perf_counter()
            if len(self.replied) == self._expected:
                self.all_replied.set()

    async def send_start(self, user: UserHandle) -> None:
        """She sends /start now (the update is queued; the reply is timed from here)."""
        self.pushed[user.id] = time.perf_counter()
        await user.send("/start", wait=False)

    def latencies(self) -> list[float]:
        return [self.replied[user_id] - self.pushed[user_id] for user_id in self.pushed]

    def __enter__(self) -> FirstReplies:
        self._emu.on_bot_message.append(self._on_bot_message)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._emu.on_bot_message.remove(self._on_bot_message)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
