"""Everything a report shows, gathered from the index: the `ReportView` templates render.

A report body names documents and the version each had when it was saved; this module loads
those versions, cuts the evidence of every indicator hit out of its field, embeds screenshots
as `data:` URIs (so an HTML or PDF report is one self-contained file and the PDF renderer never
reads a path or a URL), sums up indicators and entities over the selection, draws the trend
and lists the chain of custody: for every capture its URL, fetch time and SHA-256.
"""

from __future__ import annotations

import base64
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup

from api.errors import InvalidRecord
from api.evidence import Evidence, hit_in_context, screenshot_file
from api.reporting.store import ReportSection, StoredBody, TrendSpec
from api.reporting.trend_chart import trend_svg
from index.base import IndexBackend
from index.document import Document
from index.queries import Histogram, SearchQuery
from nlp.types import IndicatorHit

# A screenshot larger than this is named in the report but not embedded in it.
MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024
ENTITY_VALUES_SHOWN = 20


@dataclass(frozen=True)
class ReportDocument:
    number: int
    document: Document
    evidence: list[Evidence]
    screenshot: str | None  # a data: URI


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


def _screenshot(document: Document, evidence_dir: Path | None) -> str | None:
    """The screenshot as a data: URI, if its file is there and still matches its digest."""
    path = screenshot_file(evidence_dir, document.capture) if evidence_dir else None
    if path is None or path.stat().st_size > MAX_SCREENSHOT_BYTES:
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


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
        ReportDocument(
            number=number,
            document=document,
            evidence=[hit_in_context(document, hit) for hit in document.indicators],
            screenshot=_screenshot(document, evidence_dir),
        )
        for number, document in enumerate(documents, start=1)
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
    )
