"""Tracks updates being handled, so shutdown can let them finish before closing anything.

aiogram's polling stops taking updates on SIGTERM but does not wait for handlers already
running; :meth:`InFlightUpdates.wait_idle` does. Listeners hear of each finished update
(the end-to-end tests use this to know the bot is done with what a user sent).

The same dispatcher puts the update's id and its user's id into the log context for the whole
of its handling: aiogram's own lines ("Update id=… is handled", the exception it logs when a
handler fails) are written outside any middleware, so a middleware cannot give them the ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import Update

from bot.logging_setup import update_id_var, user_id_var

Listener = Callable[[int], None]


class InFlightUpdates:
    def __init__(self) -> None:
        self._active: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def active(self) -> int:
        return len(self._active)

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def track(self, update_id: int, work: Awaitable[Any]) -> Any:
        self._active.add(update_id)
        self._idle.clear()
        try:
            return await work
        finally:
            self._active.discard(update_id)
            if not self._active:
                self._idle.set()
            for listener in self._listeners:
                listener(update_id)


class TrackingDispatcher(Dispatcher):
    """A dispatcher that knows which updates it is still handling (errors included)."""

    def __init__(self, in_flight: InFlightUpdates, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = in_flight

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        with log_context(update):
            return await self.in_flight.track(update.update_id,
                                              super().feed_update(bot, update, **kwargs))

    # aiogram's two callers of feed_update, which log a failed update after it returned.
    async def _process_update(self, bot: Bot, update: Update, call_answer: bool = True,
                              **kwargs: Any) -> bool:
        with log_context(update):
            return await super()._process_update(bot, update, call_answer, **kwargs)

    async def _feed_webhook_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        with log_context(update):
            return await super()._feed_webhook_update(bot, update, **kwargs)


@contextmanager
def log_context(update: Update) -> Iterator[None]:
    if update_id_var.get() == update.update_id:  # already set by the caller
        yield
        return
    user = UserContextMiddleware.resolve_event_context(update).user
    update_token = update_id_var.set(update.update_id)
    user_token = user_id_var.set(user.id if user is not None else None)
    try:
        yield
    finally:
        update_id_var.reset(update_token)
        user_id_var.reset(user_token)
