"""Trial of the browser sandbox (issue 14) by an independent tester: each test is a finding.

Each test states what a visitor or an attacker on the same machine did and what she should
have seen; they fail until the sandbox does what they expect. API-level tests talk to the
page's own HTTP API with aiohttp; the page-level one drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.runtime import Sandbox
from sandbox.seed import CHATS
from tests.test_sandbox_api import api, sandbox  # noqa: F401  (the same fixtures)

TJ_COORDINATOR, APPLICANT, ADMIN = 100004, 100031, 100001
KG_MEMBER = 100014  # Aizada, Kyrgyz
KG_CHAT = next(chat_id for chat_id, _title, country in CHATS if country == "KG")
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                       if Path("/usr/bin/chromium").exists() else None)


async def post(session: aiohttp.ClientSession, url: str, path: str, body: Any
               ) -> tuple[int, str]:
    async with session.post(url + path.lstrip("/"), json=body) as response:
        return response.status, await response.text()


async def post_raw(session: aiohttp.ClientSession, url: str, path: str, raw: str
                   ) -> tuple[int, str]:
    async with session.post(url + path.lstrip("/"), data=raw,
                            headers={"Content-Type": "application/json"}) as response:
        return response.status, await response.text()


def card_of(sandbox: Sandbox, user: int, needle: str) -> dict[str, Any]:
    return next(m for m in reversed(sandbox.phone(user)["messages"])
                if needle in m["text"] and m.get("keyboard"))


# ---- forged and malformed JSON --------------------------------------------------------------


async def test_a_huge_number_is_a_bad_request_not_a_server_error(
        api: tuple[aiohttp.ClientSession, str]) -> None:
    """JSON's 1e400 is a float infinity in Python; int() of it raises OverflowError, which
    the middleware does not catch: aiohttp answers 500 "Server got itself in trouble"."""
    session, url = api
    for path, raw in (("/api/send", '{"user": 1e400, "text": "hi"}'),
                      ("/api/press", '{"user": 100014, "chat": 100014, "message": 1, '
                                     '"row": 1e400, "column": 0}')):
        status, body = await post_raw(session, url, path, raw)
        assert status == 400, (path, status, body)


async def test_text_that_is_not_a_string_is_refused(api: tuple[aiohttp.ClientSession, str],
                                                    sandbox: Sandbox) -> None:
    """{"text": null} is accepted and str(None) reaches the bot: her phone shows that she
    typed "None" (and ["a"] shows as "['a']", 12345 as "12345")."""
    session, url = api
    before = len(sandbox.phone(KG_MEMBER)["messages"])
    for text in (None, ["a"], {"x": 1}):
        status, _ = await post(session, url, "/api/send", {"user": KG_MEMBER, "text": text})
        assert status == 400, text
    typed = [m["text"] for m in sandbox.phone(KG_MEMBER)["messages"][before:] if not m["bot"]]
    assert typed == []


async def test_a_newcomer_language_must_be_a_language_code(
        api: tuple[aiohttp.ClientSession, str], sandbox: Sandbox) -> None:
    """Any value becomes her Telegram language_code (str() of an object, markup, ...): the bot
    receives updates whose from.language_code Telegram would never send."""
    session, url = api
    for language in ({"a": 1}, "<img>", ["ru"], 7):
        status, _ = await post(session, url, "/api/newcomer", {"language": language})
        assert status == 400, language
    assert sandbox.newcomers == {}


async def test_a_row_or_column_that_does_not_exist_is_no_such_button(
        api: tuple[aiohttp.ClientSession, str], sandbox: Sandbox) -> None:
    """row -1, column -1 index from the end (Python lists): the press hits the last button
    (the Outlook link) instead of 404 "no such button" as column 5 gets."""
    session, url = api
    card = card_of(sandbox, KG_MEMBER, "Regional seminar")
    for row, column in ((-1, -1), (0, -1), (-1, 0)):
        status, body = await post(session, url, "/api/press", {
            "user": KG_MEMBER, "chat": KG_MEMBER, "message": card["id"], "row": row,
            "column": column})
        assert status == 404, (row, column, body)


async def test_nobody_presses_a_button_in_someone_elses_private_chat(
        api: tuple[aiohttp.ClientSession, str], sandbox: Sandbox) -> None:
    """The administrator posts a press on the Tajik coordinator's review card (chat 100004,
    a chat she cannot see in Telegram): the emulator builds a callback query from her on that
    message, the bot obeys, and the applicant is approved from a card the presser never had."""
    session, url = api
    card = card_of(sandbox, TJ_COORDINATOR, "Sitora")
    status, body = await post(session, url, "/api/press", {
        "user": ADMIN, "chat": TJ_COORDINATOR, "message": card["id"], "row": 0, "column": 0})
    app = sandbox.runner.app  # type: ignore[union-attr]
    assert app is not None
    profile = await app.profiles.get(APPLICANT)
    assert status == 404, body
    assert profile is not None and profile.status == "pending"


async def test_the_persona_list_shows_the_language_she_chose(sandbox: Sandbox) -> None:
    """A newcomer whose Telegram speaks Russian picks Oʻzbekcha at /start; the bot speaks
    Uzbek to her, but "Who are you" keeps listing her language as Русский (the Telegram
    language), so the trainer cannot tell from the list which language she is in."""
    newcomer = await sandbox.newcomer("ru")
    await sandbox.send(newcomer, "/start")
    picker = sandbox.phone(newcomer)["messages"][-1]
    row, column = next((r, c) for r, buttons in enumerate(picker["keyboard"])
                       for c, b in enumerate(buttons) if "Oʻzbekcha" in b["text"])
    await sandbox.press(newcomer, newcomer, picker["id"], row, column)
    assert sandbox.phone(newcomer)["messages"][-2]["text"] == "Til: Oʻzbekcha"
    people = {p["id"]: p for p in (await sandbox.state("en"))["people"]}
    assert people[newcomer]["locale"] == "uz", people[newcomer]


# ---- invite links, as Telegram keeps them ---------------------------------------------------


async def test_an_expired_join_link_is_refused(sandbox: Sandbox) -> None:
    """A personal join link is created with expire_date = now + 24 h. Tapped a week later,
    the sandbox still sends the join request and the bot lets her in; Telegram says the
    link has expired (INVITE_HASH_EXPIRED) and no request reaches the bot."""
    assert sandbox.emu is not None
    sandbox.emu.chats[KG_CHAT].members[KG_MEMBER] = "left"  # she left the KG chat
    await sandbox.send(KG_MEMBER, "/chats")
    chats_card = sandbox.phone(KG_MEMBER)["messages"][-1]
    row, column = next((r, c) for r, buttons in enumerate(chats_card["keyboard"])
                       for c, b in enumerate(buttons) if "Kyrgyzstan" in b["text"])
    await sandbox.press(KG_MEMBER, KG_MEMBER, chats_card["id"], row, column)
    link = next(b["url"] for m in reversed(sandbox.phone(KG_MEMBER)["messages"])
                for r in m.get("keyboard", []) for b in r if b["url"] and "t.me" in b["url"])
    await sandbox.advance(timedelta(weeks=1))
    result = await sandbox.tap_link(KG_MEMBER, link)
    assert result == {"joined": False}
    assert sandbox.emu.chats[KG_CHAT].members[KG_MEMBER] == "left"


# ---- what the page flags as refused --------------------------------------------------------


def page_problems(state: dict[str, Any]) -> list[str]:
    """The lines of the page's red box, as app.js builds them (renderState)."""
    return [*state["violations"], *(f"{r['method']}: {r['description']}"
                                    for r in state["refused"])]


async def test_a_second_tap_on_going_raises_no_telegram_error(sandbox: Sandbox) -> None:
    """A visitor taps "Going" twice (as people do): the bot edits the card to what it already
    is, Telegram's "message is not modified" is recorded, and the red box "Telegram would
    refuse these requests" appears at the top for an ordinary press."""
    card = card_of(sandbox, KG_MEMBER, "Regional seminar")
    await sandbox.press(KG_MEMBER, KG_MEMBER, card["id"], 0, 0)
    await sandbox.press(KG_MEMBER, KG_MEMBER, card["id"], 0, 0)
    assert page_problems(await sandbox.state("en")) == []


async def test_one_refused_request_shows_once(sandbox: Sandbox) -> None:
    """Broken HTML from the bot shows twice in the red box: once from the schema check
    ("sendMessage: text: can't parse entities ...") and once from the refusal, whose line
    reads "sendMessage: Bad Request: sendMessage: text: ..."."""
    bot = sandbox.runner.bot  # type: ignore[union-attr]
    assert bot is not None
    with pytest.raises(Exception):
        await bot.send_message(KG_MEMBER, "<img src=x onerror=alert(1)>")
    problems = page_problems(await sandbox.state("en"))
    assert len(problems) == 1, problems
    assert problems[0].count("sendMessage") == 1, problems


# ---- Reset while the page is reading ---------------------------------------------------------


async def test_the_state_answers_while_reset_runs(api: tuple[aiohttp.ClientSession, str],
                                                  sandbox: Sandbox) -> None:
    """Another tab presses Reset while this one redraws (every SSE event): /api/state reads
    without the lock, so during the reset it answers 500 (no runner, no emulator) or 404
    (a newcomer of the old emulator), and the page's refresh loop throws."""
    session, url = api
    await sandbox.newcomer("tg")
    resetting = asyncio.create_task(sandbox.reset())
    statuses: list[int] = []
    while not resetting.done():
        async with session.get(url + "api/state?lang=ru") as response:
            statuses.append(response.status)
        await asyncio.sleep(0)
    await resetting
    assert statuses and set(statuses) == {200}, statuses


# ---- the page in Russian ---------------------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
async def test_an_error_toast_speaks_the_page_language(api: tuple[aiohttp.ClientSession, str],
                                                       tmp_path: Path) -> None:
    """With the page in Russian, a press on a button that is gone (a message another tab
    reset away) shows the server's English "no such button" / "no such message": the API's
    errors carry no code the page could translate."""
    playwright_api = pytest.importorskip("playwright.async_api")
    _session, url = api
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=["--no-sandbox", "--disable-gpu"])
        page = await browser.new_page(viewport={"width": 375, "height": 812})
        await page.goto(url)
        await page.locator("#lang").select_option("ru")
        first = page.get_by_test_id("phone-1")
        await first.get_by_test_id("who").select_option(str(KG_MEMBER))
        await playwright_api.expect(first.locator(".msg").first).to_be_visible()
        await page.evaluate("""() => phones[0].act(() => api("/api/press", {
            user: phones[0].user, chat: phones[0].user, message: 9999, row: 0, column: 0}))""")
        toast = first.locator(".toast")
        await playwright_api.expect(toast).to_be_visible()
        text = await toast.text_content()
        await page.screenshot(path=str(tmp_path / "toast-ru.png"))
        await browser.close()
    assert text and "no such" not in text, text
