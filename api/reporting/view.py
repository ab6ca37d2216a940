"""Everything a report shows, gathered from the index: the `ReportView` templates render.

A report body names documents and the version each had when it was saved; this module loads
those versions, cuts the evidence of indicator hits out of its field (EVIDENCE_SHOWN per
document), sums up indicators and entities over the selection, draws the trend and lists the
chain of custody: for every capture its URL, fetch time and SHA-256. `embed_screenshots` (run
by the renderer, within `ScreenshotLimits`) embeds the first screenshots as `data:` URIs, so an
HTML or PDF report is one self-contained file and the PDF renderer never reads a path or a
URL; the others are listed by name.
"""

from __future__ import annotations

import base64
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup

from api.errors import InvalidRecord
from api.evidence import SCREENSHOT_NAME, Evidence, hit_in_context, screenshot_file
from api.reporting.store import ReportSection, StoredBody, TrendSpec
from api.reporting.trend_chart import trend_svg
from index.base import IndexBackend
from index.document import Document
from index.queries import Histogram, SearchQuery
from nlp.types import IndicatorHit

# A screenshot larger than this is named in the report but not embedded in it.
MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024
ENTITY_VALUES_SHOWN = 20
# What one document shows at most: 200 documents with every hit and their whole text would
# make a report no PDF renderer finishes. The evidence left out is counted, the text cut.
EVIDENCE_SHOWN = 50
TEXT_CHARS_SHOWN = 20_000


@dataclass(frozen=True)
class ScreenshotLimits:
    """How many screenshots one report embeds, and how many bytes of them in all; the
    others are listed by file name (the chain of custody names every one)."""

    count: int = 20
    total_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True)
class ReportDocument:
    number: int
    document: Document
    evidence: list[Evidence]
    screenshot: str | None = None  # a data: URI, once the renderer has embedded it
    # The screenshot's file name when it is not embedded (over a limit, or missing).
    screenshot_listed: str | None = None
    evidence_left_out: int = 0
    text: str = ""


@dataclass(frozen=True)
class IndicatorCount:
    indicator: str
    category: str
    documents: int
    example: str


@dataclass(frozen=True)
class EntityCount:
    kind: str
    value: str
    documents: int


@dataclass(frozen=True)
class CustodyEntry:
    number: int
    doc_id: str
    version: int
    url: str
    fetched_at: datetime
    sha256: str | None
    warc_file: str | None
    record_id: str | None
    screenshot: str | None


@dataclass(frozen=True)
class ReportView:
    """What every report template may use (besides `t`, the labels in the report language)."""

    report_id: int | None
    version: int
    title: str
    language: str
    narrative: str
    sections: list[ReportSection]
    saved_by: str
    saved_at: datetime
    documents: list[ReportDocument]
    indicators: list[IndicatorCount]
    entities: dict[str, list[EntityCount]]
    trend: Markup
    trend_caption: str
    custody: list[CustodyEntry]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Where the screenshots are, for the renderer; the sandbox hides names starting with _,
    # so a custom layout cannot print the server's path.
    _evidence_dir: Path | None = None


# --- the selected documents -----------------------------------------------------------------


def pin_documents(index: IndexBackend, doc_ids: list[str]) -> dict[str, int]:
    """The current version of each selected document; unknown ids are refused by name."""
    found = index.latest(doc_ids)
    missing = [doc_id for doc_id in doc_ids if doc_id not in found]
    if missing:
        raise InvalidRecord(f"document_ids: no document with id {', '.join(map(repr, missing))}")
    return {doc_id: found[doc_id].version for doc_id in doc_ids}


def _pinned(index: IndexBackend, doc_id: str, version: int) -> Document | None:
    for stored in index.versions(doc_id):
        if stored.version == version:
            return stored
    return index.get(doc_id)


def _embeddable(evidence_dir: Path, name: str | None) -> Path | None:
    """The file of a screenshot name, if it looks like one and is not too large (checked
    before it is hashed: a report should not read gigabytes to leave them out)."""
    if name is None or SCREENSHOT_NAME.match(name) is None:
        return None
    path = evidence_dir / name
    if not path.is_file() or path.stat().st_size > MAX_SCREENSHOT_BYTES:
        return None
    return path


def embed_screenshots(view: ReportView, limits: ScreenshotLimits) -> ReportView:
    """The view with the first screenshots embedded as data: URIs, within `limits`; each is
    re-hashed first, and one that fails its digest is listed instead."""
    folder = view._evidence_dir
    spent, embedded, documents = 0, 0, []
    for item in view.documents:
        capture = item.document.capture
        name = capture.screenshot if capture else None
        path = _embeddable(folder, name) if folder else None
        size = path.stat().st_size if path else 0
        fits = embedded < limits.count and spent + size <= limits.total_bytes
        verified = screenshot_file(folder, capture) if folder and path and fits else None
        if verified is not None:
            data = base64.b64encode(verified.read_bytes()).decode("ascii")
            item = replace(item, screenshot="data:image/png;base64," + data)
            spent, embedded = spent + size, embedded + 1
        else:
            item = replace(item, screenshot_listed=name)
        documents.append(item)
    return replace(view, documents=documents)


def _report_document(number: int, document: Document) -> ReportDocument:
    hits = document.indicators
    text = document.text
    return ReportDocument(
        number=number,
        document=document,
        evidence=[hit_in_context(document, hit) for hit in hits[:EVIDENCE_SHOWN]],
        evidence_left_out=max(0, len(hits) - EVIDENCE_SHOWN),
        text=text if len(text) <= TEXT_CHARS_SHOWN else text[:TEXT_CHARS_SHOWN] + " …",
    )


# --- summaries ------------------------------------------------------------------------------


def indicator_counts(documents: Iterable[Document]) -> list[IndicatorCount]:
    per_indicator: dict[str, list[IndicatorHit]] = defaultdict(list)
    for document in documents:
        firsts = {hit.indicator: hit for hit in reversed(document.indicators)}
        for indicator, hit in firsts.items():
            per_indicator[indicator].append(hit)
    counts = [
        IndicatorCount(hit[0].indicator, hit[0].category, len(hit), hit[0].evidence)
        for hit in per_indicator.values()
    ]
    return sorted(counts, key=lambda count: (-count.documents, count.indicator))


def entity_counts(documents: Iterable[Document]) -> dict[str, list[EntityCount]]:
    counters: dict[str, Counter[str]] = defaultdict(Counter)
    for document in documents:
        seen: set[tuple[str, str]] = {(e.kind.value, e.value) for e in document.entities}
        for kind, value in seen:
            counters[kind][value] += 1
    return {
        kind: [EntityCount(kind, value, n) for value, n in counter.most_common(ENTITY_VALUES_SHOWN)]
        for kind, counter in sorted(counters.items())
    }


def _custody(number: int, document: Document) -> CustodyEntry:
    capture = document.capture
    return CustodyEntry(
        number=number,
        doc_id=document.id,
        version=document.version,
        url=document.url,
        fetched_at=document.fetched_at,
        sha256=capture.sha256 if capture else None,
        warc_file=capture.warc_file if capture else None,
        record_id=capture.record_id if capture else None,
        screenshot=capture.screenshot if capture else None,
    )


def _trend_query(spec: TrendSpec | None, doc_ids: list[str]) -> SearchQuery:
    """The trend's search: the one the analyst chose, else the selected documents."""
    if spec is None:
        return SearchQuery(ids=doc_ids, size=1, facets=False, histogram=Histogram())
    return SearchQuery(
        q=spec.q,
        indicator=spec.indicator,
        country=spec.country,
        site=spec.site,
        size=1,
        facets=False,
        histogram=Histogram(interval=spec.interval),
    )


def build_view(
    index: IndexBackend,
    body: StoredBody,
    *,
    report_id: int | None,
    version: int,
    saved_by: str,
    saved_at: datetime,
    evidence_dir: Path | None,
) -> ReportView:
    loaded = [
        _pinned(index, doc_id, body.document_versions.get(doc_id, 0))
        for doc_id in body.document_ids
    ]
    documents = [document for document in loaded if document is not None]
    selected = [
        _report_document(number, document) for number, document in enumerate(documents, start=1)
    ]
    query = _trend_query(body.trend, body.document_ids)
    buckets = index.search(query).histogram
    caption = body.trend.q if body.trend and body.trend.q else ""
    return ReportView(
        report_id=report_id,
        version=version,
        title=body.title,
        language=body.language,
        narrative=body.narrative,
        sections=list(body.sections),
        saved_by=saved_by,
        saved_at=saved_at,
        documents=selected,
        indicators=indicator_counts(documents),
        entities=entity_counts(documents),
        trend=trend_svg(buckets, body.title),
        trend_caption=caption,
        custody=[_custody(number, document) for number, document in enumerate(documents, 1)],
        _evidence_dir=evidence_dir,
    )
