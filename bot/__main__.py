"""``python -m bot``: settings -> logging -> database -> dispatcher -> polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import sys

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import create_bot, create_dispatcher, open_app
from bot.config import Settings, SettingsError, load_settings
from bot.logging_setup import setup_logging

logger = logging.getLogger("bot")
WEBHOOK_PATH = "/webhook"


async def run_polling(dp: Dispatcher, bot: Bot) -> None:
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot, handle_signals=True)


async def run_webhook(dp: Dispatcher, bot: Bot, settings: Settings) -> None:
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    webapp = web.Application()
    # SimpleRequestHandler answers 401 when X-Telegram-Bot-Api-Secret-Token is wrong or missing.
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
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
    runner = web.AppRunner(webapp)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    logger.info("webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # stops taking requests, lets in-flight ones finish, runs shutdown


async def main(settings: Settings) -> None:
    app = await open_app(settings)
    try:
        bot = create_bot(settings)
        dp = create_dispatcher(app)
        if settings.use_webhook:
            await run_webhook(dp, bot, settings)
        else:
            await run_polling(dp, bot)
    finally:
        await app.close()
        logger.info("stopped")


def run(coroutine) -> None:  # type: ignore[no-untyped-def]
    """uvloop where it exists (Linux, macOS): a faster event loop for the same code."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


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
        run(main(settings))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(cli())
