"""The real bot (``create_dispatcher``, as ``python -m bot`` does) polling an emulator in this
event loop, with a clock somebody else moves: the tests' harness and the sandbox share it."""

from __future__ import annotations

import asyncio
import time

from aiogram import Bot, Dispatcher

from bot.app import App, create_bot, create_dispatcher, open_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.services.delivery import FakePacer
from sandbox.emulator.server import TelegramEmulator, UserHandle


class BotRunner:
    """The bot polling the emulator in this event loop; time moves only when told."""

    def __init__(self, emulator: TelegramEmulator, settings: Settings, clock: FakeClock) -> None:
        self.emu = emulator
        self.settings = settings
        self.clock = clock
        if emulator.clock is time.time:  # one time for the world: what expires, expires for both
            emulator.clock = lambda: clock.now().timestamp()
        self.app: App | None = None
        self.dp: Dispatcher | None = None
        self.bot: Bot | None = None
        self._task: asyncio.Task[None] | None = None
        self.pacer = FakePacer()  # the delivery engine keeps its limits in fake time

    async def start(self) -> BotRunner:
        self.app = await open_app(self.settings, self.clock, start_scheduler=False,
                                  pacer=self.pacer)
        self.dp = create_dispatcher(self.app)
        self.bot = create_bot(self.settings)
        self.emu.polling.clear()
        self.emu.track_processing(self.app.in_flight.add_listener)
        self._task = asyncio.create_task(
            self.dp.start_polling(self.bot, handle_signals=False, polling_timeout=5)
        )
        await asyncio.wait_for(self.emu.polling.wait(), timeout=10)
        return self

    async def stop(self) -> None:
        if self._task is None:
            return
        assert self.dp is not None and self.app is not None
        await self.dp.stop_polling()
        await asyncio.wait_for(self._task, timeout=10)
        self._task = None
        await self.app.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def deliver(self) -> int:
        """Run the delivery engine until nothing is due (what its background task does)."""
        assert self.app is not None and self.app.sender is not None
        return await self.app.delivery.drain(self.app.sender)

    async def tick(self) -> list[str]:
        """One scheduler tick at the fake clock's time (what APScheduler does every minute)."""
        assert self.app is not None
        return await self.app.jobs.tick()

    @property
    def db(self):  # type: ignore[no-untyped-def]
        assert self.app is not None
        return self.app.db

    def user(self, user_id: int, first_name: str = "Aigul", **kwargs: object) -> UserHandle:
        return self.emu.user(user_id, first_name, **kwargs)  # type: ignore[arg-type]
