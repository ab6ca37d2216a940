"""What analysts see of a cluster or a network, read from the linking store.

A cluster view lists its members and the template that summarises them (linking/templates.py); a
network view lists its documents, the identifiers that tie them, a timeline per day and the
countries and sites it spans. Both are plain dataclasses the API turns into JSON. The graph
of one or more networks (documents and identifiers as nodes) feeds linking/graph_export.py.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from linking.clusters import NearDuplicateClusters
from linking.errors import LinkingError
from linking.graph_export import GraphEdge, GraphNode
from linking.networks import Identifier, SharedIdentifierNetworks
from linking.sqlite_batches import select_in
from linking.templates import Template, Token, summarise, tokenize

CLUSTER_PREFIX = "dup-"
NETWORK_PREFIX = "net-"
# A template of a huge cluster is summarised from its oldest members: alignment is quadratic.
TEMPLATE_MEMBERS = 200


@dataclass(frozen=True)
class Member:
    doc_id: str
    site: str | None
    country: str | None
    date: str | None


@dataclass(frozen=True)
class ClusterView:
    cluster_id: str
    members: list[Member]
    template: Template


@dataclass(frozen=True)
class SharedIdentifier:
    kind: str
    value: str
    documents: int
    too_common: bool


@dataclass(frozen=True)
class NetworkView:
    network_id: str
    documents: list[Member]
    identifiers: list[SharedIdentifier]
    timeline: list[tuple[str, int]]
    countries: dict[str, int]
    sites: dict[str, int]
    first_seen: str | None
    last_seen: str | None


class LinkViews:
    """Read-only queries over a linking store's tables."""

    def __init__(
        self,
        db: sqlite3.Connection,
        clusters: NearDuplicateClusters,
        networks: SharedIdentifierNetworks,
    ) -> None:
        self._db = db
        self._clusters = clusters
        self._networks = networks

    def cluster(self, cluster_id: str) -> ClusterView:
        root = self._root(cluster_id, CLUSTER_PREFIX)
        seqs = self._clusters.members(root)
        if len(seqs) < 2 or seqs[0] != root:
            raise LinkingError(f"no near-duplicate cluster {cluster_id!r}")
        members = self.members(seqs)
        sequences = [self._tokens(seq) for seq in seqs[:TEMPLATE_MEMBERS]]
        return ClusterView(cluster_id, members, summarise(sequences))

    def network(self, network_id: str) -> NetworkView:
        root = self._root(network_id, NETWORK_PREFIX)
        seqs = self._networks.members(root)
        if len(seqs) < 2 or seqs[0] != root:
            raise LinkingError(f"no shared-identifier network {network_id!r}")
        documents = self.members(seqs)
        dates = sorted(member.date for member in documents if member.date)
        return NetworkView(
            network_id=network_id,
            documents=documents,
            identifiers=self._shared_identifiers(seqs),
            timeline=sorted(Counter(_day(stamp) for stamp in dates).items()),
            countries=dict(Counter(m.country for m in documents if m.country).most_common()),
            sites=dict(Counter(m.site for m in documents if m.site).most_common()),
            first_seen=dates[0] if dates else None,
            last_seen=dates[-1] if dates else None,
        )

    def graph(self, network_ids: Iterable[str]) -> tuple[list[GraphNode], Iterator[GraphEdge]]:
        """Document and identifier nodes of the networks, and the edges between them."""
        seqs = [seq for net in network_ids for seq in self.network_members(net)]
        carried = self._networks.identifiers_of(seqs)
        members = {seq: member for seq, member in zip(seqs, self.members(seqs), strict=True)}
        nodes = [
            GraphNode(
                f"doc:{member.doc_id}",
                "document",
                member.doc_id,
                {
                    "site": member.site or "",
                    "country": member.country or "",
                    "date": member.date or "",
                },
            )
            for member in members.values()
        ]
        identifiers = {ident: degree for found in carried.values() for ident, degree in found}
        nodes.extend(
            GraphNode(
                _identifier_node(ident),
                "identifier",
                ident.value,
                {"kind": ident.kind, "degree": str(degree)},
            )
            for ident, degree in identifiers.items()
        )
        edges = (
            GraphEdge(f"doc:{members[seq].doc_id}", _identifier_node(ident))
            for seq, found in carried.items()
            for ident, _ in found
        )
        return nodes, edges

    def network_members(self, network_id: str) -> list[int]:
        root = self._root(network_id, NETWORK_PREFIX)
        seqs = self._networks.members(root)
        if len(seqs) < 2 or seqs[0] != root:
            raise LinkingError(f"no shared-identifier network {network_id!r}")
        return seqs

    def members(self, seqs: list[int]) -> list[Member]:
        sql = "SELECT seq, doc_id, site, country, date FROM linked_documents WHERE seq IN"
        rows = {row[0]: Member(*row[1:]) for row in select_in(self._db, sql, seqs)}
        return [rows[seq] for seq in seqs]

    def _root(self, group_id: str, prefix: str) -> int:
        if not group_id.startswith(prefix):
            raise LinkingError(f"{group_id!r} is not an id starting with {prefix!r}")
        row = self._db.execute(
            "SELECT seq FROM linked_documents WHERE doc_id = ?", (group_id[len(prefix) :],)
        ).fetchone()
        if row is None:
            kind = "near-duplicate cluster" if prefix == CLUSTER_PREFIX else "network"
            raise LinkingError(f"no {kind} {group_id!r}")
        return int(row[0])

    def _tokens(self, seq: int) -> list[Token]:
        (content,) = self._db.execute(
            "SELECT content FROM linked_documents WHERE seq = ?", (seq,)
        ).fetchone()
        stored = unpack(content)
        tokens: list[Token] = []
        for name, text in stored["fields"].items():
            spans = [
                (kind, start, end, value)
                for kind, field_name, start, end, value in stored["entities"]
                if field_name == name
            ]
            tokens.extend(tokenize(text, spans))
        return tokens

    def _shared_identifiers(self, seqs: list[int]) -> list[SharedIdentifier]:
        counts: Counter[Identifier] = Counter()
        degrees: dict[Identifier, int] = {}
        for found in self._networks.identifiers_of(seqs).values():
            for identifier, degree in found:
                counts[identifier] += 1
                degrees[identifier] = degree
        return [
            SharedIdentifier(
                ident.kind, ident.value, count, degrees[ident] > self._networks.max_degree
            )
            for ident, count in counts.most_common()
        ]


def unpack(content: bytes) -> dict:
    """The stored fields and entities of a document (see linking/linker.py `pack`)."""
    try:
        return json.loads(zlib.decompress(content))
    except (zlib.error, ValueError) as error:
        raise LinkingError(f"a stored document of the linking store is damaged: {error}") from error


def _identifier_node(identifier: Identifier) -> str:
    return f"{identifier.kind}:{identifier.value}"


def _day(stamp: str) -> str:
    return date.fromisoformat(stamp[:10]).isoformat()
