"""Another user's reply latency while one user floods the bot (the per-user throttle).

The bot runs as ``python -m bot`` in its own process (as in ``bench/first_reply.py``) against
the emulator in this process. One user pushes 3,000 ``/start`` updates in chunks of 100
without waiting; after each chunk a different, new user sends /start and waits for her first
reply. The same probes are timed with nobody flooding, and the ratio of the two p50s and p99s
shows what the flood still costs everyone else. The flooder's notices are counted too (the
throttle promises one per episode).

    python bench/flood.py            # 3 rounds of 3,000 updates
    python bench/flood.py --quick    # 1 round

The last line is machine-readable:
``flood: updates=3000 rounds=… quiet_p50_ms=… quiet_p99_ms=… flood_p50_ms=… flood_p99_ms=…
p50_ratio=… p99_ratio=… flooder_replies=… notices=…``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench.first_reply import our_bot  # noqa: E402
from bench.replies import percentile  # noqa: E402
from tests.emulator.server import SentMessage, TelegramEmulator  # noqa: E402

FLOOD = 3000
CHUNK = 100
NOTICE = "You are sending messages faster than I can answer."
REPLY_TIMEOUT = 60.0


class Probe:
    """Times the first bot message to one chat."""

    def __init__(self, emu: TelegramEmulator) -> None:
        self._emu = emu
        self._waiting: dict[int, asyncio.Future[float]] = {}
        emu.on_bot_message.append(self._seen)

    def _seen(self, msg: SentMessage) -> None:
        future = self._waiting.pop(msg.chat_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def start(self, user_id: int) -> float:
        """A new user sends /start; seconds until her first reply."""
        user = self._emu.user(user_id, "Probe", language_code="en")
        future = asyncio.get_running_loop().create_future()
        self._waiting[user_id] = future
        began = time.perf_counter()
        await user.send("/start", wait=False)
        return await asyncio.wait_for(future, REPLY_TIMEOUT) - began


async def quiet(emu: TelegramEmulator, probe: Probe, first_id: int, probes: int) -> list[float]:
    return [await probe.start(first_id + n) for n in range(probes)]


async def flooded(emu: TelegramEmulator, probe: Probe, flooder_id: int, first_id: int
                  ) -> tuple[list[float], int, int]:
    flooder = emu.user(flooder_id, "Flooder", language_code="en")
    latencies = []
    for chunk in range(FLOOD // CHUNK):
        for _ in range(CHUNK):
            await flooder.send("/start", wait=False)
        latencies.append(await probe.start(first_id + chunk))
    await asyncio.sleep(1.0)  # a benchmark, not a test: let the last chunk's replies arrive
    texts = flooder.all_texts()
    return latencies, len(texts), sum(NOTICE in text for text in texts)


async def main(rounds: int) -> str:
    emu = TelegramEmulator()
    await emu.start()
    quiet_all: list[list[float]] = []
    flood_all: list[list[float]] = []
    replies: list[int] = []
    notices: list[int] = []
    try:
        async with our_bot(emu):
            probe = Probe(emu)
            await quiet(emu, probe, 1_000, 10)  # first-call costs out of the way
            for number in range(rounds):
                base = 10_000_000 * (number + 1)
                quiet_all.append(await quiet(emu, probe, base, FLOOD // CHUNK))
                lat, got, told = await flooded(emu, probe, base + 5_000_000, base + 100_000)
                flood_all.append(lat)
                replies.append(got)
                notices.append(told)
                print(f"round {number + 1}: quiet p50={percentile(quiet_all[-1], 50) * 1e3:.1f}"
                      f" p99={percentile(quiet_all[-1], 99) * 1e3:.1f} ms; flood "
                      f"p50={percentile(lat, 50) * 1e3:.1f} p99={percentile(lat, 99) * 1e3:.1f}"
                      f" ms; flooder got {got} messages, {told} notice(s)", flush=True)
        if emu.violations:
            raise SystemExit(f"Bot API schema violations: {emu.violations[:3]}")
    finally:
        await emu.stop()
    q50, q99 = (statistics.median(percentile(r, p) * 1e3 for r in quiet_all) for p in (50, 99))
    f50, f99 = (statistics.median(percentile(r, p) * 1e3 for r in flood_all) for p in (50, 99))
    return (f"flood: updates={FLOOD} rounds={rounds} quiet_p50_ms={q50:.1f} "
            f"quiet_p99_ms={q99:.1f} flood_p50_ms={f50:.1f} flood_p99_ms={f99:.1f} "
            f"p50_ratio={f50 / q50:.2f} p99_ratio={f99 / q99:.2f} "
            f"flooder_replies={statistics.median(replies):.0f} "
            f"notices={statistics.median(notices):.0f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    parser.add_argument("--rounds", type=int, help="flood rounds (median is reported)")
    args = parser.parse_args()
    print(asyncio.run(main(args.rounds or (1 if args.quick else 3))))


if __name__ == "__main__":
    cli()
