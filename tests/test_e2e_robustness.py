"""The real entry point, ``python -m bot``, as a separate process against the emulator.

The other end-to-end tests run the dispatcher in-process; these run what production runs,
so they catch what only the entry point does: reading the environment, logging set-up and
secret redaction, signal handling, exit codes, webhook mode.

* ``test_survives_garbage_and_stops_cleanly``: several hundred hostile or nonsensical
  updates (seeded, so a failure can be replayed) must not crash the bot, leave a user or a
  button press unanswered, break the Bot API schema, or leak message texts or the token into
  the logs; SIGTERM must then stop it with exit code 0.
* ``test_*_exits_2_*``: a bad configuration stops it with exit code 2 and one line naming
  the variable (never a traceback, never the secret itself).
* ``test_webhook_*``: in webhook mode it registers its webhook with the secret and refuses
  updates that do not carry it.
* ``test_scheduler_survives_being_stopped_twice`` pins a shutdown bug the entry point showed
  (a traceback on SIGTERM); the two tests below it pin handler bugs found the same way (a
  double-tapped button, a join request resolved elsewhere first).

The bot runs with a clean environment in a scratch working directory (``PYTHONPATH`` points
at the repository) so that a developer's ``.env`` in the repository cannot change what is
being tested. Waiting on another process cannot be event-driven from here, so
:func:`eventually` polls the emulator's state every 50 ms until a deadline.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import random
import re
import secrets
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientConnectionError, ClientSession

from bot.clock import FakeClock
from bot.db import Database
from bot.db.repositories.jobs import JobRunRepo
from bot.services.scheduler import JobScheduler
from tests.emulator.server import Fault, TelegramEmulator, UserHandle
from tests.harness import BotHarness
from tests.processes import ADMIN_ID, EXIT_TIMEOUT, BotProcess, bot_env, eventually

START_TIMEOUT = 30.0
SEED = 20240611


@pytest.fixture
async def emulator_with_secret_token() -> AsyncIterator[TelegramEmulator]:
    """An emulator whose token has a recognisable secret part, to look for it in the logs."""
    emu = TelegramEmulator(token=f"{7000000002}:{secrets.token_urlsafe(24)}")
    await emu.start()
    yield emu
    await emu.stop()
    assert emu.violations == [], "the bot sent requests that break the Bot API schema"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.MULTILINE)


def crashes(log: str) -> list[str]:
    """The log records that carry a traceback."""
    starts = [m.start() for m in RECORD_START.finditer(log)] or [0]
    records = [log[a:b] for a, b in zip(starts, [*starts[1:], len(log)], strict=True)]
    if starts[0] > 0:
        records.insert(0, log[: starts[0]])
    return [r for r in records if "Traceback" in r]


# ----------------------------------------------------------------------- the garbage


class Garbage:
    """Seeded hostile input; remembers what it sent and what the bot owes an answer to."""

    def __init__(self, emu: TelegramEmulator, seed: int) -> None:
        self.emu = emu
        self.rng = random.Random(seed)
        self.canaries: list[str] = []  # ASCII marks inside everything sent: none may be logged
        self.owed_replies: dict[int, int] = {}  # user id -> private messages needing an answer
        self.query_ids: list[str] = []  # every callback query: each must be answered
        self.pushed = 0
        self._user_ids = itertools.count(610000)
        self._query_ids = itertools.count(1)

    def canary(self) -> str:
        mark = f"zq{self.rng.randrange(10**9):09d}"
        self.canaries.append(mark)
        return mark

    def unicode(self, length: int) -> str:
        ranges = [(0x20, 0x7E), (0x01, 0x1F), (0xA0, 0x2FF), (0x300, 0x36F), (0x400, 0x4FF),
                  (0x590, 0x6FF), (0x200B, 0x200F), (0x202A, 0x202E), (0x4E00, 0x9FFF),
                  (0xE000, 0xF8FF), (0xFFF0, 0xFFFD), (0x1F300, 0x1FAFF), (0x10000, 0x10FFFF)]
        chars = []
        for _ in range(length):
            low, high = self.rng.choice(ranges)
            code = self.rng.randint(low, high)
            chars.append(chr(code) if not 0xD800 <= code <= 0xDFFF else "?")
        return "".join(chars)

    def text(self, length: int) -> str:
        """Random text with a canary somewhere in the middle."""
        body = self.unicode(length)
        cut = self.rng.randrange(len(body) + 1)
        return body[:cut] + " " + self.canary() + " " + body[cut:]

    def new_user(self) -> UserHandle:
        user_id = next(self._user_ids)
        language = self.rng.choice(["en", "ru", "kk", "ky", "tg", "tk", "uz", "de", "zh-hans",
                                    None, "", "xx-YY-zz"])
        return self.emu.user(user_id, self.unicode(self.rng.randint(1, 30)) or "X",
                             language_code=language or None,
                             username=self.rng.choice([None, f"u{user_id}"]))

    def owe(self, user: UserHandle) -> None:
        self.owed_replies[user.id] = self.owed_replies.get(user.id, 0) + 1
        self.pushed += 1

    # what a user can send
    async def message(self, user: UserHandle, text: str) -> None:
        await user.send(text, wait=False)
        self.owe(user)

    async def media(self, user: UserHandle) -> None:
        kind = self.rng.choice(["photo", "sticker", "contact", "document"])
        if kind == "photo":
            await user.send_photo(caption=self.rng.choice([None, self.text(40)]))
        elif kind == "sticker":
            await user.send_sticker()
        elif kind == "contact":
            await user.send_contact(phone="+" + str(self.rng.randrange(10**10, 10**12)))
        else:
            await user.send_document(name=self.canary() + self.unicode(10) + ".exe")
        self.owe(user)

    async def callback(self, user: UserHandle, data: str, *, message: dict[str, Any] | None
                       ) -> None:
        query_id = f"forged-{next(self._query_ids)}"
        query: dict[str, Any] = {"id": query_id, "from": user.user.as_json(),
                                 "chat_instance": str(self.rng.randrange(10**12)), "data": data}
        if message is None:
            query["inline_message_id"] = base64.urlsafe_b64encode(self.rng.randbytes(18)).decode()
        else:
            query["message"] = message
        self.query_ids.append(query_id)
        self.pushed += 1
        await self.emu.push_update({"callback_query": query}, wait=False)

    def forged_data(self, other_user_ids: list[int]) -> str:
        other = self.rng.choice(other_user_ids)
        choices = [
            lambda: base64.b64encode(self.rng.randbytes(self.rng.randint(1, 45))).decode(),
            lambda: self.rng.randbytes(self.rng.randint(1, 40)).decode("latin-1"),
            lambda: self.canary() + self.unicode(self.rng.randint(1, 10)),
            lambda: "l1:xx", lambda: "l1:", lambda: "l1", lambda: "l1:ru:extra",
            lambda: "l1:EN", lambda: "l1:" + "r" * 60, lambda: "l2:ru", lambda: ":", lambda: "::::",
            lambda: f"l1:{other}", lambda: f"a1:approve:{other}", lambda: f"p1:{other}:delete",
            lambda: f"{other}", lambda: "%s%s%s%n", lambda: "' OR 1=1 --",
            lambda: "\x00" * 8, lambda: "{\"code\": \"ru\"}",
            lambda: f"m1:accept::{other}", lambda: f"m1:rate:9:{other}",
            lambda: f"m1:ask:{other}:0", lambda: "m1:overview::0", lambda: "m1:cap:99:0",
            lambda: f"n1:agree::{other}", lambda: f"n1:ask:{other}:{other}",
            lambda: f"k1:met:yes:0:{other}", lambda: f"k1:skip::{other}:0",
        ]
        data = self.rng.choice(choices)()
        while len(data.encode()) > 64:
            data = data[:-1]
        return data or "x"


def missing_message(emu: TelegramEmulator, user: UserHandle, message_id: int) -> dict[str, Any]:
    """A bot message in her chat that never existed (or was deleted long ago)."""
    return {"message_id": message_id, "date": int(emu.clock()), "chat": user.chat.as_json(),
            "from": emu.bot_user, "text": "gone",
            "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "l1:ru"}]]}}


async def push_messages(g: Garbage) -> list[UserHandle]:
    """The first wave: everything people can send, from people the bot never met."""
    emu, rng = g.emu, g.rng
    users = [g.new_user() for _ in range(40)]

    # Random unicode text, and the same user writing again and again.
    for _ in range(80):
        await g.message(rng.choice(users), g.text(rng.randint(0, 200)))
    # Very long texts.
    for _ in range(5):
        await g.message(rng.choice(users), g.text(5000))
    # Commands that do not exist, or are mangled.
    for _ in range(40):
        command = rng.choice([
            "/" + g.canary(), "/admin", "/root " + g.canary(), "/HELP", "/Start",
            "/start@other_bot",
            "/delete_me", "/pending", "/" + "a" * 64, "/ " + g.canary(), "//" + g.canary(),
            "/" + g.unicode(8), "/audit " + g.canary(),
        ])
        await g.message(rng.choice(users), command)
    # /start with junk deep-link payloads.
    for _ in range(40):
        payload = rng.choice([
            g.canary() + base64.urlsafe_b64encode(rng.randbytes(30)).decode(),
            g.canary() + g.unicode(rng.randint(1, 60)),
            g.canary() + "' OR 1=1 --", g.canary() + "../../../etc/passwd",
            g.canary() + "%00%0a<script>", g.canary() + "x" * 300,
            g.canary() + "$(reboot)", g.canary() + "{{7*7}}",
        ])
        await g.message(rng.choice(users), f"/start {payload}")
    # Photos, stickers, contacts, documents.
    for _ in range(40):
        await g.media(rng.choice(users))
    # Edited messages (on her own earlier messages); nothing owed for these.
    for user in rng.sample(users, 20):
        if any(not m.from_bot for m in user.chat.messages):
            await user.edit_last_message(g.text(rng.randint(1, 100)))
            g.pushed += 1
    # Join requests from strangers for a group, and group chatter from people it never met.
    group = emu.group(-1001234567890, "Border Guards")
    # Someone it never met makes it an administrator there (it gets join requests only then).
    await emu.add_bot(group, by=g.new_user())
    g.pushed += 1
    for _ in range(20):
        stranger = g.new_user()
        group.pending_requests.add(stranger.id)  # as Telegram has it while the request is open
        g.pushed += 1
        await emu.push_update({"chat_join_request": {
            "chat": group.as_json(), "from": stranger.user.as_json(), "user_chat_id": stranger.id,
            "date": int(emu.clock()), "bio": g.text(20),
            "invite_link": {"invite_link": "https://t.me/+" + g.canary(), "creator":
                            emu.bot_user, "creates_join_request": True, "is_primary": False,
                            "is_revoked": False}}}, wait=False)
    for n in range(20):
        stranger = g.new_user()
        sender: dict[str, Any] = ({"from": stranger.user.as_json()} if n % 4 else
                                  {"sender_chat": group.as_json()})  # anonymous admin
        g.pushed += 1
        await emu.push_update({"message": {
            "message_id": 500 + n, "date": int(emu.clock()), "chat": group.as_json(),
            **sender, "text": rng.choice(["/start", "/help", "/start@association_test_bot"])
            + " " + g.text(20)}}, wait=False)
    return users


async def push_button_presses(g: Garbage, users: list[UserHandle]) -> None:
    """The second wave: forged button data on the bot's real messages (now that there are
    some), on messages that never existed, on inaccessible (date 0) and on inline messages."""
    emu, rng = g.emu, g.rng
    other_ids = [u.id for u in users] + [ADMIN_ID, 1, 2**31, 10**15]
    for _ in range(80):
        user = rng.choice(users)
        where = rng.choice(["own", "own", "missing", "inaccessible", "inline"])
        message: dict[str, Any] | None
        if where == "own" and user.bot_messages:
            message = emu._message_json(user.chat, rng.choice(user.bot_messages))
        elif where == "inaccessible":
            message = {"chat": user.chat.as_json(), "message_id": rng.randrange(1, 10**6),
                       "date": 0}
        elif where == "inline":
            message = None
        else:
            message = missing_message(emu, user, rng.randrange(10**6, 10**7))
        await g.callback(user, g.forged_data(other_ids), message=message)


# -------------------------------------------------------------------------- the tests


async def test_survives_garbage_and_stops_cleanly(
    emulator_with_secret_token: TelegramEmulator, tmp_path: Path
) -> None:
    emu = emulator_with_secret_token
    bot = await BotProcess(tmp_path, bot_env(emu, tmp_path)).start()
    try:
        await eventually(emu.polling.is_set, "the first getUpdates", bot, START_TIMEOUT)
        first = emu.user(600001, "Aigul", language_code="kk")
        await first.send("/start", wait=False)
        await eventually(lambda: bool(first.bot_messages), "an answer to /start", bot)
        assert "✓ Қазақша" in first.last.button_labels(), "Kazakh should be preselected"

        # Telegram itself misbehaves mid-stream: polling must recover and lose nothing.
        emu.faults += [Fault(error=500, method="getUpdates"), Fault(error="drop",
                                                                    method="getUpdates")]
        garbage = Garbage(emu, SEED)

        def messages_answered() -> bool:
            return all(sum(1 for m in emu.chats[user_id].messages if m.from_bot) >= owed
                       for user_id, owed in garbage.owed_replies.items())

        def presses_answered() -> bool:
            return all(query_id in emu.callback_answers for query_id in garbage.query_ids)

        users = await push_messages(garbage)
        await eventually(messages_answered, "an answer to every private message", bot)
        await push_button_presses(garbage, users)
        assert garbage.pushed >= 300

        latecomer = emu.user(600002, "Dilnoza", language_code="uz")
        await latecomer.send("/start", wait=False)
        await eventually(lambda: bool(latecomer.bot_messages), "a new user's /start", bot)
        assert "✓ Oʻzbekcha" in latecomer.last.button_labels()
        await eventually(presses_answered, "an answer to every button press", bot)
        assert emu.violations == [], "the bot broke the Bot API schema"
        assert bot.returncode is None, "the bot died"

        code = await bot.terminate()
        log = bot.stderr
        assert code == 0, f"SIGTERM should stop the bot with exit code 0\n{log}"
        assert crashes(log) == [], f"the bot logged a crash:\n{log}"
        assert all(f.times == 0 for f in emu.faults), "the getUpdates faults were never hit"
        assert emu.token.split(":", 1)[1] not in log, "the token's secret leaked into the logs"
        leaked = [mark for mark in garbage.canaries if mark in log]
        assert leaked == [], f"user texts reached the logs: {leaked[:5]}"
        assert "stopped" in log  # the orderly shutdown path ran, not just a quick death
    finally:
        await bot.kill()


async def test_missing_bot_token_exits_2_naming_it(tmp_path: Path) -> None:
    code, stderr = await run_to_exit(bot_env(None, tmp_path), tmp_path)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "BOT_TOKEN" in lines[0], stderr
    assert "Traceback" not in stderr


async def test_malformed_admin_ids_exits_2_naming_them(tmp_path: Path) -> None:
    env = bot_env(None, tmp_path, BOT_TOKEN="123456:SECRET-PART-xyz", ADMIN_IDS="12,abc")
    code, stderr = await run_to_exit(env, tmp_path)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "ADMIN_IDS" in lines[0], stderr
    assert "Traceback" not in stderr and "SECRET-PART-xyz" not in stderr


async def test_malformed_token_exits_2_without_echoing_it(tmp_path: Path) -> None:
    env = bot_env(None, tmp_path, BOT_TOKEN="no-colon-SECRET-PART-xyz")
    code, stderr = await run_to_exit(env, tmp_path)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "BOT_TOKEN" in lines[0], stderr
    assert "SECRET-PART-xyz" not in stderr and "Traceback" not in stderr


async def run_to_exit(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), EXIT_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("the bot did not exit on a bad configuration") from None
    assert proc.returncode is not None
    return proc.returncode, stderr.decode("utf-8", errors="replace")


async def test_webhook_refuses_updates_without_the_secret(
    emulator_with_secret_token: TelegramEmulator, tmp_path: Path
) -> None:
    emu = emulator_with_secret_token
    port = free_port()
    env = bot_env(emu, tmp_path, WEBHOOK_URL="https://example.invalid", WEBHOOK_SECRET="s3cret",
                  WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port))
    bot = await BotProcess(tmp_path, env).start()
    url = f"http://127.0.0.1:{port}/webhook"
    user = emu.user(600100, "Madina", language_code="ru")
    user.user.started = True

    def update(update_id: int, text: str) -> dict[str, Any]:
        # Built as UserHandle.send builds it, but POSTed to the bot instead of queued.
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": update_id, "message": user._user_message(text=text,
                                                                      entities=entities)}

    try:
        await eventually(lambda: any(m == "setWebhook" for m, _ in emu.requests),
                         "setWebhook", bot, START_TIMEOUT)
        params = next(p for m, p in emu.requests if m == "setWebhook")
        assert params["url"] == "https://example.invalid/webhook"
        assert params["secret_token"] == "s3cret"
        assert not emu.polling.is_set(), "a webhook bot must not poll"

        async with ClientSession() as http:
            async def post(payload: dict[str, Any], headers: dict[str, str]) -> int | None:
                try:
                    async with http.post(url, json=payload, headers=headers) as response:
                        return response.status
                except ClientConnectionError:
                    return None  # not listening yet

            # The server starts listening just after setWebhook: wait for it (polled).
            status: int | None = None
            loop = asyncio.get_running_loop()
            deadline = loop.time() + START_TIMEOUT
            while status is None:
                assert bot.returncode is None, bot.stderr
                assert loop.time() < deadline, "the webhook server never listened"
                status = await post(update(1, "/help"), {})
                if status is None:
                    await asyncio.sleep(0.05)
            assert status == 401, "an update without the secret header must be refused"
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-not"}
            assert await post(update(2, "/help"), wrong) == 401
            right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            assert await post(update(3, "/start"), right) == 200

        await eventually(lambda: bool(user.bot_messages), "the reply to the webhook update", bot)
        assert "✓ Русский" in user.last.button_labels()
        assert len(user.bot_messages) == 1, "refused updates must not have been handled"
        assert emu.violations == []

        code = await bot.terminate()
        log = bot.stderr
        assert code == 0, log
        assert crashes(log) == [], log
        assert "s3cret" not in log and emu.token.split(":", 1)[1] not in log
    finally:
        await bot.kill()


# ------------------------------------------------------------------ shutdown and edge cases


async def test_scheduler_survives_being_stopped_twice(db: Database, clock: FakeClock) -> None:
    """Both shutdown paths stop the scheduler: the dispatcher's on_shutdown, then App.close().

    AsyncIOScheduler.shutdown() only schedules the shutdown, so a second stop() that merely
    checked ``running`` shut it down twice; the second raised SchedulerNotRunningError in an
    event-loop callback, a traceback in the log on every SIGTERM in webhook mode.
    """
    jobs = JobScheduler(JobRunRepo(db), clock)
    ticked = asyncio.Event()
    real_tick = jobs.tick

    async def tick() -> list[str]:
        try:
            return await real_tick()
        finally:
            ticked.set()

    jobs.tick = tick  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        jobs.start()
        await asyncio.wait_for(ticked.wait(), 5)  # the first tick runs at once; let it finish
        await jobs.stop()  # the dispatcher's on_shutdown
        await jobs.stop()  # App.close(), straight after
        for _ in range(5):  # let the scheduled shutdown callbacks run
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert [str(e.get("exception")) for e in errors] == []


async def test_double_tapped_language_button_is_not_an_error(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.user(600200, language_code="en")
    await user.send("/start")
    picker, button = user.find_button("✓ English")
    await user.press_data(button["callback_data"], picker)
    await user.press_data(button["callback_data"], picker)  # the second tap of a double tap
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def test_join_request_resolved_elsewhere_is_not_an_error(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    group = harness.emu.group(-1001234567891, "Border Guards")
    await harness.emu.add_bot(group, by=harness.user(600301))
    stranger = harness.user(600300, language_code="en")
    # No pending request in the emulator: somebody else has already dealt with it.
    await harness.emu.push_update({"chat_join_request": {
        "chat": group.as_json(), "from": stranger.user.as_json(), "user_chat_id": stranger.id,
        "date": int(harness.emu.clock())}})
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
