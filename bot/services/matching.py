"""Mentorship matching: which mentor fits which mentee, and the weekly round that pairs them.

A pair is allowed only if the two share a language and an area, the mentee's country preference
holds and the pair was not excluded (earlier, declined or blocked). Allowed pairs are scored so
the explanation shown to the mentee (:class:`Reasons`) is exactly what made the score. The weekly
round (:func:`assign`) maximises the total score over all mentees at once, within each mentor's
free places; its score matrix is built with numpy so thousands of members take well under a
second. Pure computation: no database, no Telegram, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

COUNTRY_ANY, COUNTRY_SAME, COUNTRY_OTHER = "any", "same", "other"
COUNTRY_PREFERENCES = frozenset({COUNTRY_ANY, COUNTRY_SAME, COUNTRY_OTHER})

AREA_WEIGHT = 10  # per area shared between the mentee's goals and the mentor's areas
EXTRA_LANGUAGE_WEIGHT = 1  # per shared language beyond the first, at most 2 counted
MAX_EXTRA_LANGUAGES = 2
SENIORITY_WEIGHT = 4  # mentor has strictly more years of service (both known)
OTHER_AGENCY_WEIGHT = 3  # both agencies known and different (outside the chain of command)
_TOP_BONUS = EXTRA_LANGUAGE_WEIGHT * MAX_EXTRA_LANGUAGES + SENIORITY_WEIGHT + OTHER_AGENCY_WEIGHT

_MASK_BITS = 16
_ROWS_PER_BLOCK = 256
_POPCOUNT16 = np.array([bin(value).count("1") for value in range(1 << _MASK_BITS)],
                       dtype=np.uint8)

Excluded = frozenset[tuple[int, int]]


@dataclass(frozen=True)
class Person:
    user_id: int
    country: str  # "KZ", "KG", "TJ", "TM", "UZ"
    agency: str | None  # agency code, e.g. "police"; None if unknown/hidden
    years: int | None  # years of service; None if unknown/hidden
    languages: frozenset[str]  # spoken language codes, e.g. {"ru", "ky"}


@dataclass(frozen=True)
class MentorOffer:
    person: Person
    areas: frozenset[str]  # expertise codes she can mentor in
    free_places: int  # capacity minus current pairs; 0 means full


@dataclass(frozen=True)
class MenteeRequest:
    person: Person
    goals: frozenset[str]  # expertise codes she wants to grow in
    country_preference: str  # COUNTRY_ANY / COUNTRY_SAME / COUNTRY_OTHER

    def __post_init__(self) -> None:
        if self.country_preference not in COUNTRY_PREFERENCES:
            raise ValueError(f"unknown country preference {self.country_preference!r}")


@dataclass(frozen=True)
class Reasons:
    """What the explanation shown to the mentee is built from."""

    shared_languages: tuple[str, ...]  # sorted
    shared_areas: tuple[str, ...]  # sorted
    mentor_years: int | None
    more_senior: bool
    other_agency: bool
    same_country: bool


@dataclass(frozen=True)
class Match:
    mentee_id: int
    mentor_id: int
    score: int
    reasons: Reasons


# --- one pair ---------------------------------------------------------------------------------

def country_allowed(preference: str, mentee_country: str, mentor_country: str) -> bool:
    if preference == COUNTRY_SAME:
        return mentee_country == mentor_country
    if preference == COUNTRY_OTHER:
        return mentee_country != mentor_country
    return True


def _is_more_senior(mentee_years: int | None, mentor_years: int | None) -> bool:
    return mentee_years is not None and mentor_years is not None and mentor_years > mentee_years


def _is_other_agency(mentee_agency: str | None, mentor_agency: str | None) -> bool:
    both_known = mentee_agency is not None and mentor_agency is not None
    return both_known and mentee_agency != mentor_agency


def _score(reasons: Reasons) -> int:
    extra_languages = min(MAX_EXTRA_LANGUAGES, len(reasons.shared_languages) - 1)
    return (AREA_WEIGHT * len(reasons.shared_areas)
            + EXTRA_LANGUAGE_WEIGHT * extra_languages
            + SENIORITY_WEIGHT * reasons.more_senior
            + OTHER_AGENCY_WEIGHT * reasons.other_agency)


def evaluate(mentee: MenteeRequest, mentor: MentorOffer,
             excluded: Excluded = frozenset()) -> Match | None:
    """The scored pair with its reasons, or None if the pair is not allowed.

    Free places are not looked at here; :func:`suggest` and :func:`assign` do that.
    """
    her, mentor_person = mentee.person, mentor.person
    if her.user_id == mentor_person.user_id or (her.user_id, mentor_person.user_id) in excluded:
        return None
    shared_languages = her.languages & mentor_person.languages
    shared_areas = mentee.goals & mentor.areas
    if not shared_languages or not shared_areas:
        return None
    if not country_allowed(mentee.country_preference, her.country, mentor_person.country):
        return None
    reasons = Reasons(
        shared_languages=tuple(sorted(shared_languages)),
        shared_areas=tuple(sorted(shared_areas)),
        mentor_years=mentor_person.years,
        more_senior=_is_more_senior(her.years, mentor_person.years),
        other_agency=_is_other_agency(her.agency, mentor_person.agency),
        same_country=her.country == mentor_person.country,
    )
    return Match(her.user_id, mentor_person.user_id, _score(reasons), reasons)


def suggest(mentee: MenteeRequest, mentors: Iterable[MentorOffer],
            excluded: Excluded = frozenset(), limit: int = 3) -> list[Match]:
    """Her best mentors with a free place, best first (ties: lower mentor user_id first)."""
    if limit <= 0:
        return []
    matches = [match for mentor in mentors if mentor.free_places >= 1
               if (match := evaluate(mentee, mentor, excluded)) is not None]
    matches.sort(key=lambda match: (-match.score, match.mentor_id))
    return matches[:limit]


def total_score(matches: Iterable[Match]) -> int:
    return sum(match.score for match in matches)


# --- the whole pool at once (vectorised) ------------------------------------------------------

def _code_index(sets: Iterable[frozenset[str]]) -> dict[str, int]:
    codes: set[str] = set()
    for codes_of_one in sets:
        codes |= codes_of_one
    return {code: position for position, code in enumerate(sorted(codes))}


def _bitmasks(sets: Sequence[frozenset[str]], index: dict[str, int]) -> np.ndarray:
    """One row per set: the set as 16-bit words, bit ``i`` meaning code number ``i``."""
    words = max(1, -(-len(index) // _MASK_BITS))
    masks = np.zeros((len(sets), words), dtype=np.uint16)
    for row, codes in enumerate(sets):
        for code in codes:
            word, bit = divmod(index[code], _MASK_BITS)
            masks[row, word] |= np.uint16(1 << bit)
    return masks


def _row_blocks(total: int) -> Iterable[slice]:
    """numpy's table look-ups hold the GIL; done a few hundred rows at a time, the event
    loop (which the round runs beside, in another thread) gets it back every few ms."""
    return (slice(start, start + _ROWS_PER_BLOCK) for start in range(0, total, _ROWS_PER_BLOCK))


def _overlap_counts(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """How many codes each row set shares with each column set (via a popcount table)."""
    counts = np.empty((rows.shape[0], cols.shape[0]),
                      dtype=np.uint8 if rows.shape[1] == 1 else np.int32)
    for block in _row_blocks(rows.shape[0]):
        part = _POPCOUNT16[rows[block, None, 0] & cols[None, :, 0]].astype(counts.dtype)
        for word in range(1, rows.shape[1]):
            part += _POPCOUNT16[rows[block, None, word] & cols[None, :, word]]
        counts[block] = part
    return counts


def _encode(values: Sequence[str | None], index: dict[str | None, int]) -> np.ndarray:
    return np.array([index.setdefault(value, len(index)) for value in values], dtype=np.int32)


def _known_ints(values: Sequence[int | None]) -> tuple[np.ndarray, np.ndarray]:
    known = np.array([value is not None for value in values], dtype=bool)
    numbers = np.array([value if value is not None else 0 for value in values], dtype=np.int64)
    return known, numbers


def _positions(user_ids: Iterable[int]) -> dict[int, list[int]]:
    positions: dict[int, list[int]] = {}
    for position, user_id in enumerate(user_ids):
        positions.setdefault(user_id, []).append(position)
    return positions


def _forbidden_cells(mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer],
                     excluded: Excluded) -> tuple[list[int], list[int]]:
    """Cells of excluded pairs and of a member paired with herself."""
    mentee_rows = _positions(m.person.user_id for m in mentees)
    mentor_cols = _positions(m.person.user_id for m in mentors)
    pairs = set(excluded) | {(user_id, user_id) for user_id in mentee_rows.keys() & mentor_cols}
    rows: list[int] = []
    cols: list[int] = []
    for mentee_id, mentor_id in pairs:
        for row in mentee_rows.get(mentee_id, ()):
            for col in mentor_cols.get(mentor_id, ()):
                rows.append(row)
                cols.append(col)
    return rows, cols


def _country_mask(mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer]) -> np.ndarray:
    index: dict[str | None, int] = {}
    mentee_countries = _encode([m.person.country for m in mentees], index)
    mentor_countries = _encode([m.person.country for m in mentors], index)
    preferences = [m.country_preference for m in mentees]
    wants_same = np.array([p == COUNTRY_SAME for p in preferences], dtype=bool)
    wants_other = np.array([p == COUNTRY_OTHER for p in preferences], dtype=bool)
    same = mentee_countries[:, None] == mentor_countries[None, :]
    return ~((wants_same[:, None] & ~same) | (wants_other[:, None] & same))


def _seniority_mask(mentees: Sequence[MenteeRequest],
                    mentors: Sequence[MentorOffer]) -> np.ndarray:
    mentee_known, mentee_years = _known_ints([m.person.years for m in mentees])
    mentor_known, mentor_years = _known_ints([m.person.years for m in mentors])
    return (mentee_known[:, None] & mentor_known[None, :]
            & (mentor_years[None, :] > mentee_years[:, None]))


def _other_agency_mask(mentees: Sequence[MenteeRequest],
                       mentors: Sequence[MentorOffer]) -> np.ndarray:
    index: dict[str | None, int] = {None: -1}
    mentee_agencies = _encode([m.person.agency for m in mentees], index)
    mentor_agencies = _encode([m.person.agency for m in mentors], index)
    return ((mentee_agencies[:, None] >= 0) & (mentor_agencies[None, :] >= 0)
            & (mentee_agencies[:, None] != mentor_agencies[None, :]))


def score_matrix(mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer],
                 excluded: Excluded = frozenset()) -> np.ndarray:
    """``evaluate(mentees[i], mentors[j], excluded).score`` (0 if not allowed), integer array.

    Free places are not looked at, as in :func:`evaluate`.
    """
    if not mentees or not mentors:
        return np.zeros((len(mentees), len(mentors)), dtype=np.int16)
    area_index = _code_index([m.goals for m in mentees] + [m.areas for m in mentors])
    shared_areas = _overlap_counts(_bitmasks([m.goals for m in mentees], area_index),
                                   _bitmasks([m.areas for m in mentors], area_index))
    language_index = _code_index([m.person.languages for m in mentees]
                                 + [m.person.languages for m in mentors])
    shared_languages = _overlap_counts(
        _bitmasks([m.person.languages for m in mentees], language_index),
        _bitmasks([m.person.languages for m in mentors], language_index))

    top_score = AREA_WEIGHT * len(area_index) + _TOP_BONUS
    scores = shared_areas.astype(np.int16 if top_score <= np.iinfo(np.int16).max else np.int32)
    scores *= AREA_WEIGHT
    extra_languages = np.minimum(shared_languages, 1 + MAX_EXTRA_LANGUAGES)
    extra_languages -= extra_languages > 0  # shared languages beyond the first
    scores += EXTRA_LANGUAGE_WEIGHT * extra_languages
    np.add(scores, SENIORITY_WEIGHT, out=scores, where=_seniority_mask(mentees, mentors))
    np.add(scores, OTHER_AGENCY_WEIGHT, out=scores, where=_other_agency_mask(mentees, mentors))

    allowed = _country_mask(mentees, mentors)
    allowed &= shared_areas > 0
    allowed &= shared_languages > 0
    scores *= allowed
    rows, cols = _forbidden_cells(mentees, mentors, excluded)
    scores[rows, cols] = 0
    return scores


# --- the weekly round -------------------------------------------------------------------------

def _solve_slots(scores: np.ndarray, capacities: np.ndarray,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-weight assignment of rows to columns, column ``j`` taking ``capacities[j]`` rows.

    Rows and slots are shuffled by ``rng`` first, so ties are broken by the seed.
    Returns (row, column) index arrays of the chosen pairs with a positive score.
    """
    slot_owner = np.repeat(np.arange(scores.shape[1]), capacities)
    row_order = rng.permutation(scores.shape[0])
    slot_order = slot_owner[rng.permutation(slot_owner.size)]
    slots = np.empty((row_order.size, slot_order.size), dtype=np.float64)
    for block in _row_blocks(row_order.size):
        slots[block] = scores[row_order[block]][:, slot_order]
    if slots.shape[0] > slots.shape[1]:
        picked_slots, picked_rows = linear_sum_assignment(slots.T, maximize=True)
    else:
        picked_rows, picked_slots = linear_sum_assignment(slots, maximize=True)
    positive = slots[picked_rows, picked_slots] > 0
    return row_order[picked_rows[positive]], slot_order[picked_slots[positive]]


def assign(mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer],
           excluded: Excluded = frozenset(), *, seed: int = 0) -> list[Match]:
    """The weekly round: pairs of maximal total score, sorted by mentee.

    Each mentee gets at most one mentor, each mentor at most ``free_places`` mentees, and only
    pairs :func:`evaluate` allows. The same inputs and seed always give the same list.
    """
    scores = score_matrix(mentees, mentors, excluded)
    free_places = np.array([max(0, m.free_places) for m in mentors], dtype=np.int64)
    useful_mentors = np.flatnonzero((free_places > 0) & scores.any(axis=0))
    useful_mentees = np.flatnonzero(scores[:, useful_mentors].any(axis=1))
    if useful_mentees.size == 0:
        return []
    capacities = np.minimum(free_places[useful_mentors], useful_mentees.size)
    rows, cols = _solve_slots(scores[np.ix_(useful_mentees, useful_mentors)], capacities,
                              np.random.default_rng(seed))
    matches = []
    for row, col in zip(useful_mentees[rows], useful_mentors[cols], strict=True):
        match = evaluate(mentees[row], mentors[col], excluded)
        assert match is not None and match.score == scores[row, col]
        matches.append(match)
    matches.sort(key=lambda match: (match.mentee_id, match.mentor_id))
    return matches
