"""Validation folds that keep near-duplicates together.

Job boards are full of templated near-copies (EMSCAD especially): with random folds the same
ad sits in training and in validation and the scores are inflated. So texts are first grouped
by near-duplication — MinHash over word 5-grams (nlp/shingles.py), LSH candidates above a
Jaccard threshold, joined transitively with union-find — and whole groups are dealt to folds.
Dealing is greedy, largest group first, into the fold that holds the fewest items of the
group's stratum (its source and labels), so folds stay balanced in size and in class mix.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from nlp.shingles import DEFAULT_SEED, normalise_for_shingles, text_signatures

NEAR_DUPLICATE_JACCARD = 0.5
NUM_PERM = 128


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: int, second: int) -> None:
        self.parent[self.find(first)] = self.find(second)


def near_duplicate_groups(
    texts: Sequence[str], threshold: float = NEAR_DUPLICATE_JACCARD, num_perm: int = NUM_PERM
) -> list[int]:
    """A group number per text; texts whose 5-gram sets are near-equal share one."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    groups = _UnionFind(len(texts))
    signatures = text_signatures(texts, num_perm=num_perm)
    for row, text in enumerate(texts):
        if not normalise_for_shingles(text).strip():
            continue  # nothing to compare: its own group
        signature = LeanMinHash(seed=DEFAULT_SEED, hashvalues=signatures[row])
        for other in lsh.query(signature):
            groups.union(row, int(other))
        lsh.insert(str(row), signature)
    roots = [groups.find(row) for row in range(len(texts))]
    numbering: dict[int, int] = {}
    return [numbering.setdefault(root, len(numbering)) for root in roots]


@dataclass(frozen=True, slots=True)
class GroupSummary:
    rows: int
    groups: int
    rows_in_multi_member_groups: int
    largest_group: int

    def as_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "groups": self.groups,
            "rows_in_multi_member_groups": self.rows_in_multi_member_groups,
            "largest_group": self.largest_group,
        }


def summarise_groups(groups: Sequence[int]) -> GroupSummary:
    sizes = Counter(groups)
    return GroupSummary(
        rows=len(groups),
        groups=len(sizes),
        rows_in_multi_member_groups=sum(size for size in sizes.values() if size > 1),
        largest_group=max(sizes.values(), default=0),
    )


def grouped_folds(
    groups: Sequence[int],
    strata: Sequence[Hashable] | None = None,
    n_folds: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """The fold (0..n_folds-1) of each row; all rows of one group land in the same fold."""
    if n_folds < 2:
        raise ValueError("grouped folds need at least two folds")
    strata = strata if strata is not None else [0] * len(groups)
    members: dict[int, list[int]] = {}
    for row, group in enumerate(groups):
        members.setdefault(group, []).append(row)
    order = list(members)
    random.Random(seed).shuffle(order)  # ties between equal sizes are broken by the seed
    order.sort(key=lambda group: -len(members[group]))
    fold_sizes = [0] * n_folds
    per_stratum: Counter[tuple[Hashable, int]] = Counter()
    assignment = np.zeros(len(groups), dtype=int)
    for group in order:
        stratum = Counter(strata[row] for row in members[group]).most_common(1)[0][0]
        fold = min(range(n_folds), key=lambda f: (per_stratum[(stratum, f)], fold_sizes[f]))
        assignment[members[group]] = fold
        fold_sizes[fold] += len(members[group])
        per_stratum[(stratum, fold)] += len(members[group])
    return assignment
