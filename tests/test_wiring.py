"""Handlers of the conversation flows receive the few services they need, by name and typed:
never a repository, never the whole App (issue 11, item 6)."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiogram import Router

from bot.app import App, open_app
from bot.clock import FakeClock
from bot.config import Settings

# The modules of issue 11's flows (onboarding's handoff to the reviewers is rebuilt with the
# delivery engine; its dialog callbacks read services from the dialog's middleware data).
FLOW_MODULES = ("handlers.start", "handlers.onboarding", "handlers.privacy",
                "handlers.invites", "handlers.chats", "handlers.directory",
                "handlers.common", "handlers.ui", "handlers.verification", "handlers.admin",
                "handlers.introductions", "handlers.coffee", "handlers.members_only",
                "handlers.mentorship")
# Still handed out for the handlers that later issues rebuild (events, announce, digest;
# chat_language takes chats and audit).
# A key leaves this list when its last handler moves to a service.
REPOSITORIES_LEFT = {"profiles", "claims", "audit", "chats",
                     "outbox", "events", "digest"}


def _walk(router: Router) -> Iterator[Router]:
    yield router
    for sub in router.sub_routers:
        yield from _walk(sub)


def flow_handlers() -> list[Any]:
    from handlers import get_routers

    found = []
    for top in get_routers():
        for router in _walk(top):
            for observer in router.observers.values():
                for handler in observer.handlers:
                    module = getattr(handler.callback, "__module__", "") or ""
                    if module.startswith(FLOW_MODULES):
                        found.append(handler.callback)
    return found


def _types(hint: Any) -> Iterator[Any]:
    """The classes a parameter's annotation names (``X | None`` names X)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        for arg in typing.get_args(hint):
            yield from _types(arg)
    elif isinstance(hint, type):
        yield hint


def is_repository(cls: type) -> bool:
    return cls.__module__.startswith("bot.db.repositories") and cls.__name__.endswith("Repo")


def test_flow_handlers_take_services_not_repositories() -> None:
    handlers = flow_handlers()
    assert len(handlers) > 40  # every flow module's handlers were found
    offending = []
    for callback in handlers:
        hints = typing.get_type_hints(callback)
        for name in inspect.signature(callback).parameters:
            named = list(_types(hints.get(name)))
            if name == "app" or any(is_repository(c) or c is App for c in named):
                offending.append(f"{callback.__module__}.{callback.__qualname__}({name})")
            assert name in hints, f"{callback.__qualname__}({name}) is not typed"
    assert offending == []


async def test_workflow_data_hands_out_no_app(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, bot_token="123456:ABC",  # type: ignore[call-arg]
                        database_path=tmp_path / "bot.sqlite3")
    app = await open_app(settings, FakeClock(), start_scheduler=False)
    try:
        data = app.workflow_data()
        assert "app" not in data
        assert not any(isinstance(value, App) for value in data.values())
        repositories = {key for key, value in data.items() if is_repository(type(value))}
        assert repositories == REPOSITORIES_LEFT
    finally:
        await app.close()
