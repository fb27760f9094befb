"""The sandbox's page and its small JSON API, served by aiohttp in the bot's own process.

The page (``static/``: plain HTML, CSS and one script, nothing fetched from elsewhere) reads
the state with GETs, acts with JSON POSTs and hears of every change through server-sent
events (``/api/events``: the state's version, each time it moves). POSTs must be JSON, so a
page on another site cannot drive the sandbox with a plain form.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from sandbox.runtime import Sandbox, SandboxError

STATIC = Path(__file__).with_name("static")
PAGE_LANGUAGES = ("en", "ru")
JUMPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SANDBOX = web.AppKey("sandbox", Sandbox)
# a Telegram language_code as IETF tags go: "ru", "en-US", "pt-br" (not markup or objects)
LANGUAGE_CODE = re.compile(r"[a-z]{2,8}(?:-[A-Za-z0-9]{2,8})?")


class BadRequest(ValueError):
    """A field missing or of the wrong kind: the page never sends one, a forged request does."""


def _error(code: str, text: str, status: int) -> web.Response:
    """An error the page can say in its own language (``code``; ``error`` is the English)."""
    return web.json_response({"error": text, "code": code}, status=status)


@web.middleware
async def errors_and_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "POST" and request.content_type != "application/json":
        return _error("json_only", "JSON only", 415)
    try:
        return await handler(request)
    except SandboxError as exc:
        return _error(exc.code, str(exc), 404)
    except (ValueError, KeyError, TypeError, OverflowError):
        return _error("bad_request", "bad request", 400)


def create_web_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(middlewares=[errors_and_json], client_max_size=64 * 1024)
    app[SANDBOX] = sandbox
    app.router.add_get("/", page)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/phone/{user_id:\\d+}", phone)
    app.router.add_get("/api/file/{chat_id:-?\\d+}/{message_id:\\d+}", download)
    app.router.add_get("/api/events", events)
    app.router.add_post("/api/newcomer", newcomer)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/link", link)
    app.router.add_post("/api/clock", move_clock)
    app.router.add_post("/api/reset", reset)
    return app


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX]


async def _body(request: web.Request) -> dict[str, Any]:
    body = await request.json()
    if not isinstance(body, dict):
        raise BadRequest("an object is expected")
    return body


def _int(body: dict[str, Any], key: str) -> int:
    """A JSON integer (1e400, 1.5, true or "7" are not ids, rows or columns)."""
    value = body[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(key)
    return value


def _str(body: dict[str, Any], key: str) -> str:
    value = body[key]
    if not isinstance(value, str):
        raise BadRequest(key)
    return value


async def page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def state(request: web.Request) -> web.Response:
    lang = request.query.get("lang", "en")
    return web.json_response(await _sandbox(request).state(
        lang if lang in PAGE_LANGUAGES else "en"))


async def phone(request: web.Request) -> web.Response:
    return web.json_response(_sandbox(request).phone(int(request.match_info["user_id"])))


async def download(request: web.Request) -> web.Response:
    name, content = _sandbox(request).document(int(request.match_info["chat_id"]),
                                               int(request.match_info["message_id"]))
    return web.Response(body=content, content_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the state's version whenever it changes (and every 15 s)."""
    sandbox = _sandbox(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store"})
    await response.prepare(request)
    seen = -1
    try:
        while True:
            version = sandbox.version if seen < 0 else await sandbox.wait_change(seen, 15)
            await response.write(f"data: {json.dumps({'version': version})}\n\n".encode())
            seen = version
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def newcomer(request: web.Request) -> web.Response:
    body = await _body(request)
    language = body.get("language") or ""
    if not isinstance(language, str) or (language and not LANGUAGE_CODE.fullmatch(language)):
        raise BadRequest("language")
    return web.json_response({"id": await _sandbox(request).newcomer(language)})


async def send(request: web.Request) -> web.Response:
    body = await _body(request)
    await _sandbox(request).send(_int(body, "user"), _str(body, "text"))
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.Response:
    body = await _body(request)
    result = await _sandbox(request).press(*(_int(body, key) for key in (
        "user", "chat", "message", "row", "column")))
    return web.json_response(result)


async def link(request: web.Request) -> web.Response:
    body = await _body(request)
    return web.json_response(await _sandbox(request).tap_link(_int(body, "user"),
                                                              _str(body, "url")))


async def move_clock(request: web.Request) -> web.Response:
    body = await _body(request)
    await _sandbox(request).advance(JUMPS[_str(body, "by")])
    return web.json_response({"clock": _sandbox(request).clock.now().isoformat()})


async def reset(request: web.Request) -> web.Response:
    await _sandbox(request).reset()
    return web.json_response({"ok": True})


async def serve(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8765
                ) -> tuple[web.AppRunner, str]:
    """Serve the page; returns the runner (to clean up) and the page's URL."""
    runner = web.AppRunner(create_web_app(sandbox), access_log=None,
                           shutdown_timeout=1.0)  # open event streams end at once
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://{host}:{bound}/"
