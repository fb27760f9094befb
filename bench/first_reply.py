"""First-reply latency under a burst: N new users send /start at the same moment.

Latency is measured per user, from pushing her update into the emulator to the bot's first
message to her chat arriving at the emulator (``TelegramEmulator.on_bot_message``). It is
measured for our bot (``python -m bot`` on a fresh temporary database) and, in the same run,
for a bare aiogram echo bot started the same way (its own process, long polling the same
emulator), so the ratio between the two shows what our handlers, middleware and database
cost on top of aiogram. The emulator stays in this process, off the bots' event loops.

    python bench/first_reply.py            # 500 users
    python bench/first_reply.py --quick    # 100 users
    python bench/first_reply.py --users 1000
    python bench/first_reply.py --without inline_filters   # weigh a tweak of bot/speed.py

The bots alternate for several rounds and the medians are reported. The last line is
machine-readable:
``first_reply: users=500 rounds=5 p50_ms=… p99_ms=… echo_p50_ms=… echo_p99_ms=… p99_ratio=…``
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import asyncio
import gc
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere


from bench.replies import FirstReplies, percentile  # noqa: E402
from tests.emulator.server import TelegramEmulator  # noqa: E402

WARM_UP_USERS = 10
REPLY_TIMEOUT = 300.0

ECHO_BOT = """
import asyncio, os
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

dp = Dispatcher()

@dp.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "?")

async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["BOT_API_URL"]))
    await dp.start_polling(Bot(os.environ["BOT_TOKEN"], session=session))

asyncio.run(main())
"""


@asynccontextmanager
async def process(emu: TelegramEmulator, args: list[str], env: dict[str, str]
                  ) -> AsyncIterator[None]:
    """A bot in its own process, as it runs in production, polling the emulator.

    Running both bots as processes keeps the emulator's own work (it validates every
    request) off the bot's event loop, so the figures are the bot's, not the emulator's.
    """
    emu.polling.clear()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await asyncio.wait_for(emu.polling.wait(), timeout=60)
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


TWEAKS_OFF = ""  # --without: tweaks of bot/speed.py turned off in our bot


def bot_env(emu: TelegramEmulator, tmp: str) -> dict[str, str]:
    return {
        "BOT_SPEED_TWEAKS_OFF": TWEAKS_OFF,
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": emu.token,
        "BOT_API_URL": emu.base_url,
        "DATABASE_PATH": str(Path(tmp) / "bot.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }


@asynccontextmanager
async def our_bot(emu: TelegramEmulator) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        async with process(emu, ["-m", "bot"], bot_env(emu, tmp)):
            yield


@asynccontextmanager
async def echo_bot(emu: TelegramEmulator) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        async with process(emu, ["-c", ECHO_BOT], bot_env(emu, tmp)):
            yield


async def burst(emu: TelegramEmulator, first_user_id: int, users: int) -> list[float]:
    """Every user sends /start at once; returns each one's first-reply latency in seconds."""
    handles = [emu.user(first_user_id + n, f"User{n}", language_code="en") for n in range(users)]
    with FirstReplies(emu, handles) as replies:
        # push_update(wait=False) does not yield to the event loop: all of them are queued
        # before the bot gets to run at all.
        for user in handles:
            await replies.send_start(user)
        await asyncio.wait_for(replies.all_replied.wait(), timeout=REPLY_TIMEOUT)
    return replies.latencies()


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


async def main(users: int, rounds: int) -> str:
    """Alternate the two bots ``rounds`` times and keep the median of each figure: a single
    burst on a shared two-core machine varies by tens of percent from run to run."""
    emu = TelegramEmulator()
    await emu.start()
    ours: list[tuple[float, float, float]] = []
    echo: list[tuple[float, float, float]] = []
    try:
        for number in range(rounds):
            base = 10_000_000 * (number + 1)
            ours.append(await measure(emu, our_bot, base, users))
            echo.append(await measure(emu, echo_bot, base + 5_000_000, users))
            print(f"round {number + 1}: ours p50={ours[-1][0]:.1f} p99={ours[-1][1]:.1f} ms; "
                  f"echo p50={echo[-1][0]:.1f} p99={echo[-1][1]:.1f} ms", flush=True)
        if emu.violations:
            raise SystemExit(f"Bot API schema violations: {emu.violations[:3]}")
    finally:
        await emu.stop()
    p50, p99 = (statistics.median(r[k] for r in ours) for k in (0, 1))
    echo_p50, echo_p99 = (statistics.median(r[k] for r in echo) for k in (0, 1))
    ratio = p99 / echo_p99
    print(f"median of {rounds} rounds: ours p50={p50:.1f} p99={p99:.1f} ms; "
          f"echo p50={echo_p50:.1f} p99={echo_p99:.1f} ms; p99 ratio {ratio:.2f}")
    without = f" without={TWEAKS_OFF}" if TWEAKS_OFF else ""
    return (f"first_reply: users={users} rounds={rounds}{without} p50_ms={p50:.1f} "
            f"p99_ms={p99:.1f} echo_p50_ms={echo_p50:.1f} echo_p99_ms={echo_p99:.1f} p99_ratio={ratio:.2f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 users instead of 500")
    parser.add_argument("--users", type=int, help="number of users in the burst")
    parser.add_argument("--rounds", type=int, help="bursts per bot (median is reported)")
    parser.add_argument("--without", default="", metavar="TWEAK[,TWEAK]",
                        help="run our bot with these tweaks of bot/speed.py turned off")
    args = parser.parse_args()
    global TWEAKS_OFF
    from bot.speed import TWEAKS
    unknown = {t for t in args.without.split(",") if t} - TWEAKS
    if unknown:
        parser.error(f"unknown tweaks {sorted(unknown)}; known: {sorted(TWEAKS)}")
    TWEAKS_OFF = args.without
    users = args.users or (100 if args.quick else 500)
    print(asyncio.run(main(users, args.rounds or (2 if args.quick else 5))))


if __name__ == "__main__":
    cli()
