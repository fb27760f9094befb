"""The association's chats as the bot knows them: the bot's rights in each, which one is bound
to which country (or is the regional chat), who it saw join, and the audit of what staff do
with them (binding, unbinding, posting, confirming a removal).

Who may be in a chat, join links and removals are :mod:`bot.services.chat_access`; this is
what /channels, /post and the chat events need, so that handlers never hold the repositories.
"""

from __future__ import annotations

from datetime import datetime

from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.chats import ChatRepo, KnownChat
from bot.services.chat_access import ChatAccessService


class ChatRegistry:
    def __init__(self, chats: ChatRepo, audit: AuditRepo, chat_access: ChatAccessService
                 ) -> None:
        self._chats = chats
        self._audit = audit
        self._chat_access = chat_access

    async def get(self, chat_id: int) -> KnownChat | None:
        return await self._chats.get(chat_id)

    async def all(self) -> list[KnownChat]:
        return await self._chats.all()

    async def bound(self) -> list[KnownChat]:
        return await self._chats.bound()

    async def record_bot_status(self, chat_id: int, title: str, chat_type: str, status: str,
                                *, can_invite: bool, can_restrict: bool, can_post: bool,
                                now: datetime) -> KnownChat:
        """The bot's own membership changed there: remember its status and rights."""
        await self._chats.record_bot_status(chat_id, title, chat_type, status, can_invite,
                                            can_restrict, can_post, now)
        chat = await self._chats.get(chat_id)
        assert chat is not None
        return chat

    async def note_member(self, chat_id: int, user_id: int, status: str, now: datetime
                          ) -> None:
        """Someone joined or left a chat the bot knows: remembered for the daily check."""
        if await self._chats.get(chat_id) is not None:
            await self._chats.set_member(chat_id, user_id, status, now)

    async def migrate(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: everything follows it to its new id."""
        await self._chats.migrate(old_id, new_id, "supergroup")

    async def bind(self, chat_id: int, country_code: str | None, actor_id: int,
                   now: datetime) -> KnownChat:
        """Bind it as that country's chat (None: the regional chat), replacing the chat that
        held that place before."""
        await self._chats.bind(chat_id, country_code, actor_id, now)
        await self._audit.record(now, actor_id, "bind_chat", country_code=country_code,
                                 details=f"chat {chat_id}")
        chat = await self._chats.get(chat_id)
        assert chat is not None
        return chat

    async def unbind(self, chat_id: int, now: datetime, actor_id: int | None = None) -> bool:
        """False if it was not bound (a second press). ``actor_id`` None: the bot was removed
        from the chat, nobody decided it."""
        done = await self._chats.unbind(chat_id)
        if done and actor_id is not None:
            await self._audit.record(now, actor_id, "unbind_chat", details=f"chat {chat_id}")
        return done

    async def posted(self, actor_id: int, chat_id: int, now: datetime) -> None:
        """A coordinator's /post went out to that chat."""
        chat = await self._chats.get(chat_id)
        await self._audit.record(now, actor_id, "post_to_chat",
                                 country_code=chat.country_code if chat else None,
                                 details=f"chat {chat_id}")

    async def remove_intruder(self, actor_id: int, user_id: int, chat: KnownChat,
                              now: datetime) -> bool:
        """Staff confirmed the removal of someone the daily check found: queued if
        she is still not entitled (False: she is entitled by now)."""
        queued = await self._chat_access.remove_intruder(user_id, chat.chat_id, actor_id, now)
        if queued:
            await self._audit.record(now, actor_id, "remove_from_chat", target_id=user_id,
                                     country_code=chat.country_code)
        return queued
