"""Broadcast throughput against Telegram's limits, and what a naive loop achieves.

The emulator enforces a global limit (30 messages/s, then 300/s) and answers 429 beyond it.
For each limit, ``python -m bot`` (its own process, a database seeded with N approved
members, ``DELIVERY_RATE`` set to the limit) delivers one announcement to all of them through
its delivery engine, started by an administrator's /announce as in real use. The achieved
rate is measured at the emulator, from the first delivered message to the last, and divided
by the limit. Peak memory is the process's high-water mark (VmHWM). The same is done for a
naive ``for … await send(); await asyncio.sleep(0.05)`` loop in its own process, on up to
2,000 recipients (its rate does not depend on how many).

    python bench/broadcast.py            # 10,000 recipients
    python bench/broadcast.py --quick    # 300 recipients, under a minute

Last line: ``broadcast: limit=30 ratio=… naive_ratio=… limit2=300 ratio2=… naive_ratio2=…``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator.server import SentMessage, TelegramEmulator  # noqa: E402
from tests.processes import seed_approved_members  # noqa: E402

ADMIN_ID = 900001
TEXT = "Broadcast benchmark"
FIRST_MEMBER = 5_000_000

NAIVE = """
import asyncio, os, sys
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter

async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["BOT_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    for chat_id in map(int, open(sys.argv[1]).read().split()):
        while True:
            try:
                await bot.send_message(chat_id, "Broadcast benchmark")
                break
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
        await asyncio.sleep(0.05)
    print("done", flush=True)
    await asyncio.sleep(3600)  # stay alive until measured

asyncio.run(main())
"""


async def seed(db_path: Path, members: int) -> None:
    ids = [ADMIN_ID] + [FIRST_MEMBER + n for n in range(members)]
    await seed_approved_members(db_path, ids, locales=("ru", "en", "kk"))


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_for(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """Polls another process's effect on the emulator (it cannot notify us)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step timed out")
        await asyncio.sleep(0.05)


class Deliveries:
    def __init__(self, emu: TelegramEmulator, wanted: set[int]) -> None:
        self.wanted = wanted
        self.times: list[float] = []
        emu.on_bot_message.append(self)

    def __call__(self, message: SentMessage) -> None:
        if message.chat_id in self.wanted and TEXT in (message.text or ""):
            self.times.append(time.monotonic())

    def rate(self) -> float:
        span = self.times[-1] - self.times[0]
        return (len(self.times) - 1) / span if span > 0 else float("inf")


def env_for(emu: TelegramEmulator, tmp: Path, limit: float) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": emu.token, "BOT_API_URL": emu.base_url,
            "DATABASE_PATH": str(tmp / "bot.sqlite3"), "ADMIN_IDS": str(ADMIN_ID),
            "DELIVERY_RATE": str(limit), "LOG_LEVEL": "WARNING"}


async def run_ours(limit: float, members: int) -> tuple[float, float]:
    emu = TelegramEmulator()
    await emu.start()
    admin = emu.user(ADMIN_ID, "Admin")
    recipients = [emu.user(FIRST_MEMBER + n, "M") for n in range(members)]
    for user in recipients:
        user.user.started = True
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        await seed(tmp / "bot.sqlite3", members)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env_for(emu, tmp, limit),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        try:
            await wait_for(emu.polling.is_set, 60)
            await admin.send("/announce")
            await wait_for(lambda: admin.has_button("All members"), 30)
            await admin.press("All members")
            await wait_for(lambda: "Send the text" in admin.last_text, 30)
            await admin.send(TEXT)
            await wait_for(lambda: admin.has_button("Send now"), 30)
            await admin.press("Send now")  # the dialog asks first, with the number
            await wait_for(lambda: admin.has_button("Yes, send"), 30)
            emu.rate_limit = limit  # from here on, Telegram's limit applies
            deliveries = Deliveries(emu, {u.id for u in recipients})
            await admin.press("Yes, send")
            await wait_for(lambda: len(deliveries.times) >= members, members / limit * 3 + 60)
            memory = peak_memory_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
    await emu.stop()
    if emu.violations:
        raise SystemExit(f"schema violations: {emu.violations[:3]}")
    return deliveries.rate() / limit, memory


async def run_naive(limit: float, members: int) -> tuple[float, float]:
    members = min(members, 2000)
    emu = TelegramEmulator()
    await emu.start()
    recipients = [emu.user(FIRST_MEMBER + n, "M") for n in range(members)]
    for user in recipients:
        user.user.started = True
    emu.rate_limit = limit
    deliveries = Deliveries(emu, {u.id for u in recipients})
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        ids = Path(tmp_name) / "ids.txt"
        ids.write_text(" ".join(str(u.id) for u in recipients))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", NAIVE, str(ids), env=env_for(emu, Path(tmp_name), limit),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        try:
            await wait_for(lambda: len(deliveries.times) >= members, members * 0.2 + 60)
            memory = peak_memory_mb(proc.pid)
        finally:
            proc.kill()
            await proc.wait()
    await emu.stop()
    return deliveries.rate() / limit, memory


async def main(members: int) -> str:
    figures: dict[float, tuple[float, float, float, float]] = {}
    for limit in (30.0, 300.0):
        ratio, memory = await run_ours(limit, members)
        naive_ratio, naive_memory = await run_naive(limit, members)
        figures[limit] = (ratio, memory, naive_ratio, naive_memory)
        print(f"limit {limit:.0f}/s, {members} recipients: ours {ratio * limit:.1f}/s "
              f"(ratio {ratio:.3f}, peak {memory:.0f} MB); naive {naive_ratio * limit:.1f}/s "
              f"(ratio {naive_ratio:.3f}, peak {naive_memory:.0f} MB)", flush=True)
    (r1, m1, n1, nm1), (r2, m2, n2, nm2) = figures[30.0], figures[300.0]
    return (f"broadcast: recipients={members} limit=30 ratio={r1:.3f} naive_ratio={n1:.3f} "
            f"peak_mb={m1:.0f} naive_peak_mb={nm1:.0f} limit2=300 ratio2={r2:.3f} "
            f"naive_ratio2={n2:.3f} peak_mb2={m2:.0f} naive_peak_mb2={nm2:.0f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 recipients")
    parser.add_argument("--recipients", type=int)
    args = parser.parse_args()
    print(asyncio.run(main(args.recipients or (300 if args.quick else 10_000))))


if __name__ == "__main__":
    cli()
