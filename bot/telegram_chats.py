"""The :class:`ChatGateway` over aiogram: what the chat rules need from Telegram."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramAPIError

from bot.services.chat_access import ChatGatewayError
from bot.telegram_delivery import classify

# What a Telegram call can fail with besides TelegramAPIError: an HTML page or a garbled body.
_FAILURES = (TelegramAPIError, ClientDecodeError, UnicodeDecodeError, OSError, TimeoutError)


def _wrap(exc: Exception) -> ChatGatewayError:
    kind = classify(exc).kind  # the delivery engine's rules, decided in one place
    return ChatGatewayError(type(exc).__name__, retryable=kind.passing, kind=kind)


class TelegramChats:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def create_join_link(self, chat_id: int, name: str, expire_at: datetime) -> str:
        try:
            link = await self._bot.create_chat_invite_link(
                chat_id, name=name[:32], expire_date=expire_at, creates_join_request=True)
        except _FAILURES as exc:
            raise _wrap(exc) from exc
        return link.invite_link

    async def username_of(self, user_id: int) -> str | None:
        """Her @username as it is now (contacts are sent only after consent; nothing of it is
        stored). None if she has none or Telegram cannot tell."""
        try:
            chat = await self._bot.get_chat(user_id)
        except _FAILURES:
            return None
        return chat.username

    async def username_now(self, user_id: int) -> str | None:
        """Her @username as it is now, for a contact that must not go out without it: a
        failure Telegram did not decide (an HTML page, a garbled body, a timeout) raises
        the delivery engine's ``DeliveryError`` so the outbox tries again later; one
        it did decide (no such chat) reads as no username."""
        try:
            chat = await self._bot.get_chat(user_id)
        except _FAILURES as exc:
            error = classify(exc)
            if error.kind.passing:
                raise error from exc
            return None
        return chat.username

    async def member_status(self, chat_id: int, user_id: int) -> str:
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except _FAILURES as exc:
            raise _wrap(exc) from exc
        if member.status == "restricted" and not getattr(member, "is_member", True):
            return "left"
        return str(member.status)

    async def remove(self, chat_id: int, user_id: int) -> None:
        """Ban, then unban at once: she is out, and may come back if reinstated."""
        try:
            await self._bot.ban_chat_member(chat_id, user_id)
            await self._bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
        except _FAILURES as exc:
            raise _wrap(exc) from exc
