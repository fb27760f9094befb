"""Reading the dates, times and ends an organiser types for an event, with a precise reason
when one can't be taken (no aiogram inside: the dialog shows the reason in her language).

What is accepted: ``25.12.2026``, ``25/12/2026``, ``25.12.26``, ``2026-12-25`` for a day, and
without its year (``25.12 14:00``, ``25/12``; ``25.12`` alone where a day is asked, since it
also reads as a time): the next such day; ``14:00``,
``14.00``, ``3pm`` or ``3:30 pm`` for a time; both together (``25.12.2026 14:00``); spaces
around anything. "Today", "tomorrow" and "the day after tomorrow" in the seven languages
(:data:`RELATIVE_DAYS`), before or after a time and with the little word people put between
(«завтра в 15:00», "ertaga soat 15:00", "tomorrow 3pm", «фардо 15:00»), counted from the day
it is in the event's zone. Where the time is asked, an hour alone (``9``) is 09:00; asked
how long, a duration as typed ("2 часа", "3 soat", "90 мин", "1,5 h", a number alone in
hours) as well as the end. Anything else gets the example in her language, and she has the
calendar and the time buttons for the rest.

Every moment is read in the event's own zone and checked to lie in the future *there*
(an event in Bishkek is not "in the future" because it would be in Almaty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

MIN_MINUTES, MAX_MINUTES = 15, 10080  # the events table allows up to 7 days
RECENT_PAST = timedelta(days=60)  # a day without its year this long ago means next year's
UTC = ZoneInfo("UTC")

_DAY = (r"(?:(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4}|\d{2})"
        r"|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2}))")
_TIME = r"(?P<H>\d{1,2})[:.](?P<M>\d{2})"
_DAY_ONLY = re.compile(rf"^{_DAY}$")
_TIME_ONLY = re.compile(rf"^{_TIME}$")
_DAY_AND_TIME = re.compile(rf"^{_DAY}[\sT,]+{_TIME}$")
_DAY_MONTH = r"(?P<d>\d{1,2})(?P<sep>[./])(?P<m>\d{1,2})"
_DAY_MONTH_AND_TIME = re.compile(rf"^{_DAY_MONTH}[\sT,]+{_TIME}$")
_DAY_MONTH_ONLY = re.compile(rf"^{_DAY_MONTH}$")
_HOUR_ONLY = re.compile(r"^(?P<H>\d{1,2})(?P<M>)$")
_TIME_12 = re.compile(r"^(?P<H>\d{1,2})(?:[:.](?P<M>\d{2}))?\s*(?P<half>[ap])\.?\s?m\.?$")

# Days counted from today in the event's zone, as people type them (lower case) in ru, en,
# kk, ky, tg, tk and uz (Latin and Cyrillic).
RELATIVE_DAYS: dict[int, tuple[str, ...]] = {
    0: ("today", "сегодня", "бүгін", "бүгүн", "имрӯз", "имруз", "şu gün", "şugün", "bu gün",
        "bugün", "bugun", "бугун"),
    1: ("tomorrow", "завтра", "ертең", "эртең", "фардо", "пагоҳ", "ertir", "ertaga",
        "эртага"),
    2: ("the day after tomorrow", "day after tomorrow", "послезавтра", "бүрсігүні",
        "бүрсүгүнү", "пасфардо", "birigün", "indinga", "индинга"),
}
# What may stand between such a day and its time: "at", «в», «сағат», "soat" …
TIME_JOINERS = ("at", "в", "во", "сағат", "саат", "соати", "соат", "sagat", "soat")
_RELATIVE = sorted(((word, offset) for offset, words in RELATIVE_DAYS.items()
                    for word in words), key=lambda pair: -len(pair[0]))


class MomentProblem(str, Enum):
    FORMAT = "format"  # not a date or time we read: she gets an example
    NO_SUCH_DAY = "no_such_day"  # 31.02.2027
    HOUR_24 = "hour_24"  # 24:00: did she mean 00:00 of the next day?
    NO_SUCH_TIME = "no_such_time"  # 25:61
    PAST = "past"  # in the event's zone, that moment has passed
    END_NOT_AFTER_START = "end_not_after_start"
    TOO_SHORT = "lasts_too_little"
    TOO_LONG = "lasts_too_long"  # longer than MAX_MINUTES


@dataclass(frozen=True)
class Moment:
    """What she typed: a day, a time, or both; or the reason it can't be taken
    (``bad_day``: the (day, month) that does not exist, for the message)."""

    day: date | None = None
    at: time | None = None
    problem: MomentProblem | None = None
    bad_day: tuple[int, int] | None = None


def _day(match: re.Match[str]) -> tuple[date | None, Moment | None]:
    d, m, y = (match["d"] or match["d2"], match["m"] or match["m2"], match["y"] or match["y2"])
    year = int(y) + 2000 if len(y) == 2 else int(y)  # 20.01.26: this century
    try:
        return date(year, int(m), int(d)), None
    except ValueError:
        if 1 <= int(m) <= 12:  # 31.02 and 32.01 alike: "… does not exist"
            return None, Moment(problem=MomentProblem.NO_SUCH_DAY, bad_day=(int(d), int(m)))
        return None, Moment(problem=MomentProblem.FORMAT)


def _next_day(match: re.Match[str], today: date) -> tuple[date | None, Moment | None]:
    """``25.12`` without its year: that day this year, or next year when this year's was
    months ago (``05.01`` typed in December); one only days or weeks ago stays in this year,
    so she is told it has passed rather than given an event a year later."""
    day, month = int(match["d"]), int(match["m"])
    if not 1 <= month <= 12:
        return None, Moment(problem=MomentProblem.FORMAT)
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29.02 in a year without it: next year's, if it has one
        if candidate >= today - RECENT_PAST:
            return candidate, None
    return None, Moment(problem=MomentProblem.NO_SUCH_DAY, bad_day=(day, month))


def _time(match: re.Match[str]) -> tuple[time | None, Moment | None]:
    hours, minutes = int(match["H"]), int(match["M"] or 0)
    if hours == 24 and minutes == 0:
        return None, Moment(problem=MomentProblem.HOUR_24)
    if hours > 23 or minutes > 59:
        return None, Moment(problem=MomentProblem.NO_SUCH_TIME)
    return time(hours, minutes), None


def _clock_time(value: str) -> Moment | None:
    """``14:00`` or ``3pm`` alone (None: not a time)."""
    if match := _TIME_ONLY.match(value):
        at, refused = _time(match)
        return refused if refused is not None else Moment(at=at)
    if match := _TIME_12.match(value):
        hours, minutes = int(match["H"]), int(match["M"] or 0)
        if not 1 <= hours <= 12 or minutes > 59:
            return Moment(problem=MomentProblem.NO_SUCH_TIME)
        return Moment(at=time(hours % 12 + (12 if match["half"] == "p" else 0), minutes))
    return None


def _relative(value: str, today: date | None) -> Moment | None:
    """"tomorrow 15:00", «15:00 завтра», «завтра в 15:00» (None: no such word in it)."""
    lowered = value.casefold()
    for word, offset in _RELATIVE:
        if lowered == word or lowered.startswith(word + " "):
            rest = lowered[len(word):].strip()
        elif lowered.endswith(" " + word):
            rest = lowered[:-len(word)].strip()
        else:
            continue
        if today is None:  # nothing to count from
            return Moment(problem=MomentProblem.FORMAT)
        first, _space, after = rest.partition(" ")
        if first in TIME_JOINERS and after:
            rest = after.strip()
        day = today + timedelta(days=offset)
        if not rest:
            return Moment(day=day)
        at = _clock_time(rest)
        if at is None or at.problem is not None:
            return at or Moment(problem=MomentProblem.FORMAT)
        return Moment(day=day, at=at.at)
    return None


def read_moment(text: str | None, today: date | None = None, *,
                day_asked: bool = False, time_asked: bool = False) -> Moment:
    """A day, a time, or a day with a time, as she typed it; "tomorrow" and the like, and a
    day without its year, count from ``today`` (the day it is in the event's zone).
    ``day_asked``: the question is the day, so ``25.12`` is a day, not 25:12;
    ``time_asked``: the question is the time, so ``9`` is 09:00."""
    value = " ".join((text or "").split())
    if (relative := _relative(value, today)) is not None:
        return relative
    if time_asked and (match := _HOUR_ONLY.match(value)):  # "9" where the time is asked
        at, refused = _time(match)
        return refused if refused is not None else Moment(at=at)
    if today is not None and (match := _DAY_MONTH_AND_TIME.match(value)):
        day, refused = _next_day(match, today)
        if refused is not None:
            return refused
        at, refused = _time(match)
        return refused if refused is not None else Moment(day=day, at=at)
    if today is not None and (match := _DAY_MONTH_ONLY.match(value)) \
            and (day_asked or match["sep"] == "/"):
        day, refused = _next_day(match, today)
        return refused if refused is not None else Moment(day=day)
    if match := _DAY_AND_TIME.match(value):
        day, refused = _day(match)
        if refused is not None:
            return refused
        at, refused = _time(match)
        return refused if refused is not None else Moment(day=day, at=at)
    if match := _DAY_ONLY.match(value):
        day, refused = _day(match)
        return refused if refused is not None else Moment(day=day)
    return _clock_time(value) or Moment(problem=MomentProblem.FORMAT)


def local_moment(day: date, at: time, timezone: str) -> datetime:
    """That wall-clock moment in the zone, as UTC."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def today_in(timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def start_problem(start: datetime, now: datetime) -> MomentProblem | None:
    return MomentProblem.PAST if start <= now else None


# How long, as people type it (lower case, ru, en, kk, ky, tg, tk, uz): "2 часа", "3 soat",
# "90 мин", "1.5 h", "2 күн"; a number alone is hours, as the buttons are.
DURATION_UNITS: dict[int, tuple[str, ...]] = {
    1: ("m", "min", "mins", "minute", "minutes", "мин", "минута", "минуты", "минут", "мүнөт",
        "дақиқа", "daqiqa", "minut"),
    60: ("h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов", "сағат", "саат",
         "соат", "sagat", "soat"),
    1440: ("d", "day", "days", "д", "день", "дня", "дней", "күн", "рӯз", "gün", "kun", "кун"),
}
_UNIT = {word: minutes for minutes, words in DURATION_UNITS.items() for word in words}
_DURATION = re.compile(r"^(?P<n>\d{1,3}(?:[.,]\d{1,2})?)\s*(?P<unit>[^\W\d_]+\.?)?$")


def read_duration(text: str | None) -> int | None:
    """Minutes, when she typed how long rather than when it ends (None: not a duration)."""
    match = _DURATION.match(" ".join((text or "").casefold().split()))
    if match is None:
        return None
    unit = (match["unit"] or "h").removesuffix(".")
    if unit not in _UNIT:
        return None
    return round(float(match["n"].replace(",", ".")) * _UNIT[unit])


def typed_duration(start: datetime, text: str | None, today: date, timezone: str
                   ) -> tuple[int | None, MomentProblem | None]:
    """How long the event lasts from what she typed: a duration ("2 часа", "90 мин", "3")
    or its end ("18:00", "27.12.2026 18:00")."""
    minutes = read_duration(text)
    if minutes is not None:
        return minutes, duration_problem(minutes)
    return duration_until(start, read_moment(text, today), timezone)


def duration_until(start: datetime, end: Moment, timezone: str
                   ) -> tuple[int | None, MomentProblem | None]:
    """The minutes from the start to the end she typed (a time alone: on the start's day)."""
    if end.problem is not None:
        return None, end.problem
    if end.at is None:
        return None, MomentProblem.FORMAT
    day = end.day or start.astimezone(ZoneInfo(timezone)).date()
    minutes = int((local_moment(day, end.at, timezone) - start) / timedelta(minutes=1))
    return minutes, duration_problem(minutes)


def duration_problem(minutes: int) -> MomentProblem | None:
    if minutes <= 0:
        return MomentProblem.END_NOT_AFTER_START
    if minutes < MIN_MINUTES:
        return MomentProblem.TOO_SHORT
    if minutes > MAX_MINUTES:
        return MomentProblem.TOO_LONG
    return None
