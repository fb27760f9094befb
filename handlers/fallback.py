"""Whatever no other router took: a short hint in her language, never silence or a crash."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.ui import stale_button


async def unknown_command(message: Message) -> None:
    await message.answer(_("I don't know this command. /help lists what you can do."))


async def stray_message(message: Message) -> None:
    await message.answer(_("I didn't understand that. /help lists what you can do."))


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(stray_message, F.chat.type == "private")
    router.callback_query.register(stale_button)
    return router
