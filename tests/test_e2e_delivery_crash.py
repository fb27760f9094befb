"""The real bot process killed with SIGKILL mid-broadcast, then started again.

Every reachable recipient must end with exactly one copy, except at most the messages that
were in flight at the moment of the kill (counted from the outbox rows still claimed); none
may be lost. 10% of the recipients blocked the bot and some requests fail with 5xx.
"""

from __future__ import annotations

import signal
import sqlite3
from collections import Counter
from pathlib import Path

from tests.emulator.server import Fault, TelegramEmulator, UserHandle
from tests.processes import ADMIN_ID, BotProcess, bot_env, eventually, seed_approved_members

MEMBERS = 300
TEXT = "Delivery check 7f3a"


def copies(users: list[UserHandle]) -> Counter[int]:
    return Counter({u.id: sum(TEXT in (m.text or "") for m in u.bot_messages) for u in users})


async def test_sigkill_mid_broadcast_loses_nothing(emulator: TelegramEmulator,
                                                   tmp_path: Path) -> None:
    await seed_approved_members(tmp_path / "bot.sqlite3",
                                [ADMIN_ID] + [5000 + n for n in range(MEMBERS)])
    admin = emulator.user(ADMIN_ID, "Admin")
    members = [emulator.user(5000 + n, f"M{n}") for n in range(MEMBERS)]
    for member in members:
        member.user.started = True
    blocked = members[::10]
    for member in blocked:
        member.block_bot()
    emulator.faults += [Fault(error=502, method="sendMessage", chat_id=m.id, times=1)
                        for m in members[1:40:7]]
    env = bot_env(emulator, tmp_path, DELIVERY_RATE="150", LOG_LEVEL="WARNING")
    bot = await BotProcess(tmp_path, env).start()
    try:
        await eventually(emulator.polling.is_set, "polling", bot)
        await admin.send("/announce")
        await eventually(lambda: admin.has_button("All members"), "the audience question", bot)
        await admin.press("All members")
        await eventually(lambda: "Send the text" in admin.last_text, "the text prompt", bot)
        await admin.send(TEXT)
        await eventually(lambda: admin.has_button("Send now"), "the preview", bot)
        await admin.press("Send now")
        await eventually(lambda: admin.has_button("Yes, send"), "the confirmation", bot)
        await admin.press("Yes, send")
        await eventually(lambda: sum(copies(members).values()) >= MEMBERS // 3,
                         "a third of the broadcast", bot)
        bot.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        await bot.proc.wait()  # type: ignore[union-attr]
        with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
            in_flight = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status = 'sending'").fetchone()[0]
            settled = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status != 'pending'").fetchone()[0]
        assert settled < MEMBERS  # it really died mid-broadcast
        bot = await BotProcess(tmp_path, env).start()
        reachable = [m for m in members if m not in blocked]
        await eventually(lambda: all(copies(reachable)[m.id] >= 1 for m in reachable),
                         "every reachable member to have the message", bot, timeout=60)
        await eventually(lambda: admin.last_text.startswith("Delivery finished:"),
                         "the final report", bot, timeout=30)
        received = copies(members)
        duplicates = sum(n - 1 for n in received.values() if n > 1)
        print(f"in flight at the kill: {in_flight}; duplicated after restart: {duplicates}")
        assert all(received[m.id] == 0 for m in blocked)
        assert duplicates <= in_flight
        assert admin.last_text == (f"Delivery finished: {MEMBERS - len(blocked)} sent, "
                                   f"0 failed, {len(blocked)} unreachable (blocked the bot).")
        await bot.terminate()
    finally:
        await bot.kill()
