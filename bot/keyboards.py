"""Keyboard builders. They take labels already translated by the caller."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import LanguageCb
from bot.i18n import LANGUAGE_NAMES
from bot.speed import static_keyboard

Choice = tuple[str, CallbackData | str]


def button(text: str, data: CallbackData | str) -> InlineKeyboardButton:
    packed = data.pack() if isinstance(data, CallbackData) else data
    return InlineKeyboardButton(text=text, callback_data=packed)


def url_button(text: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, url=url)


def rows(*lines: Iterable[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(line) for line in lines if line])


def column(choices: Iterable[Choice], width: int = 1) -> list[list[InlineKeyboardButton]]:
    """Lay out choices in rows of ``width`` buttons."""
    buttons = [button(text, data) for text, data in choices]
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


@lru_cache(maxsize=16)
def language_picker(selected: str | None) -> InlineKeyboardMarkup:
    """Each language in its own name; Telegram's guess is marked, never imposed.

    Built once per pre-selection: it is the first thing every newcomer gets."""
    choices = [
        (("✓ " if code == selected else "") + name, LanguageCb(code=code))
        for code, name in LANGUAGE_NAMES.items()
    ]
    return static_keyboard(InlineKeyboardMarkup(inline_keyboard=column(choices, width=2)))


async def drop_keyboard(bot: Bot, chat_id: int, message_id: int | None) -> None:
    """Take an earlier message's buttons away, best effort: if Telegram can't (gone, too
    old, down), its buttons still refuse when pressed."""
    if not message_id:
        return
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id,
                                            reply_markup=None)
    except TelegramAPIError:
        pass
