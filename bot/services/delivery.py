"""The delivery engine: one sender for every broadcast, within Telegram's limits, losing nothing.

```mermaid
stateDiagram-v2
    pending --> sending: claimed (committed) just before the Telegram call
    sending --> sent: Telegram accepted it
    sending --> pending: 429 (the whole sender pauses for retry_after)
    sending --> pending: 5xx, HTML or undecodable answer, timeout, dropped connection (backoff)
    sending --> unreachable: 403 (blocked or deactivated; nothing more until she writes again)
    sending --> failed: 400, or Telegram did not answer for 24 hours since the first try
    sending --> pending: found at start-up (the process died mid-call; may repeat once)
    sending --> failed: an edit whose message is gone or can no longer be edited (quietly)
```
It is the one way out for everything that is not a direct reply to an update: broadcasts,
notices to one person, and **edits** of a message sent earlier (an item with ``edit_of``, the
message's id in the recipient's chat), all through the same limiter, retries and failure
classes. The id of each message that went out is kept on its row, and a per-kind hook
(:meth:`DeliveryService.after_sent`) learns it whether it went out at once or on a retry.
:meth:`DeliveryService.send_now` is for what a person waits for (a reviewer's card, the
decision to the applicant, a role notice): queued like the rest, then tried at once in the
caller's task; a transient failure leaves it to the background worker.
Only a definitive answer ends a message: a transient failure (what Telegram or a proxy in
front of it says while it is down or overloaded) waits ``backoff(attempts)`` — doubling, at
most five minutes — and is tried again until :data:`RETRY_FOR` has passed since its first try.
Which Telegram exception is which :class:`FailureKind` is decided in one place,
``bot.telegram_delivery.classify``.
The outbox in SQLite is the source of truth; this module holds no Telegram types. Messages are
rendered for each recipient at send time, in her language, by the renderer registered for the
broadcast's kind. Telegram is reached through :class:`Sender`, never inside a transaction.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import Enum
from typing import Any, Protocol

from bot.clock import Clock
from bot.db.repositories.outbox import OUTAGE, ItemResult, OutboxItem, OutboxRepo, Progress
from bot.db.repositories.users import UserRepo
from bot.services.message_kinds import MessageKind

logger = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)  # transient failures end a message only after this
BACKOFF_CAP = 300.0  # seconds: the longest wait between two tries of a message
# Requests reach Telegram with some jitter: aimed exactly at the limit, a few arrive bunched,
# draw a 429, and every send then stalls for a second. Aiming a little under avoids that.
HEADROOM = 0.96
PROGRESS_EVERY = 3.0  # seconds between edits of the sender's progress message
PROGRESS_SLOT = 0  # the limiter's key for progress edits (no chat has id 0)


class FailureKind(Enum):
    RETRY_AFTER = "retry_after"  # 429: everyone waits retry_after, then it is tried again
    BLOCKED = "blocked"  # 403
    TRANSIENT = "transient"  # 5xx, undecodable or cut answers, timeouts, dropped connections
    NO_RIGHTS = "no_rights"  # 400 "not enough rights": may change when an admin grants them
    PERMANENT = "permanent"  # any other 400
    GONE = "gone"  # an edit of a message that was deleted or can no longer be edited

    @property
    def passing(self) -> bool:
        """Telegram did not decide anything: try again later."""
        return self in (FailureKind.RETRY_AFTER, FailureKind.TRANSIENT)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th transient failure: 2, 4, 8 … seconds, at most 5 min."""
    return timedelta(seconds=min(2.0 ** min(attempts, 16), BACKOFF_CAP))


class DeliveryError(Exception):
    def __init__(self, kind: FailureKind, retry_after: float = 0.0, detail: str = "") -> None:
        super().__init__(detail or kind.value)
        self.kind = kind
        self.retry_after = retry_after


class Sender(Protocol):
    """Reaches Telegram; returns the id of the message sent or edited (None if unknown)."""

    async def send(self, chat_id: int, text: str, keyboard: Any | None, *,
                   protect: bool = False) -> int | None: ...

    async def edit(self, chat_id: int, message_id: int, text: str,
                   keyboard: Any | None) -> int | None: ...

    async def send_document(self, chat_id: int, document: Document) -> int | None: ...


@dataclass(frozen=True)
class Outgoing:
    """One message to one person: a new one, or an edit of ``edit_of`` in her chat."""

    recipient: int
    payload: dict[str, Any]
    edit_of: int | None = None
    about: int | None = None  # the member it is about: erased with her data


@dataclass(frozen=True)
class Recipient:
    """What a message is rendered for: her language and her time zone."""

    user_id: int
    locale: str
    timezone: str


@dataclass(frozen=True)
class Protected:
    """A rendered message that must not be forwarded or saved (contacts shared on consent)."""

    text: str
    keyboard: Any | None = None


@dataclass(frozen=True)
class Document:
    """A rendered file (a calendar entry), with an optional caption."""

    filename: str
    content: bytes
    caption: str | None = None


# A renderer returns (text, keyboard), Protected or Document; an async one reads what it shows at send
# time (so no personal data waits in a payload) and returns None when the message no longer
# makes sense (the pair or request it was about is gone).
Rendered = tuple[str, Any | None] | Protected | Document
Renderer = Callable[[dict[str, Any], Recipient], Rendered | Awaitable[Rendered | None]]


# Called after an item of a kind went out: (payload, recipient, message id).
SentHook = Callable[[dict[str, Any], int, int], Awaitable[None]]

# Returns True once the progress message shows it (False: it has no message yet).
ProgressHook = Callable[[int, Progress], Awaitable[bool | None]]


class Pacer:
    """Real time for pacing; tests pass a :class:`FakePacer`."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakePacer(Pacer):
    """Time that passes only when somebody waits: limits are kept, nobody really waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds
        await asyncio.sleep(0)


@dataclass
class RateLimiter:
    """About ``rate`` messages a second overall, at most one a second to the same person and
    twenty a minute to the same group (groups have negative ids)."""

    rate: float
    pacer: Pacer
    per_chat_interval: float = 1.0
    per_group_interval: float = 3.0
    _next_slot: float = 0.0
    _paused_until: float = 0.0
    _last_per_chat: dict[int, float] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def pause(self, seconds: float) -> None:
        """A 429: nobody sends anything until it has passed, and then again one by one."""
        self._paused_until = max(self._paused_until, self.pacer.monotonic() + seconds)
        self._next_slot = max(self._next_slot, self._paused_until)

    async def wait_turn(self, chat_id: int) -> None:
        while True:
            async with self._lock:
                now = self.pacer.monotonic()
                interval = self.per_group_interval if chat_id < 0 else self.per_chat_interval
                slot = max(now, self._next_slot, self._paused_until,
                           self._last_per_chat.get(chat_id, -1e9) + interval)
                self._next_slot = slot + 1.0 / self.rate
                self._last_per_chat[chat_id] = slot
                if len(self._last_per_chat) > 10_000:
                    horizon = now - self.per_group_interval
                    self._last_per_chat = {k: v for k, v in self._last_per_chat.items()
                                           if v > horizon}
            delay = slot - self.pacer.monotonic()
            if delay > 0:
                await self.pacer.sleep(delay)
            if self._paused_until <= slot:
                return
            # A 429 came in while we waited: our slot fell inside the pause, so take a new
            # one after it rather than all waking together at its end.


class DeliveryService:
    def __init__(self, outbox: OutboxRepo, users: UserRepo, clock: Clock, *, rate: float = 30.0,
                 workers: int = 8, pacer: Pacer | None = None,
                 default_locale: str = "ru") -> None:
        self._default_locale = default_locale  # for staff who never wrote to the bot
        self._outbox = outbox
        self._users = users
        self._clock = clock
        self._pacer = pacer or Pacer()
        self.limiter = RateLimiter(rate * HEADROOM, self._pacer)
        self._workers = workers
        self._renderers: dict[str, Renderer] = {}
        self._after_sent: dict[str, SentHook] = {}
        self._sender: Sender | None = None
        self._progress: ProgressHook | None = None
        self._last_progress: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._drain_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.requeued_at_start = 0

    def register(self, kind: str, renderer: Renderer) -> None:
        """A renderer per kind: the app's are :class:`MessageKind` (the engine takes any
        string, so its own tests need no feature)."""
        if kind in self._renderers:
            raise ValueError(f"{kind!r} has a renderer already")
        self._renderers[kind] = renderer

    def require_renderers(self, kinds: Iterable[MessageKind]) -> None:
        """Fail at start-up, not at send time, if a kind of message has no renderer."""
        missing = [kind.value for kind in kinds if kind not in self._renderers]
        if missing:
            raise RuntimeError(f"no renderer for {', '.join(missing)}")

    def after_sent(self, kind: str, hook: SentHook) -> None:
        """What a feature does once a message of its kind went out (now or on a retry)."""
        self._after_sent[kind] = hook

    def on_progress(self, hook: ProgressHook) -> None:
        self._progress = hook

    async def show_progress_in(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """The message that shows how ``broadcast_id`` goes (edited as it goes, then the
        final report); the engine keeps trying to show it until the message exists."""
        await self._outbox.set_progress_message(broadcast_id, chat_id, message_id)

    def attach(self, sender: Sender) -> None:
        """The sender :meth:`send_now` uses (the background worker gets it at :meth:`start`)."""
        self._sender = sender

    async def enqueue(self, kind: str, payload: dict[str, Any], recipients: list[int],
                      created_by: int | None) -> int:
        if kind not in self._renderers:
            raise ValueError(f"no renderer for {kind!r}")
        broadcast_id = await self._outbox.create(kind, payload, sorted(set(recipients)),
                                                 created_by, self._clock.now())
        self._wake.set()
        return broadcast_id

    def outbox_changed(self) -> None:
        """Rows were written straight into the outbox (the matching round's own process):
        send them now rather than at the next poll."""
        self._wake.set()

    async def enqueue_each(self, kind: str, items: list[tuple[dict[str, Any], int]]) -> None:
        """Many one-person messages at once, each with its own payload (in one transaction
        when the caller holds one)."""
        if kind not in self._renderers:
            raise ValueError(f"no renderer for {kind!r}")
        if items:
            await self._outbox.create_each(kind, items, self._clock.now())
            self._wake.set()

    async def queue(self, kind: str, items: Iterable[Outgoing]) -> list[int]:
        """One-person messages and edits for the background worker; returns their rows."""
        ids = await self._create(kind, items)
        if ids:
            self._wake.set()
        return ids

    async def _create(self, kind: str, items: Iterable[Outgoing]) -> list[int]:
        if kind not in self._renderers:
            raise ValueError(f"no renderer for {kind!r}")
        chosen = [(item.payload, item.recipient, item.edit_of, item.about) for item in items]
        if not chosen:
            return []
        return await self._outbox.create_direct(kind, chosen, self._clock.now())

    async def notify(self, kind: str, payload: dict[str, Any], recipients: Iterable[int], *,
                     about: int | None = None) -> list[ItemResult]:
        """The same notice to each of them at once (rendered in each one's language)."""
        return await self.send_now(kind, [Outgoing(r, payload, about=about)
                                          for r in dict.fromkeys(recipients)])

    async def send_now(self, kind: str, items: Iterable[Outgoing]) -> list[ItemResult]:
        """Queue these and try them at once, in the caller's task, through the same limiter
        and failure classes; what fails transiently stays pending for the worker. Returns
        where each stands (``sent`` with its message id, ``pending``, ``failed`` …)."""
        ids = await self._create(kind, items)  # the worker is not woken: these are ours
        if self._sender is not None:
            due = await self._outbox.pending_items(ids)
            await asyncio.gather(*(self._deliver(item, self._sender) for item in due))
            await self._report({item.broadcast_id for item in due}, settled=True)
        results = await self._outbox.results(ids)
        if any(result.status == "pending" for result in results):
            self._wake.set()
        return results

    # ---- running ---------------------------------------------------------------------------

    async def recover(self) -> int:
        """At start-up: what was claimed when the process died goes out again."""
        self.requeued_at_start = await self._outbox.requeue_in_flight()
        if self.requeued_at_start:
            logger.warning("re-sending %s messages that were in flight at the last stop",
                           self.requeued_at_start)
        return self.requeued_at_start

    def start(self, sender: Sender) -> None:
        self._sender = sender
        self._task = asyncio.create_task(self._run_forever(sender))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run_forever(self, sender: Sender) -> None:
        while True:
            try:
                await self.drain(sender)
            except Exception:
                logger.exception("delivery run failed; trying again shortly")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except TimeoutError:
                pass

    async def drain(self, sender: Sender) -> int:
        """Send everything due now (retries wait for their time); returns how many were sent.

        Each broadcast touched is reported at the end: finished, or what still waits."""
        async with self._drain_lock:
            await self._report_unshown()
            sent = 0
            touched: set[int] = set()
            while True:
                batch = await self._outbox.due(self._clock.now(), limit=self._workers * 25)
                if not batch:
                    break
                queue: asyncio.Queue[OutboxItem] = asyncio.Queue()
                for item in batch:
                    queue.put_nowait(item)
                results = await asyncio.gather(
                    *(self._worker(queue, sender) for _ in range(min(self._workers, len(batch)))))
                sent += sum(results)
                ids = {item.broadcast_id for item in batch}
                touched |= ids
                await self._report(ids, settled=False)
            await self._report(touched, settled=True)
            return sent

    async def _worker(self, queue: asyncio.Queue[OutboxItem], sender: Sender) -> int:
        sent = 0
        while not queue.empty():
            item = queue.get_nowait()
            if await self._deliver(item, sender):
                sent += 1
            await self._report_while_sending(item.broadcast_id)
        return sent

    async def _deliver(self, item: OutboxItem, sender: Sender) -> bool:
        renderer = self._renderers.get(item.kind)
        now = self._clock.now()
        if renderer is None:
            await self._outbox.settle(item.id, "failed", now, error="no renderer")
            return False
        await self.limiter.wait_turn(item.recipient_id)
        claimed_at = self._clock.now()
        if not await self._outbox.claim(item.id, claimed_at):
            return False  # someone else settled it meanwhile
        if item.first_attempt_at is None:
            item = replace(item, first_attempt_at=claimed_at)
        try:
            rendered = renderer(item.payload, Recipient(
                item.recipient_id, item.locale or self._default_locale, item.timezone))
            if inspect.isawaitable(rendered):
                rendered = await rendered
            if rendered is None:
                await self._outbox.settle(item.id, "failed", self._clock.now(), error="obsolete")
                return False
            if item.edit_of is not None:
                text, keyboard = (rendered.text, rendered.keyboard) \
                    if isinstance(rendered, Protected) else rendered
                message_id = await sender.edit(item.recipient_id, item.edit_of, text, keyboard)
            elif isinstance(rendered, Document):
                message_id = await sender.send_document(item.recipient_id, rendered)
            elif isinstance(rendered, Protected):
                message_id = await sender.send(item.recipient_id, rendered.text,
                                               rendered.keyboard, protect=True)
            else:
                message_id = await sender.send(item.recipient_id, *rendered)
        except DeliveryError as exc:
            await self._failed(item, exc)
            return False
        except Exception as exc:  # a rendering bug must not stop the whole broadcast
            logger.exception("could not render or send outbox item %s", item.id)
            await self._outbox.settle(item.id, "failed", self._clock.now(),
                                      error=type(exc).__name__)
            return False
        if item.edit_of is not None:
            message_id = item.edit_of
        await self._outbox.settle(item.id, "sent", self._clock.now(), message_id=message_id)
        hook = self._after_sent.get(item.kind)
        if hook is not None and message_id is not None:
            try:
                await hook(item.payload, item.recipient_id, message_id)
            except Exception:
                logger.exception("after-sent hook of outbox item %s failed", item.id)
        return True

    async def _failed(self, item: OutboxItem, exc: DeliveryError) -> None:
        now = self._clock.now()
        if exc.kind is FailureKind.BLOCKED:
            await self._users.mark_unreachable(item.recipient_id, now)
            await self._outbox.settle(item.id, "unreachable", now, error=str(exc))
            return
        attempts = item.attempts + 1
        if exc.kind is FailureKind.GONE:  # nothing left to edit: done, nothing to tell
            await self._outbox.settle(item.id, "failed", now, attempts=attempts, error="gone")
            return
        if exc.kind.passing:
            if now - (item.first_attempt_at or now) >= RETRY_FOR:
                await self._outbox.settle(item.id, "failed", now, attempts=attempts,
                                          error=OUTAGE)
                return
            if exc.kind is FailureKind.RETRY_AFTER:
                self.limiter.pause(exc.retry_after)
                await self._outbox.settle(item.id, "pending", now, error=str(exc))
                return
            await self._outbox.settle(item.id, "pending", now, attempts=attempts,
                                      not_before=now + backoff(attempts), error=str(exc))
            return
        await self._outbox.settle(item.id, "failed", now, attempts=attempts, error=str(exc))

    async def _report(self, broadcast_ids: set[int], *, settled: bool) -> None:
        """Edit the progress messages: every few seconds while sending, at once when a
        broadcast finishes, and when a run ends with some of it still waiting (``settled``)."""
        if self._progress is None:
            return
        for broadcast_id in sorted(broadcast_ids):
            if settled and broadcast_id not in self._last_progress:
                continue  # its final report is shown already (this run)
            finished = await self._outbox.finish_if_done(broadcast_id, self._clock.now())
            moment = self._pacer.monotonic()
            if not finished and not settled and moment - self._last_progress.get(
                    broadcast_id, -1e9) < PROGRESS_EVERY:
                continue
            self._last_progress[broadcast_id] = moment
            await self._show(broadcast_id)

    async def _report_while_sending(self, broadcast_id: int) -> None:
        """Within a batch too: a slow one (11 people at one a second) shows its progress
        every few seconds, not only when the batch is done."""
        if self._progress is None:
            return
        moment = self._pacer.monotonic()
        if moment - self._last_progress.get(broadcast_id, moment) < PROGRESS_EVERY:
            self._last_progress.setdefault(broadcast_id, moment)
            return
        self._last_progress[broadcast_id] = moment  # before the await: one worker reports
        # The edit is a request like any other: it takes a slot, or it draws a 429 for all.
        await self.limiter.wait_turn(PROGRESS_SLOT)
        await self._show(broadcast_id)

    async def _show(self, broadcast_id: int) -> None:
        assert self._progress is not None
        progress = await self._outbox.progress(broadcast_id)
        try:
            shown = await self._progress(broadcast_id, progress)
        except Exception:
            logger.exception("progress report for broadcast %s failed", broadcast_id)
            return
        if shown and progress.finished:
            await self._outbox.mark_shown(broadcast_id, "final")
            self._last_progress.pop(broadcast_id, None)

    async def _report_unshown(self) -> None:
        """Finished broadcasts whose progress message does not say so yet: the broadcast may
        have finished before the message's id was saved, or the last edit failed."""
        if self._progress is None:
            return
        since = self._clock.now() - RETRY_FOR
        for broadcast_id in await self._outbox.unshown_finished(since):
            await self._show(broadcast_id)

    async def edit_sent(self, kind: MessageKind, key: str, value: object, as_kind: MessageKind,
                        payload: dict[str, Any]) -> int:
        """Queue an edit of every delivered message of ``kind`` whose payload has ``key`` =
        ``value`` (an event's cards), rendered as ``as_kind`` for each recipient. How many."""
        copies = await self._outbox.sent_copies(kind, key, value)
        if copies:
            await self.queue(as_kind, [Outgoing(recipient, payload, edit_of=message_id)
                                       for recipient, message_id in copies])
        return len(copies)

    async def last_sent(self, kind: MessageKind, recipient_id: int, about: int) -> int | None:
        """The message she last got of this kind about that person (to take its buttons
        away once it is answered some other way)."""
        return await self._outbox.last_sent(kind, recipient_id, about)

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        return await self._outbox.counts(broadcast_id)

