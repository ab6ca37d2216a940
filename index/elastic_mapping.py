"""Elasticsearch mappings as code, and how a Document becomes the documents it is stored as.

Two aliases per installation, each over a versioned index (`<prefix>-documents-v1`, ...):

    <prefix>-documents   the latest version of each document: searchable fields and the record
    <prefix>-versions    every version (`<id>:<version>`): the record only, for `versions()`

Only what every Elasticsearch and OpenSearch ships is used (DESIGN.md §2): the text fields take
the terms of index/search_fields.py through the built-in `whitespace` analyzer — they are
already folded and lower-cased in Python, so the engine analyses no language — and everything
else is keyword, number, date or nested. The full `Document.to_index()` record is kept in an
unindexed object (`document`), from which hits are read back. Searchable copies of the
annotations (nested indicator hits with their evidence, nested entities, the risk score) sit
beside it for queries and aggregations.

A mapping change is a new `Mapping` with the next version: `ElasticsearchIndex.migrate()`
copies every document into the new indices and swaps the aliases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from index.document import Document
from index.search_fields import KEYWORD_FIELDS, search_fields
from nlp.types import IndicatorHit

TERMS_ANALYZER = "whitespace"

Record = dict[str, Any]
SourceBuilder = Callable[[Document, Record], dict[str, Any]]

_KEYWORD: dict[str, Any] = {"type": "keyword"}
_TEXT_FREQS: dict[str, Any] = {
    "type": "text",
    "analyzer": TERMS_ANALYZER,
    "index_options": "freqs",
}
_TEXT_POSITIONS: dict[str, Any] = {"type": "text", "analyzer": TERMS_ANALYZER}
_RECORD: dict[str, Any] = {"type": "object", "enabled": False}

DOCUMENT_PROPERTIES: dict[str, Any] = {
    "id": _KEYWORD,
    "stem": _TEXT_FREQS,
    "exact": _TEXT_POSITIONS,
    "title_stem": _TEXT_FREQS,
    "title_exact": _TEXT_POSITIONS,
    **{name: _KEYWORD for name in KEYWORD_FIELDS},
    "risk_score": {"type": "float"},
    "published_at": {"type": "date"},
    "fetched_at": {"type": "date"},
    "first_seen": {"type": "date"},
    "last_seen": {"type": "date"},
    "indicators": {
        "type": "nested",
        "properties": {
            "indicator": _KEYWORD,
            "category": _KEYWORD,
            "strength": _KEYWORD,
            "language": _KEYWORD,
            "field": _KEYWORD,
            "evidence": {"type": "keyword", "ignore_above": 512},
            "start": {"type": "integer"},
            "end": {"type": "integer"},
        },
    },
    "entities": {
        "type": "nested",
        "properties": {
            "kind": _KEYWORD,
            "value": {"type": "keyword", "ignore_above": 512},
            "field": _KEYWORD,
        },
    },
    "document": _RECORD,
}

VERSION_PROPERTIES: dict[str, Any] = {
    "id": _KEYWORD,
    "version": {"type": "integer"},
    "document": _RECORD,
}


def document_source(document: Document, record: Record | None = None) -> dict[str, Any]:
    """The `<prefix>-documents` source of one (latest) document version.

    `record` is `document.to_index()` when the caller has it already (it writes the same
    record into both indices, and builds it once).
    """
    fields = search_fields(document)
    source: dict[str, Any] = {
        "id": document.id,
        "stem": fields.stem,
        "exact": fields.exact,
        "title_stem": fields.title_stem,
        "title_exact": fields.title_exact,
        **fields.keywords,
        "fetched_at": document.fetched_at.isoformat(),
        "first_seen": document.first_seen.isoformat(),
        "last_seen": document.last_seen.isoformat(),
        "indicators": [_indicator(hit) for hit in document.indicators],
        "entities": [
            {"kind": str(e.kind), "value": e.value, "field": e.field} for e in document.entities
        ],
        "document": document.to_index() if record is None else record,
    }
    # Unset values are left out, not defaulted: a range never matches them, sorts put them last.
    if document.risk is not None:
        source["risk_score"] = document.risk.score
    if document.published_at is not None:
        source["published_at"] = document.published_at.isoformat()
    return source


def _indicator(hit: IndicatorHit) -> dict[str, Any]:
    names = ("indicator", "category", "language", "field", "evidence", "start", "end")
    return {"strength": str(hit.strength), **{name: getattr(hit, name) for name in names}}


def version_source(document: Document, record: Record | None = None) -> dict[str, Any]:
    """The `<prefix>-versions` source of one document version."""
    record = document.to_index() if record is None else record
    return {"id": document.id, "version": document.version, "document": record}


def version_id(document: Document) -> str:
    return f"{document.id}:{document.version}"


@dataclass(frozen=True)
class Mapping:
    """One version of the mappings, and the functions that fill them."""

    version: int
    document_properties: dict[str, Any] = field(default_factory=lambda: DOCUMENT_PROPERTIES)
    version_properties: dict[str, Any] = field(default_factory=lambda: VERSION_PROPERTIES)
    # (document, its to_index() record) -> source; the record goes in as `document`.
    to_document_source: SourceBuilder = document_source
    to_version_source: SourceBuilder = version_source

    def body(self, kind: str, shards: int, replicas: int | None) -> dict[str, Any]:
        """The create-index body of the `kind` ("documents" or "versions") index."""
        properties = self.document_properties if kind == "documents" else self.version_properties
        settings: dict[str, Any] = {"number_of_shards": shards}
        if replicas is None:
            settings["auto_expand_replicas"] = "0-1"
        else:
            settings["number_of_replicas"] = replicas
        return {
            "settings": {"index": settings},
            "mappings": {"dynamic": "strict", "properties": properties},
        }


# v2: cluster, network, flag and identifier keywords (document schema_version 2).
MAPPING = Mapping(version=2)
KINDS = ("documents", "versions")


@dataclass(frozen=True)
class IndexNames:
    """The aliases and versioned index names of one installation (one prefix)."""

    prefix: str

    def alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def index(self, kind: str, version: int) -> str:
        return f"{self.prefix}-{kind}-v{version}"

    def version_of(self, index_name: str) -> int | None:
        """The mapping version in a versioned index name, or None for a foreign index."""
        head, _, number = index_name.rpartition("-v")
        if head.startswith(self.prefix) and number.isdigit():
            return int(number)
        return None
