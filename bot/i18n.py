"""Languages: gettext catalogs, the per-user locale, and Babel formatting in her locale.

``.mo`` files are never committed: :func:`compile_catalogs` builds them from the ``.po``
files at start-up when they are missing or older than their source.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import format_timedelta
from babel.dates import get_timezone, get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.config import SUPPORTED_LOCALES

R = TypeVar("R")
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "bot"

# Each language in its own name, for the language picker.
LANGUAGE_NAMES: dict[str, str] = {
    "ru": "Русский",
    "en": "English",
    "kk": "Қазақша",
    "ky": "Кыргызча",
    "tg": "Тоҷикӣ",
    "tk": "Türkmençe",
    "uz": "Oʻzbekcha",
}


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compile every ``bot.po`` whose ``bot.mo`` is missing or stale; returns what was built."""
    built: list[Path] = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp_path.replace(mo_path)
        built.append(mo_path)
    return built


def create_i18n(default_locale: str, locales_dir: Path = LOCALES_DIR) -> I18n:
    compile_catalogs(locales_dir)
    return I18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)


def pick_locale(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Her stored choice wins; Telegram's ``language_code`` is only a first guess."""
    if stored in SUPPORTED_LOCALES:
        return stored
    if telegram_code:
        guess = telegram_code.split("-")[0].lower()
        if guess in SUPPORTED_LOCALES:
            return guess
    return default


@contextmanager
def use_locale(i18n: I18n, locale: str) -> Iterator[None]:
    """Render in the recipient's locale (background jobs never use the sender's)."""
    with i18n.context(), i18n.use_locale(locale):
        yield


def localized(i18n: I18n, render: Callable[[dict[str, Any], Any], R]
              ) -> Callable[[dict[str, Any], Any], R]:
    """Wrap a renderer so that its texts come out in the recipient's locale."""
    if inspect.iscoroutinefunction(render):
        async def render_in_async(payload: dict[str, Any], recipient: Any) -> Any:
            with use_locale(i18n, recipient.locale):
                return await render(payload, recipient)

        return render_in_async  # type: ignore[return-value]

    def render_in(payload: dict[str, Any], recipient: Any) -> R:
        with use_locale(i18n, recipient.locale):
            return render(payload, recipient)

    return render_in


# ---- dates, times and zones ----------------------------------------------------------------
#
# Everywhere: a medium date and a short time, never seconds ("15 дек. 2026, 10:00"), the
# weekday where it helps ("Tue, Dec 15, 2026, 10:00 AM"), a range within one day with its date
# once, and a time zone as its city in her language («Алматы»), never "Asia/Almaty". A date
# never ends with a full stop, so a sentence that ends with one does not get two ("9 дек.
# 2026 г.." was seen): a closing abbreviation is dropped (ru «г.») or written out (kk, ky: the
# month "MMM" → "MMMM", the weekday "E" → "EEEE").

_MONTH_AT_END = re.compile(r"(?<!M)MMM$")
_WEEKDAY_AT_END = re.compile(r"(?<!E)E{1,3}$")


@lru_cache(maxsize=None)
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


babel_locale = _babel_locale  # for widgets that format with Babel themselves


def _without_final_dot(pattern: str) -> str:
    pattern = pattern.rstrip()
    if pattern.endswith("'г'."):
        pattern = pattern[:-len("'г'.")].rstrip().rstrip(",").rstrip()
    if _MONTH_AT_END.search(pattern):
        pattern += "M"
    if _WEEKDAY_AT_END.search(pattern):  # ky «дүй.»: the weekday in full
        pattern = _WEEKDAY_AT_END.sub("EEEE", pattern)
    return pattern


@lru_cache(maxsize=None)
def date_pattern(locale: str, weekday: bool = False) -> str:
    babel_locale = _babel_locale(locale)
    skeleton = babel_locale.datetime_skeletons.get("yMMMEd") if weekday else None
    pattern = skeleton.pattern if skeleton is not None \
        else babel_locale.date_formats["medium"].pattern
    return _without_final_dot(pattern)


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(_zone(timezone))


@lru_cache(maxsize=64)
def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


def format_date(moment: datetime, locale: str, timezone: str, *, weekday: bool = False) -> str:
    """The day in that zone: "15 дек. 2026", "Dec 15, 2026", "2026 ж. 15 желтоқсан"."""
    return babel_format_date(_local(moment, timezone).date(), date_pattern(locale, weekday),
                             locale=_babel_locale(locale))


def format_time(moment: datetime, locale: str, timezone: str) -> str:
    """The short time in that zone: "10:00", "10:00 AM" — no seconds."""
    return babel_format_time(_local(moment, timezone), "short", locale=_babel_locale(locale))


def _join(date: str, time: str, locale: str) -> str:
    return str(_babel_locale(locale).datetime_formats["medium"]).replace(
        "{1}", date).replace("{0}", time)


def format_datetime(moment: datetime, locale: str, timezone: str, *,
                    weekday: bool = False) -> str:
    """A medium date and a short time in that zone: "15 дек. 2026, 10:00"."""
    return _join(format_date(moment, locale, timezone, weekday=weekday),
                 format_time(moment, locale, timezone), locale)


def format_range(start: datetime, end: datetime, locale: str, timezone: str, *,
                 weekday: bool = True) -> str:
    """From ``start`` to ``end`` in that zone; within one day the date is shown once:
    "Tue, Dec 15, 2026, 10:00 AM – 12:00 PM"."""
    between = _babel_locale(locale).interval_formats.get(None) or "{0} – {1}"
    if _local(start, timezone).date() == _local(end, timezone).date():
        times = between.replace("{0}", format_time(start, locale, timezone)).replace(
            "{1}", format_time(end, locale, timezone))
        return _join(format_date(start, locale, timezone, weekday=weekday), times, locale)
    return between.replace("{0}", format_datetime(start, locale, timezone, weekday=weekday)
                           ).replace("{1}", format_datetime(end, locale, timezone,
                                                            weekday=weekday))


SOON = timedelta(hours=6)  # closer than this, "in 1 hour"; further, "tomorrow, 10:00"


def format_when(start: datetime, now: datetime, locale: str, timezone: str) -> str:
    """When it starts, seen from now, as people say it: "in 1 hour", "in 50 minutes",
    "tomorrow, 10:00", "today, 18:00", else the date with its weekday — Babel's (CLDR's)
    words, in her language and zone."""
    babel_locale = _babel_locale(locale)
    ahead = start - now
    if timedelta(0) < ahead <= SOON:
        return format_timedelta(ahead, add_direction=True, locale=babel_locale)
    days = (_local(start, timezone).date() - _local(now, timezone).date()).days
    word = babel_locale._data["date_fields"]["day"]["relative"].get(days) \
        if 0 <= days <= 1 else None
    if word:
        return _join(word, format_time(start, locale, timezone), locale)
    return format_datetime(start, locale, timezone, weekday=True)


@lru_cache(maxsize=256)
def zone_name(timezone: str, locale: str) -> str:
    """A time zone as its city in her language («Алматы», "Almaty"); "UTC" stays "UTC"."""
    if timezone.upper() in ("UTC", "ETC/UTC", "GMT", "Z"):
        return "UTC"
    try:
        city = get_timezone_location(get_timezone(timezone), locale=_babel_locale(locale),
                                     return_city=True)
    except (LookupError, ValueError):
        city = ""
    return city or timezone.rsplit("/", 1)[-1].replace("_", " ")


def pgettext(context: str, message: str) -> str:
    """``gettext`` for a short word whose translation depends on what it is about: "open" of a
    mentoring offer and of a request, "active" of a pair (kk «жалғасуда», not «белсенді», an
    adjective about the woman). Extracted with ``-k pgettext:1c,2``; written with msgctxt."""
    translator = _current_translator()
    return translator.pgettext(context, message) if translator is not None else message


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    translator = _current_translator()
    if translator is None:
        return singular if n == 1 else plural
    return translator.npgettext(context, singular, plural, n)


def _current_translator():  # type: ignore[no-untyped-def]
    i18n = I18n.get_current(no_error=True)
    if i18n is None:
        return None
    return i18n.locales.get(i18n.current_locale)


def format_number(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=locale)
