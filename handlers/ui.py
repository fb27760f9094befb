"""Small helpers for editing messages the way users expect."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message


async def edit_text(message: Message, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit in place; pressing the same choice twice is not an error for her."""
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise
