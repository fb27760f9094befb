"""The sandbox without a browser: the seeded association, its HTTP API, its clock, its own
temporary database, and ``python -m sandbox`` printing the one URL to open."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import SettingsError, load_settings
from sandbox.runtime import Sandbox
from sandbox.seed import ADMIN_ID, CHATS, EVENT_TITLE, MENTOR_ID, PEOPLE
from sandbox.web import serve

ROOT = Path(__file__).resolve().parents[1]
TJ_COORDINATOR, APPLICANT = 100004, 100031


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    running = Sandbox(start=datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    runner, url = await serve(sandbox, port=0)
    async with aiohttp.ClientSession() as session:
        yield session, url
    await runner.cleanup()


async def post(session: aiohttp.ClientSession, url: str, path: str, body: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]:
    async with session.post(url + path.lstrip("/"), json=body) as response:
        return response.status, await response.json()


async def test_the_demo_association_is_seeded_through_the_bot(sandbox: Sandbox) -> None:
    state = await sandbox.state("en")
    roles = [p["role"] for p in state["people"]]
    assert roles.count("admin") == 1 and roles.count("coordinator") == 5
    assert roles.count("member") >= 12 and roles.count("applicant") == 1
    assert {p.locale for p in PEOPLE} == {"ru", "en", "kk", "ky", "tg", "tk", "uz"}
    coordinators = {p.country for p in PEOPLE if p.role == "coordinator"}
    assert coordinators == {"KZ", "KG", "TJ", "TM", "UZ"}
    chats = {c["title"]: c for c in state["chats"]}
    assert set(chats) == {title for _id, title, _country in CHATS}
    assert "Cholpon Toktogulova" in chats["Association · Kyrgyzstan"]["members"]
    assert len(chats["Association · Central Asia"]["members"]) == len(PEOPLE) - 1
    app = sandbox.runner.app  # type: ignore[union-attr]
    assert app is not None
    bound = {chat.chat_id: chat.country_code for chat in await app.chat_registry.bound()}
    assert bound == {chat_id: country for chat_id, _title, country in CHATS}
    offer = await app.mentorship.offer(MENTOR_ID)
    assert offer is not None and offer.capacity > offer.taken
    assert [e.title for e in await app.events.upcoming(sandbox.clock.now())] == [EVENT_TITLE]
    # Every member has the event's card; the applicant's card waits for the TJ coordinator.
    aizada = sandbox.phone(100014)["messages"]
    assert any(EVENT_TITLE in m["text"] for m in aizada)
    card = sandbox.phone(TJ_COORDINATOR)["messages"][-2:]
    assert any("Sitora Jamshedovna Odinaeva" in m["text"] and m.get("keyboard") for m in card)
    assert (await app.profiles.get(APPLICANT)).status == "pending"  # type: ignore[union-attr]
    assert (await app.profiles.get(ADMIN_ID)).status == "approved"  # type: ignore[union-attr]
    assert state["refused"] == [] and state["violations"] == []


async def test_its_database_is_temporary_and_reset_starts_over(sandbox: Sandbox,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    settings = sandbox.runner.settings  # type: ignore[union-attr]
    path = settings.database_path
    assert path.exists() and path != Path("data/bot.sqlite3") and "sandbox" in str(path)
    newcomer = await sandbox.newcomer("ky")
    await sandbox.send(newcomer, "/start")
    assert len(sandbox.phone(newcomer)["messages"]) == 2
    people = {p["id"]: p for p in (await sandbox.state("en"))["people"]}
    assert people[newcomer]["role"] == "newcomer" and people[newcomer]["locale"] == "ky"
    await sandbox.reset()
    assert not path.exists()
    assert newcomer not in [p["id"] for p in (await sandbox.state("en"))["people"]]
    assert sandbox.runner.settings.database_path != path  # type: ignore[union-attr]


async def test_the_page_and_its_api(api: tuple[aiohttp.ClientSession, str],
                                    sandbox: Sandbox) -> None:
    session, url = api
    async with session.get(url) as response:
        assert response.status == 200 and "<script src=\"/static/app.js\">" in await response.text()
    async with session.get(url + "static/app.js") as response:
        assert response.status == 200
    async with session.post(url + "api/send", data="user=1&text=/start") as response:
        assert response.status == 415  # a plain form from another site cannot drive it
    status, body = await post(session, url, "/api/newcomer", {"language": "en"})
    newcomer = body["id"]
    assert (await post(session, url, "/api/send", {"user": newcomer, "text": "/start"}))[0] == 200
    async with session.get(url + f"api/phone/{newcomer}") as response:
        phone = await response.json()
    picker = phone["messages"][-1]
    labels = [b["text"] for row in picker["keyboard"] for b in row]
    row = next(i for i, r in enumerate(picker["keyboard"])
               if any("English" in b["text"] for b in r))
    column = next(i for i, b in enumerate(picker["keyboard"][row]) if "English" in b["text"])
    assert "✓ English" in labels
    status, _ = await post(session, url, "/api/press", {
        "user": newcomer, "chat": newcomer, "message": picker["id"], "row": row,
        "column": column})
    assert status == 200
    async with session.get(url + f"api/phone/{newcomer}") as response:
        texts = [m["text"] for m in (await response.json())["messages"]]
    assert texts[-2] == "Language: English" and "Before we start" in texts[-1]
    status, body = await post(session, url, "/api/press", {
        "user": newcomer, "chat": newcomer, "message": 999, "row": 0, "column": 0})
    assert status == 404
    assert (await post(session, url, "/api/send", {"user": 5, "text": "hi"}))[0] == 404
    assert (await post(session, url, "/api/clock", {"by": "year"}))[0] == 400
    before = sandbox.clock.now()
    status, body = await post(session, url, "/api/clock", {"by": "hour"})
    assert status == 200 and (sandbox.clock.now() - before).total_seconds() == 3600
    async with session.get(url + "api/state?lang=ru") as response:
        state = await response.json()
    assert any(p["country"] == "Кыргызстан" for p in state["people"])
    async with session.get(url + "api/events") as response:
        line = await response.content.readline()
        assert json.loads(line.decode().removeprefix("data: "))["version"] == sandbox.version


async def test_a_calendar_file_downloads(api: tuple[aiohttp.ClientSession, str],
                                         sandbox: Sandbox) -> None:
    session, url = api
    member = 100013  # Madina, in English
    card = next(m for m in sandbox.phone(member)["messages"] if EVENT_TITLE in m["text"])
    row, column = next((r, c) for r, buttons in enumerate(card["keyboard"])
                       for c, b in enumerate(buttons) if b["text"] == "Add to calendar")
    await post(session, url, "/api/press", {"user": member, "chat": member,
                                            "message": card["id"], "row": row,
                                            "column": column})
    document = sandbox.phone(member)["messages"][-1]
    assert document["file"].endswith(".ics")
    async with session.get(url + f"api/file/{member}/{document['id']}") as response:
        assert response.status == 200 and b"BEGIN:VCALENDAR" in await response.read()
        assert "attachment" in response.headers["Content-Disposition"]


async def test_a_request_telegram_would_refuse_shows_on_the_page(sandbox: Sandbox) -> None:
    bot = sandbox.runner.bot  # type: ignore[union-attr]
    assert bot is not None
    with pytest.raises(Exception):
        await bot.send_message(100012, "<b>never closed")
    state = await sandbox.state("en")  # a schema refusal shows once, as a violation
    assert state["refused"] == [] and len(state["violations"]) == 1
    assert state["violations"][0].startswith("sendMessage: ")
    assert "parse" in state["violations"][0].lower()
    sandbox.emu.violations.clear()  # type: ignore[union-attr]


async def test_a_jump_runs_the_scheduler_hour_by_hour(sandbox: Sandbox) -> None:
    """A week's jump lands exactly a week later and nothing due on the way is skipped: the
    hour-before reminder of an event in between reaches who said she is going."""
    member = 100014
    card = next(m for m in sandbox.phone(member)["messages"] if EVENT_TITLE in m["text"])
    await sandbox.press(member, member, card["id"], 0, 0)  # Going
    start = sandbox.clock.now()
    await sandbox.advance(timedelta(weeks=1))
    assert sandbox.clock.now() - start == timedelta(weeks=1)
    reminders = [m for m in sandbox.phone(member)["messages"]
                 if m["bot"] and "⏰" in m["text"] and EVENT_TITLE in m["text"]]
    assert len(reminders) == 2  # the day before and the hour before


def test_no_token_points_to_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.chdir("/")  # no .env
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith("BOT_TOKEN is required")
    assert "python3 tasks.py demo" in str(error.value) and "\n" not in str(error.value)


async def test_python_m_sandbox_prints_one_url_and_stops_on_sigterm() -> None:
    env = {**os.environ, "SANDBOX_PORT": "0"}
    env.pop("BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()  # type: ignore
        url = line.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/"), line
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        assert (await process.stdout.read()) == b""  # type: ignore[union-attr]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
