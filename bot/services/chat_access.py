"""Who may be in which of the association's chats, and keeping it so.

Only approved members get into their country's chat and the regional chat (coordinators of a
country also into that country's chat, administrators into all). Join links only create join
requests, and a request is approved only if she is entitled at that moment. When membership
ends, removals go through a durable queue: each (member, chat) row is written in the same
transaction as the change that caused it and deleted when Telegram confirmed the removal, so
a restart halfway loses none. Telegram is reached through :class:`ChatGateway`, never inside a
database transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.db.repositories.chats import ChatRepo, KnownChat, PendingRemoval
from bot.db.repositories.roles import CoordinatorRepo
from bot.db.repositories.users import AccountRow, UserRepo

JOIN_LINK_VALID = timedelta(hours=24)
MAX_REMOVAL_ATTEMPTS = 5
IN_CHAT = frozenset({"member", "administrator", "creator", "restricted"})


class ChatGatewayError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class ChatGateway(Protocol):
    async def create_join_link(self, chat_id: int, name: str, expire_at: datetime) -> str: ...
    async def member_status(self, chat_id: int, user_id: int) -> str: ...
    async def remove(self, chat_id: int, user_id: int) -> None: ...


class JoinLinkOutcome(Enum):
    LINK = "link"
    ALREADY_IN = "already_in"
    NOT_ENTITLED = "not_entitled"
    FAILED = "failed"


@dataclass(frozen=True)
class JoinLink:
    outcome: JoinLinkOutcome
    url: str | None = None


@dataclass(frozen=True)
class RemovalDone:
    removal: PendingRemoval
    chat_title: str


@dataclass(frozen=True)
class Intruder:
    chat: KnownChat
    user_id: int
    removed: bool


def entitled_scopes(account: AccountRow | None) -> set[str | None]:
    """Country codes (None: the regional chat) whose chats she may be in."""
    if account is None or account.status != "approved":
        return set()
    scopes: set[str | None] = {None, account.country_code}
    if account.coordinator_country:
        scopes.add(account.coordinator_country)
    return scopes


class ChatAccessService:
    def __init__(self, chats: ChatRepo, users: UserRepo, coordinators: CoordinatorRepo,
                 admin_ids: frozenset[int], *, auto_remove: bool = False) -> None:
        self._auto_remove = auto_remove
        self._chats = chats
        self._users = users
        self._coordinators = coordinators
        self._admin_ids = admin_ids

    async def entitled_chats(self, user_id: int) -> list[KnownChat]:
        bound = await self._chats.bound()
        if user_id in self._admin_ids:
            return bound
        scopes = entitled_scopes(await self._users.get_account(user_id))
        return [chat for chat in bound if chat.country_code in scopes]

    async def is_entitled(self, user_id: int, chat_id: int) -> bool:
        return any(chat.chat_id == chat_id for chat in await self.entitled_chats(user_id))

    async def join_link(self, user_id: int, chat_id: int, gateway: ChatGateway,
                        now: datetime) -> JoinLink:
        if not await self.is_entitled(user_id, chat_id):
            return JoinLink(JoinLinkOutcome.NOT_ENTITLED)
        try:
            if await gateway.member_status(chat_id, user_id) in IN_CHAT:
                return JoinLink(JoinLinkOutcome.ALREADY_IN)
            url = await gateway.create_join_link(chat_id, f"member {user_id}",
                                                 now + JOIN_LINK_VALID)
        except ChatGatewayError:
            return JoinLink(JoinLinkOutcome.FAILED)
        return JoinLink(JoinLinkOutcome.LINK, url)

    async def admit(self, user_id: int, chat_id: int, now: datetime) -> bool:
        """Decide a join request now; remember whom we let in."""
        if not await self.is_entitled(user_id, chat_id):
            return False
        await self._chats.set_member(chat_id, user_id, "member", now)
        return True

    async def queue_removals(self, user_id: int, reason: str, report_to: int | None,
                             now: datetime, *, everywhere: bool = False) -> int:
        """Queue her removal from every bound chat she is no longer entitled to."""
        keep = set() if everywhere else {c.chat_id for c in await self.entitled_chats(user_id)}
        targets = [c.chat_id for c in await self._chats.bound() if c.chat_id not in keep]
        return await self._chats.enqueue_removals(user_id, targets, reason, report_to, now)

    async def process_removals(self, gateway: ChatGateway) -> list[RemovalDone]:
        """Work through the queue; what fails for a passing reason stays for the next run."""
        done: list[RemovalDone] = []
        for removal in await self._chats.pending_removals():
            chat = await self._chats.get(removal.chat_id)
            try:
                await gateway.remove(removal.chat_id, removal.user_id)
            except ChatGatewayError as exc:
                attempts = await self._chats.removal_failed(removal.id)
                if not exc.retryable or attempts >= MAX_REMOVAL_ATTEMPTS:
                    await self._chats.give_up_removal(removal.id)
                continue
            await self._chats.finish_removal(removal.id, removal.user_id, removal.chat_id)
            done.append(RemovalDone(removal, chat.title if chat else str(removal.chat_id)))
        return done

    async def reconcile(self, gateway: ChatGateway, now: datetime) -> list[Intruder]:
        """Check the members the bot knows about in each bound chat against who is entitled."""
        auto = self._auto_remove
        found: list[Intruder] = []
        for chat in await self._chats.bound():
            for user_id in await self._chats.members_of(chat.chat_id):
                try:
                    status = await gateway.member_status(chat.chat_id, user_id)
                except ChatGatewayError:
                    continue
                if status not in IN_CHAT:
                    await self._chats.set_member(chat.chat_id, user_id, "left", now)
                    continue
                if user_id in self._admin_ids or status in ("administrator", "creator"):
                    continue
                if await self.is_entitled(user_id, chat.chat_id):
                    continue
                if auto:
                    await self._chats.enqueue_removals(user_id, [chat.chat_id], "reconcile",
                                                       None, now)
                found.append(Intruder(chat, user_id, auto))
        return found

    async def remove_intruder(self, user_id: int, chat_id: int, actor_id: int, now: datetime
                              ) -> bool:
        """A coordinator confirmed: queue the removal if she is still not entitled."""
        if await self.is_entitled(user_id, chat_id):
            return False
        await self._chats.enqueue_removals(user_id, [chat_id], "reconcile", actor_id, now)
        return True

    async def coordinators_for(self, country_codes: Iterable[str | None]) -> list[int]:
        people: set[int] = set()
        for code in country_codes:
            if code is None:
                people |= set(self._admin_ids)
            else:
                people |= set(await self._coordinators.of_country(code))
        return sorted(people)
