"""Near-duplicate clusters: MinHash LSH over word shingles, kept in SQLite and grown incrementally.

Each document's MinHash signature is cut into `bands` bands of `num_perm / bands` rows; two
documents that agree on every row of some band become candidates (locality-sensitive hashing),
and a candidate is a near-duplicate when the signatures' Jaccard estimate reaches `threshold`.
Clusters are the connected components of that relation (single linkage), kept as a union-find
in the `cluster` column: every member points at the cluster's first document, so the cluster id
("dup-" + that document's id) stays the same across runs and only changes when two clusters
merge (the younger one takes the older one's id).

New documents are compared only with what their band buckets hold, so adding a batch costs the
same whatever the store's size. A bucket keeps at most `bucket_cap` members: a later document
that falls into a full bucket still meets those members, and through them their clusters, while
boilerplate shared by thousands of ads cannot make the candidate lists quadratic.

Documents carry a risk marker (whether analysis found strong or medium risk indicators). Two
documents with different markers are never near-duplicates: a benign ad and a risky rewrite of it
share most of their wording, and wording alone must not pull a benign ad into a risky cluster.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from linking.errors import LinkingError
from linking.groups import GroupChanges, GroupTable
from linking.sqlite_batches import select_in

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cluster_signatures (
    seq INTEGER PRIMARY KEY,
    signature BLOB NOT NULL,
    risky INTEGER NOT NULL,
    cluster INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cluster_signatures_by_cluster ON cluster_signatures (cluster);
CREATE TABLE IF NOT EXISTS cluster_buckets (
    key INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (key, seq)
) WITHOUT ROWID;
"""
# Band keys are polynomial hashes of a band's rows; the band number salts them so that equal
# rows in different bands never collide. Odd 64-bit multipliers keep the hash a bijection.
_ROW_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_BAND_SALT = np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass(frozen=True)
class ClusterSettings:
    """How signatures are banded and when two documents are near-duplicates."""

    num_perm: int = 128
    bands: int = 32
    threshold: float = 0.6
    bucket_cap: int = 8

    def __post_init__(self) -> None:
        if self.bands < 1 or self.num_perm % self.bands:
            raise LinkingError(
                f"num_perm ({self.num_perm}) must be a positive multiple of bands ({self.bands})"
            )
        if not 0.0 < self.threshold <= 1.0:
            raise LinkingError(
                f"the near-duplicate threshold must be in (0, 1], not {self.threshold}"
            )
        if self.bucket_cap < 1:
            raise LinkingError(f"bucket_cap must be at least 1, not {self.bucket_cap}")


class NearDuplicateClusters:
    """The clusters of one linking store; `connection` is owned by the caller."""

    def __init__(self, connection: sqlite3.Connection, settings: ClusterSettings) -> None:
        self._db = connection
        self.settings = settings
        self._db.executescript(_SCHEMA)
        self.groups = GroupTable(connection, "cluster_signatures", "cluster")

    def add(
        self, seqs: Sequence[int], signatures: np.ndarray, risky: Sequence[bool]
    ) -> GroupChanges:
        """Cluster new documents (by sequence number, in order); one signature row each."""
        if signatures.shape != (len(seqs), self.settings.num_perm):
            raise LinkingError(
                f"expected {len(seqs)} signatures of {self.settings.num_perm} values, "
                f"got shape {signatures.shape}"
            )
        keys = band_keys(signatures, self.settings.bands)
        buckets = self._load_buckets(np.unique(keys))
        changes = GroupChanges()
        bucket_rows: list[tuple[int, int]] = []
        for row, seq in enumerate(seqs):
            self._add_one(seq, signatures[row], bool(risky[row]), keys[row], buckets, changes)
            bucket_rows.extend(self._remember(seq, keys[row], buckets))
        # One sorted bulk insert per batch: far fewer B-tree page visits than row by row.
        bucket_rows.sort()
        self._db.executemany("INSERT INTO cluster_buckets (key, seq) VALUES (?, ?)", bucket_rows)
        return changes

    def roots_of(self, seqs: Iterable[int]) -> dict[int, int]:
        """The cluster root of each known sequence number."""
        return self.groups.roots_of(seqs)

    def members(self, root: int) -> list[int]:
        """Sequence numbers in a cluster, oldest first."""
        return self.groups.members(root)

    def _add_one(
        self,
        seq: int,
        signature: np.ndarray,
        risky: bool,
        keys: np.ndarray,
        buckets: dict[int, list[int]],
        changes: GroupChanges,
    ) -> None:
        candidates = {member for key in keys.tolist() for member in buckets.get(key, ())}
        matches = self._near_duplicates(signature, risky, candidates)
        roots = set(self.roots_of(matches).values())
        root = min(roots | {seq})
        self._db.execute(
            "INSERT INTO cluster_signatures (seq, signature, risky, cluster) VALUES (?, ?, ?, ?)",
            (seq, signature.astype(np.uint32).tobytes(), int(risky), root),
        )
        changes.roots[seq] = root
        self.groups.join(roots, root, changes)
        if root != seq:
            changes.touched.add(root)

    def _near_duplicates(
        self, signature: np.ndarray, risky: bool, candidates: set[int]
    ) -> set[int]:
        if not candidates:
            return set()
        sql = "SELECT seq, signature, risky FROM cluster_signatures WHERE seq IN"
        matches = set()
        for seq, stored, stored_risky in select_in(self._db, sql, candidates):
            if bool(stored_risky) != risky:
                continue
            other = np.frombuffer(stored, dtype=np.uint32)
            if float(np.mean(other == signature)) >= self.settings.threshold:
                matches.add(seq)
        return matches

    def _remember(
        self, seq: int, keys: np.ndarray, buckets: dict[int, list[int]]
    ) -> list[tuple[int, int]]:
        """Put the document in its buckets that have room; the rows to store."""
        new_rows = []
        for key in keys.tolist():
            members = buckets.setdefault(key, [])
            if len(members) < self.settings.bucket_cap:
                members.append(seq)
                new_rows.append((key, seq))
        return new_rows

    def _load_buckets(self, keys: np.ndarray) -> dict[int, list[int]]:
        buckets: dict[int, list[int]] = defaultdict(list)
        for key, seq in select_in(
            self._db, "SELECT key, seq FROM cluster_buckets WHERE key IN", keys.tolist()
        ):
            buckets[key].append(seq)
        return buckets


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """One signed 64-bit bucket key per (document, band): shape (n, bands)."""
    rows = signatures.shape[1] // bands
    banded = signatures.astype(np.uint64).reshape(len(signatures), bands, rows)
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(rows):
            keys = keys * _ROW_MULTIPLIER + banded[:, :, column] + np.uint64(1)
        keys ^= np.arange(bands, dtype=np.uint64) * _BAND_SALT
    return keys.view(np.int64)
