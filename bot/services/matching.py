"""Mentorship matching: which mentor fits which mentee, and the weekly round that pairs them.

A pair is allowed only if the two share a language and an area, the mentee's country preference
holds and the pair was not excluded (earlier, declined or blocked). Allowed pairs are scored so
the explanation shown to the mentee (:class:`Reasons`) is exactly what made the score. The weekly
round (:func:`assign`) first gives a mentor to as many mentees as possible and then, among those
rounds, takes the highest total score (a lexicographic optimum, exact), within each mentor's
free places. It works on the sparse graph of allowed pairs (memory grows with the pairs, not with
mentees × mentors) and solves it with a primal–dual (Hungarian) method whose augmenting step is
SciPy's maximum flow; the dual values prove the result optimal. Pure computation: no database,
no Telegram, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

COUNTRY_ANY, COUNTRY_SAME, COUNTRY_OTHER = "any", "same", "other"
COUNTRY_PREFERENCES = frozenset({COUNTRY_ANY, COUNTRY_SAME, COUNTRY_OTHER})

AREA_WEIGHT = 10  # per area shared between the mentee's goals and the mentor's areas
EXTRA_LANGUAGE_WEIGHT = 1  # per shared language beyond the first, at most 2 counted
MAX_EXTRA_LANGUAGES = 2
SENIORITY_WEIGHT = 4  # mentor has strictly more years of service (both known)
OTHER_AGENCY_WEIGHT = 3  # both agencies known and different (outside the chain of command)
_TOP_BONUS = EXTRA_LANGUAGE_WEIGHT * MAX_EXTRA_LANGUAGES + SENIORITY_WEIGHT + OTHER_AGENCY_WEIGHT

_BLOCK_CELLS = 1 << 20  # mentee × mentor cells scored at once (a few MB, then dropped)
_NEAR_TIGHT = 8  # pairs within this slack of being used are re-checked every step
_SCAN_EDGES = 1 << 21  # pairs looked at per slice of a full pass over the graph

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



# --- the whole pool at once: scores by blocks -------------------------------------------------

def _index(codes: Iterable[Iterable[str]]) -> dict[str, int]:
    found: set[str] = set()
    for some in codes:
        found.update(some)
    return {code: position for position, code in enumerate(sorted(found))}


def _positions(user_ids: Iterable[int]) -> dict[int, list[int]]:
    positions: dict[int, list[int]] = {}
    for position, user_id in enumerate(user_ids):
        positions.setdefault(user_id, []).append(position)
    return positions


class _Scorer:
    """``evaluate(...).score`` for a block of mentees against every mentor (0: not allowed).

    Everything a score depends on is one matrix product of small integer rows (exact in
    float32), packed as ``packed = languages_per_step × linear + shared languages`` where
    ``linear`` = the area, agency and seniority terms — each of them the product of two 0/1
    codings: shared areas; "both agencies known" minus "the same agency"; her years as one
    column of her own, the mentor's as "more than t" for every t among the mentees' years. A
    country preference that rules the pair out adds a penalty that makes ``packed`` negative.
    A look-up table turns ``packed`` into the score (0 where the pair is not allowed: no
    shared area, no shared language or the penalty). A block is a few MB whatever the pool's
    size; the exclusions are cleared after.
    """

    def __init__(self, mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer],
                 excluded: Excluded) -> None:
        assert OTHER_AGENCY_WEIGHT + SENIORITY_WEIGHT < AREA_WEIGHT  # areas ≥ 1 ⇔ linear ≥ 10
        people = [m.person for m in mentees] + [m.person for m in mentors]
        areas = _index([m.goals for m in mentees] + [m.areas for m in mentors])
        languages = _index(p.languages for p in people)
        agencies = _index([p.agency] for p in people if p.agency is not None)
        countries = _index([p.country] for p in people)
        years = sorted({m.person.years for m in mentees if m.person.years is not None})
        step = len(languages) + 1  # shared languages fit below one step of ``linear``
        top_linear = AREA_WEIGHT * len(areas) + OTHER_AGENCY_WEIGHT + SENIORITY_WEIGHT
        penalty = step * (top_linear + 1) + len(languages) + 1  # > any packed value
        columns_at: dict[str, range] = {}
        width = 0
        for name, size in (("areas", len(areas)), ("agency", 1 + len(agencies)),
                           ("years", len(years)), ("languages", len(languages)),
                           ("country", 1 + len(countries))):
            columns_at[name] = range(width, width + size)
            width += size
        rows = np.zeros((len(mentees), width), dtype=np.float32)
        columns = np.zeros((len(mentors), width), dtype=np.float32)
        area, agency, year = columns_at["areas"], columns_at["agency"], columns_at["years"]
        language, country = columns_at["languages"], columns_at["country"]
        year_at = {value: position for position, value in enumerate(years)}
        for i, request in enumerate(mentees):
            her = request.person
            rows[i, [area[areas[code]] for code in request.goals]] = step * AREA_WEIGHT
            if her.agency is not None:
                rows[i, agency[0]] = step * OTHER_AGENCY_WEIGHT
                rows[i, agency[1 + agencies[her.agency]]] = -step * OTHER_AGENCY_WEIGHT
            if her.years is not None:
                rows[i, year[year_at[her.years]]] = step * SENIORITY_WEIGHT
            rows[i, [language[languages[code]] for code in her.languages]] = 1
            # allowed = a + b × same country: any (1, 0), same (0, 1), other (1, -1)
            a, b = {COUNTRY_ANY: (1, 0), COUNTRY_SAME: (0, 1),
                    COUNTRY_OTHER: (1, -1)}[request.country_preference]
            rows[i, country[0]] = penalty * (a - 1)
            rows[i, country[1 + countries[her.country]]] = penalty * b
        for j, offer in enumerate(mentors):
            mentor_person = offer.person
            columns[j, [area[areas[code]] for code in offer.areas]] = 1
            if mentor_person.agency is not None:
                columns[j, [agency[0], agency[1 + agencies[mentor_person.agency]]]] = 1
            if mentor_person.years is not None:
                columns[j, [year[k] for k, value in enumerate(years)
                            if mentor_person.years > value]] = 1
            columns[j, [language[languages[code]] for code in mentor_person.languages]] = 1
            columns[j, [country[0], country[1 + countries[mentor_person.country]]]] = 1
        self._rows = rows
        self._columns = np.ascontiguousarray(columns.T)
        self.top_score = AREA_WEIGHT * len(areas) + _TOP_BONUS
        self.dtype = np.int16 if self.top_score <= np.iinfo(np.int16).max else np.int32
        packed = np.arange(step * (top_linear + 1))
        linear, shared = np.divmod(packed, step)
        extra = np.clip(shared - 1, 0, MAX_EXTRA_LANGUAGES) * EXTRA_LANGUAGE_WEIGHT
        self._table = np.where((linear >= AREA_WEIGHT) & (shared >= 1), linear + extra,
                               0).astype(self.dtype)
        self._table[0] = 0  # where the penalty (clipped to 0) lands
        mentee_rows = _positions(m.person.user_id for m in mentees)
        mentor_cols = _positions(m.person.user_id for m in mentors)
        pairs = set(excluded) | {(user_id, user_id)
                                 for user_id in mentee_rows.keys() & mentor_cols}
        cells = sorted((row, col) for mentee_id, mentor_id in pairs
                       for row in mentee_rows.get(mentee_id, ())
                       for col in mentor_cols.get(mentor_id, ()))
        self._excluded_rows = np.array([row for row, _col in cells], dtype=np.int64)
        self._excluded_cols = np.array([col for _row, col in cells], dtype=np.int64)
        self.mentees, self.mentors = len(mentees), len(mentors)

    def block(self, start: int, stop: int) -> np.ndarray:
        packed = self._rows[start:stop] @ self._columns
        np.maximum(packed, 0, out=packed)
        scores = self._table.take(packed.astype(np.int32))
        first, last = np.searchsorted(self._excluded_rows, [start, stop])
        scores[self._excluded_rows[first:last] - start, self._excluded_cols[first:last]] = 0
        return scores

    def blocks(self) -> Iterable[tuple[int, np.ndarray]]:
        step = max(1, _BLOCK_CELLS // max(1, self.mentors))
        for start in range(0, self.mentees, step):
            yield start, self.block(start, min(self.mentees, start + step))


def score_matrix(mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer],
                 excluded: Excluded = frozenset()) -> np.ndarray:
    """``evaluate(mentees[i], mentors[j], excluded).score`` (0 if not allowed), integer array.

    Dense: for tests and small pools; the round itself uses :class:`AllowedPairs`. Free places
    are not looked at, as in :func:`evaluate`.
    """
    if not mentees or not mentors:
        return np.zeros((len(mentees), len(mentors)), dtype=np.int16)
    return _Scorer(mentees, mentors, excluded).block(0, len(mentees))


@dataclass(frozen=True)
class AllowedPairs:
    """The sparse graph of allowed pairs: mentee ``i``'s mentors are
    ``mentors[starts[i]:starts[i + 1]]`` with their ``scores`` (CSR rows)."""

    starts: np.ndarray
    mentors: np.ndarray
    scores: np.ndarray

    @classmethod
    def build(cls, mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer],
              excluded: Excluded = frozenset()) -> AllowedPairs:
        counts = np.zeros(len(mentees), dtype=np.int64)
        columns: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        column_type = np.int16 if len(mentors) <= np.iinfo(np.int16).max else np.int32
        if mentees and mentors:
            scorer = _Scorer(mentees, mentors, excluded)
            for start, block in scorer.blocks():
                cells = np.flatnonzero(block)  # the one pass over the block; then pairs only
                rows, cols = np.divmod(cells, block.shape[1])
                counts[start:start + block.shape[0]] = np.bincount(rows,
                                                                   minlength=block.shape[0])
                columns.append(cols.astype(column_type))
                scores.append(block.ravel()[cells])
        starts = np.zeros(len(mentees) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        return cls(starts, np.concatenate(columns) if columns else np.zeros(0, column_type),
                   np.concatenate(scores) if scores else np.zeros(0, np.int16))

    @property
    def pairs(self) -> int:
        return int(self.starts[-1])

    def mentees_of_pairs(self, first: int = 0, last: int | None = None) -> np.ndarray:
        """The mentee (row) of each pair in ``first:last``."""
        last = self.pairs if last is None else last
        rows = np.arange(len(self.starts) - 1, dtype=np.int32)
        lo, hi = np.searchsorted(self.starts, [first, last], side="right") - 1
        hi = min(hi, len(rows) - 1)
        row_range = rows[lo:hi + 1]
        counts = (np.minimum(self.starts[row_range + 1], last)
                  - np.maximum(self.starts[row_range], first))
        return np.repeat(row_range, counts)


# --- the weekly round: a lexicographic maximum-weight b-matching ------------------------------

class _Round:
    """Primal–dual (Hungarian) method for the round, on the sparse graph of allowed pairs.

    Each used pair weighs ``big + score`` with ``big`` larger than any round's total score, so
    a maximum-weight round has the most pairs first and the best total among those second.
    Dual values ``mentee_value`` (≥ 0) and ``mentor_value`` (≥ 0) keep
    ``mentee_value + mentor_value ≥ weight`` on every allowed pair; the pairs where it holds
    with equality ("tight") may be used. Each step augments the round as far as it goes on
    tight pairs (SciPy's maximum flow, from the mentees without a mentor), then lowers the
    values of the mentees those reach and raises their mentors' by the largest amount that
    keeps every pair feasible. It ends when the mentees without a mentor are at 0: then every
    used pair is tight, every mentee without a mentor is at 0 and every mentor with a value
    is full — the linear program's optimality conditions, so no round is better.

    Only the pairs near being tight are looked at in a step (``_NEAR_TIGHT``); the rest are
    looked at again when the values have moved that much.
    """

    def __init__(self, graph: AllowedPairs, capacities: np.ndarray) -> None:
        self.graph = graph
        self.capacity = capacities.astype(np.int64)
        self.mentees, self.mentors = len(graph.starts) - 1, len(capacities)
        top = int(graph.scores.max()) if graph.pairs else 0
        self.big = top * min(self.mentees, int(self.capacity.sum())) + 1
        # values stay within [0, 2 (big + top)]: 32 bits while that fits (half the memory)
        self.value_type = np.int32 if 4 * (self.big + top) < np.iinfo(np.int32).max \
            else np.int64
        self.mentee_value = np.full(self.mentees, self.big + top, dtype=self.value_type)
        self.mentor_value = np.zeros(self.mentors, dtype=self.value_type)
        self.mentor_of = np.full(self.mentees, -1, dtype=np.int64)
        self.free_value = self.big + top  # the value of every mentee without a mentor
        self.steps = 0

    # the pairs within _NEAR_TIGHT of being tight, and how far the values moved since
    def _near(self) -> None:
        rows_all: list[np.ndarray] = []
        cols_all: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for first in range(0, self.graph.pairs, _SCAN_EDGES):
            last = min(self.graph.pairs, first + _SCAN_EDGES)
            rows = self.graph.mentees_of_pairs(first, last)
            cols = self.graph.mentors[first:last]
            scores = self.graph.scores[first:last]
            slack = self.mentee_value[rows]
            slack += self.mentor_value[cols]
            slack -= scores
            near = np.flatnonzero(slack <= _NEAR_TIGHT + self.big)
            rows_all.append(rows[near])
            cols_all.append(cols[near].astype(np.int64))
            weights.append(scores[near].astype(self.value_type) + self.big)
        self.near_rows = np.concatenate(rows_all) if rows_all else np.zeros(0, np.int64)
        self.near_cols = np.concatenate(cols_all) if cols_all else np.zeros(0, np.int64)
        self.near_weight = np.concatenate(weights) if weights else np.zeros(0, np.int64)
        self.moved = 0  # every other pair's slack is still > _NEAR_TIGHT - moved

    def _min_slack_leaving(self, reached_mentee: np.ndarray, reached_mentor: np.ndarray) -> int:
        """The least slack over all pairs from a reached mentee to an unreached mentor."""
        best = None
        for first in range(0, self.graph.pairs, _SCAN_EDGES):
            last = min(self.graph.pairs, first + _SCAN_EDGES)
            rows = self.graph.mentees_of_pairs(first, last)
            cols = self.graph.mentors[first:last]
            leaving = reached_mentee[rows] & ~reached_mentor[cols]
            if leaving.any():
                slack = (self.mentee_value[rows[leaving]] + self.mentor_value[cols[leaving]]
                         - self.graph.scores[first:last][leaving] - self.big)
                low = int(slack.min())
                best = low if best is None else min(best, low)
        return self.free_value if best is None else best

    def _network(self, tight: np.ndarray, free: np.ndarray, to_sink: bool) -> csr_array:
        """Residual network on tight pairs: source → free mentees → mentors (unused tight
        pairs) → their mentees (used pairs) …, and mentors with a free place → sink."""
        n, m = self.mentees, self.mentors
        used = self.mentor_of[self.near_rows] == self.near_cols
        forward = np.flatnonzero(tight & ~used)
        back = np.flatnonzero(used)
        free_rows = np.flatnonzero(free)
        sources = [np.zeros(free_rows.size, np.int64), 1 + self.near_rows[forward],
                   1 + n + self.near_cols[back]]
        targets = [1 + free_rows, 1 + n + self.near_cols[forward], 1 + self.near_rows[back]]
        capacity = [np.ones(free_rows.size + forward.size + back.size, np.int32)]
        if to_sink:
            taken = np.bincount(self.mentor_of[~free], minlength=m)
            open_ = np.flatnonzero(taken < self.capacity)
            sources.append(1 + n + open_)
            targets.append(np.full(open_.size, n + m + 1, np.int64))
            capacity.append((self.capacity - taken)[open_].astype(np.int32))
        size = n + m + 2
        return csr_array((np.concatenate(capacity),
                          (np.concatenate(sources), np.concatenate(targets))),
                         shape=(size, size))

    def solve(self) -> np.ndarray:
        """The mentor (column) of each mentee (row), -1 for none."""
        n, m = self.mentees, self.mentors
        if self.graph.pairs == 0 or self.capacity.sum() == 0:
            return self.mentor_of
        self._near()
        while self.free_value > 0:
            free = self.mentor_of < 0
            if not free.any():
                break
            self.steps += 1
            slack = (self.mentee_value[self.near_rows] + self.mentor_value[self.near_cols]
                     - self.near_weight)
            tight = slack == 0
            flow = maximum_flow(self._network(tight, free, to_sink=True), 0, n + m + 1)
            if flow.flow_value:
                carried = flow.flow.tocoo()
                along = carried.data > 0
                tails, heads = carried.row[along], carried.col[along]
                to_mentor = (tails >= 1) & (tails <= n) & (heads > n) & (heads <= n + m)
                self.mentor_of[tails[to_mentor] - 1] = heads[to_mentor] - n - 1
                free = self.mentor_of < 0
                if not free.any():
                    break
            reached = breadth_first_order(self._network(tight, free, to_sink=False), 0,
                                          directed=True, return_predecessors=False)
            reached_mentee = np.zeros(n, dtype=bool)
            reached_mentor = np.zeros(m, dtype=bool)
            reached_mentee[reached[(reached >= 1) & (reached <= n)] - 1] = True
            reached_mentor[reached[reached > n] - n - 1] = True
            leaving = reached_mentee[self.near_rows] & ~reached_mentor[self.near_cols]
            step = min(self.free_value, int(slack[leaving].min()) if leaving.any()
                       else self.free_value)
            bound = _NEAR_TIGHT + 1 - self.moved  # no pair outside the near ones is closer
            if step > bound:  # a long step (at the end): measure it over every pair
                step = min(self.free_value,
                           self._min_slack_leaving(reached_mentee, reached_mentor))
            assert step > 0
            self.mentee_value[reached_mentee] -= step
            self.mentor_value[reached_mentor] += step
            self.free_value -= step
            self.moved += step
            if self.moved > _NEAR_TIGHT:
                self._near()
        return self.mentor_of

    def used_scores(self) -> dict[int, int]:
        """Each paired mentee's score, as the graph has it (a used pair is tight, so near)."""
        if self.graph.pairs == 0 or not (self.mentor_of >= 0).any():
            return {}
        used = np.flatnonzero(self.mentor_of[self.near_rows] == self.near_cols)
        return dict(zip(self.near_rows[used].tolist(),
                        (self.near_weight[used] - self.big).tolist(), strict=True))


def assign(mentees: Sequence[MenteeRequest], mentors: Sequence[MentorOffer],
           excluded: Excluded = frozenset(), *, seed: int = 0) -> list[Match]:
    """The weekly round, sorted by mentee: as many mentees paired as possible, and of those
    rounds one with the highest total score.

    Each mentee gets at most one mentor, each mentor at most ``free_places`` mentees, and only
    pairs :func:`evaluate` allows. Mentees and mentors are shuffled by ``seed`` first, so ties
    are broken by the seed; the same inputs and seed always give the same list.
    """
    rng = np.random.default_rng(seed)
    useful = [offer for offer in mentors if offer.free_places > 0]
    if not mentees or not useful:
        return []
    mentee_order = rng.permutation(len(mentees))
    mentor_order = rng.permutation(len(useful))
    shuffled_mentees = [mentees[i] for i in mentee_order]
    shuffled_mentors = [useful[j] for j in mentor_order]
    graph = AllowedPairs.build(shuffled_mentees, shuffled_mentors, excluded)
    capacities = np.minimum([m.free_places for m in shuffled_mentors], len(mentees))
    round_ = _Round(graph, np.asarray(capacities, dtype=np.int64))
    mentor_of = round_.solve()
    matches = []
    for row, score in round_.used_scores().items():
        match = evaluate(shuffled_mentees[row], shuffled_mentors[mentor_of[row]], excluded)
        assert match is not None and match.score == score  # the graph agrees with evaluate
        matches.append(match)
    matches.sort(key=lambda match: (match.mentee_id, match.mentor_id))
    return matches
