"""Who may be in which of the association's chats, and keeping it so.

Only approved members get into their country's chat and the regional chat (coordinators of a
country also into that country's chat, administrators into all). Join links only create join
requests, and a request is approved only if she is entitled at that moment. When membership
ends, removals go through a durable queue: each (member, chat) row is written in the same
transaction as the change that caused it and deleted once the removal ended and the
coordinator was told, so a restart halfway loses none. Telegram is reached through
:class:`ChatGateway`, never inside a database transaction.

A removal from a chat she is not in ends quietly (it was not a removal). A failure follows
the delivery engine's rules: a transient one (Telegram unavailable) is retried with backoff
for a day; "not enough rights" is retried a few times on a slower schedule, as an
administrator may still grant the right; anything else definitive ends it. Whatever ends
without her removed is reported as a chat where she still is, and why.

```mermaid
stateDiagram-v2
    queued --> [*]: she is not in the chat (nothing to report)
    queued --> removed: banned and unbanned
    queued --> queued: Telegram unavailable (backoff, 24 h) / no rights (slower, 4 tries)
    queued --> still_in: no rights after the last try, 24 h unavailable, 403, other 400
    removed --> [*]: the coordinator was told
    still_in --> [*]: the coordinator was told
```
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
from bot.services.delivery import RETRY_FOR, FailureKind, backoff

JOIN_LINK_VALID = timedelta(hours=24)
# "Not enough rights": tried again after these waits (an administrator may grant the right),
# then reported as a chat where she still is.
NO_RIGHTS_WAITS = (timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))
IN_CHAT = frozenset({"member", "administrator", "creator", "restricted"})


class ChatGatewayError(Exception):
    def __init__(self, message: str, *, retryable: bool, kind: FailureKind | None = None
                 ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind or (FailureKind.TRANSIENT if retryable else FailureKind.PERMANENT)


class RemovalState(Enum):
    """Where a removal stands, as the coordinator's report tells it."""

    REMOVED = "removed"
    RETRYING_NO_RIGHTS = "retrying_no_rights"  # still in; tried again later
    RETRYING_UNAVAILABLE = "retrying_unavailable"  # still in; Telegram did not answer
    NO_RIGHTS = "no_rights"  # still in: the bot may not remove members there
    UNAVAILABLE = "unavailable"  # still in: Telegram did not answer for a whole day
    NO_ACCESS = "no_access"  # still in: the bot is not in that chat (403)
    REFUSED = "refused"  # still in: Telegram refused (e.g. she is an administrator there)

    @property
    def still_in(self) -> bool:
        return self is not RemovalState.REMOVED

    @property
    def retrying(self) -> bool:
        return self in (RemovalState.RETRYING_NO_RIGHTS, RemovalState.RETRYING_UNAVAILABLE)


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
    """A removal to report: done, ended with her still in the chat, or still retrying."""

    removal: PendingRemoval
    chat_title: str
    state: RemovalState = RemovalState.REMOVED


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

    async def joined(self, user_id: int) -> set[int]:
        """The bound chats she is in, as far as the bot saw (for the ✓ in /chats)."""
        return await self._chats.chats_of(user_id)

    async def coordinators_to_reach(self, user_id: int) -> list[int]:
        """Whom a member whose membership is paused can write to: her country's
        coordinators (never herself)."""
        account = await self._users.get_account(user_id)
        if account is None or not account.country_code:
            return []
        return [c for c in await self._coordinators.of_country(account.country_code)
                if c != user_id]

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

    async def process_removals(self, gateway: ChatGateway, now: datetime
                               ) -> list[RemovalDone]:
        """Work through what is due. Returns what the coordinators are to be told: removals
        that ended (also those a crash kept from being reported) and, once each, those that
        failed and will be tried again."""
        report = [await self._reported(removal) for removal in
                  await self._chats.ended_unreported()]
        for removal in await self._chats.due_removals(now):
            was_in = True
            try:
                was_in = await gateway.member_status(removal.chat_id,
                                                     removal.user_id) in IN_CHAT
                # Removed even when not in it now: a join request may be on its way.
                await gateway.remove(removal.chat_id, removal.user_id)
            except ChatGatewayError as exc:
                state = await self._failed(removal, exc.kind, now, quiet=not was_in)
                if state is not None:
                    report.append(await self._reported(removal, state))
                continue
            if not was_in:  # she was never there, or had left: nothing was removed
                await self._chats.end_removal(removal, "not_in_chat", now, removed=False)
                continue
            await self._chats.end_removal(removal, RemovalState.REMOVED.value, now, removed=True)
            report.append(await self._reported(removal, RemovalState.REMOVED))
        return report

    async def _failed(self, removal: PendingRemoval, kind: FailureKind, now: datetime, *,
                      quiet: bool) -> RemovalState | None:
        """Retry or end it; returns the state to report (None: already told it waits, or
        ``quiet``: she is not in that chat, so nothing is reported either way)."""
        attempts = removal.attempts + 1
        first = removal.first_attempt_at or now
        if kind.passing and now - first < RETRY_FOR:
            # Never wait longer than it has been failing: a removal interrupted by a restart
            # (or queued again at once) is tried on the next run, not minutes later.
            wait = min(backoff(attempts), now - first)
            state = RemovalState.RETRYING_UNAVAILABLE
        elif kind is FailureKind.NO_RIGHTS and attempts <= len(NO_RIGHTS_WAITS):
            wait = NO_RIGHTS_WAITS[attempts - 1]
            state = RemovalState.RETRYING_NO_RIGHTS
        else:
            ended = (RemovalState.UNAVAILABLE if kind.passing else
                     RemovalState.NO_RIGHTS if kind is FailureKind.NO_RIGHTS else
                     RemovalState.NO_ACCESS if kind is FailureKind.BLOCKED else
                     RemovalState.REFUSED)
            await self._chats.end_removal(removal, "not_in_chat" if quiet else ended.value,
                                          now, removed=False)
            return None if quiet else ended
        await self._chats.retry_removal(removal.id, now, now + wait, kind.value,
                                        waiting_reported=removal.waiting_reported or not quiet)
        return None if removal.waiting_reported or quiet else state

    async def _reported(self, removal: PendingRemoval, state: RemovalState | None = None
                        ) -> RemovalDone:
        chat = await self._chats.get(removal.chat_id)
        return RemovalDone(removal, chat.title if chat else str(removal.chat_id),
                           state or RemovalState(removal.outcome or "removed"))

    async def forget_reported(self, items: list[RemovalDone], now: datetime, *,
                              told: bool) -> None:
        """The coordinator was told (or, if she could not be for a day, nobody will be)."""
        if told:
            await self._chats.forget_removals([i.removal.id for i in items
                                               if not i.state.retrying])
        await self._chats.forget_ended_before(now - RETRY_FOR)

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
