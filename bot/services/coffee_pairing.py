"""Coffee rounds: who meets whom this time among the members who opted in.

Every group shares a language, nobody meets someone she met in the last rounds (was
introduced to, mentored or was mentored by in that time, or blocked),
meeting a colleague from another country is preferred, and as many members as possible are
placed; an odd one out joins a pair as a trio when she can. Pure computation: no database,
no Telegram, no I/O.

Up to ``FULL_GRAPH_LIMIT`` members the result is exact: a maximum-cardinality matching of
maximum weight over every allowed pair. networkx's blossom algorithm costs about n² even on a
sparse graph, so larger rounds are split into seeded random blocks, each matched over a few
sampled candidates per member, and those left over are matched once more among themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

CROSS_BORDER_WEIGHT = 3
SAME_COUNTRY_WEIGHT = 1

FULL_GRAPH_LIMIT = 400  # up to this many members every allowed pair is considered
BLOCK_SIZE = 500  # larger rounds are matched in random blocks of about this many members
CANDIDATES_PER_MEMBER = 30  # partners sampled per member inside a block
_DRAWS_PER_CANDIDATE = 3  # random draws tried per wanted candidate before giving up
_NOBODY = -1  # stand-in partner for the odd one out, so the blossom search ends early

Position = int  # index into the de-duplicated, user_id-sorted member list
Pair = tuple[Position, Position]


@dataclass(frozen=True)
class CoffeeMember:
    user_id: int
    country: str
    languages: frozenset[str]


@dataclass(frozen=True)
class _Round:
    members: Sequence[CoffeeMember]
    met: Mapping[int, frozenset[int]]  # user_id -> user_ids she must not be grouped with

    def can_meet(self, first: Position, second: Position) -> bool:
        one, other = self.members[first], self.members[second]
        return (one.user_id != other.user_id
                and not one.languages.isdisjoint(other.languages)
                and other.user_id not in self.met.get(one.user_id, frozenset()))

    def weight(self, first: Position, second: Position) -> int:
        cross_border = self.members[first].country != self.members[second].country
        return CROSS_BORDER_WEIGHT if cross_border else SAME_COUNTRY_WEIGHT


def _unique(members: Iterable[CoffeeMember]) -> list[CoffeeMember]:
    by_id: dict[int, CoffeeMember] = {}
    for member in members:
        by_id.setdefault(member.user_id, member)
    return [by_id[user_id] for user_id in sorted(by_id)]


def _partners(recent_pairs: Iterable[frozenset[int]]) -> dict[int, frozenset[int]]:
    partners: dict[int, set[int]] = {}
    for pair in recent_pairs:
        for user_id in pair:
            partners.setdefault(user_id, set()).update(pair - {user_id})
    return {user_id: frozenset(others) for user_id, others in partners.items()}


def _all_pairs(round_: _Round, positions: Sequence[Position]) -> Iterable[Pair]:
    for i, first in enumerate(positions):
        for second in positions[i + 1:]:
            if round_.can_meet(first, second):
                yield first, second


def _sampled_pairs(round_: _Round, positions: Sequence[Position],
                   rng: np.random.Generator) -> Iterable[Pair]:
    """For each member up to CANDIDATES_PER_MEMBER random partners, other countries first."""
    speakers: dict[tuple[str, str], list[Position]] = {}
    for position in positions:
        member = round_.members[position]
        for language in sorted(member.languages):
            speakers.setdefault((language, member.country), []).append(position)
    for position in positions:
        member = round_.members[position]
        cross_border = [group for (language, country), group in speakers.items()
                        if language in member.languages and country != member.country]
        same_country = [speakers[(language, member.country)]
                        for language in sorted(member.languages)]
        chosen: set[Position] = set()
        for pools in (cross_border, same_country):
            _draw_candidates(round_, position, pools, rng, chosen)
        yield from ((position, other) for other in sorted(chosen))


def _draw_candidates(round_: _Round, position: Position, pools: list[list[Position]],
                     rng: np.random.Generator, chosen: set[Position]) -> None:
    wanted = CANDIDATES_PER_MEMBER - len(chosen)
    if wanted <= 0 or not pools:
        return
    pool = np.concatenate(pools)
    for other in pool[rng.integers(pool.size, size=wanted * _DRAWS_PER_CANDIDATE)].tolist():
        if other not in chosen and round_.can_meet(position, other):
            chosen.add(other)
            if len(chosen) >= CANDIDATES_PER_MEMBER:
                return


def _meeting_graph(round_: _Round, positions: Sequence[Position], rng: np.random.Generator,
                   *, sparse: bool) -> nx.Graph:
    """Members joined where they may meet, weighted; nodes and edges added in a seeded order."""
    pairs = set(_sampled_pairs(round_, positions, rng) if sparse
                else _all_pairs(round_, positions))
    order = [positions[i] for i in rng.permutation(len(positions)).tolist()]
    rank = {position: place for place, position in enumerate(order)}
    edges = sorted(((i, j) if rank[i] < rank[j] else (j, i) for i, j in pairs),
                   key=lambda edge: (rank[edge[0]], rank[edge[1]]))
    graph = nx.Graph()
    graph.add_nodes_from(order)
    # Float weights (exact for these small integers): networkx re-verifies integer-weighted
    # results with a pass that costs far more than the matching itself.
    graph.add_weighted_edges_from((i, j, float(round_.weight(i, j))) for i, j in edges)
    if len(order) % 2:
        graph.add_weighted_edges_from((position, _NOBODY, 0.0) for position in order)
    return graph


def _match(round_: _Round, positions: Sequence[Position], rng: np.random.Generator,
           *, sparse: bool) -> tuple[list[Pair], list[Position]]:
    """Most pairs possible, of greatest weight among those; returns (pairs, the unmatched)."""
    graph = _meeting_graph(round_, positions, rng, sparse=sparse)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    pairs = [(min(pair), max(pair)) for pair in matching if _NOBODY not in pair]
    matched = {position for pair in pairs for position in pair}
    return pairs, [position for position in positions if position not in matched]


def _even_blocks(order: Sequence[Position], size: int) -> list[Sequence[Position]]:
    count = -(-len(order) // size)
    step = 2 * -(-len(order) // (2 * count))
    return [order[start:start + step] for start in range(0, len(order), step)]


def _match_in_blocks(round_: _Round, rng: np.random.Generator
                     ) -> tuple[list[Pair], list[Position]]:
    pairs: list[Pair] = []
    leftovers: list[Position] = []
    order = rng.permutation(len(round_.members)).tolist()
    for block in _even_blocks(order, BLOCK_SIZE):
        block_pairs, block_leftovers = _match(round_, sorted(block), rng, sparse=True)
        pairs += block_pairs
        leftovers += block_leftovers
    last_pairs, unmatched = _match(round_, sorted(leftovers), rng,
                                   sparse=len(leftovers) > FULL_GRAPH_LIMIT)
    return pairs + last_pairs, unmatched


def _pair_for_trio(round_: _Round, odd_one: Position, pairs: Sequence[Pair],
                   rng: np.random.Generator) -> Pair | None:
    """The pair the odd one out can join: most members from other countries, then seeded."""
    fitting = [pair for pair in pairs if all(round_.can_meet(odd_one, p) for p in pair)]
    if not fitting:
        return None
    her_country = round_.members[odd_one].country

    def foreigners(pair: Pair) -> int:
        return sum(round_.members[p].country != her_country for p in pair)

    most = max(foreigners(pair) for pair in fitting)
    best = [pair for pair in fitting if foreigners(pair) == most]
    return best[int(rng.integers(len(best)))]


def pair_members(members: Sequence[CoffeeMember], recent_pairs: frozenset[frozenset[int]],
                 *, seed: int = 0) -> list[tuple[int, ...]]:
    """Groups of two (of three where that places someone left out) as sorted user-id tuples.

    ``recent_pairs`` holds pairs who met in the last rounds, were introduced or were mentor
    and mentee in that time, or blocked each other; they are never put in one group. Members who cannot be placed are left out. Deterministic per seed.
    """
    round_ = _Round(_unique(members), _partners(recent_pairs))
    rng = np.random.default_rng(seed)
    if len(round_.members) <= FULL_GRAPH_LIMIT:
        pairs, unmatched = _match(round_, range(len(round_.members)), rng, sparse=False)
    else:
        pairs, unmatched = _match_in_blocks(round_, rng)
    pairs.sort()
    groups: list[tuple[Position, ...]] = list(pairs)
    open_pairs = list(pairs)
    for odd_one in unmatched:  # each one left out joins a pair she may meet, one per pair
        joined = _pair_for_trio(round_, odd_one, open_pairs, rng)
        if joined is not None:
            open_pairs.remove(joined)
            groups.remove(joined)
            groups.append((*joined, odd_one))
    return sorted(tuple(sorted(round_.members[p].user_id for p in group)) for group in groups)
