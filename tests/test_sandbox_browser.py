"""The sandbox in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

The acceptance walk of issue 14, by clicking what the page shows: a newcomer onboards in
Kyrgyz, the Kyrgyz coordinator approves her on the second phone, she joins the KG chat, answers
the event and, a day later, reads its reminder. A screenshot of each step goes to the test's
temporary folder. Labels are the bot's own translations, read from its catalogs.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import LANGUAGE_NAMES, create_i18n, use_locale
from sandbox.runtime import Sandbox
from sandbox.seed import CHATS, EVENT_TITLE
from sandbox.web import serve

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                       if Path("/usr/bin/chromium").exists() else None)
playwright_api = pytest.importorskip("playwright.async_api",
                                     reason="playwright is not installed (the test extra)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                                "(apt-get install chromium; .ci/run installs it)")
# This closed network refuses Chromium's own calls home; a fresh profile each run.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KG_CHAT = next(title for _id, title, country in CHATS if country == "KG")
KG_COORDINATOR, KG_MEMBER = 100003, 100014
I18N = create_i18n("ru")


def t(locale: str, msgid: str) -> str:
    with use_locale(I18N, locale):
        from aiogram.utils.i18n import gettext

        return gettext(msgid)


@pytest.fixture
async def sandbox_url() -> AsyncIterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(start=datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    await sandbox.start()
    runner, url = await serve(sandbox, port=0)
    yield sandbox, url
    await runner.cleanup()
    await sandbox.stop()


@pytest.fixture
async def browser_page(tmp_path: Path) -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as p:
        context = await p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-US")
        page = context.pages[0] if context.pages else await context.new_page()
        page.set_default_timeout(15000)
        yield page
        await context.close()


class Shots:
    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.n = page, folder, 0

    async def take(self, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path


async def idle(phone: Any) -> None:
    """The phone has shown what came of the last press or message."""
    await phone.page.wait_for_function(
        "el => !el.dataset.busy", arg=await phone.element_handle())


async def press(phone: Any, label: str) -> None:
    """Her press on the newest button of that name (a toggle's ✓ is not part of its name)."""
    name = re.compile(rf"^(✓ |✗ )?{re.escape(label)}$")
    await phone.get_by_role("button", name=name).last.click()
    await idle(phone)


async def type_in(phone: Any, text: str) -> None:
    await phone.get_by_test_id("text").fill(text)
    await phone.get_by_test_id("text").press("Enter")
    await idle(phone)


async def expect_text(locator: Any, text: str) -> None:
    await playwright_api.expect(locator).to_contain_text(text)


def label(sandbox: Sandbox, kind: str, code: str, locale: str) -> str:
    assert sandbox.runner is not None and sandbox.runner.app is not None
    return sandbox.runner.app.reference.label(kind, code, locale)


async def test_acceptance_walk_in_kyrgyz(sandbox_url: tuple[Sandbox, str], browser_page: Any,
                                        tmp_path: Path) -> None:
    sandbox, url = sandbox_url
    page = browser_page
    shots = Shots(page, tmp_path)
    await page.goto(url)
    first, second = page.get_by_test_id("phone-1"), page.get_by_test_id("phone-2")
    await expect_text(page.get_by_test_id("chats"), KG_CHAT)
    await shots.take("page")

    # A newcomer whose Telegram speaks Kyrgyz starts the bot and fills in her profile.
    await first.get_by_test_id("tg-language").select_option("ky")
    await first.get_by_role("button", name="A newcomer").click()
    await first.get_by_role("button", name="Start").click()
    await idle(first)
    await press(first, LANGUAGE_NAMES["ky"])
    await press(first, t("ky", "I agree"))
    await type_in(first, "Айдай Бакировна Осмонова")
    await press(first, label(sandbox, "country", "KG", "ky"))
    await press(first, label(sandbox, "agency", "border_guard", "ky"))
    await press(first, t("ky", "Leave empty"))
    await type_in(first, "8 жыл")
    await press(first, label(sandbox, "expertise", "border_management", "ky"))
    await press(first, t("ky", "Done"))
    await press(first, label(sandbox, "language", "ky", "ky"))
    await press(first, t("ky", "Done"))
    await press(first, t("ky", "Leave empty"))
    await press(first, t("ky", "Done"))
    await press(first, t("ky", "Send application"))
    await shots.take("application-sent")

    # The Kyrgyz coordinator, on the second phone, approves her.
    await second.get_by_test_id("who").select_option(str(KG_COORDINATOR))
    card = second.get_by_test_id("messages").locator(".msg").filter(
        has_text="Айдай Бакировна Осмонова").last
    await expect_text(card, label(sandbox, "country", "KG", "ru"))
    await press(second, t("ru", "Approve"))
    await playwright_api.expect(card.get_by_role("button")).to_have_count(0)
    await expect_text(card, "Cholpon")
    await shots.take("approved")

    # She asks for the KG chat's link and taps it; the bot lets her in.
    await type_in(first, "/chats")
    await press(first, KG_CHAT)
    await press(first, t("ky", "Join the chat"))
    kg_box = page.get_by_test_id("chats").locator(".chat").filter(has_text=KG_CHAT)
    await expect_text(kg_box.locator(".joins"), "Айдай — approved")
    await expect_text(kg_box.locator(".line").first, "Айдай")
    await shots.take("joined-kg-chat")

    # She answers the event as members see it in /events.
    await type_in(first, "/events")
    event_card = first.get_by_test_id("messages").locator(".msg").filter(
        has_text=EVENT_TITLE).last
    await expect_text(event_card, EVENT_TITLE)
    await event_card.get_by_role("button", name=t("ky", "Going"), exact=True).click()
    await idle(first)
    await expect_text(event_card, "✓")
    await shots.take("going")

    # A day later, the reminder is on her phone.
    await expect_text(page.get_by_test_id("clock"), "Mar 10, 2026")
    await page.get_by_role("button", name="+1 day").click()
    await expect_text(page.get_by_test_id("clock"), "Wed, Mar 11, 2026, 08:00")
    reminder = first.get_by_test_id("messages").locator(".msg").filter(
        has_text=t("ky", "⏰ Reminder"))
    await expect_text(reminder.last, EVENT_TITLE)
    await shots.take("reminder")
    assert not await page.locator("#refused").is_visible()
    assert len(list(tmp_path.glob("*.png"))) == 6


async def test_phone_width_page_in_russian_with_a_calendar_file(
        sandbox_url: tuple[Sandbox, str], browser_page: Any, tmp_path: Path) -> None:
    """At 375 px: one column, no sideways scrolling, the page's own words in Russian, and
    the .ics file the bot sends can be downloaded."""
    _sandbox, url = sandbox_url
    page = browser_page
    await page.set_viewport_size({"width": 375, "height": 812})
    await page.goto(url)
    await page.locator("#lang").select_option("ru")
    await playwright_api.expect(page.get_by_role("button", name="+1 день")).to_be_visible()
    first = page.get_by_test_id("phone-1")
    await first.get_by_test_id("who").select_option(str(KG_MEMBER))
    await press(first, t("ky", "Add to calendar"))
    file_link = first.locator("a.file").last
    await expect_text(file_link, ".ics")
    async with page.expect_download() as download_info:
        await file_link.click()
    download = await download_info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(str(saved))
    assert saved.suffix == ".ics" and b"BEGIN:VCALENDAR" in saved.read_bytes()
    await page.screenshot(path=str(tmp_path / "375px.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    boxes = [await page.get_by_test_id(name).bounding_box() for name in ("phone-1", "phone-2")]
    assert boxes[0] and boxes[1] and boxes[1]["y"] > boxes[0]["y"]  # stacked, not side by side
