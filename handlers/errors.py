"""The global error handler: log with the update id, tell her in her language, keep running."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import use_locale

logger = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot, i18n: I18n, locale: str | None = None) -> bool:
    update = event.update
    logger.error(
        "update %s failed: %s", update.update_id, type(event.exception).__name__,
        exc_info=event.exception,
    )
    chat_id = None
    if update.message and update.message.chat.type == "private":
        chat_id = update.message.chat.id
    elif update.callback_query and update.callback_query.from_user:
        chat_id = update.callback_query.from_user.id
    if chat_id is None:
        return True
    with use_locale(i18n, locale or i18n.default_locale):
        text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query:
            await bot.answer_callback_query(update.callback_query.id, text=text, show_alert=True)
        else:
            await bot.send_message(chat_id, text)
    except Exception:  # the user must not be able to crash the error handler too
        logger.warning("could not tell user about the failure of update %s", update.update_id)
    return True


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
