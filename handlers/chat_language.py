"""The language the bot writes in each bound chat (event cards posted there), set from /channels.

Unless an administrator sets one, the regional chat reads Russian and a country's chat its
country's language (``bot.db.repositories.chats.chat_locale``).
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ChatAction, ChatCb
from bot.clock import Clock
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.chats import ChatRepo, chat_locale
from bot.i18n import LANGUAGE_NAMES
from bot.keyboards import button, rows
from bot.services.roles import Actor
from handlers.ui import edit_text, query_message, stale_button


async def cb_chat_language(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                           chats: ChatRepo, audit: AuditRepo, clock: Clock) -> None:
    message = query_message(query)
    if not actor.is_admin or message is None:
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    chat = await chats.get(callback_data.chat_id)
    if chat is None or not chat.bound:
        await stale_button(query)
        return
    chosen = callback_data.value
    if not chosen:  # the picker, her current choice ticked
        await query.answer()
        current = chat_locale(chat)
        await message.answer(
            _("In which language should I write in «{title}»?").format(title=escape(chat.title)),
            reply_markup=rows(*[[button(("✓ " if code == current else "") + name, ChatCb(
                action=ChatAction.LANGUAGE, chat_id=chat.chat_id, value=code))]
                for code, name in LANGUAGE_NAMES.items()]))
        return
    if chosen not in LANGUAGE_NAMES:
        await stale_button(query)
        return
    await chats.set_locale(chat.chat_id, chosen)
    await audit.record(clock.now(), actor.user_id, "chat_language",
                       country_code=chat.country_code,
                       details=f"chat {chat.chat_id}: {chosen}")
    await query.answer()
    await edit_text(message, _("I will write in «{title}» in {language}.").format(
        title=escape(chat.title), language=LANGUAGE_NAMES[chosen]), None)


def create_router() -> Router:
    router = Router(name="chat_language")
    router.callback_query.register(cb_chat_language,
                                   ChatCb.filter(F.action == ChatAction.LANGUAGE))
    return router
