"""Shared-identifier networks: documents linked by the phones, e-mails, handles and URLs they share.

The store is a bipartite graph (documents and identifiers) in SQLite. Networks are its connected
components, kept as a union-find in `network_members`: every document points at the oldest
document of its component, so the network id ("net-" + that document's id) is stable across runs.

An identifier that more than `max_degree` documents carry is too common to mean anything (a
board's own support address, a platform's help line): from then on it links nothing, and the
components it held together are recomputed, which may split a network. That is the only case
that needs a graph walk; adding documents otherwise only merges components.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from linking.errors import LinkingError
from linking.groups import GroupChanges, GroupTable
from linking.sqlite_batches import select_in

_SCHEMA = """
CREATE TABLE IF NOT EXISTS identifiers (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    degree INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, value)
);
CREATE TABLE IF NOT EXISTS document_identifiers (
    identifier INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (identifier, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS document_identifiers_by_seq ON document_identifiers (seq);
CREATE TABLE IF NOT EXISTS network_members (
    seq INTEGER PRIMARY KEY,
    network INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS network_members_by_network ON network_members (network);
"""


@dataclass(frozen=True)
class Identifier:
    """A normalised contact: kind is phone, email, handle or url; value as the entity gives it."""

    kind: str
    value: str


class SharedIdentifierNetworks:
    """The networks of one linking store; `connection` is owned by the caller."""

    def __init__(self, connection: sqlite3.Connection, max_degree: int) -> None:
        if max_degree < 2:
            raise LinkingError(f"the identifier degree cap must be at least 2, not {max_degree}")
        self._db = connection
        self.max_degree = max_degree
        self._db.executescript(_SCHEMA)
        self.groups = GroupTable(connection, "network_members", "network")

    def add(self, seq: int, identifiers: Iterable[Identifier], changes: GroupChanges) -> None:
        """Link a document to what shares its identifiers; a known document gains new ones only.

        New documents come in increasing sequence order, so the root stays the oldest member.
        """
        current = self.roots_of([seq]).get(seq)
        linking: set[int] = set()
        for identifier_id, degree in self._attach(seq, set(identifiers)):
            if degree == self.max_degree + 1:
                self._split_around(identifier_id, changes)
                current = self.roots_of([seq]).get(seq)
            elif degree <= self.max_degree:
                linking.add(identifier_id)
        neighbours = self._documents_of(linking) - {seq}
        roots = set(self.roots_of(neighbours).values()) | ({current} - {None})
        root = min(roots | {seq})
        if current is None:
            self._db.execute(
                "INSERT INTO network_members (seq, network) VALUES (?, ?)", (seq, root)
            )
        changes.roots[seq] = root
        self.groups.join(roots, root, changes)
        if root != seq:
            changes.touched.add(root)

    def roots_of(self, seqs: Iterable[int]) -> dict[int, int]:
        """The network root of each known sequence number."""
        return self.groups.roots_of(seqs)

    def members(self, root: int) -> list[int]:
        """Sequence numbers in a network, oldest first."""
        return self.groups.members(root)

    def identifiers_of(self, seqs: Sequence[int]) -> dict[int, list[tuple[Identifier, int]]]:
        """Each document's identifiers with their degree (how many documents carry them)."""
        sql = (
            "SELECT link.seq, ident.kind, ident.value, ident.degree FROM document_identifiers link "
            "JOIN identifiers ident ON ident.id = link.identifier WHERE link.seq IN"
        )
        found: dict[int, list[tuple[Identifier, int]]] = {seq: [] for seq in seqs}
        for seq, kind, value, degree in select_in(self._db, sql, seqs, suffix=" ORDER BY ident.id"):
            found[seq].append((Identifier(kind, value), degree))
        return found

    def _attach(self, seq: int, identifiers: set[Identifier]) -> list[tuple[int, int]]:
        """Record the document's identifiers it did not have yet; their ids and new degrees."""
        attached = []
        for identifier in sorted(identifiers, key=lambda item: (item.kind, item.value)):
            self._db.execute(
                "INSERT INTO identifiers (kind, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (identifier.kind, identifier.value),
            )
            (identifier_id,) = self._db.execute(
                "SELECT id FROM identifiers WHERE kind = ? AND value = ?",
                (identifier.kind, identifier.value),
            ).fetchone()
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO document_identifiers (identifier, seq) VALUES (?, ?)",
                (identifier_id, seq),
            )
            if cursor.rowcount == 1:
                (degree,) = self._db.execute(
                    "UPDATE identifiers SET degree = degree + 1 WHERE id = ? RETURNING degree",
                    (identifier_id,),
                ).fetchone()
                attached.append((identifier_id, degree))
        return attached

    def _split_around(self, identifier_id: int, changes: GroupChanges) -> None:
        """The identifier just became too common: recompute the components it held together."""
        holders = self._documents_of({identifier_id})
        old_roots = set(self.roots_of(holders).values())
        affected = {seq for root in old_roots for seq in self.members(root)}
        for component in self._components(affected):
            self.groups.regroup(component, min(component), changes)

    def _components(self, seqs: set[int]) -> list[set[int]]:
        """Connected components of the stored `seqs` through identifiers under the degree cap."""
        unseen = set(seqs)
        components = []
        while unseen:
            start = min(unseen)
            component, queue = {start}, deque([start])
            while queue:
                links = self._linking_identifiers_of(queue.popleft())
                for neighbour in (self._documents_of(links) & seqs) - component:
                    component.add(neighbour)
                    queue.append(neighbour)
            unseen -= component
            components.append(component)
        return components

    def _linking_identifiers_of(self, seq: int) -> set[int]:
        rows = self._db.execute(
            "SELECT link.identifier FROM document_identifiers link JOIN identifiers ident "
            "ON ident.id = link.identifier WHERE link.seq = ? AND ident.degree <= ?",
            (seq, self.max_degree),
        )
        return {identifier for (identifier,) in rows}

    def _documents_of(self, identifier_ids: Iterable[int]) -> set[int]:
        sql = "SELECT seq FROM document_identifiers WHERE identifier IN"
        return {seq for (seq,) in select_in(self._db, sql, identifier_ids)}
