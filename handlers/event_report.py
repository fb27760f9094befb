"""The organiser's view of an event: answers by country, after the event the ratings, and
the attendee list as a spreadsheet in her language.

After the event: who was there (a mark says she was; "I wasn't there" says she was not; the
rest did not say), the ratings and the anonymous comments.

Ratings are anonymous: once five people have rated (before, one of two marks could be told
apart by whoever knows who came), the report shows the average and the distribution of
marks, and per country only cells of five or more ("<5" otherwise), so a mark can't be traced
to the one member of a small country who was there. A country's average is shown only when the small
countries together are none or five or more: else the overall average and the shown ones
would give the small ones' marks by subtraction. Comments are shown without names, in the order
of their text, and only once five people have rated (one comment among fewer marks could be
told apart by whoever knows who came). The CSV names attendees (as each shows her name) but
never their marks or whether they were there (a mark says she was: that would name the
raters). It is the organiser's own list: not protected, so she can save or forward it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from aiogram.types import InlineKeyboardMarkup
from babel.numbers import format_decimal
from aiogram.utils.i18n import gettext as _

from bot.callbacks import EventCb
from bot.clock import from_db
from bot.db.repositories.events import ANSWERS, Event
from bot.i18n import format_date, format_datetime, format_number, zone_name
from bot.keyboards import button, rows
from bot.services.reference import ReferenceData
from bot.texts import spreadsheet_safe
from handlers.event_cards import answer_label

SMALL_CELL = 5  # fewer marks than this in a country are shown as "<5"


def _mark(value: float, locale: str) -> str:
    """An average mark with one decimal in her locale: "4,0", "4.5"."""
    return format_decimal(round(value, 1), format="0.0", locale=locale)


def _cell(count: int, locale: str) -> str:
    return f"&lt;{SMALL_CELL}" if 0 < count < SMALL_CELL else format_number(count, locale)


def _answers(counts: dict[str, int], locale: str) -> str:
    return " · ".join(f"{answer_label(a)}: {format_number(counts.get(a, 0), locale)}"
                      for a in ANSWERS)


@dataclass(frozen=True)
class AfterEvent:
    """What members said after the event: marks, whether they were there, comments."""

    ratings: list[tuple[str | None, int, int]]  # (country, mark, how many)
    attendance: list[tuple[str | None, int | None, int]]  # (country, 1/0/None, how many)
    comments: list[str]


def report_text(event: Event, counts: list[tuple[str | None, str, int]], after: AfterEvent,
                ref: ReferenceData, locale: str, zone: str, now: datetime) -> str:
    title = event.localized(locale)[0]
    lines = [_("Answers to «{title}»:").format(title=escape(title)),
             f"{format_datetime(event.starts_at, locale, zone, weekday=True)} "
             f"({zone_name(zone, locale)})", ""]
    by_country: dict[str | None, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for country, answer, count in counts:
        by_country.setdefault(country, {})[answer] = count
        totals[answer] = totals.get(answer, 0) + count
    if not counts:
        lines.append(_("No answers yet."))
    for country, answers in sorted(by_country.items(),
                                   key=lambda kv: ref.country(kv[0], locale) if kv[0] else "~"):
        place = ref.country(country, locale) if country else "—"
        lines.append(f"{escape(place)}: {_answers(answers, locale)}")
    if len(by_country) > 1:
        lines.append(_("Total: {answers}").format(answers=_answers(totals, locale)))
    ended = event.starts_at + timedelta(minutes=event.duration_minutes) <= now
    if ended:
        lines += ["", *attendance_lines(after.attendance, ref, locale),
                  *ratings_lines(after.ratings, totals, ref, locale),
                  *comments_note(after, locale)]
    return "\n".join(lines)


def _by_country(cells: dict[str | None, int], ref: ReferenceData, locale: str) -> list[
        tuple[str | None, str]]:
    """(code, country name) in the order of the names in her language."""
    return sorted(((code, escape(ref.country(code, locale) if code else "—")) for code in cells),
                  key=lambda pair: pair[1] if pair[0] else "~")


def attendance_lines(attendance: list[tuple[str | None, int | None, int]], ref: ReferenceData,
                     locale: str) -> list[str]:
    """Who was there (by her mark), who said she was not, who did not say; per country
    the ones who were there, cells under five as "<5"."""
    said = {1: 0, 0: 0, None: 0}
    there: dict[str | None, int] = {}
    for country, attended, n in attendance:
        said[attended] = said.get(attended, 0) + n
        if attended == 1:
            there[country] = there.get(country, 0) + n
    if not any(said.values()):
        return []
    lines = [_("Were there: {there} · could not come: {away} · did not say: {unknown}").format(
        there=format_number(said[1], locale), away=format_number(said[0], locale),
        unknown=format_number(said[None], locale))]
    if len(there) > 1:
        lines.append(_("Were there, by country: {cells}").format(cells=" · ".join(
            f"{name}: {_cell(there[code], locale)}"
            for code, name in _by_country(there, ref, locale))))
    return lines


def comments_note(after: AfterEvent, locale: str) -> list[str]:
    """Where the comments are, or why they are not shown yet."""
    if not after.comments:
        return []
    rated = sum(n for _c, _m, n in after.ratings)
    if rated < SMALL_CELL:
        return [_("Comments are shown once at least {min} people have rated (now {rated}).").format(
            min=SMALL_CELL, rated=format_number(rated, locale))]
    return [_("Anonymous comments: {count}, below.").format(
        count=format_number(len(after.comments), locale))]


def comment_messages(after: AfterEvent, locale: str, limit: int = 3800) -> list[str]:
    """The comments, without names, as messages that fit Telegram's length (none while
    fewer than five have rated)."""
    if sum(n for _c, _m, n in after.ratings) < SMALL_CELL:
        return []
    messages: list[str] = []
    current = _("Anonymous comments:")
    for comment in after.comments:
        entry = "\n\n— " + escape(comment)
        if len(current) + len(entry) > limit:
            messages.append(current)
            current = entry.lstrip("\n")
        else:
            current += entry
    if after.comments:
        messages.append(current)
    return messages


def ratings_lines(ratings: list[tuple[str | None, int, int]], totals: dict[str, int],
                  ref: ReferenceData, locale: str) -> list[str]:
    """After the event: how many answered Going and rated it, the average, the marks, and
    per country only cells of five or more."""
    rated = sum(n for _c, _m, n in ratings)
    expected = totals.get("going", 0) + totals.get("maybe", 0)
    if not rated:
        return [_("No ratings yet ({count} answered Going or Maybe).").format(
            count=format_number(expected, locale))]
    if rated < SMALL_CELL:  # with one or two marks, the organiser could tell whose is whose
        return [_("Marks are shown once at least {min} people have rated (now {rated}; "
                  "{expected} answered Going or Maybe).").format(
            min=SMALL_CELL, rated=format_number(rated, locale),
            expected=format_number(expected, locale))]
    average = sum(mark * n for _c, mark, n in ratings) / rated
    marks = {mark: 0 for mark in range(5, 0, -1)}
    per_country: dict[str | None, list[int]] = {}
    for country, mark, n in ratings:
        marks[mark] += n
        per_country.setdefault(country, []).extend([mark] * n)
    lines = [_("Rating: {average} of 5 from {rated} of {expected} who answered Going or "
               "Maybe.").format(average=_mark(average, locale),
                                rated=format_number(rated, locale),
                                expected=format_number(expected, locale)),
             " · ".join(f"{'★' * mark}: {format_number(n, locale)}" for mark, n in marks.items())]
    small = sum(len(given) for given in per_country.values() if len(given) < SMALL_CELL)
    if len(per_country) > 1 and not 0 < small < SMALL_CELL:
        # averages per country only when no small country's marks follow by subtraction
        cells = []
        for country, place in _by_country(dict.fromkeys(per_country, 0), ref, locale):
            given = per_country[country]
            if len(given) < SMALL_CELL:
                cells.append(f"{place}: {_cell(len(given), locale)}")
            else:
                cells.append(f"{place}: {_mark(sum(given) / len(given), locale)}"
                             f" ({format_number(len(given), locale)})")
        lines.append(" · ".join(cells))
    return lines


def attendee_csv(rows_: list[dict[str, object]], ref: ReferenceData, locale: str,
                 zone: str) -> bytes:
    """Headers and values in her language (country names, "Going"), times in her zone,
    totals at the end; spreadsheet formulas defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Name"), _("Country"), _("Answer"), _("Answered at")])
    totals = dict.fromkeys(ANSWERS, 0)
    for row in rows_:
        answer = str(row["answer"])
        totals[answer] = totals.get(answer, 0) + 1
        name = row["full_name"] if row["shows_name"] else _("(name not shown)")
        country = ref.country(str(row["country_code"]), locale) if row["country_code"] else ""
        when = format_datetime(from_db(str(row["updated_at"])), locale, zone)
        writer.writerow([spreadsheet_safe(str(value or "")) for value in (
            name, country, answer_label(answer), when)])
    for answer in ANSWERS:  # no blank row before: every row has a first cell
        writer.writerow([_("Total"), "", answer_label(answer), totals[answer]])
    return buffer.getvalue().encode("utf-8-sig")


def report_keyboard(event: Event) -> InlineKeyboardMarkup:
    return rows([button(_("Attendee list"), EventCb(action="csv", event_id=event.id))])


def past_events_view(past: list[Event], locale: str, zone: str
                     ) -> tuple[str, InlineKeyboardMarkup]:
    """Her past events, each opening its report; the newest first."""
    lines = []
    for event in past:
        label = f"{format_date(event.starts_at, locale, zone)} · {event.localized(locale)[0]}"
        if event.status == "cancelled":
            label = "❌ " + label
        lines.append([button(label[:60], EventCb(action="stats", event_id=event.id))])
    return _("Your past events: their answers, ratings and attendee lists."), rows(*lines)
