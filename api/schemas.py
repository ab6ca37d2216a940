"""What the API sends back: output models built from the index's Documents and results.

They are kept apart from `index.document.Document` on purpose: the API decides what leaves the
process, so a later role-based projection can drop personal data (entities, author, contact
attributes) here without touching the index. Each model has a `from_*` constructor that copies
exactly the fields it shows.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.evidence import screenshot_url
from index.document import Document, SourceKind, Status
from index.queries import FacetBucket, HistogramBucket, Hit, SearchResults
from nlp.types import EntityKind, RiskLabel, Strength, TopicLabel

_EXAMPLE_ID = "3f1c9a0b7d2e4c6a8b1d0e2f"
_EXAMPLE_HIT = {
    "id": _EXAMPLE_ID,
    "title": "Se buscan modelos para trabajar en el exterior",
    "url": "https://anuncios.example/ad/123",
    "source": {"kind": "classifieds", "site": "anuncios.example", "country": "EC"},
    "language": "es",
    "published_at": "2024-03-01T12:00:00Z",
    "fetched_at": "2024-03-02T08:30:00Z",
    "status": "active",
    "risk": {"score": 0.82, "label": "high"},
    "indicators": ["travel_paid", "young_women"],
    "highlights": {"title": ["Se buscan <mark>modelos</mark> para trabajar en el exterior"]},
}


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: SourceKind
    site: str
    country: str | None


class RiskSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    score: float
    label: RiskLabel


class RiskContributionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str = Field(description="indicator, classifier or network.")
    name: str
    weight: float = Field(description="The share of the score this reason accounts for.")
    detail: str


class RiskOut(RiskSummaryOut):
    explanation: list[str]
    contributions: list[RiskContributionOut] = Field(default_factory=list)


class ClassifierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    model: str
    probabilities: dict[str, float] = Field(description="Calibrated, per label.")


class TopicOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    score: float = Field(description="Calibrated probability that the text is about trafficking.")
    label: TopicLabel = Field(description="trafficking or other, at the model's threshold.")
    model: str


class HitOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_HIT]})

    id: str
    title: str
    url: str
    source: SourceOut
    language: str | None
    published_at: datetime | None
    fetched_at: datetime
    status: Status
    risk: RiskSummaryOut | None
    topic: TopicOut | None = None
    indicators: list[str] = Field(description="Ids of the indicators found, sorted.")
    flags: list[str] = Field(default_factory=list, description="Current flag categories.")
    highlights: dict[str, list[str]] = Field(
        description="Per field, HTML fragments: text is escaped, matches are wrapped in <mark>."
    )

    @classmethod
    def from_hit(cls, hit: Hit) -> HitOut:
        document = hit.document
        return cls(
            id=document.id,
            title=document.title,
            url=document.url,
            source=SourceOut.model_validate(document.source),
            language=document.language,
            published_at=document.published_at,
            fetched_at=document.fetched_at,
            status=document.status,
            risk=RiskSummaryOut.model_validate(document.risk) if document.risk else None,
            topic=TopicOut.model_validate(document.topic) if document.topic else None,
            indicators=document.indicator_ids,
            flags=list(document.flags),
            highlights=hit.highlights,
        )


class FacetBucketOut(BaseModel):
    value: str
    count: int

    @classmethod
    def from_bucket(cls, bucket: FacetBucket) -> FacetBucketOut:
        return cls(value=bucket.value, count=bucket.count)


class HistogramBucketOut(BaseModel):
    start: datetime = Field(description="Start of the day, week (Monday) or month, in UTC.")
    count: int

    @classmethod
    def from_bucket(cls, bucket: HistogramBucket) -> HistogramBucketOut:
        return cls(start=bucket.start, count=bucket.count)


def _buckets_out(buckets: list[HistogramBucket]) -> list[HistogramBucketOut]:
    return [HistogramBucketOut.from_bucket(bucket) for bucket in buckets]


class SearchResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 1,
                    "page": 1,
                    "size": 20,
                    "hits": [_EXAMPLE_HIT],
                    "facets": {"country": [{"value": "EC", "count": 1}]},
                }
            ]
        }
    )

    total: int = Field(description="Exact number of matching documents.")
    page: int
    size: int
    hits: list[HitOut]
    facets: dict[str, list[FacetBucketOut]] = Field(
        description="Per facet field, values with their counts among all matches."
    )
    histogram: list[HistogramBucketOut] = Field(
        default_factory=list,
        description="With `histogram`: matches per period, from the first dated match to the "
        "last, empty periods included.",
    )
    series: dict[str, dict[str, list[HistogramBucketOut]]] = Field(
        default_factory=dict,
        description="With `histogram_split`: per split field and value (the 20 most frequent), "
        "the same periods as `histogram`.",
    )

    @classmethod
    def from_results(cls, results: SearchResults) -> SearchResponse:
        return cls(
            total=results.total,
            page=results.page,
            size=results.size,
            hits=[HitOut.from_hit(hit) for hit in results.hits],
            facets={
                name: [FacetBucketOut.from_bucket(bucket) for bucket in buckets]
                for name, buckets in results.facets.items()
            },
            histogram=_buckets_out(results.histogram),
            series={
                field: {value: _buckets_out(buckets) for value, buckets in lines.items()}
                for field, lines in results.series.items()
            },
        )


class CaptureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sha256: str
    warc_file: str | None
    record_id: str | None
    screenshot: str | None
    screenshot_url: str | None = Field(
        default=None, description="Where the API serves the screenshot (a PNG), if any."
    )


class EntityOut(BaseModel):
    """Personal data more often than not: the first thing a role projection hides."""

    model_config = ConfigDict(from_attributes=True)

    kind: EntityKind
    text: str
    value: str
    field: str
    start: int
    end: int


class IndicatorHitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    indicator: str
    category: str
    strength: Strength
    evidence: str
    language: str
    field: str = Field(description="The analysed field the span points into.")
    start: int
    end: int


class _ContentOut(BaseModel):
    """What the publisher wrote and when it was seen: shared by documents and versions."""

    version: int
    content_hash: str
    fetched_at: datetime
    first_seen: datetime
    last_seen: datetime
    status: Status
    taken_down_at: datetime | None
    title: str
    text: str
    attributes: dict[str, str]
    capture: CaptureOut | None

    @staticmethod
    def content_fields(document: Document) -> dict[str, object]:
        capture = document.capture
        return {
            "version": document.version,
            "content_hash": document.content_hash,
            "fetched_at": document.fetched_at,
            "first_seen": document.first_seen,
            "last_seen": document.last_seen,
            "status": document.status,
            "taken_down_at": document.taken_down_at,
            "title": document.title,
            "text": document.text,
            "attributes": dict(document.attributes),
            "capture": CaptureOut.model_validate(capture) if capture else None,
        }


class DocumentOut(_ContentOut):
    """The full latest version of a document, with its annotations."""

    id: str
    versions: int = Field(description="How many versions of the document are stored.")
    source: SourceOut
    url: str
    canonical_url: str
    published_at: datetime | None
    author: str | None
    links: list[str]
    language: str | None
    language_confidence: float | None
    entities: list[EntityOut]
    indicators: list[IndicatorHitOut]
    risk: RiskOut | None
    topic: TopicOut | None = None
    classifier: ClassifierOut | None = None
    cluster_ids: list[str] = Field(description="Near-duplicate clusters.")
    network_ids: list[str] = Field(
        default_factory=list, description="Networks of ads sharing phones, e-mails, handles."
    )
    flags: list[str] = Field(default_factory=list, description="Current flag categories.")

    @classmethod
    def from_document(cls, document: Document, versions: int) -> DocumentOut:
        content = cls.content_fields(document)
        if document.capture is not None and content["capture"] is not None:
            capture = content["capture"]
            assert isinstance(capture, CaptureOut)
            url = screenshot_url(document.id, document.capture)
            content["capture"] = capture.model_copy(update={"screenshot_url": url})
        return cls(
            **content,
            id=document.id,
            versions=versions,
            source=SourceOut.model_validate(document.source),
            url=document.url,
            canonical_url=document.canonical_url,
            published_at=document.published_at,
            author=document.author,
            links=list(document.links),
            language=document.language,
            language_confidence=document.language_confidence,
            entities=[EntityOut.model_validate(entity) for entity in document.entities],
            indicators=[IndicatorHitOut.model_validate(hit) for hit in document.indicators],
            risk=RiskOut.model_validate(document.risk) if document.risk else None,
            topic=TopicOut.model_validate(document.topic) if document.topic else None,
            cluster_ids=list(document.cluster_ids),
            classifier=ClassifierOut.model_validate(document.classifier)
            if document.classifier
            else None,
            network_ids=list(document.network_ids),
            flags=list(document.flags),
        )


class VersionOut(_ContentOut):
    """One stored version: what the ad said then, and when that was seen."""

    @classmethod
    def from_document(cls, document: Document) -> VersionOut:
        return cls(**cls.content_fields(document))


class VersionsOut(BaseModel):
    id: str
    total: int
    versions: list[VersionOut] = Field(description="Oldest first.")


class HealthOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "backend": "embedded", "documents": 42}]}
    )

    status: str
    backend: str
    documents: int
