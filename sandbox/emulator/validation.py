"""Check Bot API requests the way Telegram would, so tests fail where production would.

A fake Bot API that accepts anything lets a bot pass its tests and then fail live on
an over-long message, a 65-byte ``callback_data`` or an unescaped ``<`` in HTML.
The emulator runs :func:`validate_request` on every request the bot makes; the
facts come from ``bot_api_schema.json`` (see ``regenerate_schema.py``) and the
limits that the docs state in prose are encoded below.

Input format: ``params`` is what the HTTP server receives from aiogram's
``AiohttpSession`` (multipart/form-data): every scalar is a ``str`` (``"123"``,
``"true"``, ``"1.5"``), objects and arrays are JSON strings, uploaded files are
aiohttp ``FileField`` objects (or ``bytes``, file objects, async iterables) and
``attach://<name>`` strings point at such parts.  Already decoded Python values
(``int``, ``bool``, ``float``, ``dict``, ``list``) are accepted too, so tests can
call it directly.

Deliberate differences from Telegram.  Stricter:

* an ``&`` that does not start ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` or a numeric
  reference is an error (Telegram keeps it literally; for a bot it nearly always
  means user input that was not escaped);
* unknown fields inside JSON objects are errors (Telegram ignores them), and so
  are undocumented parameters other than the three legacy ones below.

Approximate:

* lengths are counted in Unicode code points (Python ``len``), not UTF-16 units;
* with ``parse_mode`` Markdown/MarkdownV2 the text is not parsed, so only HTML and
  plain text get the length check (the raw length would over-count the markup).

Lenient, as Telegram is:

* inside JSON, Integer/Float fields also accept numeric strings (aiogram serializes
  nested datetimes as ``"1700000000"``);
* ``reply_to_message_id``, ``allow_sending_without_reply`` and
  ``disable_web_page_preview`` are accepted wherever their successors are.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from io import IOBase
from pathlib import Path
from typing import Any, Final, TypeAlias

from aiohttp.web_request import FileField

__all__ = [
    "API_VERSION",
    "TelegramHTMLError",
    "canonical_method_name",
    "parse_telegram_html",
    "telegram_text_length",
    "validate_request",
]

_SCHEMA: Final[dict[str, Any]] = json.loads(
    Path(__file__).with_name("bot_api_schema.json").read_text(encoding="utf-8")
)
API_VERSION: Final[str] = _SCHEMA["version"]
_METHODS: Final[dict[str, dict[str, Any]]] = _SCHEMA["methods"]
_TYPES: Final[dict[str, dict[str, Any]]] = _SCHEMA["types"]
_METHOD_BY_LOWER: Final[dict[str, str]] = {name.lower(): name for name in _METHODS}

# "Array of Array of X" -> ("array", ("array", "X")); scalars and type names stay strings.
TypeExpr: TypeAlias = "str | tuple[str, TypeExpr]"
Errors: TypeAlias = list[str]

_SCALARS: Final = frozenset({"Integer", "Float", "Boolean", "String", "InputFile"})
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT_RE: Final = re.compile(r"[+-]?\d+")
_BOOL_STRINGS: Final = frozenset({"true", "false", "1", "0"})
_PARSE_MODES: Final = frozenset({"html", "markdownv2", "markdown"})  # case-insensitive
_ATTACH_PREFIX: Final = "attach://"

MESSAGE_TEXT_MAX: Final = 4096
CAPTION_MAX: Final = 1024
CALLBACK_DATA_MAX_BYTES: Final = 64
CALLBACK_ANSWER_MAX: Final = 200
MAX_BOT_COMMANDS: Final = 100
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_COMMAND_DESCRIPTION_MAX: Final = 256
_LANGUAGE_CODE_RE: Final = re.compile(r"(?:[a-z]{2})?")

# (owner, field) -> (min, max) length after entity parsing; owner is a method or a type.
_TEXT_LIMITS: Final[dict[tuple[str, str], tuple[int, int]]] = {
    ("sendMessage", "text"): (1, MESSAGE_TEXT_MAX),
    ("editMessageText", "text"): (1, MESSAGE_TEXT_MAX),
    ("InputTextMessageContent", "message_text"): (1, MESSAGE_TEXT_MAX),
}


def _parse_type_expr(text: str) -> TypeExpr:
    prefix = "Array of "
    if text.startswith(prefix):
        return ("array", _parse_type_expr(text[len(prefix) :]))
    return text


def _compile(types: Sequence[str]) -> tuple[TypeExpr, ...]:
    return tuple(_parse_type_expr(t) for t in types)


class _Field:
    __slots__ = ("attach", "name", "required", "types")

    def __init__(self, name: str, facts: Mapping[str, Any]) -> None:
        self.name = name
        self.required: bool = facts["required"]
        self.types = _compile(facts["types"])
        self.attach: bool = facts.get("attach", False) or "InputFile" in facts["types"]


def _formatted_fields(fields: Mapping[str, _Field]) -> tuple[tuple[str, str], ...]:
    """(text field, parse_mode field) pairs.

    ``x_parse_mode`` formats ``x``; plain ``parse_mode`` formats the text or caption.
    """
    pairs: list[tuple[str, str]] = []
    for name in fields:
        if name == "parse_mode":
            target = next((f for f in ("text", "caption", "message_text") if f in fields), None)
        elif name.endswith("_parse_mode"):
            target = name.removesuffix("_parse_mode")
        else:
            continue
        if target is not None and target in fields:
            pairs.append((target, name))
    return tuple(pairs)


class _ObjectSpec:
    __slots__ = (
        "at_most_one_of",
        "const",
        "exactly_one_of",
        "fields",
        "formatted",
        "name",
        "required",
        "string_allowed",
    )

    def __init__(self, name: str, facts: Mapping[str, Any], fields_key: str = "fields") -> None:
        self.name = name
        self.fields = {n: _Field(n, f) for n, f in facts.get(fields_key, {}).items()}
        self.required = tuple(n for n, f in self.fields.items() if f.required)
        self.const: dict[str, str] = facts.get("const", {})
        self.exactly_one_of: list[str] = facts.get("exactly_one_of", [])
        self.at_most_one_of: list[str] = facts.get("at_most_one_of", [])
        self.string_allowed: bool = facts.get("string_allowed", False)
        self.formatted = _formatted_fields(self.fields)


_OBJECTS: Final[dict[str, _ObjectSpec]] = {
    name: _ObjectSpec(name, facts) for name, facts in _TYPES.items() if "subtypes" not in facts
}
_UNIONS: Final[dict[str, tuple[TypeExpr, ...]]] = {
    name: _compile(facts["subtypes"]) for name, facts in _TYPES.items() if "subtypes" in facts
}
# Parameters that left the docs but that Telegram still accepts, next to their successors.
# aiogram still sends disable_web_page_preview with DefaultBotProperties(link_preview_is_disabled).
_LEGACY_PARAMS: Final[dict[str, dict[str, str]]] = {
    "reply_parameters": {
        "reply_to_message_id": "Integer",
        "allow_sending_without_reply": "Boolean",
    },
    "link_preview_options": {"disable_web_page_preview": "Boolean"},
}


def _method_spec(name: str, facts: Mapping[str, Any]) -> _ObjectSpec:
    spec = _ObjectSpec(name, facts, "params")
    for successor, legacy in _LEGACY_PARAMS.items():
        if successor in spec.fields:
            for param, kind in legacy.items():
                spec.fields.setdefault(param, _Field(param, {"required": False, "types": [kind]}))
    return spec


_METHOD_SPECS: Final[dict[str, _ObjectSpec]] = {
    name: _method_spec(name, facts) for name, facts in _METHODS.items()
}


# --------------------------------------------------------------------------- HTML


class TelegramHTMLError(ValueError):
    """Raised for text Telegram would refuse with "Bad Request: can't parse entities: ..."."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Bad Request: can't parse entities: {reason}")


_SUPPORTED_TAGS: Final = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "span",
        "tg-spoiler", "tg-emoji", "tg-time", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_ENTITIES: Final = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
_HTML_SPACES: Final = frozenset(" \t\r\n\v\f")
_SPACES_RE: Final = re.compile(r"[ \t\r\n\v\f]*")
_TAG_NAME_RE: Final = re.compile(r"[^ \t\r\n\v\f>]*")
_ATTRIBUTE_NAME_RE: Final = re.compile(r"[^ \t\r\n\v\f=>]*")
_TOKEN_ENDS: Final = _HTML_SPACES | {">", ""}
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TIME_FORMAT_RE: Final = re.compile(r"r|w?[dD]?[tT]?")
_USER_LINK_RE: Final = re.compile(r"tg://user\?id=(\d+)", re.IGNORECASE)
_SPECIAL_RE: Final = re.compile(r"[<&]")
_NAME_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9.\-]*")
_ALPHA_RE: Final = re.compile(r"[A-Za-z]*")
_DIGITS_RE: Final = re.compile(r"[0-9]*")
_HEX_DIGITS_RE: Final = re.compile(r"[0-9A-Fa-f]*")
_ENTITY_LIKE_RE: Final = re.compile(r"&#?\w*;?")
_PENDING_LANGUAGE: Final = "_language"
# tdlib's order for entities sharing a span: outer block entities first, decorations last
_ENTITY_PRIORITY: Final = {
    "blockquote": 0, "expandable_blockquote": 1, "pre": 11, "code": 20, "text_link": 49,
    "text_mention": 49, "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93,
    "spoiler": 94, "custom_emoji": 99,
}  # fmt: skip


_MAX_CODE_POINT: Final = 0x10FFFF
_SURROGATES: Final = range(0xD800, 0xE000)
_MAX_REFERENCE_LENGTH: Final = 10  # tdlib ignores "&#...;" of 10+ characters


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``text[pos] == "&"`` like tdlib (``;`` is optional)."""
    end = pos + 1
    if text.startswith("#", end):
        hexadecimal = text.startswith("#x", end)
        end += 2 if hexadecimal else 1
        digits = (_HEX_DIGITS_RE if hexadecimal else _DIGITS_RE).match(text, end).group()  # type: ignore[union-attr]
        end += len(digits)
        code = int(digits, 16 if hexadecimal else 10) if digits else 0
        if not 0 < code < _MAX_CODE_POINT or end - pos >= _MAX_REFERENCE_LENGTH:
            return None
        char = chr(code)
    else:
        name = _ALPHA_RE.match(text, end).group()  # type: ignore[union-attr]
        end += len(name)
        if name not in _NAMED_ENTITIES:
            return None
        char = _NAMED_ENTITIES[name]
    return char, end + 1 if text.startswith(";", end) else end


class _OpenTag:
    __slots__ = ("attrs", "name", "offset", "start")

    def __init__(self, name: str, attrs: dict[str, str], offset: int, start: int) -> None:
        self.name, self.attrs, self.offset, self.start = name, attrs, offset, start


class _HTMLParser:
    """One pass over the text, tag by tag, in the order tdlib's ``parse_html`` does it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0  # code points emitted so far
        self.utf16 = 0  # UTF-16 code units emitted so far
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        text = self.text
        while (match := _SPECIAL_RE.search(text, self.pos)) is not None:
            self.emit(text[self.pos : match.start()])
            self.pos = match.start()
            if text[self.pos] == "&":
                self.entity()
            elif text.startswith("</", self.pos):
                self.end_tag()
            else:
                self.start_tag()
        self.emit(text[self.pos :])
        if self.stack:
            raise TelegramHTMLError(
                f"Can't find end tag corresponding to start tag {self.stack[-1].name}"
            )
        for entity in self.entities:
            entity.pop(_PENDING_LANGUAGE, None)  # a language on a standalone <code> is ignored
        self.entities.sort(
            key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50))
        )
        return "".join(self.out), self.entities

    # helpers -----------------------------------------------------------------

    def emit(self, chunk: str) -> None:
        if chunk:
            self.out.append(chunk)
            self.out_len += len(chunk)
            self.utf16 += _utf16_len(chunk)

    def at(self, offset: int = 0) -> str:
        """The character at pos + offset, or "" past the end (tdlib's NUL terminator)."""
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def skip(self, pattern: re.Pattern[str]) -> str:
        """Advance over ``pattern`` (which always matches, maybe empty) and return the match."""
        token = pattern.match(self.text, self.pos).group()  # type: ignore[union-attr]
        self.pos += len(token)
        return token

    def byte_offset(self, index: int) -> int:
        return _byte_offset(self.text, index)

    # grammar -----------------------------------------------------------------

    def entity(self) -> None:
        decoded = _decode_entity(self.text, self.pos)
        if decoded is None:
            name = _ENTITY_LIKE_RE.match(self.text, self.pos).group()  # type: ignore[union-attr]
            raise TelegramHTMLError(
                f'Unsupported HTML entity "{name}" at byte offset {self.byte_offset(self.pos)}'
                ' (escape "&" as "&amp;")'
            )
        char, self.pos = decoded
        if ord(char) in _SURROGATES:
            raise TelegramHTMLError(
                "Text contains invalid Unicode characters after decoding HTML entities,"
                " check for unmatched surrogate code units"
            )
        self.emit(char)

    def start_tag(self) -> None:
        start = self.pos
        self.pos += 1
        tag = self.skip(_TAG_NAME_RE).lower()
        if not self.at():
            raise TelegramHTMLError(f"Unclosed start tag at byte offset {self.byte_offset(start)}")
        if tag not in _SUPPORTED_TAGS:
            raise TelegramHTMLError(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(start)}'
            )
        attrs: dict[str, str] = {}
        while True:
            self.skip(_SPACES_RE)
            if not self.at():
                raise TelegramHTMLError(
                    f"Unclosed start tag at byte offset {self.byte_offset(start)}"
                )
            if self.at() == ">":
                break
            name, value = self.attribute(tag, start)
            attrs[name] = value
        self.pos += 1
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise TelegramHTMLError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(start)}'
            )
        self.stack.append(_OpenTag(tag, attrs, self.utf16, self.out_len))

    def attribute(self, tag: str, start: int) -> tuple[str, str]:
        name = self.skip(_ATTRIBUTE_NAME_RE).lower()
        if not name:
            raise TelegramHTMLError(
                f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(start)}'
            )
        self.skip(_SPACES_RE)
        if self.at() != "=":
            if tag == "blockquote" and name == "expandable":
                return name, ""
            if not self.at():
                raise TelegramHTMLError(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(start)}'
                )
            raise TelegramHTMLError(
                "Expected equal sign in declaration of an attribute of the tag"
                f' "{tag}" at byte offset {self.byte_offset(start)}'
            )
        self.pos += 1
        self.skip(_SPACES_RE)
        quote = self.at()
        if not quote:
            raise TelegramHTMLError(
                f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(start)}'
            )
        if quote not in "'\"":
            # a name token: letters, digits, periods, hyphens; case-insensitive
            token = _NAME_TOKEN_RE.match(self.text, self.pos).group()  # type: ignore[union-attr]
            if self.at(len(token)) not in _TOKEN_ENDS:
                offset = self.byte_offset(self.pos)
                raise TelegramHTMLError(f"Unexpected end of name token at byte offset {offset}")
            self.pos += len(token)
            return name, token.lower()
        self.pos += 1
        value: list[str] = []
        while self.at() and self.at() != quote:
            if self.at() == "&" and (decoded := _decode_entity(self.text, self.pos)) is not None:
                value.append(decoded[0])
                self.pos = decoded[1]
            else:
                value.append(self.at())
                self.pos += 1
        if not self.at():
            raise TelegramHTMLError(f"Unclosed start tag at byte offset {self.byte_offset(start)}")
        self.pos += 1
        return name, "".join(value)

    def end_tag(self) -> None:
        start = self.pos
        if not self.stack:
            raise TelegramHTMLError(f"Unexpected end tag at byte offset {self.byte_offset(start)}")
        self.pos += 2
        name = self.skip(_TAG_NAME_RE).lower()
        self.skip(_SPACES_RE)
        if self.at() != ">":
            raise TelegramHTMLError(f"Unclosed end tag at byte offset {self.byte_offset(start)}")
        self.pos += 1
        opened = self.stack.pop()
        if name and name != opened.name:  # "</>" closes whatever is open
            raise TelegramHTMLError(
                f"Unmatched end tag at byte offset {self.byte_offset(start)},"
                f' expected "</{opened.name}>", found "</{name}>"'
            )
        self.close(opened)

    def close(self, tag: _OpenTag) -> None:
        name, attrs = tag.name, tag.attrs
        if name == "tg-emoji" and not _is_positive_int64(attrs.get("emoji-id", "")):
            raise TelegramHTMLError("Invalid custom emoji identifier specified")
        if name == "tg-time":
            if not _is_positive_int64(attrs.get("unix", "")):
                raise TelegramHTMLError("Invalid Unix time specified in the tag tg-time")
            if not _TIME_FORMAT_RE.fullmatch(attrs.get("format", "")):
                raise TelegramHTMLError("Invalid date-time format specified in the tag tg-time")
        length = self.utf16 - tag.offset
        if length <= 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {"offset": tag.offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (tag.offset, length)
        if name in _SIMPLE_ENTITIES:
            entity["type"] = _SIMPLE_ENTITIES[name]
        elif name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=attrs["emoji-id"])
        elif name == "tg-time":
            entity.update(type="date_time", unix_time=int(attrs["unix"]))
            if attrs.get("format"):
                entity["date_time_format"] = attrs["format"]
        elif name == "a":
            url = attrs.get("href") or "".join(self.out)[tag.start :].strip()
            if not url:
                return  # Telegram drops links it can't make sense of
            if user := _USER_LINK_RE.fullmatch(url):
                entity.update(type="text_mention", user={"id": int(user.group(1))})
            else:
                entity.update(type="text_link", url=url)
        elif name == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        elif name == "code":
            # <pre><code class="language-x"> is one pre entity with a language, in either order
            css_class = attrs.get("class", "")
            language = (
                css_class.removeprefix("language-") if css_class.startswith("language-") else ""
            )
            if language and same_span and last is not None and last["type"] == "pre":
                last["language"] = language
                return
            entity["type"] = "code"
            if language:
                entity[_PENDING_LANGUAGE] = language
        else:  # pre
            if same_span and last is not None and _PENDING_LANGUAGE in last:
                last.update(type="pre", language=last.pop(_PENDING_LANGUAGE))
                return
            entity["type"] = "pre"
        self.entities.append(entity)


def _is_positive_int64(text: str) -> bool:
    return bool(_INT_RE.fullmatch(text)) and 0 < int(text) <= _INT64_MAX


def parse_telegram_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse ``parse_mode="HTML"`` text into (plain text, entities) like Telegram.

    Mirrors tdlib's ``parse_html`` (error messages included, byte offsets in UTF-8),
    but is stricter on ``&`` (see the module docstring).  Entity offsets and lengths
    are in UTF-16 code units, as in the Bot API.  Telegram additionally trims
    leading/trailing whitespace of the whole message; that is not done here.
    Raises :class:`TelegramHTMLError`.
    """
    return _HTMLParser(text).parse()


def telegram_text_length(text: str, parse_mode: str | None) -> int:
    """Length of ``text`` as the user sees it, in Unicode code points.

    With HTML the markup is parsed first (raising :class:`TelegramHTMLError` like
    Telegram would); without a parse mode it is ``len(text)``.  Markdown and
    MarkdownV2 are not parsed, so for them this is an upper bound.
    """
    if parse_mode and parse_mode.lower() == "html":
        return len(parse_telegram_html(text)[0])
    return len(text)


# --------------------------------------------------------------------------- requests


def canonical_method_name(method: str) -> str | None:
    """The Bot API spelling of ``method`` (Telegram matches names case-insensitively)."""
    return _METHOD_BY_LOWER.get(method.lower())


def _is_file(value: object) -> bool:
    # AsyncIterable: aiogram's FormData streams uploads, so tests feeding FormData._fields see these
    return isinstance(value, FileField | bytes | bytearray | memoryview | IOBase | AsyncIterable)


@functools.cache
def _split_arrays(types: tuple[TypeExpr, ...]) -> tuple[tuple[TypeExpr, ...], tuple[str, ...]]:
    """(element types of the array members, the other members) of a union.

    Element types are merged: "Array of InputMediaPhoto or Array of InputMediaVideo"
    (how the docs list sendMediaGroup's media) also admits mixed albums, as Telegram does.
    """
    elements = tuple(dict.fromkeys(t[1] for t in types if isinstance(t, tuple)))
    return elements, tuple(t for t in types if isinstance(t, str))


def _describe(types: Sequence[TypeExpr]) -> str:
    def one(expr: TypeExpr) -> str:
        return expr if isinstance(expr, str) else f"Array of {one(expr[1])}"

    return " or ".join(one(t) for t in types)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Request:
    """Type checks for one request; remembers which ``attach://`` parts it references."""

    def __init__(self) -> None:
        self.attached: set[str] = set()

    # scalars ---------------------------------------------------------------

    def scalar_ok(self, value: object, kind: str, top: bool, attach: bool) -> bool:
        if kind == "String":
            ok = isinstance(value, str)
        elif kind == "InputFile":
            ok = isinstance(value, str) or (top and _is_file(value))
        elif kind == "Integer":
            if isinstance(value, str) and _INT_RE.fullmatch(value):
                value = int(value)
            ok = (
                isinstance(value, int)
                and not isinstance(value, bool)
                and _INT64_MIN <= value <= _INT64_MAX
            )
        elif kind == "Float":
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    return False
            ok = (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            )
        else:  # Boolean
            ok = isinstance(value, bool) or (
                top and isinstance(value, str) and value.lower() in _BOOL_STRINGS
            )
        if ok and attach and isinstance(value, str) and value.startswith(_ATTACH_PREFIX):
            self.attached.add(value.removeprefix(_ATTACH_PREFIX))
        return ok

    # values ----------------------------------------------------------------

    def decode_param(self, value: object, field: _Field, path: str) -> tuple[object, Errors]:
        """Decode a top-level form value to the Python value Telegram would see."""
        if _is_file(value):
            if "InputFile" in field.types:
                return value, []
            return value, [f"{path} is a file upload but must be {_describe(field.types)}"]
        if isinstance(value, str):
            complex_types = [t for t in field.types if not (isinstance(t, str) and t in _SCALARS)]
            scalar_types = [t for t in field.types if isinstance(t, str) and t in _SCALARS]
            if any(self.scalar_ok(value, t, top=True, attach=field.attach) for t in scalar_types):
                return value, []
            if not complex_types:
                return value, [f"{path} must be {_describe(field.types)}, got {_short(value)}"]
            try:
                decoded = json.loads(value)
            except ValueError:
                return value, [
                    f"{path} must be {_describe(field.types)} (a JSON string), got {_short(value)}"
                ]
            return decoded, self.check(decoded, tuple(complex_types), path, field.attach)
        return value, self.check(value, field.types, path, field.attach)

    def check(
        self, value: object, types: Sequence[TypeExpr], path: str, attach: bool = False
    ) -> Errors:
        """Errors of a decoded (JSON) value against a union of type expressions."""
        element_types, others = _split_arrays(tuple(types))
        if isinstance(value, list):
            if not element_types:
                return [f"{path} must be {_describe(types)}, got an array"]
            errors: Errors = []
            for index, item in enumerate(value):
                errors += self.check_item(item, element_types, f"{path}[{index}]", attach)
            return errors
        if not others:
            return [f"{path} must be {_describe(types)}, got {_short(value)}"]
        candidates: list[tuple[str, Errors]] = []
        for name in others:
            errors = self.check_named(value, name, path, attach)
            if not errors:
                return []
            candidates.append((name, errors))
        if len(candidates) == 1:
            return candidates[0][1]
        # A value shaped like exactly one member (its keys, its required fields) is that member.
        shaped = [(name, errors) for name, errors in candidates if _has_shape_of(value, name)]
        if len(shaped) == 1:
            return shaped[0][1]
        best_name, best_errors = min(candidates, key=lambda c: len(c[1]))
        names = ", ".join(name for name, _ in candidates)
        return [f"{path} matches none of {names} (closest: {best_name})", *best_errors]

    def check_item(
        self, value: object, types: Sequence[TypeExpr], path: str, attach: bool
    ) -> Errors:
        if value is None:
            return [f"{path} must not be null"]
        return self.check(value, types, path, attach)

    def check_named(self, value: object, name: str, path: str, attach: bool) -> Errors:
        if name in _SCALARS:
            if self.scalar_ok(value, name, top=False, attach=attach):
                return []
            return [f"{path} must be {name}, got {_short(value)}"]
        if name in _UNIONS:
            return self.check_union(value, name, path, attach)
        spec = _OBJECTS.get(name)
        if spec is None:
            return [f"{path}: schema has no type {name!r}"]
        return self.check_object(value, spec, path)

    def check_union(self, value: object, name: str, path: str, attach: bool) -> Errors:
        members = _UNIONS[name]
        if isinstance(value, dict):
            # Pick members by their discriminator ("type": "chat") for a precise message.
            tagged = [
                m for m in members if isinstance(m, str) and m in _OBJECTS and _OBJECTS[m].const
            ]
            if tagged and len(tagged) == len(members):
                key = next(iter(_OBJECTS[tagged[0]].const))
                if key not in value:
                    return [f"{path}.{key} is required for {name}"]
                matching = [m for m in tagged if _OBJECTS[m].const.get(key) == value[key]]
                if not matching:
                    allowed = sorted({_OBJECTS[m].const[key] for m in tagged})
                    got = _short(value[key])
                    return [f"{path}.{key} must be one of {allowed} for {name}, got {got}"]
                members = tuple(matching)
        return self.check(value, members, path, attach)

    def check_object(self, value: object, spec: _ObjectSpec, path: str) -> Errors:
        if isinstance(value, str) and spec.string_allowed:
            return []
        if not isinstance(value, dict):
            return [f"{path} must be a {spec.name} object, got {_short(value)}"]
        errors: Errors = [
            f"{path}: missing required field {key!r} in {spec.name}"
            for key in spec.required
            if value.get(key) is None
        ]
        for key, item in value.items():
            field = spec.fields.get(key)
            if field is None:
                errors.append(f"{path}: unknown field {key!r} in {spec.name}")
            elif item is not None:
                errors += self.check(item, field.types, f"{path}.{key}", field.attach)
        for key, expected in spec.const.items():
            if key in value and value[key] != expected:
                errors.append(
                    f"{path}.{key} must be {expected!r} for {spec.name}, got {_short(value[key])}"
                )
        errors += _check_one_of(value, spec, path)
        if not errors:
            errors += _check_formatted(spec, value, path)
            rule = _OBJECT_RULES.get(spec.name)
            if rule is not None:
                errors += rule(value, path)
        return errors


def _has_shape_of(value: object, name: str) -> bool:
    spec = _OBJECTS.get(name)
    if spec is None or not isinstance(value, dict):
        return False
    return all(key in value for key in spec.required) and value.keys() <= spec.fields.keys()


def _check_one_of(value: Mapping[str, object], spec: _ObjectSpec, path: str) -> Errors:
    for names, exactly in ((spec.exactly_one_of, True), (spec.at_most_one_of, False)):
        if not names:
            continue
        used = [name for name in names if value.get(name) is not None]
        if len(used) > 1 or (exactly and not used):
            quantity = "exactly one" if exactly else "at most one"
            got = ", ".join(used) if used else "none"
            return [f"{path}: {spec.name} must have {quantity} of {', '.join(names)} (got {got})"]
    return []


def _check_formatted(spec: _ObjectSpec, values: Mapping[str, object], path: str) -> Errors:
    """parse_mode values, HTML validity and length limits of formatted text fields."""
    errors: Errors = []
    prefix = f"{path}." if path else ""
    for text_field, mode_field in spec.formatted:
        mode = values.get(mode_field)
        if isinstance(mode, str) and mode and mode.lower() not in _PARSE_MODES:
            errors.append(
                f"{prefix}{mode_field} must be HTML, MarkdownV2 or Markdown, got {mode!r}"
            )
            continue
        text = values.get(text_field)
        if not isinstance(text, str):
            continue
        if isinstance(mode, str) and mode.lower() == "html":
            try:
                text = parse_telegram_html(text)[0]
            except TelegramHTMLError as exc:
                errors.append(f"{prefix}{text_field}: can't parse entities: {exc.reason}")
                continue
        elif mode:
            continue  # Markdown is not parsed: the raw length would over-count
        low, high = _TEXT_LIMITS.get((spec.name, text_field)) or (
            (0, CAPTION_MAX) if text_field == "caption" else (0, 0)
        )
        if not high:
            continue
        if low and not text.strip(" \n"):
            errors.append(
                f"{prefix}{text_field} is empty after entity parsing"
                f" (must be {low}-{high} characters)"
            )
        elif len(text) > high:
            errors.append(
                f"{prefix}{text_field} is {len(text)} characters after entity parsing (max {high})"
            )
    return errors


def _rule_inline_button(button: Mapping[str, Any], path: str) -> Errors:
    errors: Errors = []
    if not button["text"].strip():
        errors.append(f"{path}.text must be non-empty")
    data = button.get("callback_data")
    if isinstance(data, str):
        size = len(data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            errors.append(
                f"{path}.callback_data is {size} bytes (must be 1-{CALLBACK_DATA_MAX_BYTES})"
            )
    return errors


def _rule_keyboard_button(button: Mapping[str, Any], path: str) -> Errors:
    if not button["text"].strip():
        return [f"{path}.text must be non-empty"]
    return []


def _rule_bot_command(command: Mapping[str, Any], path: str) -> Errors:
    errors: Errors = []
    name, description = command.get("command"), command.get("description")
    if isinstance(name, str) and not _COMMAND_RE.fullmatch(name):
        errors.append(f"{path}.command {name!r} must be 1-32 characters of a-z, 0-9 and _")
    if isinstance(description, str) and not 1 <= len(description) <= _COMMAND_DESCRIPTION_MAX:
        errors.append(
            f"{path}.description is {len(description)} characters"
            f" (must be 1-{_COMMAND_DESCRIPTION_MAX})"
        )
    return errors


_OBJECT_RULES: Final[dict[str, Callable[[Mapping[str, Any], str], Errors]]] = {
    "InlineKeyboardButton": _rule_inline_button,
    "KeyboardButton": _rule_keyboard_button,
    "BotCommand": _rule_bot_command,
}


def _method_rules(method: str, values: Mapping[str, object]) -> Errors:
    errors: Errors = []
    language_code = values.get("language_code")
    if isinstance(language_code, str) and not _LANGUAGE_CODE_RE.fullmatch(language_code):
        errors.append(
            f"language_code must be a two-letter ISO 639-1 code or empty, got {language_code!r}"
        )
    commands = values.get("commands")
    if (
        method == "setMyCommands"
        and isinstance(commands, list)
        and len(commands) > MAX_BOT_COMMANDS
    ):
        errors.append(f"commands has {len(commands)} items (max {MAX_BOT_COMMANDS})")
    text = values.get("text")
    if (
        method == "answerCallbackQuery"
        and isinstance(text, str)
        and len(text) > CALLBACK_ANSWER_MAX
    ):
        errors.append(f"text is {len(text)} characters (max {CALLBACK_ANSWER_MAX})")
    return errors


# Ids do not change whether a request is valid; everything else is part of the memo key.
_ID_PARAMS = frozenset({"chat_id", "user_id", "message_id", "callback_query_id", "offset"})
_MEMO: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[str, ...]] = {}
_MEMO_SIZE = 4096


def validate_request(method: str, params: Mapping[str, object]) -> list[str]:
    """Everything Telegram would reject in this request; an empty list means valid.

    The same request to another chat is as valid as the first one, so results for requests
    made only of text fields are remembered (a broadcast validates its message once).
    """
    if not all(isinstance(value, str) for value in params.values()):
        return _validate_request(method, params)
    key = (method, tuple(sorted(
        (name, "#" if name in _ID_PARAMS and value.lstrip("-").isdigit() else value)
        for name, value in params.items()  # type: ignore[misc]
    )))
    cached = _MEMO.get(key)
    if cached is None:
        cached = tuple(_validate_request(method, params))
        if len(_MEMO) < _MEMO_SIZE:
            _MEMO[key] = cached
    return list(cached)


def _validate_request(method: str, params: Mapping[str, object]) -> list[str]:
    """Everything Telegram would reject in this request; an empty list means valid.

    ``params`` holds form fields as received (strings, JSON strings, file parts) or
    already decoded values; see the module docstring.  Messages look like
    ``"sendMessage: unknown parameter 'foo'"``.
    """
    name = canonical_method_name(method)
    if name is None:
        return [f"{method}: unknown method (not in {API_VERSION})"]
    spec = _METHOD_SPECS[name]
    request = _Request()
    errors: Errors = []
    decoded: dict[str, object] = {}
    for key, value in params.items():
        field = spec.fields.get(key)
        if field is None:
            continue  # unknown parameters are reported after attach:// references are known
        if value is None or value == "":
            continue
        decoded[key], field_errors = request.decode_param(value, field, key)
        errors += field_errors
    errors += [f"missing required parameter {key!r}" for key in spec.required if key not in decoded]
    for key, value in params.items():
        if key in spec.fields:
            continue
        if key in request.attached and _is_file(value):
            continue
        errors.append(f"unknown parameter {key!r}")
    for ref in sorted(request.attached):
        if not _is_file(params.get(ref)):
            errors.append(f"attach://{ref} refers to a file part that was not uploaded")
    errors += _check_formatted(spec, decoded, "")
    errors += _method_rules(name, decoded)
    return [f"{name}: {error}" for error in errors]
