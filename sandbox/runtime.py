"""One sandbox: the emulator, the real bot polling it, the demo association and a moved clock.

Everything the page does goes through here, one action at a time (as one person with one
phone would): she types, presses a button or taps a link, then the delivery engine runs, so
what the bot queued is on the phones when the page looks again. A jump of the clock walks the
time in hourly steps, each followed by a scheduler tick and the delivery engine, so nothing
that falls due in between (a reminder an hour before) is jumped over. Its database is a file in
a temporary folder of its own, never ``DATABASE_PATH``; :meth:`Sandbox.reset` starts over.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from bot.config import Settings
from bot.telegram_session import NOT_MODIFIED
from sandbox.emulator.server import SentMessage, TelegramEmulator, UserHandle
from sandbox.runner import BotRunner
from sandbox.seed import ADMIN_ID, Persona, Seeded, seed

TOKEN = "7000000001:SANDBOX-not-a-real-token"
STEP = timedelta(hours=1)
MAX_JUMP = timedelta(days=31)
NEWCOMER_ROLES = {"pending": "applicant", "needs_info": "applicant", "approved": "member",
                  "suspended": "member", "rejected": "applicant"}
NEWCOMER_NAMES = {"ru": "Анна", "en": "Emma", "kk": "Дана", "ky": "Айдай", "tg": "Меҳрӣ",
                  "tk": "Aýlar", "uz": "Nodira"}


class SandboxError(Exception):
    """What the page asked for does not exist (an unknown person, message or button).

    ``code`` names the error for the page, which says it in its own language; the text is
    the English fallback."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


class Sandbox:
    def __init__(self, start: datetime | None = None) -> None:
        self._start = start
        self._lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self.version = 0
        self.runner: BotRunner | None = None
        self.emu: TelegramEmulator | None = None
        self.seeded = Seeded()
        self.newcomers: dict[int, str] = {}  # id -> the Telegram language she picked
        self._ids = itertools.count(200001)  # never reused, even across resets
        self._folder: Path | None = None

    # ---- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="association-sandbox-"))
        start = self._start or datetime.now(UTC).replace(second=0, microsecond=0)
        clock = FakeClock(start)
        self.emu = TelegramEmulator(token=TOKEN, bot_username="association_sandbox_bot",
                                    clock=lambda: clock.now().timestamp())
        self.emu.on_change.append(self._bump)
        await self.emu.start()
        settings = Settings(_env_file=None, bot_token=TOKEN,  # type: ignore[call-arg]
                            bot_api_url=self.emu.base_url,
                            database_path=self._folder / "sandbox.sqlite3",
                            admin_ids=frozenset({ADMIN_ID}), default_locale="ru")
        self.runner = BotRunner(self.emu, settings, clock)
        await self.runner.start()
        self.seeded = await seed(self.runner)
        self.newcomers = {}
        await self.runner.tick()
        await self.runner.deliver()
        self._bump()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
        if self.emu is not None:
            await self.emu.stop()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self.runner = self.emu = self._folder = None

    async def reset(self) -> None:
        async with self._lock:
            await self.stop()
            await self.start()

    # ---- live updates -------------------------------------------------------------------

    def _bump(self) -> None:
        self.version += 1

        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        try:
            asyncio.get_running_loop().create_task(notify())
        except RuntimeError:
            pass

    async def wait_change(self, seen: int, timeout: float) -> int:
        """The version after it moves past ``seen`` (or ``timeout`` seconds)."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self.version != seen),
                                       timeout)
            except TimeoutError:
                pass
        return self.version

    # ---- what people do -----------------------------------------------------------------

    @property
    def clock(self) -> FakeClock:
        assert self.runner is not None
        return self.runner.clock

    def _user(self, user_id: int) -> UserHandle:
        assert self.emu is not None
        if self.emu is None or user_id not in self.emu.users:  # (None: a reset is running)
            raise SandboxError("unknown_person", "unknown person")
        return self.emu.user(user_id)

    async def newcomer(self, language: str) -> int:
        """Someone new whose Telegram app speaks ``language``; she has not written yet."""
        assert self.emu is not None
        async with self._lock:
            user_id = next(self._ids)
            self.emu.user(user_id, NEWCOMER_NAMES.get(language, "Alex"),
                          language_code=language or None)
            self.newcomers[user_id] = language
        self._bump()
        return user_id

    async def send(self, user_id: int, text: str) -> None:
        text = text.strip()
        if not text:
            return
        async with self._lock:
            await self._user(user_id).send(text[:4096])
            await self._settle()

    async def press(self, user_id: int, chat_id: int, message_id: int, row: int, column: int
                    ) -> dict[str, Any]:
        """Her press on a button: a callback's answer (a popup), or the link it opens."""
        user = self._user(user_id)
        async with self._lock:
            message = self._message(chat_id, message_id, seen_by=user_id)
            rows = (message.reply_markup or {}).get("inline_keyboard") or []
            if not (0 <= row < len(rows) and 0 <= column < len(rows[row])):
                raise SandboxError("no_such_button", "no such button")
            button = rows[row][column]
            if "callback_data" in button:
                answer = await user.press_data(button["callback_data"], message)
                await self._settle()
                return {"popup": (answer or {}).get("text")}
            url = button.get("url")
            if url and await self._tap_invite(user, url):
                return {"joined": True}
            return {"url": url}

    async def tap_link(self, user_id: int, url: str) -> dict[str, Any]:
        user = self._user(user_id)
        async with self._lock:
            return {"joined": await self._tap_invite(user, url)}

    async def _tap_invite(self, user: UserHandle, url: str) -> bool:
        assert self.emu is not None
        for chat in self.emu.chats.values():
            link = chat.invite_links.get(url)
            if link is not None and self.emu.link_is_valid(link):
                await user.request_join(chat, url)
                await self._settle()
                return True
        return False

    async def advance(self, delta: timedelta) -> None:
        """Time passes: hour by hour, the scheduler and the delivery engine run as they would."""
        if delta <= timedelta(0) or delta > MAX_JUMP:
            raise SandboxError("clock_range", "the clock moves forward by up to a month")
        assert self.runner is not None
        async with self._lock:
            target = self.clock.now() + delta
            while self.clock.now() < target:
                self.clock.set(min(self.clock.now() + STEP, target))
                await self.runner.tick()
                await self.runner.deliver()
        self._bump()

    async def _settle(self) -> None:
        """What the update queued goes out now (the engine's background task in production)."""
        assert self.runner is not None
        await self.runner.deliver()
        self._bump()

    # ---- what the page shows ------------------------------------------------------------

    def _message(self, chat_id: int, message_id: int, seen_by: int | None = None
                 ) -> SentMessage:
        """The bot's message; with ``seen_by``, only in a chat she is in (as in Telegram, the
        messages of someone else's private chat do not exist for her)."""
        assert self.emu is not None
        chat = self.emu.chats.get(chat_id)
        if chat is not None and (seen_by is None or chat.has_member(seen_by)):
            for message in chat.messages:
                if message.message_id == message_id and message.from_bot and not message.deleted:
                    return message
        raise SandboxError("no_such_message", "no such message")

    def document(self, chat_id: int, message_id: int) -> tuple[str, bytes]:
        message = self._message(chat_id, message_id)
        if not message.document or "content" not in message.document:
            raise SandboxError("no_file", "no file")
        return message.document.get("file_name") or "file", message.document["content"]

    async def people(self, lang: str) -> list[dict[str, Any]]:
        """Everyone the visitor can be, with her role, country and language (a newcomer's as
        far as she has come: an applicant once she has sent her profile, then a member)."""
        assert self.runner is not None and self.runner.app is not None
        app = self.runner.app
        chosen = await app.users.locales_of([*self.seeded.people, *self.newcomers])
        result = []
        for person in self.seeded.people.values():
            result.append(_person_json(person, app.reference.country(person.country, lang),
                                       chosen.get(person.id) or person.locale))
        for user_id, language in self.newcomers.items():
            profile = await app.profiles.get(user_id)
            status = profile.status if profile else "draft"
            role = NEWCOMER_ROLES.get(status, "newcomer")
            country = profile.country_code if profile and role != "newcomer" else None
            result.append({"id": user_id, "name": self._user(user_id).user.first_name,
                           "role": role, "locale": chosen.get(user_id) or language,
                           "country": app.reference.country(country, lang) if country else None})
        return result

    def phone(self, user_id: int) -> dict[str, Any]:
        """Her private chat with the bot as her phone shows it, and her command menu."""
        user = self._user(user_id)
        return {"id": user_id, "messages": [_message_json(m) for m in user.chat.messages],
                "menu": [{"command": c, "description": d} for c, d in user.menu()]}

    def chats(self) -> list[dict[str, Any]]:
        """The groups: who is in them, who asked to join and what became of it, the posts."""
        assert self.emu is not None
        names = {uid: _display_name(self.seeded, self.emu, uid) for uid in self.emu.users}
        result = []
        for chat in self.emu.chats.values():
            if chat.type == "private":
                continue
            members = [names.get(uid, str(uid)) for uid, status in chat.members.items()
                       if status in ("member", "administrator", "creator")
                       and uid in self.emu.users]
            result.append({
                "id": chat.id, "title": chat.title,
                "members": sorted(members),
                "pending": sorted(names.get(uid, str(uid)) for uid in chat.pending_requests),
                "joins": [{"name": names.get(uid, str(uid)), "outcome": outcome}
                          for uid, outcome in chat.join_log[-20:]],
                "posts": [_message_json(m) for m in chat.messages if m.from_bot][-20:],
            })
        return result

    async def state(self, lang: str) -> dict[str, Any]:
        """Everything the page shows but the phones. Read under the lock, so a Reset (or a
        jump of the clock) another tab started is waited for, never read halfway."""
        async with self._lock:
            assert self.emu is not None
            version, now = self.version, self.clock.now()
            # "Not modified" is Telegram's normal answer to an edit with nothing to change (a
            # double tap): the bot's session takes it as done, so it is no refusal to show.
            refused = [(m, d) for m, d in self.emu.refused if NOT_MODIFIED not in d.lower()]
            return {
                "version": version,
                "clock": now.isoformat(),
                "people": await self.people(lang),
                "chats": self.chats(),
                "refused": [{"method": m, "description": d} for m, d in refused[-10:]],
                "violations": self.emu.violations[-10:],
            }


def _person_json(person: Persona, country: str, locale: str) -> dict[str, Any]:
    return {"id": person.id, "name": f"{person.first_name} {person.last_name}",
            "role": person.role, "country": country, "locale": locale}


def _display_name(seeded: Seeded, emu: TelegramEmulator, user_id: int) -> str:
    person = seeded.people.get(user_id)
    if person is not None:
        return f"{person.first_name} {person.last_name}"
    user = emu.users[user_id]
    return " ".join(filter(None, (user.first_name, user.last_name)))


def _message_json(message: SentMessage) -> dict[str, Any]:
    data: dict[str, Any] = {"id": message.message_id, "chat": message.chat_id,
                            "bot": message.from_bot, "text": message.text or "",
                            "html": message.html, "edited": message.edits > 0,
                            "deleted": message.deleted}
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        data["keyboard"] = [[{"text": b["text"], "url": b.get("url")} for b in row]
                            for row in message.reply_markup["inline_keyboard"]]
    if message.document:
        data["file"] = message.document.get("file_name") or "file"
    return data
