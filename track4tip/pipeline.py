"""Wiring of the stages: crawl spool -> analysis -> analysed spool -> index.

Each stage is a consumer of the spool before it, with its own cursor, so every command can be
stopped and rerun without losing or repeating work (a batch read but not committed is read again;
indexing is idempotent). `track4tip run` drives both consumers (`follow`) in this process while the
crawl runs in a child process, so crawling is never blocked by analysis.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crawlers.spool import SpoolReader, SpoolWriter
from index.base import IndexBackend, UpsertReport
from index.document import Document, Status
from index.queries import SearchQuery
from index.versioning import Change, revise
from nlp.types import RiskLabel, TextInput

if TYPE_CHECKING:
    # Built by the caller; importing them here would load spaCy for every command.
    from linking.step import LinkingStep
    from nlp.pipeline import Analyzer

ANALYSER = "analyser"
INDEXER = "indexer"


@dataclass(frozen=True)
class SpoolPaths:
    """The two spools of one data folder."""

    crawled: Path
    analysed: Path

    @classmethod
    def under(cls, data_dir: Path) -> SpoolPaths:
        return cls(crawled=data_dir / "spool.sqlite", analysed=data_dir / "analysed.sqlite")


def analyse_batch(reader: SpoolReader, writer: SpoolWriter, analyser: Analyzer, size: int) -> int:
    """Annotate the next batch of crawled documents; returns how many spool records it consumed."""
    start = reader.position
    batch = reader.read_batch(size)
    documents = batch.documents
    inputs = [
        TextInput(
            fields=doc.analysed_fields,
            country=doc.source.country,
            kind=doc.source.kind,
        )
        for doc in documents
    ]
    for document, found in zip(documents, analyser.annotate(inputs), strict=True):
        writer.append(document.with_annotations(found))
    reader.commit(batch.last_seq)
    return batch.last_seq - start


# Called with each batch once it is in the index, before the cursor moves: the alert rules
# (api/alerting/engine.py). It runs inside the indexing loop, so it only matches and queues;
# the alerts are sent by the engine's own dispatcher thread, and a receiver can neither slow
# this loop nor make it raise.
BatchHook = Callable[[Sequence[Document]], object]


@dataclass
class IndexReport(UpsertReport):
    """An upsert report as the indexing stage shows it. A backend counts a take-down as
    unchanged (the stored content stays, index/versioning.py); here it is counted apart.
    `superseded` counts the versions a newer version of the same document in the same batch
    replaced (crawlers.spool.SpoolBatch.latest_versions)."""

    taken_down: int = 0
    superseded: int = 0
    # Per site: [new, changed, taken down], when the stage was asked to count them (watch).
    by_site: dict[str, list[int]] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return super().written + self.taken_down

    def add(self, other: UpsertReport) -> None:
        super().add(other)
        if isinstance(other, IndexReport):
            self.taken_down += other.taken_down
            self.superseded += other.superseded
            for site, counts in other.by_site.items():
                mine = self.by_site.setdefault(site, [0, 0, 0])
                self.by_site[site] = [a + b for a, b in zip(mine, counts, strict=True)]


def changes_by_site(documents: Sequence[Document], backend: IndexBackend) -> dict[str, list[int]]:
    """[new, changed, taken down] per site that upserting `documents` will make, decided by
    the backends' own rule (index/versioning.py); costs one lookup of the batch's ids."""
    stored = backend.latest([document.id for document in documents])
    counts: dict[str, list[int]] = {}
    for document in documents:
        before = stored.get(document.id)
        change = revise(before, document).change
        row = counts.setdefault(document.source.site, [0, 0, 0])
        if change == Change.CREATED:
            row[0] += 1
        elif change == Change.UPDATED:
            row[1] += 1
        elif document.status == Status.TAKEN_DOWN and before and before.status == Status.ACTIVE:
            row[2] += 1
    return counts


def _newly_taken_down(documents: Sequence[Document], backend: IndexBackend) -> int:
    """Take-downs in the batch of documents the index holds as active: the ones the upsert
    will mark (an ad already marked, or never indexed, is no new take-down)."""
    gone = [document.id for document in documents if document.status == Status.TAKEN_DOWN]
    if not gone:
        return 0
    stored = backend.latest(gone)
    return sum(1 for document in stored.values() if document.status == Status.ACTIVE)


def index_batch(
    reader: SpoolReader,
    backend: IndexBackend,
    size: int,
    linking: LinkingStep | None = None,
    on_indexed: BatchHook | None = None,
    count_sites: bool = False,
) -> IndexReport:
    """Link the next batch of analysed documents, write it to the index, then hand it to
    `on_indexed` before the cursor moves: a crash in between repeats all three (linking is
    idempotent, upserts too, and the outbox queues each alert once anyway). An exception
    from `on_indexed` counts as such a crash; the alert engine raises only when its outbox
    cannot be written, and never for a rule, a receiver or a failed delivery.

    A batch holding one document twice (two crawls of a site spooled before indexing) is
    indexed with its latest version only: linking takes each document once per batch."""
    batch = reader.read_batch(size)
    documents, superseded = batch.latest_versions()
    if linking is not None:
        documents = linking.link(documents, backend)
    marking = _newly_taken_down(documents, backend)
    by_site = changes_by_site(documents, backend) if count_sites and documents else {}
    upserted = backend.upsert(documents) if documents else UpsertReport()
    taken_down = min(marking, upserted.unchanged)  # one the engine refused was not marked
    if on_indexed is not None and documents:
        on_indexed(documents)
    reader.commit(batch.last_seq)
    return IndexReport(
        created=upserted.created,
        updated=upserted.updated,
        unchanged=upserted.unchanged - taken_down,
        rejected=upserted.rejected,
        taken_down=taken_down,
        superseded=superseded,
        by_site=by_site,
    )


@dataclass
class StageTotals:
    analysed: int = 0
    indexed: IndexReport = field(default_factory=IndexReport)


Progress = Callable[[StageTotals, int], None]


def _pending(path: Path, consumer: str) -> int:
    if not path.exists():
        return 0
    reader = SpoolReader(path, consumer)
    try:
        return reader.pending()
    finally:
        reader.close()


class AnalysisStage:
    """Annotates what waits in the crawl spool and appends it to the analysed spool."""

    def __init__(self, paths: SpoolPaths, analyser: Analyzer, totals: StageTotals) -> None:
        self.paths = paths
        self.analyser = analyser
        self.totals = totals

    def pending(self) -> int:
        return _pending(self.paths.crawled, ANALYSER)

    def run_pending(self, batch_size: int, progress: Progress | None = None) -> int:
        """Analyse until the crawl spool is drained; returns spool records consumed."""
        if not self.paths.crawled.exists():
            return 0
        reader = SpoolReader(self.paths.crawled, ANALYSER)
        writer = SpoolWriter(self.paths.analysed)
        done = 0
        try:
            while consumed := analyse_batch(reader, writer, self.analyser, batch_size):
                done += consumed
                self.totals.analysed += consumed
                if progress:
                    progress(self.totals, reader.pending())
        finally:
            reader.close()
            writer.close()
        return done


class IndexingStage:
    """Writes what waits in the analysed spool to the index."""

    def __init__(
        self,
        paths: SpoolPaths,
        backend: IndexBackend,
        totals: StageTotals,
        linking: LinkingStep | None = None,
        on_indexed: BatchHook | None = None,
        count_sites: bool = False,
    ) -> None:
        self.paths = paths
        self.backend = backend
        self.totals = totals
        self.linking = linking
        self.on_indexed = on_indexed
        self.count_sites = count_sites

    def pending(self) -> int:
        return _pending(self.paths.analysed, INDEXER)

    def close(self) -> None:
        """Close the linking state and the index the stage was given."""
        if self.linking is not None:
            self.linking.close()
        self.backend.close()

    def __enter__(self) -> IndexingStage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run_pending(self, batch_size: int, progress: Progress | None = None) -> int:
        """Index until the analysed spool is drained; returns documents written."""
        if not self.paths.analysed.exists():
            return 0
        reader = SpoolReader(self.paths.analysed, INDEXER)
        done = 0
        try:
            while reader.pending():
                report = index_batch(
                    reader,
                    self.backend,
                    batch_size,
                    self.linking,
                    self.on_indexed,
                    count_sites=self.count_sites,
                )
                done += report.written
                self.totals.indexed.add(report)
                if progress:
                    progress(self.totals, reader.pending())
        finally:
            reader.close()
        return done


def follow(
    analysis: AnalysisStage,
    indexing: IndexingStage,
    still_crawling: Callable[[], bool],
    batch_size: int,
    progress: Progress | None = None,
) -> None:
    """Analyse and index while the crawl runs, then drain what is left."""
    while True:
        crawling = still_crawling()
        worked = analysis.run_pending(batch_size, progress)
        worked += indexing.run_pending(batch_size, progress)
        if not crawling and not worked:
            return
        if not worked:
            time.sleep(0.3)


@dataclass(frozen=True)
class IndexSummary:
    documents: int
    flagged: int
    top_indicators: list[tuple[str, int]]


def summarise(backend: IndexBackend, top: int = 5) -> IndexSummary:
    """What the index holds: documents, those flagged with any risk, most frequent indicators."""
    everything = backend.search(SearchQuery(size=1))
    flagged = backend.search(
        SearchQuery(size=1, risk_label=[RiskLabel.LOW, RiskLabel.MEDIUM, RiskLabel.HIGH])
    )
    buckets = everything.facets.get("indicator", [])[:top]
    return IndexSummary(
        documents=everything.total,
        flagged=flagged.total,
        top_indicators=[(bucket.value, bucket.count) for bucket in buckets],
    )
