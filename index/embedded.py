"""The embedded index: the default, serverless backend (SQLite records + tantivy full text).

    <directory>/records.sqlite   every version of every Document (index/records.py): the truth
    <directory>/fulltext/        tantivy index of the latest versions (index/embedded_schema.py)

Every write (upserts, take-downs, flags, relinks, rebuilds), from whichever process makes it,
goes through one writer path (index/embedded_writer.py): the tantivy lock is held only while a
write commits, SQLite and tantivy share a commit sequence, and opening the index applies to the
full text whatever the records hold beyond it (a crash between the two commits), rebuilding it
whole when its folder is missing. So the API and a worker can both write to one directory;
SQLite runs in WAL mode and searches reload tantivy's searcher, so readers never wait.

Facets are computed over the query with ALL filters applied, including the facet's own: simple,
the same in every backend, and what the counts next to a ticked filter then mean is "how many of
the current results have this value".
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

import tantivy

from index.base import IndexBackend, UpsertReport
from index.document import SCHEMA_VERSION, Document, Status
from index.embedded_query import (
    QueryTranslator,
    facet_aggregation,
    histogram_aggregation,
    read_facets,
)
from index.embedded_schema import ID, build_schema
from index.embedded_writer import FulltextWriter, RecordsCommitted
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
from index.records import RecordStore, RecordWrite
from index.versioning import Change, Revision, check_submitted, revise

RECORDS_FILE = "records.sqlite"
FULLTEXT_DIR = "fulltext"
BATCH_SIZE = 2000
# Seconds a write waits for another writer (TRACK4TIP_EMBEDDED_WRITER_WAIT).
WRITER_WAIT_SECONDS = 30.0
T = TypeVar("T")
_SORT_FIELDS = {Sort.PUBLISHED: "published_at", Sort.FETCHED: "fetched_at", Sort.RISK: "risk_score"}


class EmbeddedIndex(IndexBackend):
    """Documents in SQLite, searchable through tantivy, all in one directory."""

    def __init__(
        self,
        directory: Path,
        *,
        batch_size: int = BATCH_SIZE,
        writer_wait: float = WRITER_WAIT_SECONDS,
        on_records_committed: RecordsCommitted | None = None,
    ) -> None:
        """`on_records_committed(sequence)` runs after each write's SQLite commit, before the
        full text's: a seam for fault tests and metrics."""
        self.directory = Path(directory)
        self.batch_size = batch_size
        self.writer_wait = writer_wait
        self._on_records_committed = on_records_committed
        self._store: RecordStore | None = None
        self._fulltext: tantivy.Index | None = None
        self._writer: FulltextWriter | None = None
        self._translator: QueryTranslator | None = None
        self._open_lock = threading.Lock()

    # --- opening ------------------------------------------------------------------------

    def setup(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._open(create=True)

    def _open(self, *, create: bool = False) -> tuple[RecordStore, tantivy.Index]:
        with self._open_lock:
            if self._store is None or self._fulltext is None:
                store = self._open_store(create)
                try:
                    fulltext = self._open_fulltext()
                    writer = FulltextWriter(
                        store,
                        fulltext,
                        self.directory / FULLTEXT_DIR,
                        wait=self.writer_wait,
                        batch_size=self.batch_size,
                        on_records_committed=self._on_records_committed,
                    )
                    writer.reconcile()
                except BaseException:
                    store.close()
                    raise
                self._store, self._fulltext, self._writer = store, fulltext, writer
                self._translator = QueryTranslator(fulltext.schema)
            return self._store, self._fulltext

    def _open_store(self, create: bool) -> RecordStore:
        path = self.directory / RECORDS_FILE
        if not path.exists() and not create:
            raise IndexUnavailable(f"no embedded index at {self.directory}: run setup first")
        store = RecordStore(path, busy_timeout=self.writer_wait)
        if create and not store.has_tables():
            store.create(SCHEMA_VERSION)
        found = store.schema_version()
        if found != SCHEMA_VERSION:
            store.close()
            raise SchemaVersionMismatch(
                found=found, expected=SCHEMA_VERSION, where=f"the embedded index {self.directory}"
            )
        store.add_sequence_column()
        return store

    def _open_fulltext(self) -> tantivy.Index:
        path = self.directory / FULLTEXT_DIR
        path.mkdir(exist_ok=True)
        try:
            return tantivy.Index(build_schema(), path=str(path), reuse=True)
        except ValueError as error:
            raise IndexUnavailable(
                f"cannot open the full-text index at {path} ({error}); "
                "run `track4tip migrate` to rebuild it from the records"
            ) from error

    def _write(self, change: Callable[[RecordWrite], T]) -> T:
        self._open()
        assert self._writer is not None  # set by _open
        return self._writer.write(change)

    # --- writing ------------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> UpsertReport:
        report = UpsertReport()
        for batch in _batches(documents, self.batch_size):
            report.add(self._upsert_batch(batch))
        return report

    def _upsert_batch(self, batch: list[Document]) -> UpsertReport:
        check_submitted(batch)

        def revise_batch(records: RecordWrite) -> list[Revision]:
            # Read inside the write: a flag set a moment ago is in `stored`, and is kept.
            stored = records.latest(document.id for document in batch)
            revisions: list[Revision] = []
            for document in batch:
                revision = revise(stored.get(document.id), document)
                stored[document.id] = revision.document
                records.put(revision.document, reindex=revision.searchable_changed)
                revisions.append(revision)
            return revisions

        return _report(self._write(revise_batch))

    def mark_taken_down(self, doc_ids: Iterable[str], at: datetime) -> int:
        if at.tzinfo is None:
            raise DocumentFormatError(f"taken-down time must carry a time zone, got {at}")
        ids = list(doc_ids)

        def take_down(records: RecordWrite) -> int:
            changed = [
                document.model_copy(update={"status": Status.TAKEN_DOWN, "taken_down_at": at})
                for document in records.latest(ids).values()
                if document.status == Status.ACTIVE
            ]
            for document in changed:
                records.put(document)
            return len(changed)

        return self._write(take_down)

    def _update_latest(
        self, doc_ids: Iterable[str], change: Callable[[Document], Document]
    ) -> dict[str, bool]:
        # Flags and relinks read the latest version inside the write, so that an upsert
        # committing meanwhile in another process can neither be undone nor undo them.
        def update(records: RecordWrite) -> dict[str, bool]:
            changed: dict[str, bool] = {}
            for doc_id, document in records.latest(doc_ids).items():
                updated = change(document)
                changed[doc_id] = updated != document
                if changed[doc_id]:
                    records.put(updated)
            return changed

        return self._write(update)

    def _rewrite_latest(self, documents: list[Document]) -> None:
        def rewrite(records: RecordWrite) -> None:
            for document in documents:
                records.put(document)

        self._write(rewrite)

    def rebuild_fulltext(self) -> int:
        """Re-create the full-text index from the SQLite records; returns documents indexed."""
        self._open()
        assert self._writer is not None  # set by _open
        return self._writer.rebuild()

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
        with self._open_lock:
            writer, self._writer = self._writer, None
            if writer is not None:
                # A write in flight in another thread finishes before the store closes under it.
                writer.lock.acquire()
            try:
                if self._store is not None:
                    self._store.close()
                self._store = self._fulltext = self._translator = None
            finally:
                if writer is not None:
                    writer.lock.release()


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
