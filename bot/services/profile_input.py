"""Checks on what she types into the profile; each problem has a code the handler explains."""

from __future__ import annotations

from enum import Enum


class InputProblem(Enum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    NO_LETTERS = "no_letters"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"


NAME_MAX = 100
AGENCY_MAX = 100
POSITION_MAX = 100
BIO_MAX = 500
YEARS_MAX = 45


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def check_short_text(text: str | None, limit: int, *, keep_lines: bool = False
                     ) -> tuple[str | None, InputProblem | None]:
    """A free-text answer: not empty, at most ``limit`` characters, with some letters in it."""
    value = (text or "").strip() if keep_lines else _clean(text)
    if not value:
        return None, InputProblem.EMPTY
    if len(value) > limit:
        return None, InputProblem.TOO_LONG
    if not _has_letters(value):
        return None, InputProblem.NO_LETTERS
    return value, None


def check_name(text: str | None) -> tuple[str | None, InputProblem | None]:
    value, problem = check_short_text(text, NAME_MAX)
    if value is not None and len(value) < 2:
        return None, InputProblem.TOO_SHORT
    return value, problem


def check_bio(text: str | None) -> tuple[str | None, InputProblem | None]:
    return check_short_text(text, BIO_MAX, keep_lines=True)


def check_years(text: str | None) -> tuple[int | None, InputProblem | None]:
    value = _clean(text)
    if not value:
        return None, InputProblem.EMPTY
    if not value.isdecimal() or len(value) > 3:  # isdigit() would let "²" through to int()
        return None, InputProblem.NOT_A_NUMBER
    years = int(value)
    if years > YEARS_MAX:
        return None, InputProblem.OUT_OF_RANGE
    return years, None
