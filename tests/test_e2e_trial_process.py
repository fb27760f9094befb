"""Trial: the mentorship flows against the real ``python -m bot`` process and the emulator.

The in-process trials cannot see what only the entry point does (its real clock, its outbox
after a SIGTERM, its signal handling), so these act as a mentor, a mentee and a stranger
against the bot running as its own process. Labels are read from the bot's own catalogs in
each user's language; every wait is :func:`tests.processes.eventually` (no sleeps).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.i18n import create_i18n, use_locale
from tests.emulator.server import Fault, TelegramEmulator, UserHandle
from tests.processes import BotProcess, bot_env, eventually

I18N = create_i18n("en")
MENTOR, MENTEE, STRANGER = 7101, 7102, 7103


def t(locale: str, msgid: str, **values: object) -> str:
    with use_locale(I18N, locale):
        from aiogram.utils.i18n import gettext

        text = gettext(msgid)
    return text.format(**values) if values else text


async def seed(db_path: Path, *members: tuple[int, str, str, str, int]) -> None:
    """Approved members (id, locale, country, username, years), all speaking Russian."""
    from datetime import UTC, datetime

    from bot.clock import to_db
    from bot.db import Database, apply_migrations

    db = await Database.open(db_path)
    try:
        await apply_migrations(db)
        stamp = to_db(datetime(2026, 1, 1, tzinfo=UTC))
        visible = "name,agency,position,years,expertise,languages,bio"
        for user_id, locale, country, username, years in members:
            await db.execute("INSERT INTO users (id, locale, created_at, last_seen_at) "
                             "VALUES (?, ?, ?, ?)", (user_id, locale, stamp, stamp))
            await db.execute(
                "INSERT INTO profiles (user_id, status, full_name, country_code, agency_code, "
                "years_of_service, visible_fields, created_at, updated_at, decided_at) "
                "VALUES (?, 'approved', ?, ?, 'police', ?, ?, ?, ?, ?)",
                (user_id, f"Name{user_id}", country, years, visible, stamp, stamp, stamp))
            await db.execute("INSERT INTO profile_languages (user_id, code) VALUES (?, 'ru')",
                             (user_id,))
            await db.execute("INSERT INTO profile_expertise (user_id, code) "
                             "VALUES (?, 'cybercrime')", (user_id,))
    finally:
        await db.close()


async def area_label(db_path: Path, locale: str) -> str:
    from bot.db import Database
    from bot.db.repositories.reference import ReferenceRepo
    from bot.services.reference import ReferenceData

    db = await Database.open(db_path)
    try:
        return (await ReferenceData.load(ReferenceRepo(db))).label("expertise", "cybercrime",
                                                                   locale)
    finally:
        await db.close()


class World:
    """The emulator, the bot process and the three people of these scenarios."""

    def __init__(self, emu: TelegramEmulator, tmp_path: Path, bot: BotProcess) -> None:
        self.emu, self.tmp_path, self.bot = emu, tmp_path, bot
        self.mentor = emu.user(MENTOR, "Aigerim", language_code="ru", username="aigerim_kz")
        self.mentee = emu.user(MENTEE, "Nurgul", language_code="en", username="nurgul_kg")
        self.stranger = emu.user(STRANGER, "Eve", language_code="kk", username="eve_x")
        for user in (self.mentor, self.mentee, self.stranger):
            user.user.started = True

    async def until(self, cond: Callable[[], bool], what: str, timeout: float = 30) -> None:
        await eventually(cond, what, self.bot, timeout)

    async def press(self, user: UserHandle, label: str, then: Callable[[], bool],
                    what: str) -> None:
        await self.until(lambda: any(label in (b, b.removeprefix("✓ "))
                                     for b in user.last.button_labels())
                         if user.bot_messages else False, f"the button {label!r}")
        await user.press(label, user.last)
        await self.until(then, what)

    async def send(self, user: UserHandle, text: str, then: Callable[[], bool],
                   what: str) -> None:
        await user.send(text, wait=False)
        await self.until(then, what)

    def labels(self, user: UserHandle) -> list[str]:
        return [b.removeprefix("✓ ") for b in user.last.button_labels()] \
            if user.bot_messages else []

    async def offer(self, locale: str = "ru") -> None:
        m = self.mentor
        await self.send(m, "/mentorship", lambda: t(locale, "Offer to mentor") in self.labels(m),
                        "the mentorship menu")
        await self.press(m, t(locale, "Offer to mentor"), lambda: "2" in self.labels(m),
                         "how many places")
        area = await area_label(self.tmp_path / "bot.sqlite3", locale)
        await self.press(m, "2", lambda: area in self.labels(m), "the areas")
        if not m.last.button_labels()[self.labels(m).index(area)].startswith("✓"):
            await self.press(m, area, lambda: f"✓ {area}" in m.last.button_labels(), "the area on")
        await self.press(m, t(locale, "Done"),
                         lambda: t(locale, "twice a month") in self.labels(m), "how often")
        await self.press(m, t(locale, "twice a month"),
                         lambda: m.last_text.startswith(t(locale, "Thank you!")[:8]),
                         "the thank-you")

    async def to_goal_question(self, user: UserHandle, locale: str) -> None:
        await self.send(user, "/mentorship",
                        lambda: t(locale, "Find a mentor") in self.labels(user), "the menu")
        area = await area_label(self.tmp_path / "bot.sqlite3", locale)
        await self.press(user, t(locale, "Find a mentor"), lambda: area in self.labels(user),
                         "the goal areas")
        if not user.last.button_labels()[self.labels(user).index(area)].startswith("✓"):
            await self.press(user, area, lambda: f"✓ {area}" in user.last.button_labels(),
                             "the area on")
        await self.press(user, t(locale, "Done"), lambda: "/cancel" in user.last_text,
                         "the goal question")

    async def ask(self, locale: str = "en") -> None:
        u = self.mentee
        await self.to_goal_question(u, locale)
        await self.send(u, "Learn <b>crypto</b> & fraud",
                        lambda: t(locale, "any country") in self.labels(u), "where from")
        await self.press(u, t(locale, "any country"),
                         lambda: t(locale, "Ask mentor {number}", number=1) in self.labels(u),
                         "the suggestions")
        await self.press(u, t(locale, "Ask mentor {number}", number=1),
                         lambda: self.mentor.has_button(t("ru", "Accept")), "the proposal")


def contacts(user: UserHandle, username: str) -> int:
    """How many messages she has that carry the other's @username."""
    return sum(f"@{username}" in (m.html or m.text or "") for m in user.bot_messages)


@pytest.fixture
async def world(emulator: TelegramEmulator, tmp_path: Path):  # type: ignore[no-untyped-def]
    await seed(tmp_path / "bot.sqlite3", (MENTOR, "ru", "KZ", "aigerim_kz", 25),
               (MENTEE, "en", "KG", "nurgul_kg", 2), (STRANGER, "kk", "UZ", "eve_x", 3))
    env = bot_env(emulator, tmp_path)
    bot = await BotProcess(tmp_path, env).start()
    w = World(emulator, tmp_path, bot)
    try:
        await eventually(emulator.polling.is_set, "polling", bot)
        yield w
        assert await w.bot.terminate() == 0, w.bot.stderr
    finally:
        await w.bot.kill()


def answers_since(emu: TelegramEmulator, before: int) -> list[dict]:  # type: ignore[type-arg]
    return list(emu.callback_answers.values())[before:]


# --------------------------------------------------------------------------- scenarios


async def test_double_tapped_accept_with_502s_gives_contacts_once(world: World) -> None:
    w, emu = world, world.emu
    await w.offer("ru")
    await w.ask("en")
    proposal, accept = w.mentor.find_button(t("ru", "Accept"))
    emu.faults += [Fault(error=502, method="answerCallbackQuery", times=1)]
    await w.mentor.press_data(accept["callback_data"], proposal)
    await w.mentor.press_data(accept["callback_data"], proposal)  # the double tap
    await w.until(lambda: contacts(w.mentee, "aigerim_kz") >= 1 and
                  contacts(w.mentor, "nurgul_kg") >= 1, "both contacts")
    await w.until(lambda: t("ru", "Accept") not in proposal.button_labels(),
                  "the proposal to show it was accepted", timeout=15)
    # Nothing else is in flight: the outbox is empty before counting.
    await w.until(lambda: _outbox_idle(w.tmp_path), "the outbox to settle")
    assert contacts(w.mentee, "aigerim_kz") == 1
    assert contacts(w.mentor, "nurgul_kg") == 1
    assert w.emu.violations == []
    assert failed_updates(w.bot) == []


def failed_updates(bot: BotProcess) -> list[str]:
    return [line for line in bot.stderr.splitlines() if "handlers.errors" in line]


async def test_a_502_on_the_proposal_edit_is_survived(world: World) -> None:
    w, emu = world, world.emu
    await w.offer("ru")
    await w.ask("en")
    proposal, accept = w.mentor.find_button(t("ru", "Accept"))
    emu.faults.append(Fault(error=502, method="editMessageText", chat_id=MENTOR, times=1))
    await w.mentor.press_data(accept["callback_data"], proposal)
    await w.until(lambda: contacts(w.mentee, "aigerim_kz") >= 1 and
                  contacts(w.mentor, "nurgul_kg") >= 1, "both contacts")
    await w.until(lambda: _outbox_idle(w.tmp_path), "the outbox to settle")
    assert contacts(w.mentee, "aigerim_kz") == 1 and contacts(w.mentor, "nurgul_kg") == 1
    assert failed_updates(w.bot) == [], "a transient 502 must not fail the update"
    # Her proposal still offers Accept if the edit was lost: she must be able to tell.
    assert t("ru", "Accept") not in proposal.button_labels() or any(
        m.message_id > proposal.message_id for m in w.mentor.bot_messages)


def _outbox_idle(tmp_path: Path) -> bool:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
                            ).fetchone()[0] == 0


@pytest.mark.parametrize("command", ["/cancel", "/start"])
async def test_cancel_or_start_mid_goal_question_leaves_the_wizard(world: World,
                                                                   command: str) -> None:
    w = world
    u = w.stranger  # Kazakh
    await w.to_goal_question(u, "kk")
    asked = len(u.bot_messages)
    await w.send(u, command, lambda: len(u.bot_messages) > asked, f"the answer to {command}")
    after = len(u.bot_messages)
    await w.send(u, "This is not a goal any more", lambda: len(u.bot_messages) > after,
                 "the answer to a plain text")
    assert t("kk", "any country") not in w.labels(u), "the wizard went on after " + command
    with sqlite3.connect(w.tmp_path / "bot.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM mentee_requests").fetchone()[0] == 0


async def test_a_4096_character_goal_is_refused_clearly(world: World) -> None:
    w, u = world, world.mentee
    await w.to_goal_question(u, "en")
    asking = u.last
    text = "x" * 4096
    before = (asking.text, len(u.bot_messages))
    await w.send(u, text, lambda: (u.last.text, len(u.bot_messages)) != before, "the answer")
    assert "too long" in u.last_text and "300" in u.last_text
    await w.send(u, "Short goal", lambda: t("en", "any country") in w.labels(u),
                 "the wizard going on")


async def test_forged_accept_by_a_stranger_and_old_accept_after_the_end(world: World) -> None:
    w, emu = world, world.emu
    await w.offer("ru")
    await w.ask("en")
    proposal, accept = w.mentor.find_button(t("ru", "Accept"))
    # The stranger sends the mentor's Accept data from a message of her own chat.
    await w.send(w.stranger, "/mentorship", lambda: bool(w.stranger.bot_messages), "a menu")
    before = len(emu.callback_answers)
    await w.stranger.press_data(accept["callback_data"], w.stranger.last)
    await w.until(lambda: len(emu.callback_answers) > before, "an answer to the forged press")
    answer = answers_since(emu, before)[-1]
    assert answer.get("text"), "a forged press must get a clear answer"
    assert contacts(w.stranger, "nurgul_kg") == 0 and contacts(w.mentee, "eve_x") == 0
    # The real mentor accepts, then ends the pair; the old Accept is pressed again.
    await w.mentor.press_data(accept["callback_data"], proposal)
    await w.until(lambda: contacts(w.mentee, "aigerim_kz") == 1, "the contact")
    m = w.mentor
    await w.send(m, "/mentorship", lambda: t("ru", "My mentorships ({count})", count=1)
                 in w.labels(m), "the menu")
    await w.press(m, t("ru", "My mentorships ({count})", count=1),
                  lambda: t("ru", "End mentorship") in w.labels(m), "the pair card")
    await w.press(m, t("ru", "End mentorship"),
                  lambda: t("ru", "Yes, end it") in w.labels(m), "the confirmation")
    await w.press(m, t("ru", "Yes, end it"),
                  lambda: t("ru", "Yes, end it") not in w.labels(m), "the end")
    await w.until(lambda: _outbox_idle(w.tmp_path), "the outbox to settle")
    seen = contacts(w.mentee, "aigerim_kz")
    before = len(emu.callback_answers)
    await m.press_data(accept["callback_data"], proposal)
    await w.until(lambda: len(emu.callback_answers) > before, "an answer to the old press")
    assert answers_since(emu, before)[-1].get("text"), "an old press must get a clear answer"
    await w.until(lambda: _outbox_idle(w.tmp_path), "the outbox to settle")
    assert contacts(w.mentee, "aigerim_kz") == seen
    with sqlite3.connect(w.tmp_path / "bot.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM mentor_pairs WHERE status = 'active'"
                            ).fetchone()[0] == 0


async def test_sigterm_between_accept_and_contacts_loses_and_doubles_nothing(
        world: World) -> None:
    w, emu = world, world.emu
    await w.offer("ru")
    await w.ask("en")
    outage = Fault(error=502, method="sendMessage", chat_id=MENTEE, times=None)
    emu.faults.append(outage)
    await w.press(w.mentor, t("ru", "Accept"), lambda: outage.hits >= 1,
                  "the contact's delivery to be under way")
    code = await w.bot.terminate()
    assert code == 0, w.bot.stderr
    assert contacts(w.mentee, "aigerim_kz") == 0  # really before the delivery
    outage.stop()
    w.bot = await BotProcess(w.tmp_path, w.bot.env).start()
    await w.until(lambda: contacts(w.mentee, "aigerim_kz") >= 1, "the contact after restart",
                  timeout=60)
    await w.until(lambda: _outbox_idle(w.tmp_path), "the outbox to settle", timeout=60)
    assert contacts(w.mentee, "aigerim_kz") == 1
    assert contacts(w.mentor, "nurgul_kg") == 1


@pytest.mark.parametrize("command", ["/cancel", "/start"])
async def test_cancel_or_start_mid_introduction_reason_leaves_the_step(world: World,
                                                                       command: str) -> None:
    w, m = world, world.mentor  # Russian
    await w.send(m, "/introduce", lambda: t("ru", "Ask to meet someone") in w.labels(m),
                 "the introductions menu")
    any_label = t("ru", "any")
    shown = len(m.bot_messages), m.last.text
    await w.press(m, t("ru", "Ask to meet someone"),
                  lambda: (len(m.bot_messages), m.last.text) != shown, "the country question")
    for what in ("country", "area", "language"):
        shown = len(m.bot_messages), m.last.text
        await w.press(m, any_label, lambda: (len(m.bot_messages), m.last.text) != shown,
                      f"the step after {what}")
    assert any_label not in w.labels(m), "expected the reason question by now"
    asked = len(m.bot_messages)
    await w.send(m, command, lambda: len(m.bot_messages) > asked, f"the answer to {command}")
    after = len(m.bot_messages)
    await w.send(m, "We plan a joint training", lambda: len(m.bot_messages) > after,
                 "the answer to a plain text")
    assert t("ru", "Ask member {number}", number=1) not in w.labels(m), \
        "the reason step went on after " + command
