"""The bot's HTTP session: aiogram's, with three differences.

- Reused keyboards are serialised once: every newcomer's first reply carries the same
  language picker, and serialising its seven buttons again for each of them was a measurable
  share of that reply's cost.
- getUpdates is parsed update by update. aiogram parses the whole list at once, so one update
  its models cannot read (a field Telegram added or changed) failed every poll and stopped
  the bot for everyone; here that update is skipped, logged once by its id, and confirmed
  with the next poll's offset so Telegram does not send it again.
- "Message is not modified" (an edit that changes nothing: a double tap, a progress message
  whose figures did not move) is the edit having nothing to do, not an error: the edit
  returns ``True`` as Telegram does for edits of inline messages.
- A failed ``answerCallbackQuery`` (a 5xx, a timeout, a query too old) is logged and counts
  as answered: by then what she pressed is done, and the handler must go on to show it (the
  spinner stops by itself). Every handler answers the press before it edits the message, so
  one failed popup left her looking at the old state with "something went wrong".
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery, EditMessageCaption, EditMessageMedia, EditMessageReplyMarkup, EditMessageText, GetUpdates,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup, Update
from pydantic import ValidationError

from bot.speed import keyboard_json

logger = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"
_EDITS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption, EditMessageMedia)

def _unanswered(error: Exception) -> bool:
    logger.warning("a button press could not be answered: %s", type(error).__name__)
    return True


class BotSession(AiohttpSession):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._skipped_through = 0  # the highest update id skipped as unparseable

    async def make_request(self, bot: Bot, method: TelegramMethod[Any],
                           timeout: int | None = None) -> Any:
        if isinstance(method, GetUpdates) and (method.offset or 0) <= self._skipped_through:
            method.offset = self._skipped_through + 1
        try:
            return await super().make_request(bot, method, timeout)
        except TelegramBadRequest as exc:
            if isinstance(method, _EDITS) and NOT_MODIFIED in exc.message.lower():
                return True
            if isinstance(method, AnswerCallbackQuery):
                return _unanswered(exc)
            raise
        except (TelegramAPIError, ClientDecodeError) as exc:
            if isinstance(method, AnswerCallbackQuery):
                return _unanswered(exc)
            raise

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int,
                       content: str) -> Response[Any]:
        if not (isinstance(method, GetUpdates) and status_code == 200):
            return super().check_response(bot, method, status_code, content)
        try:  # the whole list at once, as aiogram does: the common case costs nothing more
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError:
            parsed = self._parse_updates(bot, content)  # one bad update: skip only that one
            if parsed is None:
                raise
            return parsed

    def _parse_updates(self, bot: Bot, content: str) -> Response[list[Update]] | None:
        """Each update on its own; ``None`` leaves anything but a list of results to aiogram
        (and its errors)."""
        try:
            data = self.json_loads(content)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("ok") is not True \
                or not isinstance(data.get("result"), list):
            return None
        updates: list[Update] = []
        for raw in data["result"]:
            try:
                updates.append(Update.model_validate(raw, context={"bot": bot}))
            except ValidationError as exc:
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                if isinstance(update_id, int):
                    self._skipped_through = max(self._skipped_through, update_id)
                logger.warning("skipped update %s: it cannot be parsed (%s)", update_id, exc)
        return Response[list[Update]].model_construct(ok=True, result=updates)

    def prepare_value(self, value: Any, bot: Bot, files: dict[str, Any],
                      _dumps_json: bool = True) -> Any:
        if _dumps_json and isinstance(value, InlineKeyboardMarkup):
            return keyboard_json(
                value, lambda: super(BotSession, self).prepare_value(value, bot, files, True))
        return super().prepare_value(value, bot, files, _dumps_json)
