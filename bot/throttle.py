"""One user's flood never slows anyone else: a token bucket per user, before any handler.

aiogram starts one task per update, so a user sending 3,000 updates at once puts 3,000
handlers (each with its database reads and replies) in front of everyone else's. This outer
middleware runs right after :class:`~bot.middlewares.ActorMiddleware` (whose account read is
coalesced into one query per burst) and before every handler, FSM read and reply: an update
over her limit costs a dictionary look-up and nothing more, so the flood's tasks end at
once and other users' updates are handled as if she were quiet.

The bucket: ``BURST`` = 20 updates at once, refilled at ``RATE`` = 3 a second. A person
tapping through a wizard, double-tapping a button or sending an album of ten photos stays
well inside it; a fast sustained typist sends about one message a second. Twenty covers a
forwarded batch of messages, and three a second lets a brisk human go on unhindered while a
script gets at most three handled updates a second — a few milliseconds of work each.

Only an update that arrives while another of hers is still being handled takes a token. One
that finds none of hers in progress is free: she waited for the answer, so she holds at most
one handler at a time and cannot queue in front of anyone (others' updates run beside hers).
This is what a flood is — many updates at once, not many in a row — and it keeps a quick
human, or an end-to-end test that answers every question within milliseconds, untouched.

Over the limit her updates are dropped: a pressed button is still answered (silently, so her
spinner stops), and she gets one polite notice in her language per *episode* — an episode
ends when her bucket is full again, i.e. once she has paused for ``BURST / RATE`` seconds.
Buckets live in memory, in least-recently-used order; an idle user's bucket is full again
after those seconds and is forgotten then (the same state as never having been seen), so
memory follows the users active in the last few seconds. Every step is O(1) amortised.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)

BURST = 20.0
RATE = 3.0  # tokens a second


class _Bucket:
    __slots__ = ("tokens", "stamp", "noticed")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp
        self.noticed = False


class FloodThrottle(BaseMiddleware):
    """Drops a user's updates beyond ``burst`` at once and ``rate`` a second."""

    def __init__(self, burst: float = BURST, rate: float = RATE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._refill_time = burst / rate  # an idle bucket is full again after this
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()
        self._handling: dict[int, int] = {}  # her updates in handlers now (only while > 0)
        self.dropped = 0

    def admit(self, user_id: int, busy: bool = True) -> tuple[bool, bool]:
        """(handle it, tell her) for an update of ``user_id`` now; ``busy`` if another of hers
        is still being handled (else it is free). "Tell her" is True once per episode: for the
        first update dropped since her bucket was last full."""
        now = self._clock()
        self._forget_idle(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(self.burst, now)
        else:
            self._buckets.move_to_end(user_id)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= self.burst:
                bucket.noticed = False  # she paused long enough: a new episode may begin
        if not busy:
            return True, False
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True, False
        self.dropped += 1
        tell = not bucket.noticed
        bucket.noticed = True
        return False, tell

    def _forget_idle(self, now: float) -> None:
        # The oldest-touched buckets are first; each is popped once, so O(1) amortised.
        buckets = self._buckets
        while buckets:
            user_id, oldest = next(iter(buckets.items()))
            if now - oldest.stamp < self._refill_time:
                break
            del buckets[user_id]

    def __len__(self) -> int:
        return len(self._buckets)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        handling = self._handling
        handle, tell = self.admit(user.id, busy=user.id in handling)
        if handle:
            handling[user.id] = handling.get(user.id, 0) + 1
            try:
                return await handler(event, data)
            finally:
                if handling[user.id] == 1:
                    del handling[user.id]
                else:
                    handling[user.id] -= 1
        bot: Bot | None = data.get("bot")
        if bot is not None and isinstance(event, Update):
            await self._turn_away(bot, event, user, tell)
        return None

    @staticmethod
    async def _turn_away(bot: Bot, update: Update, user: User, tell: bool) -> None:
        """Stop her button's spinner; the first time in an episode, say why (in private)."""
        try:
            if update.callback_query is not None:
                await bot.answer_callback_query(update.callback_query.id)
            private = (update.callback_query is not None
                       or (update.message is not None and update.message.chat.type == "private"))
            if tell and private:
                # ActorMiddleware has set her language for this update.
                await bot.send_message(user.id, _(
                    "You are sending messages faster than I can answer. Please wait a few "
                    "seconds: I will answer what you send after that."))
        except TelegramAPIError as exc:  # an old button, or she blocked the bot meanwhile
            log.info("throttled update not answered: %s", type(exc).__name__)
