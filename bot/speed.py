"""Every process-wide speed tweak, in one place, each with the benchmark that pays for it.

- ``late_services``: the services handlers ask for by name join an update's data just before
  its handler runs (an inner middleware), not at the start as workflow data. aiogram copies
  that data at every router it tries and every filter it checks, so ~35 services carried
  through the routers doubled the cost of each router passed. ``bench/first_reply.py``.
- ``inline_filters``: aiogram runs each synchronous filter (every magic filter) through
  ``asyncio.to_thread``; they run on the loop instead. ``bench/first_reply.py``: p99 −10 %,
  p50 −20 % on a 500-user /start burst.
- ``gc_freeze``: what start-up built (modules, aiogram's models, reference data) is moved out
  of the collector's full passes, which otherwise walk it again during a burst.
  ``bench/first_reply.py``.
- ``static_keyboards``: a keyboard built once (the language picker every newcomer gets) is
  serialised once. ``bench/first_reply.py``.
- ``uvloop``: a faster event loop for the same code (Linux, macOS). ``bench/first_reply.py``.
- ``replies_first``: while a matching round or a coffee pairing runs in a worker thread, the
  collector rests and the switch interval drops to 1 ms, so replies don't queue behind it.
  ``bench/matching.py`` (replies during a round).
- ``single_thread_blas``: NumPy's OpenBLAS runs the round's small matrix products in one
  thread (``OPENBLAS_NUM_THREADS=1``, set in ``bot/__init__.py`` before NumPy loads). Its
  threads spin while they wait: on two shared cores they starved the event loop and made a
  20,000-member scoring pass 10× slower. ``bench/matching.py`` (round time, replies).

- ``nice_round``: the round's worker process runs at a lower priority (``os.nice(10)``, in
  ``bot/services/matching_worker.py``), so on two cores the solver never takes a core the
  replies need. ``bench/matching.py`` (replies during a round).

``BOT_SPEED_TWEAKS_OFF=inline_filters,gc_freeze`` turns tweaks off for a benchmark run
(``bench/first_reply.py --without inline_filters`` sets it for the bot it starts), so each
can be weighed against its absence on the same machine; nothing else reads it.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from aiogram import BaseMiddleware, Dispatcher, Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.types import InlineKeyboardMarkup

TWEAKS = frozenset({"late_services", "inline_filters", "gc_freeze", "static_keyboards", "uvloop",
                    "replies_first", "single_thread_blas", "nice_round"})
TWEAKS_OFF = frozenset(name.strip() for name in
                       os.environ.get("BOT_SPEED_TWEAKS_OFF", "").split(",") if name.strip())


def enabled(tweak: str) -> bool:
    return tweak not in TWEAKS_OFF


# --- late_services ----------------------------------------------------------------------------

class _Services(BaseMiddleware):
    """Adds the services to an update's data once a handler has been chosen."""

    def __init__(self, services: dict[str, Any]) -> None:
        self.services = services

    async def __call__(self, handler: Callable[[Any, dict[str, Any]], Any], event: Any,
                       data: dict[str, Any]) -> Any:
        data.update(self.services)
        return await handler(event, data)


def provide_services(dp: Dispatcher, services: dict[str, Any]) -> dict[str, Any]:
    """Give ``services`` to every handler (error handlers and dialogs included); returns the
    workflow data the dispatcher itself should carry: none, or all of them with the tweak off.

    Call it after every router and ``setup_dialogs``: the middleware goes first among each
    observer's inner middlewares, so aiogram-dialog's manager (the next one) sees the
    services in ``middleware_data`` too. Only filters don't see them (none here needs one);
    an outer middleware that does gets them from its constructor.
    """
    if not enabled("late_services"):
        dp.workflow_data.update(services)
        return services
    middleware = _Services(services)
    for name, observer in dp.observers.items():
        if name != "update":  # the dispatcher's own handler there routes the update on
            observer.middleware._middlewares.insert(0, middleware)  # no public "first"
    return {}


# --- inline_filters -------------------------------------------------------------------------

def _inline(filter_object: FilterObject) -> None:
    call: Callable[..., Any] = filter_object.callback

    async def run_inline(*args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    filter_object.callback = run_inline
    filter_object.awaitable = True


def inline_sync_filters(router: Router) -> int:
    """Wrap every synchronous filter of ``router`` and its sub-routers in a coroutine that
    calls it directly; returns how many. Nothing in this project blocks in a filter.
    Synchronous *handlers* are left alone: a handler may do real work (this project has none).
    """
    if not enabled("inline_filters"):
        return 0
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


# --- gc_freeze --------------------------------------------------------------------------------

def freeze_long_lived() -> None:
    """Called once start-up is done: what exists now lives as long as the process."""
    if enabled("gc_freeze"):
        gc.freeze()


# --- static_keyboards -------------------------------------------------------------------------

# id -> (the keyboard itself, kept alive so the id stays its own; its JSON once known)
_STATIC: dict[int, tuple[InlineKeyboardMarkup, str | None]] = {}


def static_keyboard(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """Declare a keyboard that is built once and never changed afterwards."""
    if enabled("static_keyboards"):
        _STATIC.setdefault(id(markup), (markup, None))
    return markup


def keyboard_json(value: InlineKeyboardMarkup, serialise: Callable[[], str]) -> str:
    """The JSON of ``value``: from the cache for a static keyboard, else ``serialise()``."""
    known = _STATIC.get(id(value))
    if known is None or known[0] is not value:
        return serialise()
    if known[1] is None:
        known = (value, serialise())
        _STATIC[id(value)] = known
    return known[1]  # type: ignore[return-value]


# --- uvloop -----------------------------------------------------------------------------------

def run_event_loop(coroutine: Coroutine[Any, Any, Any]) -> None:
    """uvloop where it exists (Linux, macOS): a faster event loop for the same code."""
    try:
        if not enabled("uvloop"):
            raise ImportError
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


# --- replies_first ----------------------------------------------------------------------------

_running = 0
_settings_before: tuple[bool, float] = (True, 0.005)


@contextmanager
def replies_first() -> Iterator[None]:
    """While heavy work runs in a worker thread, replies must not queue behind it.

    - It allocates tens of thousands of short-lived objects; each brings the cyclic
      collector's full pass nearer, and a full pass holds the GIL for tens of milliseconds.
      They are freed by reference counting anyway, so the collector rests meanwhile.
    - A reply passes the GIL back and forth between the event loop and the database thread
      several times; the interpreter takes it from a busy thread only every switch
      interval (5 ms by default), so meanwhile it is 1 ms.

    The first such work to start saves the settings and the last to end restores them.
    """
    global _running, _settings_before
    if not enabled("replies_first"):
        yield
        return
    if _running == 0:
        _settings_before = (gc.isenabled(), sys.getswitchinterval())
        gc.disable()
        sys.setswitchinterval(min(_settings_before[1], 0.001))
    _running += 1
    try:
        yield
    finally:
        _running -= 1
        if _running == 0:
            was_enabled, interval = _settings_before
            sys.setswitchinterval(interval)
            if was_enabled:
                gc.enable()
