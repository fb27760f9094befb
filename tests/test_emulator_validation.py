"""The emulator's request validation rejects what Telegram would and accepts what aiogram sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import (
    CreateChatInviteLink,
    EditMessageText,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SetMyCommands,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputMediaVideo,
)
from aiohttp import ClientSession, FormData, web
from aiohttp.test_utils import TestServer

from tests.emulator.validation import (
    API_VERSION,
    TelegramHTMLError,
    canonical_method_name,
    parse_telegram_html,
    telegram_text_length,
    validate_request,
)


def keyboard(*rows: list[dict[str, Any]]) -> str:
    return json.dumps({"inline_keyboard": list(rows)})


def aiogram_form(method: TelegramMethod[Any]) -> FormData:
    return AiohttpSession().build_form_data(Bot(token="42:TEST"), method)


def aiogram_fields(method: TelegramMethod[Any]) -> dict[str, object]:
    """The form fields aiogram would POST, as (name -> str | bytes)."""
    return {options["name"]: value for options, _headers, value in aiogram_form(method)._fields}


# ----------------------------------------------------------------- requests as aiogram sends them


def test_valid_send_message_with_inline_keyboard() -> None:
    params = {
        "chat_id": "12345",
        "text": "<b>Hello</b>, &lt;world&gt;",
        "parse_mode": "HTML",
        "reply_markup": keyboard(
            [{"text": "Yes", "callback_data": "v1:yes:1"}, {"text": "Site", "url": "https://e.org"}]
        ),
        "disable_notification": "true",
    }
    assert validate_request("sendMessage", params) == []


def test_already_decoded_values_are_accepted() -> None:
    params = {
        "chat_id": -1001234567890,
        "text": "hi",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": [[{"text": "ok", "callback_data": "x"}]]},
    }
    assert validate_request("sendMessage", params) == []


def test_method_names_are_case_insensitive_but_must_exist() -> None:
    assert canonical_method_name("SENDMESSAGE") == "sendMessage"
    assert validate_request("sendmessage", {"chat_id": "1", "text": "x"}) == []
    assert validate_request("sendMesage", {"chat_id": "1", "text": "x"}) == [
        f"sendMesage: unknown method (not in {API_VERSION})"
    ]


def test_missing_required_parameter() -> None:
    assert validate_request("sendMessage", {"text": "hi"}) == [
        "sendMessage: missing required parameter 'chat_id'"
    ]
    assert validate_request("sendMessage", {"chat_id": "1", "text": ""}) == [
        "sendMessage: missing required parameter 'text'"
    ]


def test_unknown_parameter() -> None:
    assert validate_request("sendMessage", {"chat_id": "1", "text": "hi", "foo": "1"}) == [
        "sendMessage: unknown parameter 'foo'"
    ]


@pytest.mark.parametrize(
    ("params", "violation"),
    [
        ({"message_thread_id": "abc"}, "message_thread_id must be Integer, got 'abc'"),
        ({"message_thread_id": "99999999999999999999"}, "message_thread_id must be Integer"),
        ({"disable_notification": "yes"}, "disable_notification must be Boolean, got 'yes'"),
        ({"reply_markup": "{not json"}, "reply_markup must be InlineKeyboardMarkup or"),
        (
            {"link_preview_options": json.dumps({"is_disabled": "true"})},
            "link_preview_options.is_disabled must be Boolean",
        ),
        (
            {"reply_parameters": json.dumps({"message_id": "x"})},
            "reply_parameters.message_id must be Integer",
        ),
        (
            {"reply_parameters": json.dumps({})},
            "missing required field 'message_id' in ReplyParameters",
        ),
        (
            {"reply_parameters": json.dumps({"message_id": 1, "bogus": 1})},
            "unknown field 'bogus' in ReplyParameters",
        ),
    ],
)
def test_wrong_types(params: dict[str, str], violation: str) -> None:
    errors = validate_request("sendMessage", {"chat_id": "1", "text": "hi", **params})
    assert len(errors) == 1 and errors[0].startswith("sendMessage: ") and violation in errors[0], (
        errors
    )


def test_callback_data_limit_is_64_bytes_of_utf8() -> None:
    def send(data: str) -> list[str]:
        markup = keyboard([{"text": "b", "callback_data": data}])
        return validate_request(
            "sendMessage", {"chat_id": "1", "text": "t", "reply_markup": markup}
        )

    assert send("a" * 64) == []
    assert send("a" * 65) == [
        "sendMessage: reply_markup.inline_keyboard[0][0].callback_data is 65 bytes (must be 1-64)"
    ]
    assert send("ж" * 33) == [  # 33 characters, 66 bytes
        "sendMessage: reply_markup.inline_keyboard[0][0].callback_data is 66 bytes (must be 1-64)"
    ]
    assert send("") == [
        "sendMessage: reply_markup.inline_keyboard[0][0].callback_data is 0 bytes (must be 1-64)"
    ]


def test_inline_button_needs_exactly_one_action_and_a_label() -> None:
    def send(button: dict[str, Any]) -> list[str]:
        return validate_request(
            "sendMessage", {"chat_id": "1", "text": "t", "reply_markup": keyboard([button])}
        )

    two = send({"text": "b", "callback_data": "x", "url": "https://e.org"})
    assert len(two) == 1
    assert "must have exactly one of" in two[0] and "(got callback_data, url)" in two[0]
    assert "(got none)" in send({"text": "b"})[0]
    assert send({"text": "", "callback_data": "x"}) == [
        "sendMessage: reply_markup.inline_keyboard[0][0].text must be non-empty"
    ]
    assert send({"text": "copy", "copy_text": {"text": "abc"}}) == []


def test_keyboard_must_be_an_array_of_arrays() -> None:
    flat = json.dumps({"inline_keyboard": [{"text": "b", "callback_data": "x"}]})
    errors = validate_request("sendMessage", {"chat_id": "1", "text": "t", "reply_markup": flat})
    expected = (
        "sendMessage: reply_markup.inline_keyboard[0] must be Array of InlineKeyboardButton, "
        "got {'text': 'b', 'callback_data': 'x'}"
    )
    assert errors == [expected]

    nested = keyboard([{"text": "a", "callback_data": "1"}], [{"text": "b", "callback_data": "2"}])
    assert (
        validate_request(
            "editMessageReplyMarkup", {"chat_id": "1", "message_id": "2", "reply_markup": nested}
        )
        == []
    )


def test_text_limit_counts_characters_after_entity_parsing() -> None:
    def send(text: str, parse_mode: str | None = None) -> list[str]:
        params = {"chat_id": "1", "text": text}
        if parse_mode:
            params["parse_mode"] = parse_mode
        return validate_request("sendMessage", params)

    assert send("x" * 4096) == []
    assert send("x" * 4097) == [
        "sendMessage: text is 4097 characters after entity parsing (max 4096)"
    ]
    assert send("<b>" + "x" * 4096 + "</b>", "HTML") == []
    assert send("&lt;" * 4096, "HTML") == []
    assert send("&amp;" * 4100, "HTML") == [
        "sendMessage: text is 4100 characters after entity parsing (max 4096)"
    ]
    assert send("<b> </b>\n", "HTML") == [
        "sendMessage: text is empty after entity parsing (must be 1-4096 characters)"
    ]
    assert validate_request(
        "editMessageText", {"chat_id": "1", "message_id": "5", "text": "y" * 4097}
    ) == ["editMessageText: text is 4097 characters after entity parsing (max 4096)"]


def test_caption_limit_is_1024_after_parsing() -> None:
    params = {"chat_id": "1", "photo": "AgACfileid", "parse_mode": "HTML"}
    assert validate_request("sendPhoto", {**params, "caption": "<i>" + "c" * 1024 + "</i>"}) == []
    assert validate_request("sendPhoto", {**params, "caption": "c" * 1025}) == [
        "sendPhoto: caption is 1025 characters after entity parsing (max 1024)"
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>x", "Can't find end tag corresponding to start tag b"),
        ("<foo>bar</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("caf&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 3'),
        ("Tom & Jerry", 'Unsupported HTML entity "&" at byte offset 4'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "🏟 🏟&lt;<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        ('<tg-emoji emoji-id="abc">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
def test_bad_html_is_rejected_like_telegram(text: str, reason: str) -> None:
    with pytest.raises(TelegramHTMLError) as caught:
        parse_telegram_html(text)
    assert caught.value.reason.startswith(reason)
    assert str(caught.value).startswith(f"Bad Request: can't parse entities: {reason}")
    errors = validate_request("sendMessage", {"chat_id": "1", "text": text, "parse_mode": "HTML"})
    assert errors == [f"sendMessage: text: can't parse entities: {caught.value.reason}"]


def test_bad_html_in_plain_text_mode_is_just_text() -> None:
    assert validate_request("sendMessage", {"chat_id": "1", "text": "a < b & <foo>"}) == []


def test_good_html_yields_plain_text_and_entities() -> None:
    text, entities = parse_telegram_html(
        '<b>Bold &lt;tag&gt;</b> <a href="https://e.org/?a=1&amp;b=2">link</a> a > b '
        "<tg-spoiler>s</tg-spoiler> <code>c</code> &#128077; <i>👍x</i>"
        '<pre><code class="language-python">print()</code></pre>'
        "<blockquote expandable>q</blockquote>"
    )
    assert text == "Bold <tag> link a > b s c 👍 👍xprint()q"
    assert entities == [
        {"offset": 0, "length": 10, "type": "bold"},
        {"offset": 11, "length": 4, "type": "text_link", "url": "https://e.org/?a=1&b=2"},
        {"offset": 22, "length": 1, "type": "spoiler"},
        {"offset": 24, "length": 1, "type": "code"},
        {"offset": 29, "length": 3, "type": "italic"},  # 👍 is two UTF-16 code units
        {"offset": 32, "length": 7, "type": "pre", "language": "python"},
        {"offset": 39, "length": 1, "type": "expandable_blockquote"},
    ]
    assert telegram_text_length("<b>ab</b>&amp;", "HTML") == 3
    assert telegram_text_length("<b>ab</b>", None) == 9


def test_html_mentions_custom_emoji_and_time() -> None:
    text, entities = parse_telegram_html(
        '<a href="tg://user?id=42">Ann</a> <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> '
        '<tg-time unix="1647531900" format="wDT">tomorrow</tg-time>'
    )
    assert text == "Ann 👍 tomorrow"
    assert entities == [
        {"offset": 0, "length": 3, "type": "text_mention", "user": {"id": 42}},
        {
            "offset": 4,
            "length": 2,
            "type": "custom_emoji",
            "custom_emoji_id": "5368324170671202286",
        },
        {
            "offset": 7,
            "length": 8,
            "type": "date_time",
            "unix_time": 1647531900,
            "date_time_format": "wDT",
        },
    ]


def test_parse_mode_must_be_known() -> None:
    assert (
        validate_request("sendMessage", {"chat_id": "1", "text": "x", "parse_mode": "html"}) == []
    )
    assert (
        validate_request("sendMessage", {"chat_id": "1", "text": "x", "parse_mode": "Markdown"})
        == []
    )
    assert validate_request("sendMessage", {"chat_id": "1", "text": "x", "parse_mode": "HTM"}) == [
        "sendMessage: parse_mode must be HTML, MarkdownV2 or Markdown, got 'HTM'"
    ]


@pytest.mark.parametrize(
    "markup",
    [
        {
            "keyboard": [[{"text": "Share", "request_contact": True}], ["plain"]],
            "resize_keyboard": True,
        },
        {"remove_keyboard": True},
        {"force_reply": True, "input_field_placeholder": "Your name"},
        {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]},
    ],
)
def test_reply_markup_union_accepts_each_member(markup: dict[str, Any]) -> None:
    params = {"chat_id": "1", "text": "x", "reply_markup": json.dumps(markup)}
    assert validate_request("sendMessage", params) == []


def test_reply_markup_union_rejects_non_members() -> None:
    params = {
        "chat_id": "1",
        "text": "x",
        "reply_markup": json.dumps({"remove_keyboard": True, "x": 1}),
    }
    errors = validate_request("sendMessage", params)
    assert errors[0] == (
        "sendMessage: reply_markup matches none of InlineKeyboardMarkup, ReplyKeyboardMarkup, "
        "ReplyKeyboardRemove, ForceReply (closest: ReplyKeyboardRemove)"
    )
    assert errors[1:] == ["sendMessage: reply_markup: unknown field 'x' in ReplyKeyboardRemove"]
    # editMessageText only takes an inline keyboard
    reply_keyboard = json.dumps({"keyboard": [["a"]]})
    assert validate_request(
        "editMessageText",
        {"chat_id": "1", "message_id": "1", "text": "x", "reply_markup": reply_keyboard},
    )


def test_set_my_commands_rules() -> None:
    def commands(*items: tuple[str, str]) -> str:
        return json.dumps([{"command": c, "description": d} for c, d in items])

    assert (
        validate_request(
            "setMyCommands", {"commands": commands(("start", "Start"), ("my_events2", "Events"))}
        )
        == []
    )
    assert validate_request("setMyCommands", {"commands": commands(("Start", "Start"))}) == [
        "setMyCommands: commands[0].command 'Start' must be 1-32 characters of a-z, 0-9 and _"
    ]
    assert validate_request("setMyCommands", {"commands": commands(("/start", "Start"))})
    assert validate_request("setMyCommands", {"commands": commands(("x" * 33, "Start"))})
    assert validate_request("setMyCommands", {"commands": commands(("start", ""))}) == [
        "setMyCommands: commands[0].description is 0 characters (must be 1-256)"
    ]
    assert validate_request("setMyCommands", {"commands": commands(("start", "d" * 257))})
    too_many = commands(*[(f"c{i}", "d") for i in range(101)])
    assert validate_request("setMyCommands", {"commands": too_many}) == [
        "setMyCommands: commands has 101 items (max 100)"
    ]
    ok = commands(("start", "Start"))
    assert validate_request("setMyCommands", {"commands": ok, "language_code": "ru"}) == []
    assert validate_request("setMyCommands", {"commands": ok, "language_code": "rus"}) == [
        "setMyCommands: language_code must be a two-letter ISO 639-1 code or empty, got 'rus'"
    ]


def test_command_scope_union_uses_the_type_discriminator() -> None:
    ok = {"commands": "[]", "scope": json.dumps({"type": "chat", "chat_id": 5})}
    assert validate_request("setMyCommands", ok) == []
    assert validate_request(
        "setMyCommands", {"commands": "[]", "scope": json.dumps({"type": "chat"})}
    ) == ["setMyCommands: scope: missing required field 'chat_id' in BotCommandScopeChat"]
    unknown = validate_request(
        "setMyCommands", {"commands": "[]", "scope": json.dumps({"type": "everyone"})}
    )
    assert unknown and unknown[0].startswith(
        "setMyCommands: scope.type must be one of ['all_chat_administrators'"
    )


def test_answer_callback_query_text_limit() -> None:
    assert (
        validate_request("answerCallbackQuery", {"callback_query_id": "1", "text": "t" * 200}) == []
    )
    assert validate_request(
        "answerCallbackQuery", {"callback_query_id": "1", "text": "t" * 201}
    ) == ["answerCallbackQuery: text is 201 characters (max 200)"]


def test_file_uploads_and_attach_references() -> None:
    upload = b"\x89PNG..."
    assert validate_request("sendPhoto", {"chat_id": "1", "photo": upload}) == []
    assert (
        validate_request("sendPhoto", {"chat_id": "1", "photo": "attach://p1", "p1": upload}) == []
    )
    assert validate_request("sendPhoto", {"chat_id": "1", "photo": "attach://p1"}) == [
        "sendPhoto: attach://p1 refers to a file part that was not uploaded"
    ]
    assert validate_request("sendPhoto", {"chat_id": "1", "photo": "id", "stray": upload}) == [
        "sendPhoto: unknown parameter 'stray'"
    ]
    assert validate_request("sendMessage", {"chat_id": "1", "text": upload}) == [
        "sendMessage: text is a file upload but must be String"
    ]


# ----------------------------------------------------------------- aiogram's real serialization


def test_aiogram_send_message_with_inline_keyboard_passes() -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Approve", callback_data="v1:ap:17")],
            [InlineKeyboardButton(text="Open", url="https://example.org")],
        ]
    )
    fields = aiogram_fields(
        SendMessage(
            chat_id=-100123, text="<b>New</b> request", parse_mode="HTML", reply_markup=markup
        )
    )
    assert fields["chat_id"] == "-100123" and isinstance(fields["reply_markup"], str)
    assert validate_request("sendMessage", fields) == []


def test_aiogram_bot_defaults_pass() -> None:
    """Defaults make aiogram add link_preview_options and the legacy disable_web_page_preview."""
    defaults = DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True)
    bot = Bot(token="42:TEST", default=defaults)
    methods: list[TelegramMethod[Any]] = [
        SendMessage(chat_id=1, text="<b>x</b>", reply_to_message_id=5),
        EditMessageText(chat_id=1, message_id=2, text="<i>y</i>"),
    ]
    for method in methods:
        form = AiohttpSession().build_form_data(bot, method)
        fields = {options["name"]: value for options, _headers, value in form._fields}
        assert fields["disable_web_page_preview"] == "true"
        assert validate_request(method.__api_method__, fields) == []


def test_aiogram_set_my_commands_with_scope_and_language_passes() -> None:
    method = SetMyCommands(
        commands=[
            BotCommand(command="start", description="Start"),
            BotCommand(command="help", description="Help"),
        ],
        scope=BotCommandScopeChat(chat_id=42),
        language_code="kk",
    )
    assert validate_request("setMyCommands", aiogram_fields(method)) == []


def test_aiogram_create_chat_invite_link_passes() -> None:
    method = CreateChatInviteLink(
        chat_id=-100123,
        name="Event #7",
        expire_date=datetime.now(UTC) + timedelta(days=1),
        creates_join_request=True,
    )
    fields = aiogram_fields(method)
    assert fields["creates_join_request"] == "true"
    assert validate_request("createChatInviteLink", fields) == []


def test_aiogram_media_group_with_uploads_passes() -> None:
    method = SendMediaGroup(
        chat_id=1,
        media=[
            InputMediaPhoto(
                media=BufferedInputFile(b"png", "a.png"), caption="<b>A</b>", parse_mode="HTML"
            ),
            InputMediaVideo(media="BAACvideo-file-id"),
        ],
    )
    assert validate_request("sendMediaGroup", aiogram_fields(method)) == []


async def test_multipart_round_trip_through_aiohttp_server() -> None:
    """Exactly what the emulator sees: aiohttp's parsed form with FileField parts."""
    seen: list[list[str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(validate_request(request.match_info["method"], dict(await request.post())))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handler)
    photo = SendPhoto(
        chat_id=1,
        photo=BufferedInputFile(b"\x89PNG", "p.png"),
        caption="a &lt; b",
        parse_mode="HTML",
    )
    bad = SendPhoto(chat_id=1, photo="file-id", caption="a < b", parse_mode="HTML")
    async with TestServer(app) as server, ClientSession() as http:
        for method in (photo, bad):
            async with http.post(
                server.make_url("/bot42:TEST/sendPhoto"), data=aiogram_form(method)
            ):
                pass
    assert seen[0] == []
    assert seen[1] == [
        'sendPhoto: caption: can\'t parse entities: Unsupported start tag "" at byte offset 2'
    ]
