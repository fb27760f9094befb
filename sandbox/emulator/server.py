"""A Telegram Bot API emulator: an aiohttp server that the real bot talks to over HTTP.

It serves ``/bot{token}/{method}`` with real ``getUpdates`` long polling and offsets, keeps
every chat's history (with inline keyboards, edits and deletions), lets tests act as users
(send text, press a button by its label, join a chat through an invite link, block the bot),
injects faults per method or chat, and validates every request against the official Bot API
schema: a violation is recorded (the test fixture fails on it) and answered with a 400, as
Telegram would.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox.emulator.validation import parse_telegram_html as _parse_telegram_html
from sandbox.emulator.validation import validate_request

# Users see the plain text of each message; a broadcast parses the same HTML many times.
parse_telegram_html = functools.lru_cache(maxsize=1024)(_parse_telegram_html)

BOT_ID = 7000000001
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})


class NotInChat(Exception):
    """A press on a message of a chat she is not in: Telegram never shows her that message."""


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class Fault:
    """An injected failure.

    ``error`` is 429, 403, 400, any 5xx (a JSON error as Telegram sends it), "drop" (close the
    socket), "html" (a proxy's HTML 502 page, ``text/html``), "garbage" (a 200 whose body is
    not JSON) "truncated" (a 200 whose JSON is cut off halfway) or "binary" (a 200 whose body is not
    even UTF-8, as a stray gzip stream). The request is not
    carried out in any case. ``times`` limits how many calls it hits (None: every one);
    ``since``/``until`` limit it to a window of the emulator's clock (an outage until the
    test's FakeClock reaches a moment); :meth:`stop` switches it off from the test.
    """

    error: int | str
    method: str | None = None
    chat_id: int | None = None
    times: int | None = 1
    retry_after: int = 1
    description: str | None = None
    since: float | None = None
    until: float | None = None
    active: bool = True
    hits: int = 0

    def matches(self, method: str, chat_id: int | None, now: float | None = None) -> bool:
        if not self.active or (self.times is not None and self.times <= 0):
            return False
        if now is not None and ((self.since is not None and now < self.since)
                                or (self.until is not None and now >= self.until)):
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def stop(self) -> None:
        """The outage is over."""
        self.active = False


NGINX_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>"
             "\r\n</body>\r\n</html>\r\n")


@dataclass
class SentMessage:
    """A message in a chat, as the user sees it now (after edits)."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str | None = None
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    protect_content: bool = False
    deleted: bool = False
    edits: int = 0
    raw: dict[str, Any] = field(default_factory=dict)

    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup or "inline_keyboard" not in self.reply_markup:
            return []
        return [b for row in self.reply_markup["inline_keyboard"] for b in row]

    def button_labels(self) -> list[str]:
        return [b["text"] for b in self.buttons()]


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    messages: list[SentMessage] = field(default_factory=list)
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    admin_rights: dict[str, bool] = field(default_factory=dict)
    invite_links: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_requests: set[int] = field(default_factory=set)
    join_log: list[tuple[int, str]] = field(default_factory=list)  # (user id, requested/…)
    _next_message_id: itertools.count = field(default_factory=lambda: itertools.count(1))

    def has_member(self, user_id: int) -> bool:
        """Whether she is in the chat and sees its messages (her own private chat, or a group
        she belongs to)."""
        if self.type == "private":
            return self.id == user_id
        return self.members.get(user_id) in MEMBER_STATUSES

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or "User"
            if self.username:
                data["username"] = self.username
        else:
            data["title"] = self.title or "Group"
        return data


@dataclass
class EmuUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked_bot: bool = False
    started: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


class TelegramEmulator:
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "association_test_bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.clock = clock
        self.bot_user = {
            "id": int(token.split(":")[0]) if token.split(":")[0].isdigit() else BOT_ID,
            "is_bot": True,
            "first_name": "Association Bot",
            "username": bot_username,
        }
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, Chat] = {}
        self.violations: list[str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[Fault] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.rate_limit: float | None = None  # messages per second overall (None: unlimited)
        self.rate_limited = 0  # 429s the limit gave
        self._sent_times: collections.deque[float] = collections.deque()
        self._sent_per_chat: dict[int, collections.deque[float]] = {}
        self.on_bot_message: list[Callable[[SentMessage], None]] = []  # e.g. benchmark timing
        self.on_change: list[Callable[[], None]] = []  # after each request that changes a chat
        # (method, description) Telegram answered 4xx to a request the schema let through
        self.refused: list[tuple[str, str]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._confirmed = 0
        self._new_updates = asyncio.Condition()
        self._allowed_updates: list[str] | None = None
        self._processed: dict[int, asyncio.Future[None]] = {}
        self._callback_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.tracking = False
        self.polling = asyncio.Event()  # set once the bot has asked for updates
        self._closing = False

    # ---- server lifecycle -------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True
        async with self._new_updates:  # release long polls still waiting
            self._new_updates.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    def track_processing(self, add_listener: Callable[[Callable[[int], None]], None]) -> None:
        """Hear from an in-process bot when it has finished each update."""
        self.tracking = True
        add_listener(self._mark_processed)

    def _mark_processed(self, update_id: int) -> None:
        future = self._processed.pop(update_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    # ---- HTTP ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._read_params(request)
        self.requests.append((method, params))
        problems = validate_request(method, params)
        if problems:  # recorded once, as violations (not again among the refusals)
            self.violations.extend(problems)
            self._changed()
            return self._error(ApiError(400, "Bad Request: " + "; ".join(problems)))
        decoded = {k: _decode(v) for k, v in params.items()}
        chat_id = decoded.get("chat_id")
        now = self.clock()
        fault = next(
            (f for f in self.faults
             if f.matches(method, chat_id if isinstance(chat_id, int) else None, now)),
            None,
        )
        if fault is not None:
            if fault.times is not None:
                fault.times -= 1
            fault.hits += 1
            if fault.error == "drop":
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            if fault.error == "html":
                return web.Response(status=502, text=NGINX_502, content_type="text/html")
            if fault.error == "garbage":
                return web.Response(status=200, body=b"ok=true;<<garbage>>\x00",
                                    content_type="application/json")
            if fault.error == "binary":
                return web.Response(status=200, body=b"\x1f\x8b\x08\x00\xff\xfe garbage",
                                    content_type="application/json")
            if fault.error == "truncated":
                return web.Response(status=200, text='{"ok":true,"result":{"message_id":1',
                                    content_type="application/json")
            return self._error(_fault_error(fault))
        if self.rate_limit and method.lower().startswith("send"):
            limited = self._over_limit(chat_id)
            if limited is not None:
                self.rate_limited += 1
                return self._error(limited)
        handler = getattr(self, "m_" + method.lower(), None)
        if handler is None:
            self.violations.append(f"{method}: the emulator does not implement this method")
            return self._error(ApiError(404, "Not Found: method not found"))
        try:
            result = await handler(decoded)
        except ApiError as exc:
            return self._refuse(method, exc)
        if not method.lower().startswith("get"):
            self._changed()
        return web.json_response({"ok": True, "result": result})

    def _refuse(self, method: str, exc: ApiError) -> web.Response:
        self.refused.append((method, exc.description))
        self._changed()
        return self._error(exc)

    def _changed(self) -> None:
        for listener in self.on_change:
            listener()

    def _over_limit(self, chat_id: Any) -> ApiError | None:
        """Telegram's limits: about ``rate_limit`` messages a second overall, one a second per
        private chat, twenty a minute per group."""
        now = time.monotonic()
        window = self._sent_times
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= (self.rate_limit or 0):
            return ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if isinstance(chat_id, int):
            recent = self._sent_per_chat.setdefault(chat_id, collections.deque())
            span, allowed = (60.0, 20) if chat_id < 0 else (1.0, 1)
            while recent and now - recent[0] >= span:
                recent.popleft()
            if len(recent) >= allowed:
                return ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            recent.append(now)
        window.append(now)
        return None

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                for key, value in form.items():
                    params[key] = value
        return params

    @staticmethod
    def _error(exc: ApiError) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.retry_after is not None:
            body["parameters"] = {"retry_after": exc.retry_after}
        return web.json_response(body, status=exc.code)

    # ---- updates -------------------------------------------------------------------------

    async def push_update(self, payload: dict[str, Any], wait: bool = True) -> int:
        """Queue an update; if the bot runs in-process, wait until it has handled it."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **payload}
        kind = next(k for k in payload)
        future: asyncio.Future[None] | None = None
        if self.tracking and wait and self._is_allowed(kind):
            future = asyncio.get_running_loop().create_future()
            self._processed[update_id] = future
        async with self._new_updates:
            self._updates.append(update)
            self._new_updates.notify_all()
        if future is not None:
            await asyncio.wait_for(future, timeout=15)
        return update_id

    def _is_allowed(self, kind: str) -> bool:
        if not self._allowed_updates:
            return kind not in {"chat_member", "message_reaction", "message_reaction_count"}
        return kind in self._allowed_updates

    async def m_getupdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        self.polling.set()
        offset = p.get("offset")
        if offset is not None:
            self._confirmed = max(self._confirmed, int(offset) - 1)
        if "allowed_updates" in p:
            self._allowed_updates = p["allowed_updates"] or None
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)

        def ready() -> list[dict[str, Any]]:
            self._updates = [u for u in self._updates if u["update_id"] > self._confirmed]
            return [
                u for u in self._updates if self._is_allowed(next(k for k in u if k != "update_id"))
            ][:limit]

        async with self._new_updates:
            batch = ready()
            if not batch and timeout > 0:
                try:
                    await asyncio.wait_for(
                        self._new_updates.wait_for(lambda: self._closing or bool(ready())), timeout
                    )
                except TimeoutError:
                    pass
                batch = ready()
        # Updates the bot did not ask for are dropped by Telegram; nobody will process them.
        for update in list(self._updates):
            kind = next(k for k in update if k != "update_id")
            if not self._is_allowed(kind):
                self._updates.remove(update)
                self._mark_processed(update["update_id"])
        return batch

    # ---- users and chats -------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Test", *, language_code: str | None = "en",
             username: str | None = None, last_name: str | None = None) -> UserHandle:
        if user_id not in self.users:
            self.users[user_id] = EmuUser(user_id, first_name, last_name, username, language_code)
            self.chats[user_id] = Chat(user_id, "private", first_name=first_name, username=username)
        return UserHandle(self, self.users[user_id])

    def group(self, chat_id: int, title: str, chat_type: str = "supergroup") -> Chat:
        if chat_id not in self.chats:
            self.chats[chat_id] = Chat(chat_id, chat_type, title=title)
        return self.chats[chat_id]

    async def add_bot(self, chat: Chat, by: UserHandle, *, admin: bool = True,
                      can_invite_users: bool = True, can_restrict_members: bool = True,
                      can_post_messages: bool = True) -> int:
        """Someone adds the bot to a chat (as an administrator with these rights, or not)."""
        bot_id = self.bot_user["id"]
        old = self._member_json(chat, bot_id)
        chat.members[bot_id] = "administrator" if admin else "member"
        chat.admin_rights = {"can_invite_users": can_invite_users,
                             "can_restrict_members": can_restrict_members}
        if chat.type == "channel":
            chat.admin_rights["can_post_messages"] = can_post_messages
        return await self._push_member_update("my_chat_member", chat, by.user, old,
                                              self._member_json(chat, bot_id))

    async def remove_bot(self, chat: Chat, by: UserHandle) -> int:
        bot_id = self.bot_user["id"]
        old = self._member_json(chat, bot_id)
        chat.members[bot_id] = "left"
        return await self._push_member_update("my_chat_member", chat, by.user, old,
                                              self._member_json(chat, bot_id))

    async def plant_member(self, chat: Chat, user: UserHandle, by: UserHandle) -> int:
        """Someone adds a person to the chat directly, past the bot's join requests."""
        old = self._member_json(chat, user.id)
        chat.members[user.id] = "member"
        return await self._push_member_update("chat_member", chat, by.user, old,
                                              self._member_json(chat, user.id))

    async def migrate_to_supergroup(self, chat: Chat, new_id: int, by: UserHandle) -> Chat:
        """A group becomes a supergroup with a new id; the old group says so."""
        new = Chat(new_id, "supergroup", title=chat.title, members=dict(chat.members),
                   admin_rights=dict(chat.admin_rights))
        self.chats[new_id] = new
        chat.members[self.bot_user["id"]] = "left"
        await self.push_update({"message": {
            "message_id": next(chat._next_message_id), "date": int(self.clock()),
            "chat": chat.as_json(), "from": by.user.as_json(), "migrate_to_chat_id": new_id}})
        return new

    async def _push_member_update(self, kind: str, chat: Chat, by: EmuUser,
                                  old: dict[str, Any], new: dict[str, Any]) -> int:
        return await self.push_update({kind: {
            "chat": chat.as_json(), "from": by.as_json(), "date": int(self.clock()),
            "old_chat_member": old, "new_chat_member": new}})

    def _chat(self, chat_id: Any) -> Chat:
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.type == "private":
            user = self.users[chat.id]
            if user.blocked_bot:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _message_json(self, chat: Chat, msg: SentMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": int(self.clock()),
            "chat": chat.as_json(),
            "from": self.bot_user,
        }
        if msg.text is not None:
            data["text"] = msg.text
        if msg.reply_markup:
            data["reply_markup"] = msg.reply_markup
        if msg.document:
            data["document"] = {k: v for k, v in msg.document.items() if k != "content"}
        return data

    def _store_bot_message(self, chat: Chat, p: dict[str, Any], **extra: Any) -> SentMessage:
        text = p.get("text")
        html = None
        if text is not None and p.get("parse_mode") == "HTML":
            html, text = text, parse_telegram_html(text)[0]
        msg = SentMessage(
            message_id=next(chat._next_message_id),
            chat_id=chat.id,
            from_bot=True,
            text=text,
            html=html,
            reply_markup=p.get("reply_markup"),
            protect_content=bool(p.get("protect_content")),
            raw=p,
            **extra,
        )
        chat.messages.append(msg)
        for callback in self.on_bot_message:
            callback(msg)
        return msg

    # ---- bot methods -----------------------------------------------------------------------

    async def m_getme(self, p: dict[str, Any]) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def m_deletewebhook(self, p: dict[str, Any]) -> bool:
        return True

    async def m_setwebhook(self, p: dict[str, Any]) -> bool:
        return True

    # Menus are kept per scope and language: ``commands[(scope, language)]``, the scope being
    # its type ("default", "all_private_chats", …) or "chat:<id>" for one chat.
    @staticmethod
    def _menu_scope(p: dict[str, Any]) -> str:
        scope = p.get("scope") or {"type": "default"}
        if scope["type"] in ("chat", "chat_administrators"):
            return f"{scope['type']}:{scope['chat_id']}"
        if scope["type"] == "chat_member":
            return f"chat_member:{scope['chat_id']}:{scope['user_id']}"
        return str(scope["type"])

    async def m_setmycommands(self, p: dict[str, Any]) -> bool:
        key = (self._menu_scope(p), p.get("language_code") or "")
        if p["commands"]:
            self.commands[key] = p["commands"]
        else:  # as Telegram: an empty list is the same as deleting the menu
            self.commands.pop(key, None)
        return True

    async def m_deletemycommands(self, p: dict[str, Any]) -> bool:
        self.commands.pop((self._menu_scope(p), p.get("language_code") or ""), None)
        return True

    async def m_getmycommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands.get((self._menu_scope(p), p.get("language_code") or ""), []))

    def menu_of(self, user_id: int) -> list[tuple[str, str]]:
        """The menu her Telegram app shows in her private chat, resolved as Telegram does: the
        chat's scope, then all private chats, then the default, each first with her app's
        language and then without one."""
        language = self.users[user_id].language_code or "" if user_id in self.users else ""
        for scope in (f"chat:{user_id}", "all_private_chats", "default"):
            for code in dict.fromkeys((language, "")):
                commands = self.commands.get((scope, code))
                if commands:
                    return [(c["command"], c["description"]) for c in commands]
        return []

    async def m_sendmessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p["chat_id"])
        if chat.type == "channel":
            self._require_right(chat, "can_post_messages", "need administrator rights in the "
                                                          "channel chat")
        elif chat.type != "private" and chat.members.get(self.bot_user["id"], "left") in (
                "left", "kicked"):
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        msg = self._store_bot_message(chat, p)
        return self._message_json(chat, msg)

    async def m_senddocument(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p["chat_id"])
        doc = p["document"]
        if isinstance(doc, str) and doc.startswith("attach://"):
            doc = p.get(doc.removeprefix("attach://"))
        document: dict[str, Any] = {"file_id": "doc" + secrets.token_hex(4),
                                    "file_unique_id": secrets.token_hex(4)}
        if isinstance(doc, FileField):
            document["file_name"] = doc.filename
            document["content"] = doc.file.read()
        caption = p.get("caption")
        plain_caption = caption
        if caption is not None and p.get("parse_mode") == "HTML":
            plain_caption = parse_telegram_html(caption)[0]
        msg = self._store_bot_message(chat, {**p, "text": None}, document=document)
        msg.text = plain_caption
        return self._message_json(chat, msg)

    def _find_message(self, p: dict[str, Any]) -> tuple[Chat, SentMessage]:
        chat = self._chat(p["chat_id"])
        if chat.type in ("group", "supergroup") and chat.members.get(
                self.bot_user["id"], "left") in ("left", "kicked"):
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        for msg in chat.messages:
            if msg.message_id == int(p["message_id"]) and not msg.deleted:
                if not msg.from_bot:
                    raise ApiError(400, "Bad Request: message can't be edited")
                return chat, msg
        raise ApiError(400, "Bad Request: message to edit not found")

    async def m_editmessagetext(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, msg = self._find_message(p)
        text = p["text"]
        html = None
        if p.get("parse_mode") == "HTML":
            html, text = text, parse_telegram_html(text)[0]
        markup = p.get("reply_markup")
        if text == msg.text and markup == msg.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        msg.text, msg.html, msg.reply_markup = text, html, markup
        msg.edits += 1
        return self._message_json(chat, msg)

    async def m_editmessagereplymarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, msg = self._find_message(p)
        markup = p.get("reply_markup")
        if markup == msg.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        msg.reply_markup = markup
        msg.edits += 1
        return self._message_json(chat, msg)

    async def m_deletemessage(self, p: dict[str, Any]) -> bool:
        chat, msg = self._find_message(p)
        msg.deleted = True
        return True

    async def m_answercallbackquery(self, p: dict[str, Any]) -> bool:
        query_id = str(p["callback_query_id"])  # a String that form decoding made a number
        if query_id in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        self.callback_answers[query_id] = p
        return True

    async def m_getchat(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p["chat_id"])
        return {**chat.as_json(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _member_json(self, chat: Chat, user_id: int, status: str | None = None
                     ) -> dict[str, Any]:
        user_json = self.bot_user if user_id == self.bot_user["id"] else (
            self.users[user_id].as_json() if user_id in self.users
            else {"id": user_id, "is_bot": False, "first_name": "Unknown"})
        status = status or chat.members.get(user_id, "left")
        member: dict[str, Any] = {"status": status, "user": user_json}
        if status == "administrator":
            member.update({"can_be_edited": False, "is_anonymous": False,
                           "can_manage_chat": True, "can_delete_messages": True,
                           "can_manage_video_chats": False, "can_restrict_members": False,
                           "can_promote_members": False, "can_change_info": False,
                           "can_invite_users": False, "can_post_stories": False,
                           "can_edit_stories": False, "can_delete_stories": False,
                           # Bot API 10.3 (aiogram 3.31 requires it; api.json is 10.1)
                           "can_send_welcome_messages": False})
            if user_id == self.bot_user["id"]:
                member.update(chat.admin_rights)
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member.update({"is_member": True, "until_date": 0})
        return member

    async def m_getchatmember(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p["chat_id"])
        return self._member_json(chat, int(p["user_id"]))

    def _require_right(self, chat: Chat, right: str, description: str) -> None:
        """Group methods need the bot to be an administrator with the right in question."""
        if chat.type == "private":
            return
        status = chat.members.get(self.bot_user["id"], "left")
        if status in ("left", "kicked"):
            raise ApiError(403, "Forbidden: bot is not a member of the chat")
        if status != "administrator" or not chat.admin_rights.get(right):
            raise ApiError(400, f"Bad Request: {description}")

    async def m_createchatinvitelink(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p["chat_id"])
        self._require_right(chat, "can_invite_users", "not enough rights to manage chat invite link")
        if p.get("creates_join_request") and p.get("member_limit"):
            raise ApiError(400, "Bad Request: can't combine member_limit with join requests")
        link = f"https://t.me/+{secrets.token_urlsafe(12)}"
        data = {"invite_link": link, "creator": self.bot_user,
                "creates_join_request": bool(p.get("creates_join_request")),
                "is_primary": False, "is_revoked": False}
        for key in ("name", "expire_date", "member_limit"):
            if key in p:
                data[key] = p[key]
        chat.invite_links[link] = data
        return data

    def link_is_valid(self, link: dict[str, Any]) -> bool:
        """Neither revoked nor past its expire_date by the emulator's clock (Telegram answers
        INVITE_HASH_EXPIRED to both)."""
        expires = link.get("expire_date")
        return not link.get("is_revoked") and (expires is None or self.clock() < int(expires))

    async def m_revokechatinvitelink(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p["chat_id"])
        data = chat.invite_links.get(p["invite_link"])
        if data is None:
            raise ApiError(400, "Bad Request: INVITE_HASH_EXPIRED")
        data["is_revoked"] = True
        return data

    def _resolve_join_request(self, p: dict[str, Any]) -> tuple[Chat, int]:
        chat = self._chat(p["chat_id"])
        self._require_right(chat, "can_invite_users", "not enough rights")
        user_id = int(p["user_id"])
        if user_id not in chat.pending_requests:
            raise ApiError(400, "Bad Request: HIDE_REQUESTER_MISSING")
        chat.pending_requests.discard(user_id)
        return chat, user_id

    async def m_approvechatjoinrequest(self, p: dict[str, Any]) -> bool:
        chat, user_id = self._resolve_join_request(p)
        chat.members[user_id] = "member"
        chat.join_log.append((user_id, "approved"))
        return True

    async def m_declinechatjoinrequest(self, p: dict[str, Any]) -> bool:
        chat, user_id = self._resolve_join_request(p)
        chat.join_log.append((user_id, "declined"))
        return True

    async def m_banchatmember(self, p: dict[str, Any]) -> bool:
        chat = self._chat(p["chat_id"])
        self._require_right(chat, "can_restrict_members",
                            "not enough rights to restrict/unrestrict chat member")
        chat.members[int(p["user_id"])] = "kicked"
        return True

    async def m_unbanchatmember(self, p: dict[str, Any]) -> bool:
        chat = self._chat(p["chat_id"])
        self._require_right(chat, "can_restrict_members",
                            "not enough rights to restrict/unrestrict chat member")
        user_id = int(p["user_id"])
        if chat.members.get(user_id) == "kicked" or not p.get("only_if_banned"):
            chat.members[user_id] = "left"
        return True


def _fault_error(fault: Fault) -> ApiError:
    if fault.error == 429:
        return ApiError(429, f"Too Many Requests: retry after {fault.retry_after}",
                        retry_after=fault.retry_after)
    if fault.error == 403:
        return ApiError(403, fault.description or "Forbidden: bot was blocked by the user")
    if fault.error == 400:
        return ApiError(400, fault.description or "Bad Request: injected fault")
    return ApiError(int(fault.error), fault.description or "Internal Server Error")


def _decode(value: Any) -> Any:
    """Form values arrive as strings: numbers, booleans and JSON become Python values."""
    if not isinstance(value, str):
        return value
    if value in ("true", "false"):
        return value == "true"
    if value.lstrip("-").isdigit():
        return int(value)
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class UserHandle:
    """A test's hands on one user: everything she can do in Telegram, and what she sees."""

    def __init__(self, emulator: TelegramEmulator, user: EmuUser) -> None:
        self.emu = emulator
        self.user = user
        self._message_ids = itertools.count(100000)
        self._read_upto = 0

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def chat(self) -> Chat:
        return self.emu.chats[self.user.id]

    # what she sees
    @property
    def bot_messages(self) -> list[SentMessage]:
        return [m for m in self.chat.messages if m.from_bot and not m.deleted]

    @property
    def last(self) -> SentMessage:
        messages = self.bot_messages
        if not messages:
            raise AssertionError(f"user {self.id} has received no message")
        return messages[-1]

    @property
    def last_text(self) -> str:
        return self.last.text or ""

    def new_messages(self) -> list[SentMessage]:
        """Bot messages that arrived since the previous call (by message id)."""
        fresh = [m for m in self.bot_messages if m.message_id > self._read_upto]
        if self.chat.messages:
            self._read_upto = max(m.message_id for m in self.chat.messages)
        return fresh

    def all_texts(self) -> list[str]:
        return [m.text or "" for m in self.chat.messages if m.from_bot]

    def menu(self) -> list[tuple[str, str]]:
        """Her command menu as her Telegram app shows it: (command, description) pairs."""
        return self.emu.menu_of(self.id)

    def menu_commands(self) -> list[str]:
        return [command for command, _text in self.menu()]

    # what she does
    def _user_message(self, **content: Any) -> dict[str, Any]:
        msg = SentMessage(message_id=next(self.chat._next_message_id), chat_id=self.id,
                          from_bot=False, text=content.get("text"))
        self.chat.messages.append(msg)
        return {"message_id": msg.message_id, "date": int(self.emu.clock()),
                "chat": self.chat.as_json(), "from": self.user.as_json(), **content}

    async def send(self, text: str, *, wait: bool = True,
                   bold: str | None = None) -> int:
        """Send text; ``bold`` marks a part of it bold, as the Telegram app would."""
        self.user.started = True
        self.user.blocked_bot = False
        content: dict[str, Any] = {"text": text}
        if bold is not None:
            start = text.index(bold)
            content["entities"] = [{"type": "bold",
                                    "offset": len(text[:start].encode("utf-16-le")) // 2,
                                    "length": len(bold.encode("utf-16-le")) // 2}]
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command.encode("utf-16-le")) // 2}]
        return await self.emu.push_update({"message": self._user_message(**content)}, wait=wait)

    async def send_photo(self, caption: str | None = None) -> int:
        self.user.started = True
        content: dict[str, Any] = {"photo": [{"file_id": "ph" + secrets.token_hex(4),
                                              "file_unique_id": secrets.token_hex(4),
                                              "width": 90, "height": 90}]}
        if caption:
            content["caption"] = caption
        return await self.emu.push_update({"message": self._user_message(**content)})

    async def send_sticker(self) -> int:
        self.user.started = True
        return await self.emu.push_update({"message": self._user_message(sticker={
            "file_id": "st" + secrets.token_hex(4), "file_unique_id": secrets.token_hex(4),
            "type": "regular", "width": 512, "height": 512, "is_animated": False,
            "is_video": False, "emoji": "👍"})})

    async def send_contact(self, phone: str = "+77010000000") -> int:
        self.user.started = True
        return await self.emu.push_update({"message": self._user_message(contact={
            "phone_number": phone, "first_name": self.user.first_name, "user_id": self.id})})

    async def send_document(self, name: str = "file.pdf") -> int:
        self.user.started = True
        return await self.emu.push_update({"message": self._user_message(document={
            "file_id": "dc" + secrets.token_hex(4), "file_unique_id": secrets.token_hex(4),
            "file_name": name})})

    async def edit_last_message(self, text: str) -> int:
        mine = [m for m in self.chat.messages if not m.from_bot]
        target = mine[-1]
        target.text = text
        return await self.emu.push_update({"edited_message": {
            "message_id": target.message_id, "date": int(self.emu.clock()),
            "edit_date": int(self.emu.clock()), "chat": self.chat.as_json(),
            "from": self.user.as_json(), "text": text}})

    def find_button(self, label: str, message: SentMessage | None = None) -> tuple[SentMessage, dict[str, Any]]:
        candidates = [message] if message is not None else list(reversed(self.bot_messages))
        for msg in candidates:
            for btn in msg.buttons():
                if btn["text"] == label:
                    return msg, btn
        for msg in candidates:  # a toggle's mark is not part of what she reads as its name
            for btn in msg.buttons():
                if btn["text"].removeprefix("✓ ").removeprefix("✗ ") == label:
                    return msg, btn
        seen = [m.button_labels() for m in candidates[:3]]
        raise AssertionError(f"no button {label!r} for user {self.id}; latest buttons: {seen}")

    def has_button(self, label: str) -> bool:
        return any(label == b for m in self.bot_messages for b in m.button_labels())

    async def press(self, label: str, message: SentMessage | None = None) -> dict[str, Any] | None:
        """Press an inline button by its label (on the newest message that has it)."""
        msg, btn = self.find_button(label, message)
        if "callback_data" not in btn:
            raise AssertionError(f"button {label!r} is not a callback button")
        if not self.emu.chats[msg.chat_id].has_member(self.id):  # as Telegram: not her chat
            raise NotInChat(f"user {self.id} is not in chat {msg.chat_id}")
        return await self.press_data(btn["callback_data"], msg)

    async def press_data(self, data: str, message: SentMessage | None = None) -> dict[str, Any] | None:
        """Send callback data as if a button carried it (forged or replayed buttons, also on
        a message of a chat she is not in, which Telegram never lets through: the bot's own
        checks are what these test)."""
        message = message or self.last
        chat = self.emu.chats[message.chat_id]
        query_id = str(next(self.emu._callback_ids))
        await self.emu.push_update({"callback_query": {
            "id": query_id, "from": self.user.as_json(),
            "message": self.emu._message_json(chat, message),
            "chat_instance": str(chat.id), "data": data}})
        return self.emu.callback_answers.get(query_id)

    def block_bot(self) -> None:
        self.user.blocked_bot = True

    async def request_join(self, chat: Chat, invite_link: str) -> int:
        """Tap an invite link that creates a join request."""
        link = chat.invite_links.get(invite_link)
        if link is None or not self.emu.link_is_valid(link):
            raise AssertionError("invite link is not valid")
        chat.pending_requests.add(self.id)
        chat.join_log.append((self.id, "requested"))
        return await self.emu.push_update({"chat_join_request": {
            "chat": chat.as_json(), "from": self.user.as_json(), "user_chat_id": self.id,
            "date": int(self.emu.clock()), "invite_link": link}})
