"""Unit: reading the dates, times and ends an organiser types (bot.services.event_input)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.services.event_input import (
    MAX_MINUTES,
    Moment,
    MomentProblem,
    duration_until,
    local_moment,
    read_moment,
    start_problem,
    today_in,
)


@pytest.mark.parametrize(("typed", "expected"), [
    ("25.12.2026 14:00", Moment(day=date(2026, 12, 25), at=time(14, 0))),
    (" 2026-12-25   9:05 ", Moment(day=date(2026, 12, 25), at=time(9, 5))),
    ("25/12/2026", Moment(day=date(2026, 12, 25))),
    ("14.30", Moment(at=time(14, 30))),
    ("00:00", Moment(at=time(0, 0))),
    ("31.02.2027", Moment(problem=MomentProblem.NO_SUCH_DAY, bad_day=(31, 2))),
    ("29.02.2028 10:00", Moment(day=date(2028, 2, 29), at=time(10, 0))),
    ("24:00", Moment(problem=MomentProblem.HOUR_24)),
    ("25.12.2026 24:00", Moment(problem=MomentProblem.HOUR_24)),
    ("25:61", Moment(problem=MomentProblem.NO_SUCH_TIME)),
    ("13.13.2026", Moment(problem=MomentProblem.FORMAT)),
    ("tomorrow 3pm", Moment(problem=MomentProblem.FORMAT)),
    ("фардо 15:00", Moment(problem=MomentProblem.FORMAT)),
    ("", Moment(problem=MomentProblem.FORMAT)),
])
def test_read_moment(typed: str, expected: Moment) -> None:
    assert read_moment(typed) == expected


def test_a_moment_is_read_in_the_events_zone() -> None:
    now = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)  # 14:00 in Dushanbe, 15:00 in Bishkek
    start = local_moment(date(2026, 1, 15), time(14, 20), "Asia/Bishkek")
    assert start == datetime(2026, 1, 15, 8, 20, tzinfo=UTC)
    assert start_problem(start, now) is MomentProblem.PAST
    assert start_problem(local_moment(date(2026, 1, 15), time(14, 20), "Asia/Dushanbe"),
                         now) is None
    assert today_in("Asia/Bishkek", datetime(2026, 1, 15, 19, 0, tzinfo=UTC)) == date(2026, 1, 16)


def test_an_end_makes_the_duration() -> None:
    start = datetime(2026, 1, 20, 4, 0, tzinfo=UTC)  # 10:00 in Bishkek
    assert duration_until(start, read_moment("12:30"), "Asia/Bishkek") == (150, None)
    assert duration_until(start, read_moment("22.01.2026 18:00"), "Asia/Bishkek") == (
        2 * 1440 + 480, None)
    assert duration_until(start, read_moment("09:00"), "Asia/Bishkek")[1] \
        is MomentProblem.END_NOT_AFTER_START
    assert duration_until(start, read_moment("10:10"), "Asia/Bishkek")[1] \
        is MomentProblem.TOO_SHORT
    assert duration_until(start, read_moment("27.01.2026 10:01"), "Asia/Bishkek")[1] \
        is MomentProblem.TOO_LONG
    assert duration_until(start, read_moment("27.01.2026 10:00"), "Asia/Bishkek") == (
        MAX_MINUTES, None)
    assert duration_until(start, read_moment("27.01.2026"), "Asia/Bishkek")[1] \
        is MomentProblem.FORMAT


TODAY = date(2026, 1, 15)


@pytest.mark.parametrize(("typed", "expected"), [
    ("tomorrow 3pm", Moment(day=date(2026, 1, 16), at=time(15, 0))),
    ("Tomorrow 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),
    ("3:30 pm tomorrow", Moment(day=date(2026, 1, 16), at=time(15, 30))),
    ("today at 9am", Moment(day=TODAY, at=time(9, 0))),
    ("12am", Moment(at=time(0, 0))),
    ("12pm", Moment(at=time(12, 0))),
    ("13pm", Moment(problem=MomentProblem.NO_SUCH_TIME)),
    ("завтра 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),
    ("Завтра в 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),
    ("сегодня", Moment(day=TODAY)),
    ("послезавтра 10:00", Moment(day=date(2026, 1, 17), at=time(10, 0))),
    ("ертең сағат 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),  # kk
    ("бүгін 18:30", Moment(day=TODAY, at=time(18, 30))),
    ("эртең саат 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),  # ky
    ("бүгүн 15.00", Moment(day=TODAY, at=time(15, 0))),
    ("фардо 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),  # tg
    ("имрӯз соати 16:00", Moment(day=TODAY, at=time(16, 0))),
    ("ertir sagat 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),  # tk
    ("Şu gün 11:00", Moment(day=TODAY, at=time(11, 0))),
    ("ertaga soat 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),  # uz
    ("bugun 08:00", Moment(day=TODAY, at=time(8, 0))),
    ("эртага 15:00", Moment(day=date(2026, 1, 16), at=time(15, 0))),
    ("tomorrow 24:00", Moment(problem=MomentProblem.HOUR_24)),
    ("tomorrow morning", Moment(problem=MomentProblem.FORMAT)),
    ("tomorrowland", Moment(problem=MomentProblem.FORMAT)),
])
def test_today_and_tomorrow_in_seven_languages(typed: str, expected: Moment) -> None:
    assert read_moment(typed, TODAY) == expected


def test_without_a_today_words_are_not_read() -> None:
    assert read_moment("завтра 15:00") == Moment(problem=MomentProblem.FORMAT)
