"""The bot's HTTP session: aiogram's, except that reused keyboards are serialised once.

Every newcomer's first reply carries the same language picker; serialising its seven
buttons again for each of them was a measurable share of that reply's cost.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.types import InlineKeyboardMarkup

# id -> (the keyboard itself, kept alive so the id stays its own; its JSON once known)
_STATIC: dict[int, tuple[InlineKeyboardMarkup, str | None]] = {}


def static_keyboard(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """Declare a keyboard that is built once and never changed afterwards."""
    _STATIC.setdefault(id(markup), (markup, None))
    return markup


class BotSession(AiohttpSession):
    def prepare_value(self, value: Any, bot: Bot, files: dict[str, Any],
                      _dumps_json: bool = True) -> Any:
        if _dumps_json and isinstance(value, InlineKeyboardMarkup):
            known = _STATIC.get(id(value))
            if known is not None and known[0] is value:
                if known[1] is None:
                    known = (value, super().prepare_value(value, bot, files, _dumps_json))
                    _STATIC[id(value)] = known
                return known[1]
        return super().prepare_value(value, bot, files, _dumps_json)
