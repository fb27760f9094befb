"""Filters run on the event loop, not in a thread.

aiogram 3 calls every synchronous callable it is given — a magic filter such as
``F.chat.type == "private"``, a lambda filter — through ``asyncio.to_thread``. A magic filter
is a few attribute reads; sending it to the default executor and back costs two thread
switches and a wait for a free worker, and under a burst every update queues behind the others'
filters on the executor's handful of threads. Nothing in this project blocks in a filter, so
after the routers are built each synchronous filter is wrapped in a coroutine that calls it
directly (``bench/first_reply.py`` measures the effect: the p99 of a 500-user /start burst).

Synchronous *handlers* are left alone: a handler may do real work, and this project has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def _inline(filter_object: FilterObject) -> None:
    call: Callable[..., Any] = filter_object.callback

    async def run_inline(*args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    filter_object.callback = run_inline
    filter_object.awaitable = True


def inline_sync_filters(router: Router) -> int:
    """Wrap every synchronous filter of ``router`` and its sub-routers; returns how many."""
    count = 0
    for each in router.chain_tail:
        for observer in each.observers.values():
            filter_lists = [observer._handler.filters or []]  # the observer's own .filter()
            filter_lists += [handler.filters or [] for handler in observer.handlers]
            for filters in filter_lists:
                for filter_object in filters:
                    if not filter_object.awaitable:
                        _inline(filter_object)
                        count += 1
    return count
