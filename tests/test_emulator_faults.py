"""The emulator's own behaviour, checked with aiogram's real ``Bot`` and no bot code at all.

Every end-to-end test trusts the emulator: that an injected 429 reaches aiogram as
``TelegramRetryAfter`` with the right delay, that a blocked user answers 403, that long
polling hands out an update once and not again after it is confirmed, that a malformed
request is refused and recorded. If the emulator drifted from Telegram on any of these, the
bot's tests would pass against a server that does not exist; these tests pin it down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import ClientSession

from tests.emulator.server import Fault, TelegramEmulator, UserHandle


@pytest.fixture
async def bot(emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    client = Bot(token=emulator.token, session=session)
    yield client
    await client.session.close()


def started(emulator: TelegramEmulator, user_id: int) -> UserHandle:
    """A user who has pressed Start, so the bot may write to her."""
    user = emulator.user(user_id, "Dana")
    user.user.started = True
    return user


# ----------------------------------------------------------------------- injected faults


async def test_429_surfaces_as_retry_after_with_its_delay(emulator: TelegramEmulator,
                                                         bot: Bot) -> None:
    user = started(emulator, 501)
    emulator.faults.append(Fault(error=429, method="sendMessage", retry_after=7))
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "hello")
    assert caught.value.retry_after == 7
    assert user.bot_messages == []  # a refused message is not delivered


async def test_403_surfaces_as_forbidden(emulator: TelegramEmulator, bot: Bot) -> None:
    user = started(emulator, 502)
    emulator.faults.append(Fault(error=403, method="sendMessage"))
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(user.id, "hello")


async def test_400_surfaces_as_bad_request_with_its_description(emulator: TelegramEmulator,
                                                                bot: Bot) -> None:
    user = started(emulator, 503)
    emulator.faults.append(Fault(error=400, method="sendMessage",
                                 description="Bad Request: chat not found"))
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(user.id, "hello")


async def test_500_surfaces_as_server_error(emulator: TelegramEmulator, bot: Bot) -> None:
    user = started(emulator, 504)
    emulator.faults.append(Fault(error=500, method="sendMessage"))
    with pytest.raises(TelegramServerError):
        await bot.send_message(user.id, "hello")


async def test_drop_surfaces_as_network_error(emulator: TelegramEmulator, bot: Bot) -> None:
    user = started(emulator, 505)
    emulator.faults.append(Fault(error="drop", method="sendMessage"))
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "hello")
    # The connection was cut, not the server: the next request goes through.
    await bot.send_message(user.id, "hello again")
    assert user.last_text == "hello again"


@pytest.mark.parametrize("error", ["html", "garbage", "truncated"])
async def test_undecodable_answers_surface_as_client_decode_error(
        emulator: TelegramEmulator, bot: Bot, error: str) -> None:
    user = started(emulator, 511)
    emulator.faults.append(Fault(error=error, method="sendMessage"))
    with pytest.raises(ClientDecodeError):
        await bot.send_message(user.id, "hello")
    assert user.bot_messages == []  # the proxy answered: Telegram never got it
    await bot.send_message(user.id, "hello again")
    assert user.last_text == "hello again"


async def test_a_body_that_is_not_even_utf8_escapes_aiogram_undecoded(
        emulator: TelegramEmulator, bot: Bot) -> None:
    """aiogram does not wrap this one: the bot's classification must know it."""
    user = started(emulator, 515)
    emulator.faults.append(Fault(error="binary", method="sendMessage"))
    with pytest.raises(UnicodeDecodeError):
        await bot.send_message(user.id, "hello")
    assert user.bot_messages == []


async def test_html_fault_is_a_proxy_page(emulator: TelegramEmulator) -> None:
    started(emulator, 512)
    emulator.faults.append(Fault(error="html", method="sendMessage"))
    async with ClientSession() as http:
        async with http.post(f"{emulator.base_url}/bot{emulator.token}/sendMessage",
                             json={"chat_id": 512, "text": "hi"}) as response:
            assert response.status == 502
            assert response.content_type == "text/html"
            assert "502 Bad Gateway" in await response.text()


async def test_outage_lasts_until_the_clock_reaches_its_end(emulator: TelegramEmulator,
                                                            bot: Bot) -> None:
    user = started(emulator, 513)
    now = [1000.0]
    emulator.clock = lambda: now[0]
    outage = Fault(error=502, times=None, since=1010.0, until=1070.0)
    emulator.faults.append(outage)
    await bot.send_message(user.id, "before")
    for moment in (1010.0, 1040.0, 1069.9):
        now[0] = moment
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "during")
    now[0] = 1070.0
    await bot.send_message(user.id, "after")
    assert [m.text for m in user.bot_messages] == ["before", "after"]
    assert outage.hits == 3


async def test_outage_switched_off_by_the_test(emulator: TelegramEmulator, bot: Bot) -> None:
    user = started(emulator, 514)
    outage = Fault(error="drop", times=None)
    emulator.faults.append(outage)
    for _ in range(3):
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(user.id, "during")
    outage.stop()
    await bot.send_message(user.id, "after")
    assert [m.text for m in user.bot_messages] == ["after"]


async def test_fault_expires_after_its_number_of_hits(emulator: TelegramEmulator,
                                                     bot: Bot) -> None:
    user = started(emulator, 506)
    emulator.faults.append(Fault(error=500, method="sendMessage", times=2))
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "hello")
    await bot.send_message(user.id, "third time lucky")
    assert [m.text for m in user.bot_messages] == ["third time lucky"]


async def test_fault_without_limit_keeps_failing(emulator: TelegramEmulator, bot: Bot) -> None:
    user = started(emulator, 507)
    emulator.faults.append(Fault(error=500, method="sendMessage", times=None))
    for _ in range(5):
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "hello")


async def test_fault_for_one_method_leaves_the_others_alone(emulator: TelegramEmulator,
                                                            bot: Bot) -> None:
    user = started(emulator, 508)
    emulator.faults.append(Fault(error=500, method="editMessageText", times=None))
    sent = await bot.send_message(user.id, "hello")
    with pytest.raises(TelegramServerError):
        await bot.edit_message_text("changed", chat_id=user.id, message_id=sent.message_id)
    assert user.last_text == "hello"


async def test_per_chat_fault_hits_only_that_chat(emulator: TelegramEmulator, bot: Bot) -> None:
    victim, bystander = started(emulator, 509), started(emulator, 510)
    emulator.faults.append(Fault(error=403, chat_id=victim.id, times=None))
    await bot.send_message(bystander.id, "for you")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(victim.id, "for you")
    await bot.send_message(bystander.id, "and again")
    assert [m.text for m in bystander.bot_messages] == ["for you", "and again"]
    assert victim.bot_messages == []


# ------------------------------------------------------------------------- users' choices


async def test_user_who_blocked_the_bot_answers_403(emulator: TelegramEmulator, bot: Bot) -> None:
    user = started(emulator, 511)
    await bot.send_message(user.id, "before")
    user.block_bot()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user.id, "after")
    assert [m.text for m in user.bot_messages] == ["before"]


async def test_user_who_writes_again_unblocks_the_bot(emulator: TelegramEmulator,
                                                      bot: Bot) -> None:
    user = started(emulator, 512)
    user.block_bot()
    await user.send("I'm back")  # no bot is polling: the update just waits in the queue
    await bot.send_message(user.id, "welcome back")
    assert user.last_text == "welcome back"


async def test_user_who_never_started_the_bot_answers_403(emulator: TelegramEmulator,
                                                          bot: Bot) -> None:
    stranger = emulator.user(513, "Stranger")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "hello")


async def test_unknown_chat_is_bad_request(emulator: TelegramEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hello")


async def test_wrong_token_is_unauthorized(emulator: TelegramEmulator) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    impostor = Bot(token="123456:WRONG-TOKEN", session=session)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await impostor.get_me()
    finally:
        await session.close()


# ---------------------------------------------------------------------------- long polling


async def test_long_poll_waits_for_and_returns_a_pushed_update(emulator: TelegramEmulator,
                                                               bot: Bot) -> None:
    user = emulator.user(520, "Poller")
    poll = asyncio.create_task(bot.get_updates(timeout=10, request_timeout=20))
    await asyncio.wait_for(emulator.polling.wait(), timeout=5)
    # The emulator has decided on this poll before we get here: had it answered at once, the
    # answer would be empty and the assertion below would fail.
    update_id = await user.send("wake up")
    updates = await asyncio.wait_for(poll, timeout=5)  # far sooner than the 10 s poll timeout
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.text == "wake up"


async def test_empty_long_poll_times_out_with_nothing(emulator: TelegramEmulator,
                                                      bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await bot.get_updates(timeout=1, request_timeout=10) == []
    assert loop.time() - began >= 0.9, "the long poll did not wait for its timeout"


async def test_unconfirmed_updates_come_back_confirmed_ones_do_not(emulator: TelegramEmulator,
                                                                    bot: Bot) -> None:
    user = emulator.user(521, "Poller")
    first = await user.send("one")
    second = await user.send("two")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first, second]
    # Not confirmed yet: Telegram hands them out again.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first, second]
    # offset = first + 1 confirms the first one only.
    assert [u.update_id for u in await bot.get_updates(offset=first + 1, timeout=0)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == []
    # A confirmed update stays gone even if a later call sends an older offset.
    assert await bot.get_updates(offset=first, timeout=0) == []
    third = await user.send("three")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [third]


async def test_get_updates_honours_limit(emulator: TelegramEmulator, bot: Bot) -> None:
    user = emulator.user(522, "Poller")
    ids = [await user.send(f"message {n}") for n in range(5)]
    assert [u.update_id for u in await bot.get_updates(limit=2, timeout=0)] == ids[:2]


async def test_updates_the_bot_did_not_ask_for_are_dropped(emulator: TelegramEmulator,
                                                          bot: Bot) -> None:
    user = emulator.user(523, "Poller")
    await user.send("a message")
    assert await bot.get_updates(allowed_updates=["callback_query"], timeout=0) == []
    # Telegram discards them; asking for messages later does not bring them back.
    assert await bot.get_updates(allowed_updates=["message"], timeout=0) == []


# ------------------------------------------------------------------------ schema violations


async def test_65_byte_callback_data_is_recorded_and_refused(emulator: TelegramEmulator,
                                                              bot: Bot) -> None:
    user = started(emulator, 530)
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="too much", callback_data="x" * 65)]])
    try:
        with pytest.raises(TelegramBadRequest, match="callback_data"):
            await bot.send_message(user.id, "pick", reply_markup=markup)
        assert len(emulator.violations) == 1
        assert "callback_data is 65 bytes" in emulator.violations[0]
        assert user.bot_messages == []
    finally:
        emulator.violations.clear()  # expected here; the fixture fails on leftovers


async def test_64_byte_callback_data_is_fine(emulator: TelegramEmulator, bot: Bot) -> None:
    user = started(emulator, 531)
    data = "é" * 32  # 64 bytes in UTF-8, 32 characters
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="just enough", callback_data=data)]])
    await bot.send_message(user.id, "pick", reply_markup=markup)
    assert user.last.buttons()[0]["callback_data"] == data


async def test_unknown_parameter_is_recorded_and_refused(emulator: TelegramEmulator) -> None:
    user = started(emulator, 532)
    url = f"{emulator.base_url}/bot{emulator.token}/sendMessage"
    try:
        async with ClientSession() as http:
            async with http.post(url, json={"chat_id": user.id, "text": "hi",
                                            "colour": "red"}) as response:
                status, body = response.status, await response.json()
        assert status == 400
        assert body["ok"] is False and body["error_code"] == 400
        assert "colour" in body["description"]
        assert len(emulator.violations) == 1 and "colour" in emulator.violations[0]
        assert user.bot_messages == []
    finally:
        emulator.violations.clear()


async def test_over_long_text_is_recorded_and_refused(emulator: TelegramEmulator,
                                                       bot: Bot) -> None:
    user = started(emulator, 533)
    try:
        with pytest.raises(TelegramBadRequest):
            await bot.send_message(user.id, "a" * 4097)
        assert len(emulator.violations) == 1
    finally:
        emulator.violations.clear()


async def test_violation_is_refused_before_faults_are_spent(emulator: TelegramEmulator,
                                                            bot: Bot) -> None:
    """A malformed request never reaches fault injection, so it does not use up a fault."""
    user = started(emulator, 534)
    emulator.faults.append(Fault(error=500, method="sendMessage"))
    try:
        with pytest.raises(TelegramBadRequest):
            await bot.send_message(user.id, "a" * 4097)
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "fine")
    finally:
        emulator.violations.clear()


async def test_raw_request_with_correct_params_succeeds(emulator: TelegramEmulator) -> None:
    """The counterpart of the refusals above: the raw path itself works."""
    user = started(emulator, 535)
    url = f"{emulator.base_url}/bot{emulator.token}/sendMessage"
    async with ClientSession() as http:
        async with http.post(url, data={"chat_id": str(user.id), "text": "hi",
                                        "reply_markup": json.dumps({"inline_keyboard": []})}
                             ) as response:
            body = await response.json()
    assert response.status == 200 and body["ok"] is True
    assert body["result"]["chat"]["id"] == user.id
    assert user.last_text == "hi"


# ----------------------------------------------------------------------------------- edits


async def test_edit_with_identical_content_is_not_modified(emulator: TelegramEmulator,
                                                           bot: Bot) -> None:
    user = started(emulator, 540)
    sent = await bot.send_message(user.id, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=user.id, message_id=sent.message_id)
    await bot.edit_message_text("different", chat_id=user.id, message_id=sent.message_id)
    assert user.last_text == "different" and user.last.edits == 1


async def test_edit_of_missing_message_is_bad_request(emulator: TelegramEmulator,
                                                      bot: Bot) -> None:
    user = started(emulator, 541)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("text", chat_id=user.id, message_id=999)
