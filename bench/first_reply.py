"""First-reply latency under a burst: N new users send /start at the same moment.

Latency is measured per user, from pushing her update into the emulator to the bot's first
message to her chat arriving at the emulator (``TelegramEmulator.on_bot_message``). It is
measured for our bot (the real ``create_dispatcher`` on a fresh temporary database, as
``python -m bot`` builds it) and, in the same run, for a bare aiogram echo bot started the
same way (same emulator, long polling, same process), so the ratio between the two shows
what our handlers, middleware and database cost on top of aiogram and the emulator.

    python bench/first_reply.py            # 500 users
    python bench/first_reply.py --quick    # 100 users
    python bench/first_reply.py --users 1000

The last line is machine-readable:
``first_reply: users=500 p50_ms=… p99_ms=… echo_p50_ms=… echo_p99_ms=… p99_ratio=…``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402

from bot.app import create_bot, create_dispatcher, open_app  # noqa: E402
from tests.emulator.server import SentMessage, TelegramEmulator  # noqa: E402
from tests.harness import make_settings  # noqa: E402

WARM_UP_USERS = 10
REPLY_TIMEOUT = 300.0

@asynccontextmanager
async def polling(emu: TelegramEmulator, dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    emu.polling.clear()
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        await asyncio.wait_for(emu.polling.wait(), timeout=30)
        yield
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, timeout=30)


@asynccontextmanager
async def our_bot(emu: TelegramEmulator) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        settings = make_settings(emu, Path(tmp) / "bot.sqlite3")
        app = await open_app(settings, start_scheduler=False)
        bot = create_bot(settings)
        try:
            async with polling(emu, create_dispatcher(app), bot):
                yield
        finally:
            await bot.session.close()
            await app.close()


@asynccontextmanager
async def echo_bot(emu: TelegramEmulator) -> AsyncIterator[None]:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    bot = Bot(token=emu.token, session=session)
    try:
        async with polling(emu, dp, bot):
            yield
    finally:
        await bot.session.close()


async def burst(emu: TelegramEmulator, first_user_id: int, users: int) -> list[float]:
    """Every user sends /start at once; returns each one's first-reply latency in seconds."""
    handles = [emu.user(first_user_id + n, f"User{n}", language_code="en") for n in range(users)]
    pushed: dict[int, float] = {}
    replied: dict[int, float] = {}
    all_replied = asyncio.Event()

    def on_bot_message(msg: SentMessage) -> None:
        if msg.chat_id in pushed and msg.chat_id not in replied:
            replied[msg.chat_id] = time.perf_counter()
            if len(replied) == users:
                all_replied.set()

    emu.on_bot_message.append(on_bot_message)
    try:
        # push_update(wait=False) does not yield to the event loop: all of them are queued
        # before the bot gets to run at all.
        for user in handles:
            pushed[user.id] = time.perf_counter()
            await user.send("/start", wait=False)
        await asyncio.wait_for(all_replied.wait(), timeout=REPLY_TIMEOUT)
    finally:
        emu.on_bot_message.remove(on_bot_message)
    return [replied[user_id] - pushed[user_id] for user_id in pushed]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def measure(emu: TelegramEmulator,
                  runner: Callable[[TelegramEmulator], AbstractAsyncContextManager[None]],
                  first_user_id: int, users: int) -> tuple[float, float, float]:
    async with runner(emu):
        await burst(emu, first_user_id, WARM_UP_USERS)  # first-call costs out of the way
        # Start each burst with a clean heap: otherwise a full collection of the garbage the
        # previous bot left lands in the next bot's burst and is charged to it.
        gc.collect()
        began = time.perf_counter()
        latencies = await burst(emu, first_user_id + WARM_UP_USERS, users)
        wall = time.perf_counter() - began
    return percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, wall


async def main(users: int) -> str:
    emu = TelegramEmulator()
    await emu.start()
    try:
        p50, p99, wall = await measure(emu, our_bot, 10_000_000, users)
        print(f"our bot:  users={users} p50={p50:.1f} ms p99={p99:.1f} ms "
              f"(all answered in {wall:.2f} s)")
        echo_p50, echo_p99, echo_wall = await measure(emu, echo_bot, 20_000_000, users)
        print(f"echo bot: users={users} p50={echo_p50:.1f} ms p99={echo_p99:.1f} ms "
              f"(all answered in {echo_wall:.2f} s)")
        if emu.violations:
            raise SystemExit(f"Bot API schema violations: {emu.violations[:3]}")
    finally:
        await emu.stop()
    ratio = p99 / echo_p99
    print(f"p99 ratio ours/echo: {ratio:.2f}")
    return (f"first_reply: users={users} p50_ms={p50:.1f} p99_ms={p99:.1f} "
            f"echo_p50_ms={echo_p50:.1f} echo_p99_ms={echo_p99:.1f} p99_ratio={ratio:.2f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 users instead of 500")
    parser.add_argument("--users", type=int, help="number of users in the burst")
    args = parser.parse_args()
    users = args.users or (100 if args.quick else 500)
    print(asyncio.run(main(users)))


if __name__ == "__main__":
    cli()
