"""The embedded index: the default, serverless backend (SQLite records + tantivy full text).

    <directory>/records.sqlite   every version of every Document (index/records.py): the truth
    <directory>/fulltext/        tantivy index of the latest versions (index/embedded_schema.py)

Writes go to SQLite first, then tantivy, a batch at a time; should tantivy fall behind (a crash
between the two commits) `rebuild_fulltext()` restores it from SQLite, and a missing fulltext
folder is rebuilt on open. One process writes; others (the API) may open the same directory to
read: SQLite runs in WAL mode and tantivy reloads its searcher on commits.

Facets are computed over the query with ALL filters applied, including the facet's own: simple,
the same in every backend, and what the counts next to a ticked filter then mean is "how many of
the current results have this value".
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from pathlib import Path

import tantivy

from index.base import IndexBackend, UpsertReport
from index.document import SCHEMA_VERSION, Document
from index.embedded_query import (
    QueryTranslator,
    facet_aggregation,
    histogram_aggregation,
    read_facets,
)
from index.embedded_schema import ID, build_schema, fulltext_document
from index.errors import (
    DocumentFormatError,
    IndexUnavailable,
    InvalidQuery,
    SchemaVersionMismatch,
)
from index.highlight import highlight
from index.histograms import read_histogram
from index.migrations import UPGRADES, Upgrade, upgrade_records
from index.queries import Hit, ParsedQuery, SearchQuery, SearchResults, Sort, parse_query_string
from index.records import RecordStore
from index.versioning import Change, Revision, check_submitted, revise

RECORDS_FILE = "records.sqlite"
FULLTEXT_DIR = "fulltext"
BATCH_SIZE = 2000
WRITER_HEAP_BYTES = 128_000_000
_SORT_FIELDS = {Sort.PUBLISHED: "published_at", Sort.FETCHED: "fetched_at", Sort.RISK: "risk_score"}


class EmbeddedIndex(IndexBackend):
    """Documents in SQLite, searchable through tantivy, all in one directory."""

    def __init__(self, directory: Path, *, batch_size: int = BATCH_SIZE) -> None:
        self.directory = Path(directory)
        self.batch_size = batch_size
        self._store: RecordStore | None = None
        self._fulltext: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._translator: QueryTranslator | None = None
        self._open_lock = threading.Lock()
        self._write_lock = threading.Lock()

    # --- opening ------------------------------------------------------------------------

    def setup(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._open(create=True)

    def _open(self, *, create: bool = False) -> tuple[RecordStore, tantivy.Index]:
        with self._open_lock:
            if self._store is None or self._fulltext is None:
                self._store = self._open_store(create)
                self._fulltext, fresh = self._open_fulltext()
                self._translator = QueryTranslator(self._fulltext.schema)
                if fresh and self._store.count():
                    self._rebuild()
            return self._store, self._fulltext

    def _open_store(self, create: bool) -> RecordStore:
        path = self.directory / RECORDS_FILE
        if not path.exists() and not create:
            raise IndexUnavailable(f"no embedded index at {self.directory}: run setup first")
        store = RecordStore(path)
        if create and not store.has_tables():
            store.create(SCHEMA_VERSION)
        found = store.schema_version()
        if found != SCHEMA_VERSION:
            store.close()
            raise SchemaVersionMismatch(
                found=found, expected=SCHEMA_VERSION, where=f"the embedded index {self.directory}"
            )
        return store

    def _open_fulltext(self) -> tuple[tantivy.Index, bool]:
        path = self.directory / FULLTEXT_DIR
        fresh = not path.exists()
        path.mkdir(exist_ok=True)
        try:
            return tantivy.Index(build_schema(), path=str(path), reuse=True), fresh
        except ValueError as error:
            raise IndexUnavailable(
                f"cannot open the full-text index at {path} ({error}); "
                "run `track4tip migrate` to rebuild it from the records"
            ) from error

    def _writer_for(self, fulltext: tantivy.Index) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = fulltext.writer(heap_size=WRITER_HEAP_BYTES)
            except ValueError as error:
                raise IndexUnavailable(
                    f"cannot write to {self.directory} ({error}); "
                    "is another track4tip process writing to it?"
                ) from error
        return self._writer

    # --- writing ------------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> UpsertReport:
        report = UpsertReport()
        for batch in _batches(documents, self.batch_size):
            report.add(self._upsert_batch(batch))
        return report

    def _upsert_batch(self, batch: list[Document]) -> UpsertReport:
        check_submitted(batch)
        store, fulltext = self._open()
        with self._write_lock:
            stored = store.latest(document.id for document in batch)
            revisions: list[Revision] = []
            for document in batch:
                revision = revise(stored.get(document.id), document)
                stored[document.id] = revision.document
                revisions.append(revision)
            store.write(revisions)
            self._reindex(fulltext, [r.document for r in revisions if r.searchable_changed])
        return _report(revisions)

    def _reindex(self, fulltext: tantivy.Index, documents: list[Document]) -> None:
        """Replace each document's full-text entry (by id) and commit."""
        if not documents:
            return
        writer = self._writer_for(fulltext)
        latest = {document.id: document for document in documents}
        for doc_id, document in latest.items():
            writer.delete_documents_by_term(ID, doc_id)
            writer.add_document(fulltext_document(document))
        writer.commit()
        fulltext.reload()

    def mark_taken_down(self, doc_ids: Iterable[str], at: datetime) -> int:
        if at.tzinfo is None:
            raise DocumentFormatError(f"taken-down time must carry a time zone, got {at}")
        store, fulltext = self._open()
        with self._write_lock:
            changed = store.take_down(list(doc_ids), at)
            self._reindex(fulltext, changed)
        return len(changed)

    def _rewrite_latest(self, documents: list[Document]) -> None:
        store, fulltext = self._open()
        with self._write_lock:
            store.replace_latest(documents)
            self._reindex(fulltext, documents)

    def rebuild_fulltext(self) -> int:
        """Re-create the full-text index from the SQLite records; returns documents indexed."""
        self._open()
        return self._rebuild()

    def _rebuild(self) -> int:
        assert self._store is not None and self._fulltext is not None  # opened by the caller
        with self._write_lock:
            writer = self._writer_for(self._fulltext)
            writer.delete_all_documents()
            indexed = 0
            for batch in self._store.iter_latest(self.batch_size):
                for document in batch:
                    writer.add_document(fulltext_document(document))
                indexed += len(batch)
            # One commit: readers see the old index until the new one is complete.
            writer.commit()
            self._fulltext.reload()
        return indexed

    # --- reading ------------------------------------------------------------------------

    def get(self, doc_id: str) -> Document | None:
        return self.latest([doc_id]).get(doc_id)

    def latest(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        store, _ = self._open()
        return store.latest(doc_ids)

    def versions(self, doc_id: str) -> list[Document]:
        store, _ = self._open()
        return store.versions(doc_id)

    def count(self) -> int:
        store, _ = self._open()
        return store.count()

    def search(self, query: SearchQuery) -> SearchResults:
        if not isinstance(query, SearchQuery):
            raise InvalidQuery(f"search takes a SearchQuery, got {type(query).__name__}")
        store, fulltext = self._open()
        assert self._translator is not None
        parsed = parse_query_string(query.q)
        engine_query = self._translator.translate(parsed, query)
        # Another process may have committed; reloading when nothing changed costs ~0.1 ms.
        fulltext.reload()
        searcher = fulltext.searcher()
        found = searcher.search(engine_query, **_page_arguments(query))
        ids = [searcher.doc(address)[ID][0] for _, address in found.hits]
        scores = [value for value, _ in found.hits]
        hits = self._hits(store, ids, scores, parsed, query.sort)
        results = SearchResults(total=found.count or 0, page=query.page, size=query.size, hits=hits)
        return _with_aggregations(results, searcher, engine_query, query)

    def export(self, query: SearchQuery, page_size: int = 500) -> Iterator[Document]:
        """Walks the records in id order a page at a time and keeps the page's documents that
        match, asking tantivy about those ids only: memory stays one page, whatever the size."""
        store, fulltext = self._open()
        assert self._translator is not None
        parsed = parse_query_string(query.q)
        unfiltered = parsed.is_empty and not parsed.must_not and _has_no_filters(query)
        chosen = set(query.ids)
        for page in store.iter_latest(page_size):
            if unfiltered:
                yield from page
                continue
            wanted = [d.id for d in page if not query.ids or d.id in chosen]
            if not wanted:
                continue
            matching = self._matching_ids(fulltext, parsed, query, wanted)
            yield from (document for document in page if document.id in matching)

    def _matching_ids(
        self, fulltext: tantivy.Index, parsed: ParsedQuery, query: SearchQuery, ids: list[str]
    ) -> set[str]:
        assert self._translator is not None
        restricted = query.model_copy(update={"ids": ids})
        fulltext.reload()
        searcher = fulltext.searcher()
        found = searcher.search(self._translator.translate(parsed, restricted), limit=len(ids))
        return {searcher.doc(address)[ID][0] for _, address in found.hits}

    def _hits(
        self,
        store: RecordStore,
        ids: list[str],
        scores: list[float | int | None],
        parsed: ParsedQuery,
        sort: Sort,
    ) -> list[Hit]:
        documents = store.latest(ids)
        return [
            Hit(
                document=documents[doc_id],
                score=float(score) if sort == Sort.RELEVANCE and score is not None else None,
                highlights=highlight(documents[doc_id], parsed),
            )
            # An id the records lack (a damaged store) is skipped rather than failing the page.
            for doc_id, score in zip(ids, scores, strict=True)
            if doc_id in documents
        ]

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                # Waiting for merges also drops the writer and its lock on the directory.
                self._writer.wait_merging_threads()
                self._writer = None
            if self._store is not None:
                self._store.close()
            self._store = self._fulltext = self._translator = None


def migrate(directory: Path, upgrades: Mapping[int, Upgrade] = UPGRADES) -> int:
    """Upgrade an embedded index's records to this SCHEMA_VERSION and rebuild its full text.

    Returns how many stored records (every version of every document) were read.
    """
    path = Path(directory) / RECORDS_FILE
    if not path.exists():
        raise IndexUnavailable(f"no embedded index to migrate at {directory}")
    store = RecordStore(path)
    try:
        migrated = upgrade_records(store, upgrades)
    finally:
        store.close()
    # The full text is derived data: drop it (its schema may be the old one too) and let
    # opening rebuild it from the upgraded records.
    shutil.rmtree(Path(directory) / FULLTEXT_DIR, ignore_errors=True)
    with EmbeddedIndex(directory) as index:
        index.setup()
    return migrated


def _with_aggregations(
    results: SearchResults,
    searcher: tantivy.Searcher,
    engine_query: tantivy.Query,
    query: SearchQuery,
) -> SearchResults:
    """Facets and the date histogram, computed in one pass over the matches."""
    requested: dict[str, dict[str, object]] = {}
    if query.facets:
        requested.update(facet_aggregation())
    if query.histogram is not None:
        requested.update(histogram_aggregation(query.histogram))
    if not requested:
        return results
    found = searcher.aggregate(engine_query, requested)
    if query.facets:
        results.facets = read_facets(found)
    if query.histogram is not None:
        results.histogram, results.series = read_histogram(found, query.histogram)
    return results


def _has_no_filters(query: SearchQuery) -> bool:
    no_ranges = query.published_from is None and query.published_to is None
    no_risk = query.risk_min is None and query.risk_max is None
    return not query.keyword_filters() and no_ranges and no_risk


def _page_arguments(query: SearchQuery) -> dict[str, object]:
    arguments: dict[str, object] = {"limit": query.size, "offset": query.offset, "count": True}
    if query.sort != Sort.RELEVANCE:
        arguments.update(order_by_field=_SORT_FIELDS[query.sort], order=tantivy.Order.Desc)
    return arguments


def _report(revisions: list[Revision]) -> UpsertReport:
    changes = [revision.change for revision in revisions]
    return UpsertReport(
        created=changes.count(Change.CREATED),
        updated=changes.count(Change.UPDATED),
        unchanged=changes.count(Change.UNCHANGED),
    )


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch
