"""Choosing among overlapping findings: the first one found (in priority order) keeps its span.

Used by the entities facade and the name finder. Kept spans are held sorted, so each check is
a binary search and a 1 MB text with tens of thousands of findings stays fast.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable

from nlp.types import Entity, EntityKind

# A profile link is a URL and a handle at once: the two share one span.
SHARED_SPAN_KINDS = frozenset({EntityKind.URL, EntityKind.HANDLE})


class _Occupied:
    """Non-overlapping (start, end) spans, sorted by start."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []
        self._kinds: dict[tuple[int, int], set[EntityKind]] = {}

    def admits(self, entity: Entity) -> bool:
        span = (entity.start, entity.end)
        kinds = self._kinds.get(span)
        if kinds is not None:
            return entity.kind not in kinds and kinds | {entity.kind} <= SHARED_SPAN_KINDS
        index = bisect_right(self._spans, span)
        before = self._spans[index - 1] if index > 0 else None
        after = self._spans[index] if index < len(self._spans) else None
        clear_before = before is None or before[1] <= entity.start
        return clear_before and (after is None or entity.end <= after[0])

    def take(self, entity: Entity) -> None:
        span = (entity.start, entity.end)
        if span not in self._kinds:
            insort(self._spans, span)
            self._kinds[span] = set()
        self._kinds[span].add(entity.kind)


def without_overlaps(entities: Iterable[Entity]) -> list[Entity]:
    """The entities that overlap none found before them, in text order."""
    occupied = _Occupied()
    kept = []
    for entity in entities:
        if entity.end > entity.start and occupied.admits(entity):
            occupied.take(entity)
            kept.append(entity)
    return sorted(kept, key=lambda entity: (entity.start, entity.kind))
