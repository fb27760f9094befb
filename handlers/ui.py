"""Small helpers for editing messages the way users expect."""

from __future__ import annotations

from enum import Enum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError, TelegramBadRequest, TelegramNetworkError, TelegramServerError,
)
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards import drop_keyboard

__all__ = ["drop_keyboard", "edit_by_id", "edit_text", "query_message", "show", "stale_button"]


# Answers to an edit that mean "nothing to do": the message is gone meanwhile. ("Not
# modified", a double tap, is answered as done by the bot's session, bot/telegram_session.py.)
HARMLESS_EDIT_ERRORS = ("message to edit not found", "message can't be edited")


async def edit_text(message: Message, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit in place; pressing the same choice twice is not an error for her."""
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as exc:
        if not any(harmless in exc.message for harmless in HARMLESS_EDIT_ERRORS):
            raise


async def edit_by_id(bot: Bot, chat_id: int, message_id: int, text: str,
                     keyboard: InlineKeyboardMarkup | None = None) -> bool:
    """Edit an earlier message of the chat the update came from, in reply to it (a card the
    prompt she just answered belongs to); False if it can't be edited any more."""
    try:
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id,
                                    reply_markup=keyboard)
    except TelegramAPIError:
        return False
    return True


async def show(message: Message, text: str, keyboard: InlineKeyboardMarkup | None, *,
               edit: bool) -> None:
    """Replace the message (paging through a list) or send a new one."""
    if edit:
        await edit_text(message, text, keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


def query_message(query: CallbackQuery) -> Message | None:
    """The message a button belongs to, if it is still accessible (not older than 48 hours)."""
    return query.message if isinstance(query.message, Message) else None


async def append_note(message: Message, note: str,
                      keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Close a question in place: its text stays, her answer is noted below, buttons go
    (or give way to ``keyboard``). Her answer has counted by now: if Telegram fails the edit
    (a 5xx, a timeout), the note comes as a new message instead; pressing an old button
    again then says what she answered."""
    try:
        await edit_text(message, (message.html_text or "") + "\n\n" + note, keyboard)
    except (TelegramServerError, TelegramNetworkError):
        await message.answer(note, reply_markup=keyboard)


async def ask_for_text(message: Message) -> None:
    """A photo, sticker or file where a typed answer is expected."""
    await message.answer(_("Please answer with a text message."))



async def answer_with_note(query: CallbackQuery, message: Message, note: str, *,
                           again: bool) -> None:
    """Her answer counted: the press is answered and the question closed with ``note``.
    ``again``: she had given it before (a double tap, or a retry after Telegram failed to
    show the first): the popup says what she answered, and a message that says so already
    is left as it is."""
    await query.answer(note if again else None)
    if again and note in (message.html_text or ""):
        return
    await append_note(message, note)


async def stale_button(query: CallbackQuery) -> None:
    """A button from an old message, or data nobody's button carries."""
    await query.answer(_("This button is no longer valid."), show_alert=True)


async def not_for_you(query: CallbackQuery) -> None:
    """Someone pressing a button meant for another member (checked on the server)."""
    await query.answer(_("This button is not meant for you."), show_alert=True)


async def refused(query: CallbackQuery, outcome: Enum) -> bool:
    """Tell her why an answer did not count (another's button, or a request closed since);
    True if it did not. Services name these outcomes ``not_yours`` and ``gone``."""
    if outcome.value == "not_yours":
        await not_for_you(query)
        return True
    if outcome.value == "gone":
        await query.answer(_("This request is no longer open."), show_alert=True)
        return True
    return False
