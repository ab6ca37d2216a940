"""THE Document: one page, ad or post as every stage sees it (DESIGN.md §3).

A crawler builds it with `Document.collected(...)`; analysis adds annotations with
`with_annotations`; the index stores `to_index()` and reads back with `from_index()`, which
refuses a record written under another `schema_version` and names the command that migrates it.

Identity: `id` is a stable hash of the canonical URL, so a re-crawl of the same ad lands on the
same record; `content_hash` covers what the publisher wrote, so an unchanged re-crawl is
recognised and a changed ad becomes a new version.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from index.errors import DocumentFormatError, SchemaVersionMismatch
from nlp.types import (
    Annotations,
    ClassifierScores,
    Entity,
    IndicatorHit,
    Risk,
    RiskLabel,
    TextKind,
    Topic,
    TopicLabel,
)

SCHEMA_VERSION = 3
MIGRATE_COMMAND = "track4tip migrate"


# The kinds of source are what analysis knows a text by (nlp.types.TextKind): one enum.
SourceKind = TextKind


class Status(StrEnum):
    ACTIVE = "active"
    TAKEN_DOWN = "taken_down"


class Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: SourceKind
    site: str = Field(min_length=1)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class Capture(BaseModel):
    """Where the raw response is kept as evidence, and its SHA-256 digest."""

    model_config = ConfigDict(frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    warc_file: str | None = None
    record_id: str | None = None
    screenshot: str | None = None


def stable_id(canonical_url: str) -> str:
    """The document id: the same canonical URL always gives the same id."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:24]


def content_hash(title: str, text: str, attributes: dict[str, str]) -> str:
    """A digest of what the publisher wrote; fetch times and annotations do not count."""
    payload = json.dumps([title, text, sorted(attributes.items())], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC)


class Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    id: str
    version: int = Field(default=1, ge=1)
    source: Source
    url: str
    canonical_url: str
    fetched_at: AwareDatetime
    published_at: AwareDatetime | None = None
    title: str = ""
    text: str = ""
    author: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    links: list[str] = Field(default_factory=list)
    capture: Capture | None = None
    content_hash: str
    language: str | None = None
    language_confidence: float | None = None
    entities: list[Entity] = Field(default_factory=list)
    indicators: list[IndicatorHit] = Field(default_factory=list)
    classifier: ClassifierScores | None = None
    risk: Risk | None = None
    # Whether the text is about trafficking or exploitation (news and posts are found by it).
    topic: Topic | None = None
    # Near-duplicate clusters and shared-identifier networks the document belongs to.
    cluster_ids: list[str] = Field(default_factory=list)
    network_ids: list[str] = Field(default_factory=list)
    # The analysts' current flag categories (their history lives with the console).
    flags: list[str] = Field(default_factory=list)
    status: Status = Status.ACTIVE
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    taken_down_at: AwareDatetime | None = None

    @classmethod
    def collected(
        cls,
        *,
        source: Source,
        url: str,
        canonical_url: str,
        title: str,
        text: str,
        fetched_at: datetime | None = None,
        **optional: Any,
    ) -> Document:
        """A freshly fetched document: id and content hash derived, first and last seen now."""
        fetched = fetched_at or utc_now()
        attributes = optional.get("attributes") or {}
        return cls(
            id=stable_id(canonical_url),
            source=source,
            url=url,
            canonical_url=canonical_url,
            fetched_at=fetched,
            title=title,
            text=text,
            content_hash=content_hash(title, text, attributes),
            first_seen=fetched,
            last_seen=fetched,
            **optional,
        )

    @property
    def analysed_fields(self) -> dict[str, str]:
        """The fields analysis reads; evidence spans point into these by name."""
        return {"title": self.title, "text": self.text, **self.attributes}

    @property
    def is_annotated(self) -> bool:
        return self.risk is not None

    @property
    def risk_label(self) -> RiskLabel:
        return self.risk.label if self.risk else RiskLabel.NONE

    @property
    def topic_label(self) -> TopicLabel | None:
        return self.topic.label if self.topic else None

    @property
    def indicator_ids(self) -> list[str]:
        return sorted({hit.indicator for hit in self.indicators})

    def with_annotations(self, annotations: Annotations) -> Document:
        return self.model_copy(
            update={
                "language": annotations.language,
                "language_confidence": annotations.language_confidence,
                "entities": list(annotations.entities),
                "indicators": list(annotations.indicators),
                "classifier": annotations.classifier,
                "risk": annotations.risk,
                "topic": annotations.topic,
            }
        )

    def with_links(
        self, cluster_ids: list[str], network_ids: list[str], risk: Risk | None
    ) -> Document:
        """The document placed in its near-duplicate clusters and networks by linking."""
        return self.model_copy(
            update={
                "cluster_ids": sorted(cluster_ids),
                "network_ids": sorted(network_ids),
                "risk": risk if risk is not None else self.risk,
            }
        )

    @property
    def identifiers(self) -> list[str]:
        """Contact values that link documents: phones, e-mails, handles (searchable)."""
        kinds = {"phone", "email", "handle"}
        return sorted({entity.value for entity in self.entities if entity.kind in kinds})

    def to_index(self) -> dict[str, Any]:
        """The JSON-ready record both backends store."""
        return self.model_dump(mode="json")

    @classmethod
    def from_index(cls, record: dict[str, Any]) -> Document:
        """Read a stored record back, refusing one written under another schema version."""
        found = record.get("schema_version")
        if found != SCHEMA_VERSION:
            raise SchemaVersionMismatch(found=found, expected=SCHEMA_VERSION)
        try:
            return cls.model_validate(record)
        except ValidationError as error:
            raise DocumentFormatError(f"stored document is not valid: {error}") from error
