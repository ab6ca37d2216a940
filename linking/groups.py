"""Groups kept as a union-find in one SQLite column: the membership both linkings share.

Near-duplicate clusters (linking/clusters.py) and shared-identifier networks
(linking/networks.py) are both sets of documents (by sequence number) where every member points
at the group's root, its oldest document, so a group's id is stable across runs and only
changes when two groups merge (the younger root gives way to the older). This module owns that
bookkeeping once: look-ups, merges and the `GroupChanges` that tell the linker which older
documents must be updated in the index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from linking.sqlite_batches import select_in


@dataclass
class GroupChanges:
    """What one batch did to the groups of one kind.

    `roots` maps each document of the batch to its root; `touched` holds the roots of every
    group that gained or lost members (after merges), so the caller can refresh the evidence of
    their older members; `renamed` maps each older document whose root changed to its new root.
    """

    roots: dict[int, int] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    renamed: dict[int, int] = field(default_factory=dict)

    def moved(self, member: int, root: int) -> None:
        """Record that `member` now belongs to the group of `root`."""
        if member in self.roots:
            self.roots[member] = root
        else:
            self.renamed[member] = root


class GroupTable:
    """The root column of one table: `table(seq INTEGER PRIMARY KEY, <column> INTEGER, ...)`.

    Table and column names come from this package's own schemas, never from input, so they are
    safe to place in the SQL text.
    """

    def __init__(self, connection: sqlite3.Connection, table: str, column: str) -> None:
        self._db = connection
        self._table = table
        self._column = column

    def roots_of(self, seqs: Iterable[int]) -> dict[int, int]:
        """The group root of each known sequence number."""
        sql = f"SELECT seq, {self._column} FROM {self._table} WHERE seq IN"
        return dict(select_in(self._db, sql, seqs))

    def members(self, root: int) -> list[int]:
        """Sequence numbers in a group, oldest first."""
        sql = f"SELECT seq FROM {self._table} WHERE {self._column} = ? ORDER BY seq"
        return [seq for (seq,) in self._db.execute(sql, (root,))]

    def merge(self, old_root: int, new_root: int, changes: GroupChanges) -> None:
        """Every member of `old_root`'s group joins `new_root`'s."""
        for member in self.members(old_root):
            changes.moved(member, new_root)
        self._db.execute(
            f"UPDATE {self._table} SET {self._column} = ? WHERE {self._column} = ?",
            (new_root, old_root),
        )
        changes.touched.discard(old_root)
        changes.touched.add(new_root)

    def join(self, old_roots: Iterable[int], root: int, changes: GroupChanges) -> None:
        """Merge the groups of `old_roots` into `root`'s, as a new member found them linked."""
        for other in set(old_roots) - {root}:
            self.merge(other, root, changes)

    def regroup(self, members: Iterable[int], root: int, changes: GroupChanges) -> None:
        """Give `members` (some of a group that split) the root `root`."""
        members = list(members)
        current = self.roots_of(members)
        for seq in members:
            if seq in changes.roots:
                changes.roots[seq] = root
            elif current.get(seq) != root:
                changes.renamed[seq] = root
        sql = f"UPDATE {self._table} SET {self._column} = ? WHERE seq IN"
        select_in(self._db, sql, members, params=(root,))
        changes.touched.add(root)
