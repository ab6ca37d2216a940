"""Linking: which documents are near-duplicates of each other and which share contacts.

`Linker` is the facade the indexing step (linking/step.py) uses. It keeps one SQLite file (the
caller chooses where; indexing opens `<data dir>/linking.sqlite3`) with the documents it has
seen, their MinHash signatures (linking/clusters.py) and their identifiers
(linking/networks.py), so each batch only costs its own size:

    with Linker.open(path, settings) as linker:
        result = linker.link([LinkInput(doc_id=..., fields={...}, entities=[...], ...)])
        for links in result.documents:   # the batch, then older documents that changed
            links.doc_id, links.cluster_ids, links.network_ids, links.evidence

Ids are stable: "dup-<id of the cluster's first document>" and "net-<id of the network's oldest
document>". A document alone in its cluster or network gets no id for it. A document id seen
before keeps the links of its first version; a new version's new contacts are added to it.
Queries for the views (`cluster`, `network`) live in linking/views.py.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from linking.clusters import ClusterSettings, NearDuplicateClusters
from linking.config import LinkingSettings
from linking.errors import LinkingError
from linking.graph_export import GraphEdge, GraphNode
from linking.groups import GroupChanges
from linking.networks import Identifier, SharedIdentifierNetworks
from linking.sqlite_batches import select_in
from linking.views import CLUSTER_PREFIX, NETWORK_PREFIX, ClusterView, LinkViews, NetworkView
from nlp.shingles import text_signatures
from nlp.types import Entity, EntityKind, NetworkEvidence

# Only the publisher's wording is compared; attributes (salary, location) are slots anyway.
CLUSTERED_FIELDS = ("title", "text")
IDENTIFIER_KINDS = (EntityKind.PHONE, EntityKind.EMAIL, EntityKind.HANDLE, EntityKind.URL)
# Entities whose spans become placeholders before shingling: what templated copies vary.
SLOT_KINDS = frozenset(EntityKind)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS linked_documents (
    seq INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    site TEXT,
    country TEXT,
    date TEXT,
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS linking_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class LinkInput:
    """One analysed document: its fields as analysed, their entities, where and when it appeared.

    `risky` says whether analysis found strong or medium risk indicators; documents that differ
    in it never merge as near-duplicates. `date` is the published date, else the fetch time.
    `url` lets links to the document's own site be ignored as identifiers.
    """

    doc_id: str
    fields: Mapping[str, str]
    entities: Sequence[Entity] = ()
    site: str | None = None
    country: str | None = None
    date: datetime | None = None
    url: str | None = None
    risky: bool = False


@dataclass(frozen=True)
class DocumentLinks:
    doc_id: str
    cluster_ids: list[str]
    network_ids: list[str]
    evidence: NetworkEvidence


@dataclass
class LinkResult:
    """Links of the batch's documents (in input order), then of older documents that changed."""

    documents: list[DocumentLinks] = field(default_factory=list)

    @property
    def by_id(self) -> dict[str, DocumentLinks]:
        return {links.doc_id: links for links in self.documents}


class Linker:
    """Incremental near-duplicate clusters and shared-identifier networks in one SQLite file."""

    def __init__(self, connection: sqlite3.Connection, settings: LinkingSettings) -> None:
        self.db = connection
        self.settings = settings
        self.db.executescript(_SCHEMA)
        cluster_settings = ClusterSettings(
            num_perm=settings.num_perm,
            bands=settings.bands,
            threshold=settings.threshold,
            bucket_cap=settings.bucket_cap,
        )
        self._check_settings_unchanged(cluster_settings)
        self.clusters = NearDuplicateClusters(connection, cluster_settings)
        self.networks = SharedIdentifierNetworks(connection, settings.max_identifier_degree)
        self.views = LinkViews(connection, self.clusters, self.networks)

    @classmethod
    def open(cls, path: Path, settings: LinkingSettings | None = None) -> Linker:
        """Open (or create) the store at `path`; raises LinkingError if it cannot be used."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            # Bucket lookups are random reads: a larger page cache keeps them off the disk.
            connection.execute("PRAGMA cache_size=-131072")
            return cls(connection, settings or LinkingSettings())
        except sqlite3.DatabaseError as error:
            raise LinkingError(f"cannot open the linking store {path}: {error}") from error

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Linker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def link(self, batch: Sequence[LinkInput]) -> LinkResult:
        """Add a batch (one transaction) and say what every affected document is now linked to."""
        self._check_batch(batch)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            new, known = self._store(batch)
            cluster_changes = self._cluster(new)
            network_changes = GroupChanges()
            for seq, item in [*new, *known]:
                self.networks.add(seq, self._identifiers(item), network_changes)
            result = self._result(batch, cluster_changes, network_changes)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return result

    def cluster(self, cluster_id: str) -> ClusterView:
        """Members and template of a near-duplicate cluster; LinkingError if there is none."""
        return self.views.cluster(cluster_id)

    def network(self, network_id: str) -> NetworkView:
        """Documents, identifiers, timeline, countries and sites of a network."""
        return self.views.network(network_id)

    def graph(self, network_ids: Iterable[str]) -> tuple[list[GraphNode], Iterator[GraphEdge]]:
        """Nodes and edges of networks, for linking/graph_export.py."""
        return self.views.graph(network_ids)

    def network_ids(self) -> list[str]:
        """Every network with two or more documents, largest first."""
        rows = self.db.execute(
            "SELECT d.doc_id FROM network_members m JOIN linked_documents d ON d.seq = m.network "
            "GROUP BY m.network HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, m.network"
        )
        return [NETWORK_PREFIX + doc_id for (doc_id,) in rows]

    def cluster_ids(self) -> list[str]:
        """Every near-duplicate cluster with two or more documents, largest first."""
        rows = self.db.execute(
            "SELECT d.doc_id FROM cluster_signatures c "
            "JOIN linked_documents d ON d.seq = c.cluster GROUP BY c.cluster "
            "HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, c.cluster"
        )
        return [CLUSTER_PREFIX + doc_id for (doc_id,) in rows]

    def links_of(self, doc_ids: Iterable[str]) -> list[DocumentLinks]:
        """The current links of known documents (unknown ids are left out)."""
        seqs = self.seqs_of(doc_ids)
        return self._links(list(seqs.values()))

    def seqs_of(self, doc_ids: Iterable[str]) -> dict[str, int]:
        sql = "SELECT doc_id, seq FROM linked_documents WHERE doc_id IN"
        return dict(select_in(self.db, sql, doc_ids))

    def doc_ids_of(self, seqs: Iterable[int]) -> dict[int, str]:
        sql = "SELECT seq, doc_id FROM linked_documents WHERE seq IN"
        return dict(select_in(self.db, sql, seqs))

    def _check_batch(self, batch: Sequence[LinkInput]) -> None:
        ids = [item.doc_id for item in batch]
        if len(set(ids)) != len(ids):
            raise LinkingError("a linking batch names the same document twice")
        if any(not doc_id for doc_id in ids):
            raise LinkingError("a linking input has an empty doc_id")

    def _store(self, batch: Sequence[LinkInput]) -> tuple[list[tuple[int, LinkInput]], ...]:
        known_seqs = self.seqs_of(item.doc_id for item in batch)
        new, known = [], []
        for item in batch:
            if item.doc_id in known_seqs:
                known.append((known_seqs[item.doc_id], item))
                continue
            cursor = self.db.execute(
                "INSERT INTO linked_documents (doc_id, site, country, date, content) "
                "VALUES (?, ?, ?, ?, ?)",
                (item.doc_id, item.site, item.country, _iso(item.date), _pack(item)),
            )
            new.append((int(cursor.lastrowid or 0), item))
        return new, known

    def _cluster(self, new: list[tuple[int, LinkInput]]) -> GroupChanges:
        texts = [masked_text(item) for _, item in new]
        signatures = text_signatures(texts, self.settings.shingle_size, self.settings.num_perm)
        risky = [item.risky for _, item in new]
        return self.clusters.add([seq for seq, _ in new], signatures, risky)

    def _identifiers(self, item: LinkInput) -> set[Identifier]:
        own_host = urlsplit(item.url).hostname if item.url else None
        found = set()
        for entity in item.entities:
            if entity.kind not in IDENTIFIER_KINDS or not entity.value:
                continue
            if entity.kind == EntityKind.URL and urlsplit(entity.value).hostname == own_host:
                continue
            found.add(Identifier(str(entity.kind), entity.value))
        return found

    def _result(
        self, batch: Sequence[LinkInput], clusters: GroupChanges, networks: GroupChanges
    ) -> LinkResult:
        batch_seqs = self.seqs_of(item.doc_id for item in batch)
        ordered = [batch_seqs[item.doc_id] for item in batch]
        older: set[int] = set(clusters.renamed) | set(networks.renamed)
        for root in clusters.touched:
            older.update(self.clusters.members(root))
        for root in networks.touched:
            older.update(self.networks.members(root))
        older -= set(ordered)
        return LinkResult(self._links([*ordered, *sorted(older)]))

    def _links(self, seqs: list[int]) -> list[DocumentLinks]:
        cluster_roots = self.clusters.roots_of(seqs)
        network_roots = self.networks.roots_of(seqs)
        groups = _GroupFacts(self, set(cluster_roots.values()), set(network_roots.values()))
        doc_ids = self.doc_ids_of(seqs)
        links = []
        for seq in seqs:
            cluster, network = cluster_roots.get(seq, seq), network_roots.get(seq, seq)
            links.append(groups.links(doc_ids[seq], seq, cluster, network))
        return links

    def _check_settings_unchanged(self, settings: ClusterSettings) -> None:
        """Signatures of different shapes cannot be compared: refuse a store built otherwise."""
        wanted = {
            "num_perm": str(settings.num_perm),
            "bands": str(settings.bands),
            "shingle_size": str(self.settings.shingle_size),
        }
        stored = dict(self.db.execute("SELECT name, value FROM linking_settings"))
        if not stored:
            self.db.executemany("INSERT INTO linking_settings VALUES (?, ?)", wanted.items())
            return
        differing = {name: stored.get(name) for name in wanted if stored.get(name) != wanted[name]}
        if differing:
            raise LinkingError(
                f"the linking store was built with {differing}, not {wanted}: "
                "use a new store file or the settings it was built with"
            )


class _GroupFacts:
    """Sizes, sites and countries of clusters and networks, gathered once per group."""

    def __init__(self, linker: Linker, cluster_roots: set[int], network_roots: set[int]) -> None:
        self._linker = linker
        self.cluster_members = {root: linker.clusters.members(root) for root in cluster_roots}
        self.network_members = {root: linker.networks.members(root) for root in network_roots}
        everyone = {seq for group in self.cluster_members.values() for seq in group}
        everyone |= {seq for group in self.network_members.values() for seq in group}
        sql = "SELECT seq, site, country FROM linked_documents WHERE seq IN"
        self.places = {
            seq: (site, country) for seq, site, country in select_in(linker.db, sql, everyone)
        }
        roots = set(self.cluster_members) | set(self.network_members)
        self.root_ids = linker.doc_ids_of(roots)

    def links(self, doc_id: str, seq: int, cluster: int, network: int) -> DocumentLinks:
        in_cluster = self.cluster_members.get(cluster, [seq])
        in_network = self.network_members.get(network, [seq])
        together = {seq, *in_cluster, *in_network}
        sites = {self.places[member][0] for member in together} - {None}
        countries = {self.places[member][1] for member in together} - {None}
        return DocumentLinks(
            doc_id=doc_id,
            cluster_ids=[CLUSTER_PREFIX + self.root_ids[cluster]] if len(in_cluster) > 1 else [],
            network_ids=[NETWORK_PREFIX + self.root_ids[network]] if len(in_network) > 1 else [],
            evidence=NetworkEvidence(
                cluster_size=max(len(in_cluster), 1),
                network_size=max(len(in_network), 1),
                countries=len(countries),
                sites=len(sites),
            ),
        )


def masked_text(item: LinkInput) -> str:
    """The clustered fields with every entity replaced by a placeholder of its kind."""
    parts = []
    for name in CLUSTERED_FIELDS:
        text = item.fields.get(name, "")
        spans = sorted(
            (
                entity
                for entity in item.entities
                if entity.field == name and entity.kind in SLOT_KINDS
            ),
            key=lambda entity: entity.start,
        )
        pieces, cursor = [], 0
        for entity in spans:
            if entity.start < cursor or entity.end > len(text):
                continue  # overlapping or stale spans: keep the original words
            pieces.extend((text[cursor : entity.start], f" <{entity.kind}> "))
            cursor = entity.end
        pieces.append(text[cursor:])
        parts.append("".join(pieces))
    return "\n".join(part for part in parts if part)


def _pack(item: LinkInput) -> bytes:
    """What the views need later: the clustered fields and their slot entities, compressed."""
    fields = {name: item.fields[name] for name in CLUSTERED_FIELDS if name in item.fields}
    entities = [
        [str(entity.kind), entity.field, entity.start, entity.end, entity.value]
        for entity in item.entities
        if entity.field in fields
    ]
    payload = {"fields": fields, "entities": entities, "url": item.url, "risky": item.risky}
    return zlib.compress(json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
