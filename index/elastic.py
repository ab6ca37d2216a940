"""The Elasticsearch backend: the same contract and the same results as the embedded index.

    <prefix>-documents -> <prefix>-documents-v<N>   latest versions, searchable (elastic_mapping)
    <prefix>-versions  -> <prefix>-versions-v<N>    every version of every document

Upserts follow index/versioning.py exactly as the embedded index does: the stored latest
versions of a batch are read with one `mget`, `revise` decides what each document becomes, and
both records are written in one bulk (index/elastic_bulk.py: retries, dead-letter file), each
batch prepared while the one before is sent (index/elastic_upsert.py). The aliases are
refreshed after each upsert, so a search that follows sees what was written, as with the
embedded index's commit. Queries are translated by index/elastic_query.py; highlights and query
parsing are the shared Python ones. Setup and migration live in index/elastic_indices.py.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from index.base import IndexBackend, UpsertReport
from index.config import IndexSettings
from index.document import Document, Status
from index.elastic_bulk import CHUNK_SIZE, BulkWriter, batched
from index.elastic_indices import VersionedIndices
from index.elastic_mapping import KINDS, MAPPING, IndexNames
from index.elastic_mapping import Mapping as IndexMapping
from index.elastic_query import (
    facet_aggregations,
    histogram_aggregations,
    read_facets,
    sort_clause,
    translate,
)
from index.elastic_upsert import (
    BatchPreparer,
    PreparedBatch,
    record_actions,
    rejected_documents,
    write_pipelined,
)
from index.errors import DocumentFormatError, IndexBackendError, IndexUnavailable, InvalidQuery
from index.highlight import highlight
from index.histograms import read_histogram
from index.migrations import UPGRADES, Upgrade
from index.queries import Hit, SearchQuery, SearchResults, Sort, parse_query_string

# One bulk request per batch (two records per document): small batches keep the pipeline's
# start (the first batch, prepared with nothing to overlap) and end (the last write) short.
BATCH_SIZE = CHUNK_SIZE // 2
MAX_VERSIONS = 10_000
# Read-modify-write rounds before a document that keeps changing under us is an error.
CONFLICT_ATTEMPTS = 8


def connect(settings: IndexSettings) -> Elasticsearch:
    """A client for the configured cluster (no request is made yet)."""
    auth: dict[str, Any] = {}
    if settings.elasticsearch_api_key is not None:
        auth["api_key"] = settings.elasticsearch_api_key.get_secret_value()
    if settings.elasticsearch_username and settings.elasticsearch_password:
        auth["basic_auth"] = (
            settings.elasticsearch_username,
            settings.elasticsearch_password.get_secret_value(),
        )
    if settings.elasticsearch_ca_certs is not None:
        auth["ca_certs"] = str(settings.elasticsearch_ca_certs)
    return Elasticsearch(
        settings.elasticsearch_urls,
        request_timeout=settings.elasticsearch_timeout,
        retry_on_timeout=True,
        max_retries=2,
        **auth,
    )


@contextmanager
def _engine_errors(url: str) -> Iterator[None]:
    """Client and server failures as this package's errors, naming the cluster."""
    try:
        yield
    except ApiError as error:
        if error.meta.status in (401, 403):
            raise IndexUnavailable(
                f"Elasticsearch at {url} refused our credentials ({error.message}); check "
                "TRACK4TIP_ELASTICSEARCH_API_KEY or _USERNAME/_PASSWORD"
            ) from error
        raise IndexBackendError(f"Elasticsearch at {url} answered: {error}") from error
    except TransportError as error:
        raise IndexUnavailable(
            f"cannot reach Elasticsearch at {url} ({error}); is it running? "
            "(for tests and development: scripts/es-node start)"
        ) from error


class ElasticsearchIndex(IndexBackend):
    """Documents in Elasticsearch, under versioned indices behind aliases."""

    def __init__(
        self,
        client: Elasticsearch,
        *,
        prefix: str = "track4tip",
        dead_letter: Path = Path("var") / "elasticsearch-dead-letter.jsonl",
        mapping: IndexMapping = MAPPING,
        shards: int = 1,
        replicas: int | None = None,
        retries: int = 5,
        initial_backoff: float = 0.5,
        refresh: bool = True,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.client = client
        self.names = IndexNames(prefix)
        self.mapping = mapping
        self.refresh = refresh
        self.batch_size = batch_size
        self.writer = BulkWriter(
            client, dead_letter, retries=retries, initial_backoff=initial_backoff
        )
        self.indices = VersionedIndices(
            client, self.names, self.writer, shards=shards, replicas=replicas
        )
        self._url = ", ".join(str(node.base_url) for node in client.transport.node_pool.all())

    @classmethod
    def from_settings(cls, settings: IndexSettings) -> ElasticsearchIndex:
        return cls(
            connect(settings),
            prefix=settings.elasticsearch_index_prefix,
            dead_letter=settings.dead_letter_path,
            replicas=settings.elasticsearch_replicas,
            retries=settings.elasticsearch_retries,
        )

    # --- indices and aliases ------------------------------------------------------------

    def setup(self) -> None:
        """Create the current mapping's indices and aliases unless the aliases exist."""
        with _engine_errors(self._url):
            self.indices.setup(self.mapping)

    def migrate(
        self, target: IndexMapping | None = None, upgrades: Mapping[int, Upgrade] = UPGRADES
    ) -> int:
        """Copy every record into `target`'s indices, upgrading old records; swap the aliases.

        Returns how many records (every version of every document) were copied.
        """
        target = target or self.mapping
        with _engine_errors(self._url):
            copied = self.indices.migrate(target, upgrades)
        self.mapping = target
        return copied

    # --- writing ------------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> UpsertReport:
        report = UpsertReport()
        preparer = BatchPreparer(self._latest, self.names, self.mapping)

        def write(prepared: PreparedBatch) -> None:
            report.add(prepared.report(rejected_documents(self.writer.write(prepared.actions))))

        with _engine_errors(self._url):
            try:
                write_pipelined(batched(documents, self.batch_size), preparer.prepare, write)
            except BaseException:
                # The batches written before the failure are searchable, as in the embedded
                # index; when the cluster is gone this fails too, and the first error counts.
                with suppress(ApiError, TransportError):
                    self._refresh()
                raise
            self._refresh()
        return report

    def _refresh(self) -> None:
        if self.refresh:
            self.client.indices.refresh(index=",".join(self.names.alias(k) for k in KINDS))

    def mark_taken_down(self, doc_ids: Iterable[str], at: datetime) -> int:
        if at.tzinfo is None:
            raise DocumentFormatError(f"taken-down time must carry a time zone, got {at}")
        with _engine_errors(self._url):
            changed = [
                document.model_copy(update={"status": Status.TAKEN_DOWN, "taken_down_at": at})
                for document in self._latest(set(doc_ids)).values()
                if document.status == Status.ACTIVE
            ]
            actions = record_actions(self.names, self.mapping, changed)
            rejected = rejected_documents(self.writer.write(actions)) if changed else set()
            self._refresh()
        return len([document for document in changed if document.id not in rejected])

    def _update_latest(
        self, doc_ids: Iterable[str], change: Callable[[Document], Document]
    ) -> dict[str, bool]:
        """Flags and relinks without lost updates. Two processes write the same documents (the
        API flags, the worker relinks and indexes), so a plain read-then-write lets one undo
        the other. Each document is read with its sequence number and written only if it is
        still that one (`if_seq_no`/`if_primary_term`); one that changed meanwhile is read
        again and `change` applied to what is there now (it is a pure function of the
        document, so applying it again is safe), a bounded number of times."""
        changed: dict[str, bool] = {}
        pending = set(doc_ids)
        with _engine_errors(self._url):
            for attempt in range(CONFLICT_ATTEMPTS):
                rewritten: list[tuple[Document, int, int]] = []
                for doc_id, (document, seq_no, term) in self._latest_versioned(pending).items():
                    updated = change(document)
                    changed[doc_id] = updated != document
                    if changed[doc_id]:
                        rewritten.append((updated, seq_no, term))
                pending = self._write_if_unchanged(rewritten) if rewritten else set()
                if rewritten:
                    self._refresh()
                if not pending:
                    return changed
                # The writers that raced us are still at it: let them finish first.
                time.sleep(random.uniform(0, 0.02 * (attempt + 1)))
        raise IndexBackendError(
            f"{len(pending)} documents kept changing while being updated "
            f"({CONFLICT_ATTEMPTS} attempts), e.g. {sorted(pending)[:3]}; nothing of this "
            "change was lost for the others, try again"
        )

    def _latest_versioned(self, doc_ids: set[str]) -> dict[str, tuple[Document, int, int]]:
        """The latest record of each id found, with its sequence number and primary term."""
        if not doc_ids:
            return {}
        found = self.client.mget(
            index=self.names.alias("documents"), ids=sorted(doc_ids), source=["document"]
        )
        return {
            hit["_id"]: (
                Document.from_index(hit["_source"]["document"]),
                hit["_seq_no"],
                hit["_primary_term"],
            )
            for hit in found["docs"]
            if hit.get("found")
        }

    def _write_if_unchanged(self, rewritten: list[tuple[Document, int, int]]) -> set[str]:
        """Write each document's latest record only if still at the sequence number read,
        then the version records of those written (so a version record never holds a change
        made to a stale read); returns the ids whose latest record had changed."""
        read_at = {document.id: (seq_no, term) for document, seq_no, term in rewritten}
        actions = record_actions(self.names, self.mapping, [d for d, _, _ in rewritten])
        latest_index = self.names.alias("documents")
        latest = [action for action in actions if action["_index"] == latest_index]
        for action in latest:
            action["if_seq_no"], action["if_primary_term"] = read_at[action["_id"]]
        rejected, conflicts = self.writer.write_checked(latest)
        stale = {doc_id for _, doc_id in conflicts}
        if not rejected:
            versions = [action for action in actions if action["_index"] != latest_index]
            written = [a for a in versions if a["_id"].split(":")[0] not in stale]
            rejected = self.writer.write(written) if written else set()
        if rejected:
            raise IndexBackendError(
                f"Elasticsearch refused the update of {len(rejected_documents(rejected))} "
                f"documents; see the dead-letter file {self.writer.dead_letter}"
            )
        return stale

    def _rewrite_latest(self, documents: list[Document]) -> None:
        with _engine_errors(self._url):
            rejected = rejected_documents(
                self.writer.write(record_actions(self.names, self.mapping, documents))
            )
            self._refresh()
        if rejected:
            raise IndexBackendError(
                f"Elasticsearch refused the update of {len(rejected)} documents; "
                f"see the dead-letter file {self.writer.dead_letter}"
            )

    # --- reading ------------------------------------------------------------------------

    def latest(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        with _engine_errors(self._url):
            return self._latest(set(doc_ids))

    def _latest(self, doc_ids: set[str]) -> dict[str, Document]:
        if not doc_ids:
            return {}
        found = self.client.mget(
            index=self.names.alias("documents"), ids=sorted(doc_ids), source=["document"]
        )
        return {
            hit["_id"]: Document.from_index(hit["_source"]["document"])
            for hit in found["docs"]
            if hit.get("found")
        }

    def get(self, doc_id: str) -> Document | None:
        with _engine_errors(self._url):
            return self._latest({doc_id}).get(doc_id)

    def versions(self, doc_id: str) -> list[Document]:
        with _engine_errors(self._url):
            found = self.client.search(
                index=self.names.alias("versions"),
                query={"term": {"id": doc_id}},
                sort=[{"version": "asc"}],
                size=MAX_VERSIONS,
                source=["document"],
            )
        return [Document.from_index(hit["_source"]["document"]) for hit in found["hits"]["hits"]]

    def count(self) -> int:
        with _engine_errors(self._url):
            return int(self.client.count(index=self.names.alias("documents"))["count"])

    def search(self, query: SearchQuery) -> SearchResults:
        if not isinstance(query, SearchQuery):
            raise InvalidQuery(f"search takes a SearchQuery, got {type(query).__name__}")
        parsed = parse_query_string(query.q)
        with _engine_errors(self._url):
            found = self.client.search(
                index=self.names.alias("documents"),
                query=translate(parsed, query),
                sort=sort_clause(query.sort),
                from_=query.offset,
                size=query.size,
                track_total_hits=True,
                track_scores=query.sort == Sort.RELEVANCE,
                source=["document"],
                aggregations=_aggregations(query),
            )
        hits = []
        for hit in found["hits"]["hits"]:
            document = Document.from_index(hit["_source"]["document"])
            score = hit.get("_score") if query.sort == Sort.RELEVANCE else None
            hits.append(
                Hit(
                    document=document,
                    score=float(score) if score is not None else None,
                    highlights=highlight(document, parsed),
                )
            )
        aggregations = found.get("aggregations", {})
        results = SearchResults(
            total=found["hits"]["total"]["value"], page=query.page, size=query.size, hits=hits
        )
        if query.facets:
            results.facets = read_facets(aggregations)
        if query.histogram is not None:
            results.histogram, results.series = read_histogram(aggregations, query.histogram)
        return results

    def export(self, query: SearchQuery, page_size: int = 500) -> Iterator[Document]:
        """Every document matching `query` in its sort order, past the 10,000-hit window.

        A point in time keeps the view fixed while the export pages with `search_after`, so a
        concurrent write neither repeats nor skips a document.
        """
        parsed = parse_query_string(query.q)
        with _engine_errors(self._url):
            pit = self.client.open_point_in_time(
                index=self.names.alias("documents"), keep_alive="2m"
            )["id"]
            try:
                yield from self._export_pages(translate(parsed, query), query.sort, pit, page_size)
            finally:
                self.client.close_point_in_time(id=pit)

    def _export_pages(
        self, body: dict[str, Any], sort: Sort, pit: str, page_size: int
    ) -> Iterator[Document]:
        after: list[Any] | None = None
        while True:
            found = self.client.search(
                query=body,
                sort=sort_clause(sort),
                size=page_size,
                pit={"id": pit, "keep_alive": "2m"},
                search_after=after,
                source=["document"],
                track_total_hits=False,
            )
            hits = found["hits"]["hits"]
            if not hits:
                return
            for hit in hits:
                yield Document.from_index(hit["_source"]["document"])
            pit = found.get("pit_id", pit)
            after = hits[-1]["sort"]

    def close(self) -> None:
        self.client.close()


def _aggregations(query: SearchQuery) -> dict[str, Any] | None:
    """Facets and the date histogram, computed in the same request as the hits."""
    requested: dict[str, Any] = {}
    if query.facets:
        requested.update(facet_aggregations())
    if query.histogram is not None:
        requested.update(histogram_aggregations(query.histogram))
    return requested or None


def migrate(settings: IndexSettings, upgrades: Mapping[int, Upgrade] = UPGRADES) -> int:
    """Migrate the configured cluster's indices to this version; returns records copied."""
    with ElasticsearchIndex.from_settings(settings) as index:
        return index.migrate(upgrades=upgrades)
