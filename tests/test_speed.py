"""The speed tweaks of bot/speed.py: synchronous filters run on the event loop's thread, and each
tweak can be turned off to weigh it in a benchmark."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import Chat, Message, Update, User

from bot.speed import inline_sync_filters


def text_update(text: str) -> Update:
    user = User(id=7, is_bot=False, first_name="A")
    return Update(update_id=1, message=Message(
        message_id=1, date=datetime(2026, 1, 1), chat=Chat(id=7, type="private"),
        from_user=user, text=text))


async def test_magic_and_lambda_filters_run_on_the_loop_thread() -> None:
    threads: list[int] = []
    handled: list[str] = []

    def plain_filter(message: Message) -> bool:
        threads.append(threading.get_ident())
        return message.text == "hello"

    router = Router()
    nested = Router()
    router.message.filter(F.chat.type == "private")

    @nested.message(plain_filter, F.text.len() < 10)
    async def greet(message: Message) -> None:
        handled.append(message.text or "")

    router.include_router(nested)
    dp = Dispatcher()
    dp.include_router(router)
    assert inline_sync_filters(dp) == 3  # the router's own filter and the handler's two

    await dp.feed_update(Bot("42:TEST"), text_update("hello"))
    await dp.feed_update(Bot("42:TEST"), text_update("other"))

    assert handled == ["hello"]
    assert threads == [threading.get_ident()] * 2


async def test_without_the_pass_aiogram_runs_them_in_a_thread() -> None:
    """The cost the pass removes is real (if aiogram stops doing this, the pass can go)."""
    threads: list[int] = []

    def plain_filter(message: Message) -> bool:
        threads.append(threading.get_ident())
        return True

    dp = Dispatcher()

    @dp.message(plain_filter)
    async def any_message(message: Message) -> None:
        return None

    await dp.feed_update(Bot("42:TEST"), text_update("hello"))
    assert threads and threads[0] != threading.get_ident()


def test_a_tweak_turned_off_for_a_benchmark_is_not_applied(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.speed

    monkeypatch.setattr(bot.speed, "TWEAKS_OFF", frozenset({"inline_filters"}))
    dp = Dispatcher()

    @dp.message(F.text == "x")
    async def any_message(message: Message) -> None:
        return None

    assert inline_sync_filters(dp) == 0
    assert not dp.message.handlers[0].filters[0].awaitable


async def test_services_reach_handlers_but_not_the_routing() -> None:
    """late_services: a handler in a nested router gets the services by name, the data
    carried through the routers (what a filter sees) holds none of them, and with the tweak
    off they are the dispatcher's workflow data again."""
    import bot.speed
    from bot.speed import provide_services

    seen_by_filter: list[set[str]] = []
    got: list[object] = []

    def look(message: Message, **data: object) -> bool:
        seen_by_filter.append(set(data))
        return True

    router, nested = Router(), Router()

    @nested.message(look)
    async def handler(message: Message, members: object) -> None:
        got.append(members)

    router.include_router(nested)
    dp = Dispatcher()
    dp.include_router(router)
    service = object()
    assert provide_services(dp, {"members": service}) == {}
    assert "members" not in dp.workflow_data
    await dp.feed_update(Bot("42:TEST"), text_update("hello"))
    assert got == [service]
    assert seen_by_filter and "members" not in seen_by_filter[0]

    off = Dispatcher()
    original = bot.speed.TWEAKS_OFF
    bot.speed.TWEAKS_OFF = frozenset({"late_services"})
    try:
        assert provide_services(off, {"members": service}) == {"members": service}
    finally:
        bot.speed.TWEAKS_OFF = original
    assert off.workflow_data["members"] is service
