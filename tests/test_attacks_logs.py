"""Issue 10: logs without personal data, polling that survives an unparseable update, a
start-up that fails fast, and "message is not modified" that is never an error."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import sys
import time
from pathlib import Path

import pytest

from bot.logging_setup import setup_logging
from tests.emulator.server import Fault, TelegramEmulator
from tests.flows import fill_profile, onboard, seed_member, start_and_accept, t
from tests.harness import BotHarness
from tests.processes import EXIT_TIMEOUT, bot_env
from tests.test_e2e_events import card, publish

NAME = "Zarina Kurmanbekova"
BIO = "Zarina trains dog handlers at Manas airport"
REASON = "Zarina's unit could not be confirmed"
NOT_MODIFIED = "Bad Request: message is not modified: specified new message content and " \
               "reply markup are exactly the same as a current content and reply markup"


def bad_update() -> dict:  # type: ignore[type-arg]
    """A message aiogram's models cannot read, carrying a name as a real one would."""
    return {"message": {"message_id": "not-a-number", "date": 0, "text": NAME,
                        "chat": {"id": 4242, "type": "private", "first_name": NAME}}}


@pytest.fixture
def captured_log(request: pytest.FixtureRequest) -> io.StringIO:
    """The project's own logging set-up, writing to a buffer (restored afterwards)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    setup_logging(request.param, ["123456:TEST-TOKEN"])
    root.handlers[0].stream = stream  # type: ignore[attr-defined]
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.mark.parametrize("captured_log", ["INFO", "DEBUG"], indirect=True)
async def test_the_whole_log_holds_no_name_bio_reason_or_token(
    harness: BotHarness, emulator: TelegramEmulator, captured_log: io.StringIO
) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="en")
    applicant = harness.user(1001, NAME, language_code="en")
    assert harness.bot is not None
    session = harness.bot.session
    original = session.check_response
    garbled = []

    def truncate_first_summary(bot, method, status_code, content):  # type: ignore[no-untyped-def]
        # One sendMessage answer cut in half: the message it echoes holds her name and bio.
        if not garbled and type(method).__name__ == "SendMessage" and BIO in content:
            garbled.append(content)
            content = content[: content.index(BIO) + 10]
        return original(bot, method, status_code, content)

    session.check_response = truncate_first_summary  # type: ignore[method-assign]
    await onboard(harness, applicant, "en", name=NAME, bio=BIO)
    assert garbled, "the garbled answer was injected"
    await emulator.push_update(bad_update(), wait=False)
    application = next(m for m in coordinator.bot_messages if NAME in (m.text or ""))
    await coordinator.press("Reject", application)
    await coordinator.press(t(harness, "en", "Type a reason"))
    await coordinator.send(REASON)
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "rejected"
    assert REASON in applicant.last_text

    log = captured_log.getvalue()
    assert "skipped update" in log and "Update id=" in log
    for secret in (NAME, "Zarina", "Kurmanbekova", BIO, "Manas", REASON, "TEST-TOKEN"):
        assert secret not in log, f"{secret!r} is in the log"
    handled = [line for line in log.splitlines() if "Update id=" in line]
    assert handled
    for line in handled:
        update_id = re.search(r"Update id=(\d+)", line).group(1)  # type: ignore[union-attr]
        assert f"[update={update_id} user=" in line, line
    assert any("user=1001]" in line for line in handled)


async def test_an_unparseable_update_is_skipped_once_and_polling_goes_on(
    harness: BotHarness, emulator: TelegramEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    before, after = harness.user(1001, "First"), harness.user(1002, "Second")
    await before.send("/start", wait=False)
    bad_id = await emulator.push_update(bad_update(), wait=False)
    await after.send("/start")
    await before.send("/help")
    assert before.bot_messages and after.bot_messages
    skipped = [r for r in caplog.records if r.getMessage().startswith("skipped update")]
    assert len(skipped) == 1 and str(bad_id) in skipped[0].getMessage()
    offsets = [int(p["offset"]) for m, p in emulator.requests
               if m == "getUpdates" and p.get("offset")]
    assert max(offsets) > bad_id, "the bad update was confirmed"
    assert all(bad_id != u["update_id"] for u in emulator._updates)


async def test_message_not_modified_during_send_application_is_no_error(
    harness: BotHarness, emulator: TelegramEmulator
) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="en")
    applicant = harness.user(1001, "Aigul", language_code="en")
    await start_and_accept(harness, applicant, "en")
    await fill_profile(harness, applicant, "en")
    # The wizard edits its one message as she answers; from here every edit "changes nothing"
    emulator.faults.append(Fault(400, method="editMessageText", times=None,
                                 description=NOT_MODIFIED))
    emulator.faults.append(Fault(400, method="editMessageReplyMarkup", times=None,
                                 description=NOT_MODIFIED))
    await applicant.press(t(harness, "en", "Send application"))
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    assert any("Aigul Bekova" in (m.text or "") for m in coordinator.bot_messages)
    sorry = t(harness, "en", "Sorry, something went wrong on our side. Please try again in a "
                             "moment.")
    assert all(sorry not in text for text in applicant.all_texts())
    assert all(sorry != a.get("text") for a in emulator.callback_answers.values())


async def test_message_not_modified_during_rsvp_is_no_error(
    harness: BotHarness, emulator: TelegramEmulator
) -> None:
    from tests.harness import ADMIN_ID

    admin = await seed_member(harness, ADMIN_ID, "KZ")
    member = await seed_member(harness, 601, "KZ", locale="en")
    await publish(harness, admin)
    emulator.faults.append(Fault(400, method="editMessageReplyMarkup", times=None,
                                 description=NOT_MODIFIED))
    emulator.faults.append(Fault(400, method="editMessageText", times=None,
                                 description=NOT_MODIFIED))
    await member.press("Going", card(member))
    await member.press("Going", card(member))
    assert await harness.db.fetch_value(
        "SELECT answer FROM event_answers WHERE user_id = 601") == "going"
    sorry = t(harness, "en", "Sorry, something went wrong on our side. Please try again in a "
                             "moment.")
    assert all(sorry != a.get("text") for a in emulator.callback_answers.values())
    assert all(sorry not in text for text in member.all_texts())


async def test_a_database_path_that_is_a_text_file_ends_the_bot_with_one_line(
    tmp_path: Path
) -> None:
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("Zarina's notes, not a database\n" * 100)
    env = bot_env(None, tmp_path, BOT_TOKEN="123456:ABC", DATABASE_PATH=str(not_a_database))
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), EXIT_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("the bot hangs on a database path that is a text file") from None
    elapsed = time.monotonic() - started
    lines = stderr.decode().strip().splitlines()
    assert proc.returncode == 1
    assert len(lines) == 1 and "not a database" in lines[0] and "Traceback" not in lines[0]
    assert elapsed < EXIT_TIMEOUT


async def test_idle_half_sent_requests_do_not_starve_the_webhook(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    from aiohttp import ClientSession

    from bot.__main__ import ConnectionLimit, start_webhook
    from bot.app import create_bot, create_dispatcher, open_app
    from tests.harness import make_settings
    from tests.test_e2e_robustness import free_port

    port = free_port()
    settings = make_settings(emulator, tmp_path / "bot.sqlite3", webhook_url="https://x.invalid",
                             webhook_secret="s3cret", webhook_host="127.0.0.1",
                             webhook_port=port)
    app = await open_app(settings, start_scheduler=False)
    bot = create_bot(settings)
    limit = ConnectionLimit(100)
    runner = await start_webhook(create_dispatcher(app), bot, settings, limit)
    writers = []
    try:
        for _ in range(200):  # each sends half a request head and then nothing
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Le")
            writers.append(writer)
        user = emulator.user(600100, "Madina", language_code="ru")
        user.user.started = True
        entities = [{"type": "bot_command", "offset": 0, "length": 6}]
        update = {"update_id": 1, "message": user._user_message(text="/start",
                                                                entities=entities)}
        handled = asyncio.get_running_loop().create_future()
        app.in_flight.add_listener(lambda _: handled.done() or handled.set_result(None))
        started = time.monotonic()
        async with ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{port}/webhook", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as resp:
                assert resp.status == 200
        await asyncio.wait_for(handled, 5)
        assert user.bot_messages, "the real update was answered"
        assert time.monotonic() - started < 5
        assert limit.evicted >= 100
    finally:
        for writer in writers:
            writer.close()
        await runner.cleanup()
        await app.close()
