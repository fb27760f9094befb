"""``python -m bot``: settings -> logging -> database -> dispatcher -> polling or webhook.

A fatal start-up error (a database that cannot be used, a token Telegram refuses) ends the
process at once with one line on stderr and exit code 1, instead of a traceback and a process
kept alive by the database's worker thread.

The webhook server is open to anyone who can reach it, before any secret is checked, so it
bounds what a stranger can hold: a connection must send its request head within
``WEBHOOK_HEAD_TIMEOUT`` (aiohttp's keep-alive timer runs from the connection's start and from
each response, and by default lasts an hour), its body within ``WEBHOOK_BODY_TIMEOUT``, at most
``WEBHOOK_MAX_BODY`` bytes; past ``WEBHOOK_MAX_CONNECTIONS`` the oldest connection without a
request in progress is closed to make room, so idle or half-sent requests cannot starve
Telegram's deliveries.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.app import create_bot, create_dispatcher, open_app
from bot.config import Settings, SettingsError, load_settings
from bot.db.database import DatabaseOpenError
from bot.logging_setup import describe_exception, setup_logging
from bot.speed import run_event_loop

logger = logging.getLogger("bot")
WEBHOOK_PATH = "/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_HEAD_TIMEOUT = 10.0
WEBHOOK_BODY_TIMEOUT = 10.0
WEBHOOK_MAX_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram's own cap is far below
WEBHOOK_MAX_CONNECTIONS = 256  # Telegram opens at most 100 (setWebhook max_connections)


class StartupError(Exception):
    """A fatal start-up error, already worded as the one line to print."""


class UpdateHandler(SimpleRequestHandler):
    """aiogram's handler, except that an update it cannot parse is answered 200 and logged
    once by its id (an error answer would make Telegram send it again and again)."""

    async def _background_feed_update(self, bot: Bot, update: dict[str, Any]) -> None:
        try:
            await super()._background_feed_update(bot, update)
        except ValidationError as exc:
            logger.warning("skipped update %s: it cannot be parsed (%s)",
                           update.get("update_id") if isinstance(update, dict) else None, exc)


def guard_requests(secret: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """The secret is checked before the body is read, and the body must arrive in time."""

    @web.middleware
    async def guard(request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                    ) -> web.StreamResponse:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401, text="Unauthorized")
        try:
            async with asyncio.timeout(WEBHOOK_BODY_TIMEOUT):
                await request.read()  # kept by aiohttp: the handler's request.json() reuses it
        except TimeoutError:
            return web.Response(status=408, text="Request Timeout")
        return await handler(request)

    return guard


class ConnectionLimit:
    """At most ``limit`` open connections; a new one closes the oldest that has no request in
    progress (idle, or still sending its head), or is itself closed when all are busy."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.evicted = 0
        self._open: dict[Any, None] = {}  # insertion order: oldest first
        self._busy: set[Any] = set()

    def bind(self, server: web.Server) -> None:
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler: Any, transport: Any) -> None:
            made(handler, transport)
            self._open[handler] = None
            if len(self._open) > self.limit:
                victim = next((h for h in self._open if h not in self._busy), handler)
                self._open.pop(victim, None)
                self.evicted += 1
                victim.force_close()

        def connection_lost(handler: Any, exc: BaseException | None = None) -> None:
            self._open.pop(handler, None)
            self._busy.discard(handler)
            lost(handler, exc)

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]

    @web.middleware
    async def middleware(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        self._busy.add(request.protocol)
        try:
            return await handler(request)
        finally:
            self._busy.discard(request.protocol)


class LimitedRunner(web.AppRunner):
    """aiohttp's runner, with the server's connections under a :class:`ConnectionLimit`."""

    def __init__(self, app: web.Application, limit: ConnectionLimit, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._limit = limit

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        self._limit.bind(server)
        return server


async def run_polling(dp: Dispatcher, bot: Bot) -> None:
    try:
        await bot.delete_webhook(drop_pending_updates=False)
    except TelegramNetworkError as exc:
        raise StartupError(f"cannot reach the Bot API: {describe_exception(exc)}") from None
    await dp.start_polling(bot, handle_signals=True)


async def start_webhook(dp: Dispatcher, bot: Bot, settings: Settings,
                        limit: ConnectionLimit | None = None) -> web.AppRunner:
    """Register the webhook with Telegram and serve it; the caller cleans the runner up."""
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    limit = limit or ConnectionLimit(WEBHOOK_MAX_CONNECTIONS)
    webapp = web.Application(client_max_size=WEBHOOK_MAX_BODY,
                             middlewares=[limit.middleware, guard_requests(secret)])
    # The handler checks the secret again (401 when wrong or missing).
    UpdateHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        webapp, path=WEBHOOK_PATH
    )
    setup_application(webapp, dp, bot=bot)

    async def register_webhook(_: web.Application) -> None:
        await bot.set_webhook(
            settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
        )

    webapp.on_startup.append(register_webhook)
    runner = LimitedRunner(webapp, limit, access_log=None, handler_args={
        "keepalive_timeout": WEBHOOK_HEAD_TIMEOUT, "max_line_size": 8190,
        "max_field_size": 8190, "max_headers": 64,
    })
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port, backlog=512)
    await site.start()
    logger.info("webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
    return runner


async def until_stopped() -> None:
    """Return at SIGTERM or SIGINT (a server's whole life between its start and clean-up)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_webhook(dp: Dispatcher, bot: Bot, settings: Settings) -> None:
    runner = await start_webhook(dp, bot, settings)
    try:
        await until_stopped()
    finally:
        await runner.cleanup()  # stops taking requests, lets in-flight ones finish, runs shutdown


async def open_app_or_fail(settings: Settings) -> Any:
    try:
        return await open_app(settings)
    except DatabaseOpenError as exc:
        raise StartupError(str(exc)) from None
    except (sqlite3.Error, OSError) as exc:
        raise StartupError(f"cannot use database {settings.database_path}: "
                           f"{describe_exception(exc)}") from None


async def main(settings: Settings) -> None:
    app = await open_app_or_fail(settings)
    try:
        bot = create_bot(settings)
        dp = create_dispatcher(app)
        try:
            if settings.use_webhook:
                await run_webhook(dp, bot, settings)
            else:
                await run_polling(dp, bot)
        except TelegramUnauthorizedError:
            raise StartupError("Telegram refused BOT_TOKEN (401 Unauthorized)") from None
        finally:
            await bot.session.close()
    finally:
        await app.close()
        logger.info("stopped")


def cli() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    secrets = [settings.bot_token.get_secret_value()]
    if settings.webhook_secret:
        secrets.append(settings.webhook_secret.get_secret_value())
    setup_logging(settings.log_level, secrets)
    try:
        run_event_loop(main(settings))
    except KeyboardInterrupt:
        pass
    except StartupError as exc:
        print(f"start-up failed: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


def exit_now_if_stuck(code: int) -> None:
    """A thread nobody can stop (a database connection opened before the failure) must not
    keep the process alive after a fatal start-up error."""
    if code != 0 and any(t.is_alive() and not t.daemon for t in threading.enumerate()
                         if t is not threading.main_thread()):
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    exit_code = cli()
    exit_now_if_stuck(exit_code)
    sys.exit(exit_code)
