"""Checks on what she types; each problem has a code the handler explains in her language.

Every typed answer (profile, reasons, goals, event texts) passes through here, so this is
the one place that decides what text the bot stores and later shows to other people:

* NFKC normalisation, so look-alike compatibility forms (full-width letters, ligatures)
  become the ordinary letters a reader sees and a filter matches;
* no control characters (NUL included), no bidirectional controls (a right-to-left override
  turns a name around on the reader's screen) and no zero-width or other invisible format
  characters (a name that looks like a coordinator's but is not the same text);
* where a *name* is expected, no links, ``t.me/…`` addresses or ``@handles`` (a "name" that
  sends readers elsewhere is an impersonation), and not digits alone.

Three kinds, one function each: :func:`check_name` (a person's or an agency's name),
:func:`check_short_text` (one line) and :func:`check_long_text` (line breaks kept).
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum


class InputProblem(Enum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    NO_LETTERS = "no_letters"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    INVISIBLE = "invisible"  # control, bidi or zero-width characters
    LINK_IN_NAME = "link_in_name"  # a URL, t.me address or @handle where a name is expected


NAME_MAX = 100
AGENCY_MAX = 100
POSITION_MAX = 100
BIO_MAX = 500
YEARS_MAX = 45

# Whitespace she may type: turned into plain spaces (and, in long texts, line breaks).
_SPACES = frozenset("\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                    "\u200a\u202f\u205f\u3000 ")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x85\x0b\x0c")
# Named in the brief for clarity; all of them are also in Unicode category Cf, refused whole.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                          "\u200e\u200f\u061c")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# Cc control, Cf format (bidi, zero-width, soft hyphen, tags), Co private use, Cs surrogates.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})

_LINK = re.compile(
    r"[a-z][a-z0-9+.-]*://"                      # any scheme: https://, tg://
    r"|\bwww\."
    r"|\b(?:t|telegram)\.(?:me|dog)\b"           # t.me/…, telegram.me/…
    r"|@[\w.]"                                   # @handle, e-mail addresses
    r"|\b[\w-]+\.(?:com|net|org|info|biz|io|me|ru|su|kz|kg|tj|tm|uz|ua|by|app|dev|xyz|"
    r"link|site|online|top|pro|club|shop|gov|edu)\b",
    re.IGNORECASE,
)


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _is_invisible(ch: str) -> bool:
    return ch in BIDI_CONTROLS or ch in ZERO_WIDTH or (
        unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in _SPACES
        and ch not in _LINE_BREAKS)


def _joins_emoji(value: str, index: int) -> bool:
    """A zero-width joiner inside an emoji sequence (👩‍💻): part of a picture, not hidden text."""
    if value[index] != "\u200d" or index == 0 or index + 1 >= len(value):
        return False
    before = value[index - 1]
    if before == "\ufe0f" and index >= 2:  # a variation selector: look at the emoji itself
        before = value[index - 2]
    return unicodedata.category(before) in ("So", "Sk") \
        and unicodedata.category(value[index + 1]) == "So"


def normalise(text: str | None, *, keep_lines: bool = False, emoji: bool = False
              ) -> tuple[str, bool]:
    """NFKC, trimmed, runs of spaces made one (line breaks kept, at most one empty line in a
    row, when ``keep_lines``). The second value is True if it held an invisible or control
    character, which is refused rather than silently dropped: she should see what she sends.
    With ``emoji`` (free text, never names) joiners inside emoji sequences are kept."""
    value = unicodedata.normalize("NFKC", text or "")
    if any(_is_invisible(ch) and not (emoji and _joins_emoji(value, i))
           for i, ch in enumerate(value)):
        return "", True
    value = value.replace("\r\n", "\n")
    for ch in _LINE_BREAKS:
        value = value.replace(ch, "\n")
    if not keep_lines:
        return " ".join(value.split()), False
    lines = [" ".join(line.split()) for line in value.split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip(), False


def check_short_text(text: str | None, limit: int, *, keep_lines: bool = False
                     ) -> tuple[str | None, InputProblem | None]:
    """A one-line free-text answer (``keep_lines`` for callers written before
    :func:`check_long_text`): not empty, at most ``limit`` characters, with letters in it."""
    value, invisible = normalise(text, keep_lines=keep_lines, emoji=True)
    if invisible:
        return None, InputProblem.INVISIBLE
    if not value:
        return None, InputProblem.EMPTY
    if len(value) > limit:
        return None, InputProblem.TOO_LONG
    if not _has_letters(value):
        return None, InputProblem.NO_LETTERS
    return value, None


def check_long_text(text: str | None, limit: int) -> tuple[str | None, InputProblem | None]:
    """Free text over several lines (a bio, a reason, a description): line breaks kept."""
    return check_short_text(text, limit, keep_lines=True)


def check_name(text: str | None, limit: int = NAME_MAX
               ) -> tuple[str | None, InputProblem | None]:
    """A name others will read as who she is (or as her agency): one line, at least two
    characters, letters in it, no links or @handles."""
    if normalise(text)[1]:  # names: no joiner of any kind
        return None, InputProblem.INVISIBLE
    value, problem = check_short_text(text, limit)
    if problem is not None:
        return None, problem
    assert value is not None
    if _LINK.search(value):
        return None, InputProblem.LINK_IN_NAME
    if len(value) < 2:
        return None, InputProblem.TOO_SHORT
    return value, None


def check_bio(text: str | None) -> tuple[str | None, InputProblem | None]:
    return check_long_text(text, BIO_MAX)


# What people write after the number, in the bot's seven languages ("15 жыл", "15 years").
YEAR_WORDS = frozenset({
    "y", "yr", "yrs", "year", "years",                     # en
    "г", "г.", "год", "года", "лет",                       # ru
    "жыл", "жылдан", "жылым",                              # kk, ky
    "сол", "сола",                                         # tg
    "ýyl", "yyl", "ýyllyk",                                # tk
    "yil", "yillik", "йил",                                # uz
})


def check_years(text: str | None) -> tuple[int | None, InputProblem | None]:
    if any(_is_invisible(ch) for ch in text or ""):
        return None, InputProblem.INVISIBLE
    value = " ".join((text or "").split())  # not NFKC: "²" is no number of years
    if not value:
        return None, InputProblem.EMPTY
    number, _, unit = value.partition(" ")
    if unit and unit.casefold() in YEAR_WORDS:
        value = number
    elif value[:1].isdecimal():  # "15жыл", "15y": the unit written without a space
        digits = len(value) - len(value.lstrip("0123456789"))
        if value[digits:].casefold() in YEAR_WORDS:
            value = value[:digits]
    if not value.isdecimal() or len(value) > 3:  # isdigit() would let "²" through to int()
        return None, InputProblem.NOT_A_NUMBER
    years = int(value)
    if years > YEARS_MAX:
        return None, InputProblem.OUT_OF_RANGE
    return years, None
