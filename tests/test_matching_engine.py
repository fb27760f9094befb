"""The mentorship matching engine and coffee-round pairing, checked against brute force."""

from __future__ import annotations

import itertools
import random
from functools import cache

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.services import coffee_pairing, matching
from bot.services.coffee_pairing import (
    CROSS_BORDER_WEIGHT,
    SAME_COUNTRY_WEIGHT,
    CoffeeMember,
    pair_members,
)
from bot.services.matching import (
    AREA_WEIGHT,
    COUNTRY_ANY,
    COUNTRY_OTHER,
    COUNTRY_SAME,
    EXTRA_LANGUAGE_WEIGHT,
    OTHER_AGENCY_WEIGHT,
    SENIORITY_WEIGHT,
    Match,
    MenteeRequest,
    MentorOffer,
    Person,
    Reasons,
    assign,
    evaluate,
    score_matrix,
    suggest,
    total_score,
)

LANGUAGES = ("ru", "kk", "ky")
AREAS = ("border", "cyber", "gender", "leadership")
COUNTRIES = ("KZ", "KG", "TJ")
AGENCIES = ("police", "border", None)
PREFERENCES = (COUNTRY_ANY, COUNTRY_SAME, COUNTRY_OTHER)


# --- builders ---------------------------------------------------------------------------------

def person(user_id: int, country: str = "KZ", *, agency: str | None = None,
           years: int | None = None, languages: str = "ru") -> Person:
    return Person(user_id, country, agency, years, frozenset(languages.split()))


def mentee(user_id: int, goals: str, country: str = "KZ", *, preference: str = COUNTRY_ANY,
           **person_fields: object) -> MenteeRequest:
    return MenteeRequest(person(user_id, country, **person_fields),  # type: ignore[arg-type]
                         frozenset(goals.split()), preference)


def mentor(user_id: int, areas: str, country: str = "KZ", *, free_places: int = 1,
           **person_fields: object) -> MentorOffer:
    return MentorOffer(person(user_id, country, **person_fields),  # type: ignore[arg-type]
                       frozenset(areas.split()), free_places)


def some(rng: random.Random, pool: tuple[str, ...], low: int, high: int) -> frozenset[str]:
    return frozenset(rng.sample(pool, rng.randint(low, high)))


def random_person(rng: random.Random, user_id: int) -> Person:
    years = None if rng.random() < 0.25 else rng.randint(0, 25)
    return Person(user_id, rng.choice(COUNTRIES), rng.choice(AGENCIES), years,
                  some(rng, LANGUAGES, 1, 2))


def random_instance(rng: random.Random, max_mentees: int = 6, max_mentors: int = 4
                    ) -> tuple[list[MenteeRequest], list[MentorOffer], frozenset[tuple[int, int]]]:
    """Mentee ids 1..6 and mentor ids from 4 on, so some members are on both sides."""
    mentees = [MenteeRequest(random_person(rng, user_id), some(rng, AREAS, 1, 3),
                             rng.choice(PREFERENCES))
               for user_id in range(1, rng.randint(1, max_mentees) + 1)]
    mentors = [MentorOffer(random_person(rng, user_id), some(rng, AREAS, 1, 3), rng.randint(0, 3))
               for user_id in range(4, 4 + rng.randint(1, max_mentors))]
    all_pairs = [(a.person.user_id, b.person.user_id) for a in mentees for b in mentors]
    excluded = frozenset(rng.sample(all_pairs, rng.randint(0, len(all_pairs) // 3)))
    return mentees, mentors, excluded


def brute_force_best_round(mentees: list[MenteeRequest], mentors: list[MentorOffer],
                           excluded: frozenset[tuple[int, int]]) -> tuple[int, int]:
    """(pairs, total score) of the best round over every way to give each mentee one allowed
    mentor or none: the most pairs first, then the highest total."""
    options = [[(j, match.score) for j, offer in enumerate(mentors)
                if (match := evaluate(request, offer, excluded)) is not None]
               for request in mentees]

    @cache
    def best(index: int, places: tuple[int, ...]) -> tuple[int, int]:
        if index == len(mentees):
            return 0, 0
        result = best(index + 1, places)
        for j, score in options[index]:
            if places[j] > 0:
                left = places[:j] + (places[j] - 1,) + places[j + 1:]
                pairs, total = best(index + 1, left)
                result = max(result, (pairs + 1, total + score))
        return result

    return best(0, tuple(max(0, offer.free_places) for offer in mentors))


def assert_valid_round(matches: list[Match], mentees: list[MenteeRequest],
                       mentors: list[MentorOffer], excluded: frozenset[tuple[int, int]]) -> None:
    requests = {request.person.user_id: request for request in mentees}
    offers = {offer.person.user_id: offer for offer in mentors}
    mentee_ids = [match.mentee_id for match in matches]
    assert len(mentee_ids) == len(set(mentee_ids))
    assert mentee_ids == sorted(mentee_ids)
    for mentor_id, offer in offers.items():
        assert sum(match.mentor_id == mentor_id for match in matches) <= offer.free_places
    for match in matches:
        request, offer = requests[match.mentee_id], offers[match.mentor_id]
        assert match.mentee_id != match.mentor_id
        assert (match.mentee_id, match.mentor_id) not in excluded
        assert request.person.languages & offer.person.languages
        assert request.goals & offer.areas
        same = request.person.country == offer.person.country
        assert {COUNTRY_SAME: same, COUNTRY_OTHER: not same}.get(
            request.country_preference, True)
        assert match == evaluate(request, offer, excluded)


# --- evaluate ---------------------------------------------------------------------------------

def test_evaluate_scores_and_explains_a_pair() -> None:
    her = mentee(1, "cyber gender leadership", "KG", agency="police", years=3,
                 languages="ru ky en")
    offer = mentor(2, "cyber gender border", "KZ", agency="border", years=12,
                   languages="ru ky en kk")
    match = evaluate(her, offer)
    assert match == Match(1, 2, 2 * AREA_WEIGHT + 2 * EXTRA_LANGUAGE_WEIGHT + SENIORITY_WEIGHT
                          + OTHER_AGENCY_WEIGHT,
                          Reasons(shared_languages=("en", "ky", "ru"),
                                  shared_areas=("cyber", "gender"), mentor_years=12,
                                  more_senior=True, other_agency=True, same_country=False))


def test_evaluate_counts_seniority_and_agency_only_when_known() -> None:
    offer = mentor(2, "cyber", agency="police", years=10)
    assert evaluate(mentee(1, "cyber", agency=None, years=None), offer).score == AREA_WEIGHT
    assert evaluate(mentee(1, "cyber", agency="police", years=10), offer).score == AREA_WEIGHT
    hidden = mentor(2, "cyber", agency=None, years=None)
    assert evaluate(mentee(1, "cyber", agency="border", years=1), hidden).score == AREA_WEIGHT
    assert evaluate(mentee(1, "cyber", years=0), offer).reasons.more_senior


def test_evaluate_counts_at_most_two_extra_languages() -> None:
    offer = mentor(2, "cyber", languages="ru kk ky en tg")
    assert evaluate(mentee(1, "cyber", languages="ru kk"), offer).score == AREA_WEIGHT + 1
    assert evaluate(mentee(1, "cyber", languages="ru kk ky en tg"), offer).score == \
        AREA_WEIGHT + 2 * EXTRA_LANGUAGE_WEIGHT


def test_evaluate_needs_a_shared_language_and_area() -> None:
    assert evaluate(mentee(1, "cyber", languages="ky"), mentor(2, "cyber", languages="kk")) is None
    assert evaluate(mentee(1, "cyber"), mentor(2, "border gender")) is None


def test_evaluate_never_pairs_her_with_herself() -> None:
    assert evaluate(mentee(1, "cyber"), mentor(1, "cyber")) is None


def test_evaluate_respects_the_country_preference() -> None:
    same_country, other_country = mentor(2, "cyber", "KZ"), mentor(3, "cyber", "KG")
    wants_same = mentee(1, "cyber", "KZ", preference=COUNTRY_SAME)
    wants_other = mentee(1, "cyber", "KZ", preference=COUNTRY_OTHER)
    wants_any = mentee(1, "cyber", "KZ", preference=COUNTRY_ANY)
    assert evaluate(wants_same, same_country) is not None
    assert evaluate(wants_same, other_country) is None
    assert evaluate(wants_other, same_country) is None
    assert evaluate(wants_other, other_country) is not None
    assert evaluate(wants_any, same_country) is not None
    assert evaluate(wants_any, other_country) is not None


def test_evaluate_skips_excluded_pairs_in_the_given_order_only() -> None:
    her, offer = mentee(1, "cyber"), mentor(2, "cyber")
    assert evaluate(her, offer, frozenset({(1, 2)})) is None
    assert evaluate(her, offer, frozenset({(2, 1)})) is not None


def test_evaluate_ignores_free_places() -> None:
    assert evaluate(mentee(1, "cyber"), mentor(2, "cyber", free_places=0)) is not None


def test_an_unknown_country_preference_is_refused() -> None:
    with pytest.raises(ValueError):
        mentee(1, "cyber", preference="neighbours")


# --- suggest ----------------------------------------------------------------------------------

def test_suggest_gives_the_best_three_with_free_places_best_first() -> None:
    her = mentee(1, "cyber gender", "KG", agency="police", years=5, languages="ru ky")
    mentors = [
        mentor(10, "cyber", "KG", agency="police", years=2),  # 10
        mentor(11, "cyber gender", "KZ", agency="border", years=9, languages="ru ky",
               free_places=0),  # best of all, but full
        mentor(12, "cyber gender", "KZ", agency="border", years=9, languages="ru ky"),  # 28
        mentor(13, "gender", "KG", agency="border"),  # 13
        mentor(14, "gender", "TJ", agency=None, years=20),  # 14
        mentor(15, "border", "KG"),  # no shared area
        mentor(16, "cyber", "KG", languages="kk"),  # no shared language
        mentor(17, "cyber gender", "KG"),  # 20, but excluded
    ]
    suggestions = suggest(her, mentors, frozenset({(1, 17)}))
    assert [(m.mentor_id, m.score) for m in suggestions] == [(12, 28), (14, 14), (13, 13)]
    assert suggestions[0].reasons == Reasons(
        shared_languages=("ky", "ru"), shared_areas=("cyber", "gender"), mentor_years=9,
        more_senior=True, other_agency=True, same_country=False)
    assert suggestions[1].reasons == Reasons(
        shared_languages=("ru",), shared_areas=("gender",), mentor_years=20,
        more_senior=True, other_agency=False, same_country=False)
    assert suggest(her, mentors, limit=1)[0].mentor_id == 12
    assert suggest(her, mentors, limit=0) == []


def test_suggest_breaks_ties_by_mentor_id() -> None:
    mentors = [mentor(user_id, "cyber") for user_id in (31, 7, 20, 5)]
    assert [m.mentor_id for m in suggest(mentee(1, "cyber"), mentors)] == [5, 7, 20]


def test_suggest_is_empty_without_any_allowed_mentor() -> None:
    assert suggest(mentee(1, "cyber", preference=COUNTRY_OTHER), [mentor(2, "cyber")]) == []


# --- the score matrix and assign --------------------------------------------------------------

def test_score_matrix_equals_evaluate_on_random_instances() -> None:
    rng = random.Random(7)
    for _ in range(100):
        mentees, mentors, excluded = random_instance(rng, max_mentees=9, max_mentors=8)
        matrix = score_matrix(mentees, mentors, excluded)
        assert matrix.shape == (len(mentees), len(mentors))
        for (i, request), (j, offer) in itertools.product(enumerate(mentees), enumerate(mentors)):
            match = evaluate(request, offer, excluded)
            assert matrix[i, j] == (match.score if match else 0)


def test_score_matrix_handles_more_codes_than_one_mask_word() -> None:
    rng = random.Random(11)
    areas = tuple(f"area{i}" for i in range(40))
    languages = tuple(f"lang{i}" for i in range(20))
    mentees = [MenteeRequest(Person(i, rng.choice(COUNTRIES), None, None,
                                    frozenset(rng.sample(languages, 3))),
                             frozenset(rng.sample(areas, 6)), COUNTRY_ANY) for i in range(30)]
    mentors = [MentorOffer(Person(100 + i, rng.choice(COUNTRIES), None, None,
                                  frozenset(rng.sample(languages, 4))),
                           frozenset(rng.sample(areas, 12)), 1) for i in range(20)]
    matrix = score_matrix(mentees, mentors)
    expected = np.array([[(m.score if (m := evaluate(a, b)) else 0) for b in mentors]
                         for a in mentees])
    assert (matrix == expected).all() and matrix.any()


def test_score_matrix_of_nobody_is_empty() -> None:
    assert score_matrix([], [mentor(1, "cyber")]).shape == (0, 1)
    assert assign([], [mentor(1, "cyber")]) == []
    assert assign([mentee(1, "cyber")], []) == []


def test_assign_reaches_the_brute_force_optimum_on_200_random_instances() -> None:
    rng = random.Random(2024)
    for case in range(200):
        mentees, mentors, excluded = random_instance(rng)
        matches = assign(mentees, mentors, excluded, seed=case)
        assert_valid_round(matches, mentees, mentors, excluded)
        assert (len(matches), total_score(matches)) == \
            brute_force_best_round(mentees, mentors, excluded)


def test_assign_reaches_the_optimum_on_larger_crowded_instances() -> None:
    """More mentees than places, mentors with several places: cardinality, then score."""
    rng = random.Random(99)
    for case in range(40):
        mentees, mentors, excluded = random_instance(rng, max_mentees=9, max_mentors=4)
        matches = assign(mentees, mentors, excluded, seed=case)
        assert_valid_round(matches, mentees, mentors, excluded)
        assert (len(matches), total_score(matches)) == \
            brute_force_best_round(mentees, mentors, excluded)


def independent_best_round(mentees: list[MenteeRequest], mentors: list[MentorOffer],
                           excluded: frozenset[tuple[int, int]]) -> tuple[int, int]:
    """(pairs, total) by SciPy's sparse Jonker–Volgenant solver: a column per mentor place and
    a "nobody" column per mentee; a pair costs ``top - (big + score)``, nobody ``top``."""
    scores = score_matrix(mentees, mentors, excluded).astype(np.int64)
    places = np.array([max(0, m.free_places) for m in mentors])
    slots = np.repeat(np.arange(len(mentors)), places)
    rows, cols = np.nonzero(scores[:, slots])
    big = int(scores.max()) * len(mentees) + 1
    top = big + int(scores.max()) + 1
    costs = np.concatenate([top - big - scores[rows, slots[cols]],
                            np.full(len(mentees), top)]).astype(np.float64)
    graph = sp.csr_array((costs, (np.concatenate([rows, np.arange(len(mentees))]),
                                  np.concatenate([cols, slots.size + np.arange(len(mentees))]))),
                         shape=(len(mentees), slots.size + len(mentees)))
    picked_rows, picked_cols = min_weight_full_bipartite_matching(graph)
    real = picked_cols < slots.size
    return int(real.sum()), int(scores[picked_rows[real], slots[picked_cols[real]]].sum())


@pytest.mark.parametrize("near_tight", [0, 1, 8])
def test_assign_agrees_with_an_independent_solver_on_larger_pools(
        monkeypatch: pytest.MonkeyPatch, near_tight: int) -> None:
    """Hundreds of members, so the round takes many steps; a small ``_NEAR_TIGHT`` makes it
    look at every pair again often (and take its long steps over every pair)."""
    monkeypatch.setattr(matching, "_NEAR_TIGHT", near_tight)
    monkeypatch.setattr(matching, "_SCAN_EDGES", 997)  # several slices per pass
    rng = random.Random(500 + near_tight)
    for case in range(4):
        mentees = [MenteeRequest(random_person(rng, user_id), some(rng, AREAS, 1, 3),
                                 rng.choice(PREFERENCES)) for user_id in range(1, 241)]
        mentors = [MentorOffer(random_person(rng, user_id), some(rng, AREAS, 1, 3),
                               rng.randint(0, 3)) for user_id in range(200, 300)]
        all_pairs = [(a.person.user_id, b.person.user_id) for a in mentees for b in mentors]
        excluded = frozenset(rng.sample(all_pairs, 300))
        matches = assign(mentees, mentors, excluded, seed=case)
        assert_valid_round(matches, mentees, mentors, excluded)
        assert (len(matches), total_score(matches)) == \
            independent_best_round(mentees, mentors, excluded)


def test_assign_pairs_the_most_mentees_before_the_highest_score() -> None:
    """The issue's example: A can take X (27) or Y (10), B only X (10) → A→Y, B→X."""
    a = mentee(1, "cyber gender", agency="police", years=1)
    b = mentee(2, "cyber")
    x = mentor(10, "cyber gender", agency="border", years=20, languages="ru kk")
    y = mentor(11, "gender", languages="ru")
    assert evaluate(a, x).score == 27 and evaluate(a, y).score == 10
    assert evaluate(b, x).score == 10 and evaluate(b, y) is None
    for seed in range(5):
        matches = assign([a, b], [x, y], seed=seed)
        assert [(m.mentee_id, m.mentor_id) for m in matches] == [(1, 11), (2, 10)]
        assert total_score(matches) == 20


def test_assign_prefers_the_higher_total_among_the_largest_rounds() -> None:
    mentees = [mentee(1, "cyber gender leadership"), mentee(2, "cyber")]
    mentors = [mentor(10, "cyber gender leadership"), mentor(11, "cyber leadership")]
    matches = assign(mentees, mentors)
    assert [(m.mentee_id, m.mentor_id) for m in matches] == [(1, 10), (2, 11)]
    assert total_score(matches) == 4 * AREA_WEIGHT


def test_assign_fills_free_places_and_skips_full_mentors() -> None:
    mentees = [mentee(user_id, "cyber") for user_id in range(1, 5)]
    mentors = [mentor(10, "cyber", free_places=2), mentor(11, "cyber", free_places=0),
               mentor(12, "cyber", free_places=1)]
    matches = assign(mentees, mentors)
    assert sorted(m.mentor_id for m in matches) == [10, 10, 12]
    assert all(isinstance(m.reasons, Reasons) and m.reasons.shared_areas == ("cyber",)
               for m in matches)


def test_assign_is_deterministic_for_a_seed() -> None:
    mentees, mentors, excluded = random_instance(random.Random(5), 6, 4)
    big_rng = random.Random(6)
    big = ([MenteeRequest(random_person(big_rng, i), some(big_rng, AREAS, 1, 2), COUNTRY_ANY)
            for i in range(60)],
           [MentorOffer(random_person(big_rng, 1000 + i), some(big_rng, AREAS, 1, 3), 2)
            for i in range(25)])
    for seed in (0, 1, 99):
        assert assign(mentees, mentors, excluded, seed=seed) == \
            assign(mentees, mentors, excluded, seed=seed)
        assert assign(*big, seed=seed) == assign(*big, seed=seed)


def test_assign_breaks_ties_by_seed_and_each_seed_is_stable() -> None:
    mentees = [mentee(user_id, "cyber") for user_id in range(1, 5)]
    mentors = [mentor(user_id, "cyber") for user_id in range(10, 14)]
    outcomes = set()
    for seed in range(20):
        first = assign(mentees, mentors, seed=seed)
        assert first == assign(mentees, mentors, seed=seed)
        assert len(first) == 4 and total_score(first) == 4 * AREA_WEIGHT
        outcomes.add(tuple((m.mentee_id, m.mentor_id) for m in first))
    assert len(outcomes) > 1


def test_total_score_adds_up() -> None:
    reasons = Reasons((), (), None, False, False, True)
    assert total_score([Match(1, 2, 10, reasons), Match(3, 4, 17, reasons)]) == 27
    assert total_score([]) == 0


# --- coffee rounds ----------------------------------------------------------------------------

def coffee(user_id: int, country: str, languages: str = "ru") -> CoffeeMember:
    return CoffeeMember(user_id, country, frozenset(languages.split()))


def random_coffee_round(rng: random.Random, low: int = 2, high: int = 15
                        ) -> tuple[list[CoffeeMember], frozenset[frozenset[int]]]:
    members = [CoffeeMember(user_id, rng.choice(COUNTRIES), some(rng, LANGUAGES, 1, 2))
               for user_id in rng.sample(range(1, 100), rng.randint(low, high))]
    ids = [member.user_id for member in members]
    all_pairs = [frozenset(pair) for pair in itertools.combinations(ids, 2)]
    recent = frozenset(rng.sample(all_pairs, rng.randint(0, len(all_pairs) // 3)))
    return members, recent


def can_meet(first: CoffeeMember, second: CoffeeMember, recent: frozenset[frozenset[int]]) -> bool:
    return bool(first.languages & second.languages) and \
        frozenset((first.user_id, second.user_id)) not in recent


def max_pairs(members: list[CoffeeMember], recent: frozenset[frozenset[int]]) -> int:
    """Brute force: the largest number of disjoint allowed pairs."""

    @cache
    def best(left: frozenset[int]) -> int:
        if len(left) < 2:
            return 0
        first = min(left)
        rest = left - {first}
        result = best(rest)
        for other in rest:
            if can_meet(members[first], members[other], recent):
                result = max(result, 1 + best(rest - {other}))
        return result

    return best(frozenset(range(len(members))))


def assert_valid_groups(groups: list[tuple[int, ...]], members: list[CoffeeMember],
                        recent: frozenset[frozenset[int]]) -> None:
    by_id = {member.user_id: member for member in members}
    placed = [user_id for group in groups for user_id in group]
    assert len(placed) == len(set(placed)) and set(placed) <= set(by_id)
    assert groups == sorted(groups)
    for group in groups:
        assert len(group) in (2, 3) and group == tuple(sorted(group))
        for first, second in itertools.combinations(group, 2):
            assert can_meet(by_id[first], by_id[second], recent)


def test_coffee_groups_are_valid_and_as_large_as_possible_on_random_rounds() -> None:
    rng = random.Random(31)
    for case in range(100):
        members, recent = random_coffee_round(rng)
        groups = pair_members(members, recent, seed=case)
        assert_valid_groups(groups, members, recent)
        most_pairs = max_pairs(members, recent)
        trios = sum(len(group) == 3 for group in groups)
        assert len(groups) == most_pairs
        assert trios <= len(members) - 2 * most_pairs  # only to place someone left out


def test_coffee_places_as_many_as_brute_force_on_tiny_even_rounds() -> None:
    rng = random.Random(8)
    for case in range(150):
        members, recent = random_coffee_round(rng, 2, 6)
        if len(members) % 2:
            members = members[:-1]
        groups = pair_members(members, recent, seed=case)
        assert_valid_groups(groups, members, recent)
        assert len(groups) == max_pairs(members, recent)  # plus a trio for anyone left out


def test_coffee_block_path_keeps_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coffee_pairing, "FULL_GRAPH_LIMIT", 6)
    monkeypatch.setattr(coffee_pairing, "BLOCK_SIZE", 4)
    monkeypatch.setattr(coffee_pairing, "CANDIDATES_PER_MEMBER", 2)
    rng = random.Random(77)
    for case in range(60):
        members, recent = random_coffee_round(rng, 7, 25)
        groups = pair_members(members, recent, seed=case)
        assert_valid_groups(groups, members, recent)
        assert groups == pair_members(members, recent, seed=case)


def test_coffee_places_everybody_of_an_odd_compatible_round_with_one_trio() -> None:
    members = [coffee(user_id, COUNTRIES[user_id % 3]) for user_id in range(1, 8)]
    groups = pair_members(members, frozenset())
    assert sorted(map(len, groups)) == [2, 2, 3]
    assert sorted(user_id for group in groups for user_id in group) == list(range(1, 8))


def test_coffee_trio_only_with_whom_she_may_meet() -> None:
    members = [coffee(1, "KZ"), coffee(2, "KG"), coffee(3, "TJ")]
    assert pair_members(members, frozenset()) == [(1, 2, 3)]
    assert len(pair_members(members, frozenset({frozenset({1, 3})}))) == 1
    assert pair_members(members, frozenset({frozenset({1, 3})})) in ([(1, 2)], [(2, 3)])
    assert pair_members([coffee(1, "KZ")], frozenset()) == []
    assert pair_members([], frozenset()) == []


def test_coffee_prefers_cross_border_pairs() -> None:
    assert CROSS_BORDER_WEIGHT > SAME_COUNTRY_WEIGHT
    members = [coffee(1, "KZ"), coffee(2, "KZ"), coffee(3, "KG"), coffee(4, "KG")]
    for seed in range(10):
        groups = pair_members(members, frozenset(), seed=seed)
        assert len(groups) == 2
        assert all({1, 2} != set(group) != {3, 4} for group in groups)


def test_coffee_needs_a_shared_language_and_no_recent_meeting() -> None:
    members = [coffee(1, "KZ", "kk"), coffee(2, "KG", "ky"), coffee(3, "KZ", "kk ru"),
               coffee(4, "KG", "ru")]
    assert pair_members(members, frozenset()) == [(3, 4)]  # cross-border beats (1, 3)
    assert pair_members(members, frozenset({frozenset({3, 4})})) == [(1, 3)]


def test_coffee_trio_prefers_a_pair_from_other_countries() -> None:
    members = [coffee(1, "KZ"), coffee(2, "KZ"), coffee(3, "KG"), coffee(4, "TJ"),
               coffee(5, "KZ")]
    round_ = coffee_pairing._Round(members, {})
    for seed in range(10):
        joined = coffee_pairing._pair_for_trio(round_, 4, [(0, 1), (0, 2), (2, 3)],
                                               np.random.default_rng(seed))
        assert joined == (2, 3)


def test_coffee_is_deterministic_for_a_seed() -> None:
    members, recent = random_coffee_round(random.Random(3), 14, 15)
    for seed in (0, 1, 42):
        assert pair_members(members, recent, seed=seed) == \
            pair_members(list(reversed(members)), recent, seed=seed)
