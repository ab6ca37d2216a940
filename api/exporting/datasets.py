"""Research exports: documents and a modus-operandi table, pseudonymised unless raw is allowed.

Two tables, each a fixed list of columns (the same in every format, so a script written for
the CSV reads the Parquet too):

- `documents`: one row per document (latest version). When pseudonymised, contacts (phones,
  e-mails, handles), the URL and the author are keyed hashes (`api.accounts.pseudonymise`), and the
  title and text are redacted; the free-text attributes (contact, company ...) are left out.
- `modus_operandi`: one row per document with what its annotations say about how the
  recruitment works — indicators and their categories, the sector (taxonomy categories
  `sector_*`), the recruitment channel (source kind and site), the contact methods offered,
  destination countries (places named outside the source's country), dates, and the cluster
  and network ids that group copies of one campaign. It holds no personal data at all, so it
  is the same for every role; researchers aggregate it by cluster, week or sector.

Documents come from `IndexBackend.export`, which pages through the index past the 10,000-hit
window; rows are built one at a time and written a chunk at a time (`api.exporting.writers`), so
memory stays bounded whatever the number of documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from enum import StrEnum

from api.accounts.pseudonymise import Pseudonymiser
from api.exporting.writers import Column, ColumnKind, ExportFormat, Row, write_chunks
from index.base import IndexBackend
from index.document import Document
from index.queries import SearchQuery
from nlp.types import Entity, EntityKind

EXPORT_PAGE_SIZE = 500
SECTOR_PREFIX = "sector_"
# Where a contact method is named rather than given as a number or address.
_METHOD_WORDS = {
    "whatsapp": ("whatsapp", "wasap", "wsp", "wa.me"),
    "telegram": ("telegram", "t.me/"),
    "instagram": ("instagram",),
    "facebook": ("facebook", "messenger"),
    "tiktok": ("tiktok",),
}
_METHOD_HOSTS = {"wa.me": "whatsapp", "api.whatsapp.com": "whatsapp", "t.me": "telegram"}

TEXT, NUMBER, INTEGER, TIME, LIST = (
    ColumnKind.TEXT,
    ColumnKind.NUMBER,
    ColumnKind.INTEGER,
    ColumnKind.TIME,
    ColumnKind.TEXT_LIST,
)


class ExportTable(StrEnum):
    DOCUMENTS = "documents"
    MODUS_OPERANDI = "modus_operandi"


PSEUDONYMISED = "keyed hash when pseudonymised"
DOCUMENT_COLUMNS = (
    Column("id", TEXT, "document id (stable hash of the canonical URL)"),
    Column("version", INTEGER, "version number of the document"),
    Column("site", TEXT, "site the document was collected from"),
    Column("source_kind", TEXT, "job_board, classifieds, social or news"),
    Column("source_country", TEXT, "ISO country of the source"),
    Column("url", TEXT, f"URL of the ad ({PSEUDONYMISED})"),
    Column("author", TEXT, f"author or poster ({PSEUDONYMISED})"),
    Column("fetched_at", TIME, "when it was fetched"),
    Column("published_at", TIME, "when it was published"),
    Column("first_seen", TIME, "first crawl that saw it"),
    Column("last_seen", TIME, "last crawl that saw it"),
    Column("status", TEXT, "active or taken_down"),
    Column("taken_down_at", TIME, "when it was seen gone"),
    Column("language", TEXT, "detected language"),
    Column("title", TEXT, "title (contacts and names redacted when pseudonymised)"),
    Column("text", TEXT, "text (contacts and names redacted when pseudonymised)"),
    Column("risk_score", NUMBER, "combined risk score 0..1"),
    Column("risk_label", TEXT, "none, low, medium or high"),
    Column("topic", TEXT, "trafficking (the text is about trafficking or exploitation) or other"),
    Column("topic_score", NUMBER, "calibrated probability of the trafficking topic"),
    Column("indicators", LIST, "indicator ids found"),
    Column("indicator_categories", LIST, "their taxonomy categories"),
    Column("recruitment_fraud", NUMBER, "classifier probability"),
    Column("trafficking_risk", NUMBER, "classifier probability"),
    Column("cluster_ids", LIST, "near-duplicate clusters"),
    Column("network_ids", LIST, "shared-contact networks"),
    Column("flags", LIST, "analysts' flag categories"),
    Column("phones", LIST, f"phone numbers, E.164 ({PSEUDONYMISED})"),
    Column("emails", LIST, f"e-mail addresses ({PSEUDONYMISED})"),
    Column("handles", LIST, f"social handles ({PSEUDONYMISED})"),
    Column("locations", LIST, "places named (gazetteer names)"),
    Column("capture_sha256", TEXT, "SHA-256 of the captured response (raw exports only)"),
)
MODUS_OPERANDI_COLUMNS = (
    Column("id", TEXT, "document id"),
    Column("site", TEXT, "site"),
    Column("recruitment_channel", TEXT, "source kind: job_board, classifieds, social or news"),
    Column("source_country", TEXT, "ISO country of the source"),
    Column("language", TEXT, "detected language"),
    Column("published_at", TIME, "publication time"),
    Column("first_seen", TIME, "first crawl that saw it"),
    Column("last_seen", TIME, "last crawl that saw it"),
    Column("week", TEXT, "ISO date of the Monday of the publication (or first-seen) week"),
    Column("status", TEXT, "active or taken_down"),
    Column("risk_score", NUMBER, "combined risk score 0..1"),
    Column("risk_label", TEXT, "none, low, medium or high"),
    Column("topic", TEXT, "trafficking (the text is about trafficking or exploitation) or other"),
    Column("topic_score", NUMBER, "calibrated probability of the trafficking topic"),
    Column("indicators", LIST, "indicator ids found"),
    Column("indicator_categories", LIST, "their taxonomy categories"),
    Column("sectors", LIST, "sectors named by sector_* indicators"),
    Column("contact_methods", LIST, "phone, email, whatsapp, telegram, instagram ..."),
    Column("destination_countries", LIST, "ISO countries of places outside the source country"),
    Column("cluster_ids", LIST, "near-duplicate clusters (one campaign's copies)"),
    Column("network_ids", LIST, "shared-contact networks"),
    Column("flags", LIST, "analysts' flag categories"),
)
COLUMNS = {
    ExportTable.DOCUMENTS: DOCUMENT_COLUMNS,
    ExportTable.MODUS_OPERANDI: MODUS_OPERANDI_COLUMNS,
}


# --- the rows -------------------------------------------------------------------------------


def _values(document: Document, kind: EntityKind) -> list[str]:
    return sorted({entity.value for entity in document.entities if entity.kind == kind})


def _probability(document: Document, label: str) -> float | None:
    return document.classifier.probabilities.get(label) if document.classifier else None


def _common(document: Document) -> Row:
    """Columns both tables share, none of them personal."""
    return {
        "id": document.id,
        "site": document.source.site,
        "source_country": document.source.country,
        "language": document.language,
        "published_at": document.published_at,
        "first_seen": document.first_seen,
        "last_seen": document.last_seen,
        "status": document.status.value,
        "risk_score": document.risk.score if document.risk else None,
        "risk_label": document.risk_label.value,
        "topic": document.topic.label.value if document.topic else None,
        "topic_score": document.topic.score if document.topic else None,
        "indicators": document.indicator_ids,
        "indicator_categories": sorted({hit.category for hit in document.indicators}),
        "cluster_ids": list(document.cluster_ids),
        "network_ids": list(document.network_ids),
        "flags": list(document.flags),
    }


def document_row(document: Document, pseudonymiser: Pseudonymiser | None) -> Row:
    """One row of the documents table; personal data hashed or redacted unless no
    pseudonymiser is given (raw export)."""
    row = _common(document)
    row |= {
        "version": document.version,
        "source_kind": document.source.kind.value,
        "fetched_at": document.fetched_at,
        "taken_down_at": document.taken_down_at,
        "recruitment_fraud": _probability(document, "recruitment_fraud"),
        "trafficking_risk": _probability(document, "trafficking_risk"),
        "locations": _values(document, EntityKind.LOCATION),
    }
    if pseudonymiser is None:
        return row | _raw_personal(document)
    return row | _pseudonymised_personal(document, pseudonymiser)


def _raw_personal(document: Document) -> Row:
    return {
        "url": document.url,
        "author": document.author,
        "title": document.title,
        "text": document.text,
        "phones": _values(document, EntityKind.PHONE),
        "emails": _values(document, EntityKind.EMAIL),
        "handles": _values(document, EntityKind.HANDLE),
        "capture_sha256": document.capture.sha256 if document.capture else None,
    }


def _pseudonymised_personal(document: Document, pseudonymiser: Pseudonymiser) -> Row:
    def in_field(name: str) -> list[Entity]:
        return [entity for entity in document.entities if entity.field == name]

    return {
        "url": pseudonymiser.token("url", document.url),
        "author": pseudonymiser.token("author", document.author) if document.author else None,
        "title": pseudonymiser.redact(document.title, in_field("title")),
        "text": pseudonymiser.redact(document.text, in_field("text")),
        "phones": pseudonymiser.tokens(document.entities, EntityKind.PHONE),
        "emails": pseudonymiser.tokens(document.entities, EntityKind.EMAIL),
        "handles": pseudonymiser.tokens(document.entities, EntityKind.HANDLE),
        # The digest of the captured page identifies it to anyone holding the page (or the
        # WARC): hashing candidate pages would lead a researcher back to the ad.
        "capture_sha256": None,
    }


def sectors(document: Document) -> list[str]:
    """Sectors the taxonomy's `sector_*` indicators name (by category or by indicator id)."""
    found = set()
    for hit in document.indicators:
        for name in (hit.category, hit.indicator):
            if name.startswith(SECTOR_PREFIX):
                found.add(name.removeprefix(SECTOR_PREFIX))
    return sorted(found)


def contact_methods(document: Document) -> list[str]:
    """How the ad asks to be contacted: phone, email, or a named platform."""
    methods = set()
    for entity in document.entities:
        if entity.kind in (EntityKind.PHONE, EntityKind.EMAIL):
            methods.add(entity.kind.value)
        elif entity.kind is EntityKind.HANDLE:
            methods.add(entity.value.split(":", 1)[0])
        elif entity.kind is EntityKind.URL:
            host = entity.value.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")
            if host in _METHOD_HOSTS:
                methods.add(_METHOD_HOSTS[host])
    text = " ".join(document.analysed_fields.values()).lower()
    methods.update(name for name, words in _METHOD_WORDS.items() if any(w in text for w in words))
    return sorted(methods)


def destination_countries(document: Document) -> list[str]:
    home = document.source.country
    return sorted(
        {
            entity.country
            for entity in document.entities
            if entity.kind is EntityKind.LOCATION and entity.country and entity.country != home
        }
    )


def _week(moment: datetime) -> str:
    return (moment - timedelta(days=moment.weekday())).date().isoformat()


def modus_operandi_row(document: Document) -> Row:
    return _common(document) | {
        "recruitment_channel": document.source.kind.value,
        "week": _week(document.published_at or document.first_seen),
        "sectors": sectors(document),
        "contact_methods": contact_methods(document),
        "destination_countries": destination_countries(document),
    }


# --- the export -----------------------------------------------------------------------------


def export_rows(
    documents: Iterable[Document], table: ExportTable, pseudonymiser: Pseudonymiser | None
) -> Iterator[Row]:
    for document in documents:
        if table is ExportTable.DOCUMENTS:
            yield document_row(document, pseudonymiser)
        else:
            yield modus_operandi_row(document)


def matching_count(index: IndexBackend, query: SearchQuery) -> int:
    """How many documents the export will hold (asked before a response starts)."""
    probe = query.model_copy(update={"page": 1, "size": 1, "facets": False, "histogram": None})
    return index.search(probe).total


def export_stream(
    index: IndexBackend,
    query: SearchQuery,
    table: ExportTable,
    fmt: ExportFormat,
    pseudonymiser: Pseudonymiser | None,
) -> Iterator[bytes]:
    """The export as byte chunks: documents paged from the index, rows written as they come."""
    documents = index.export(query, page_size=EXPORT_PAGE_SIZE)
    return write_chunks(export_rows(documents, table, pseudonymiser), COLUMNS[table], fmt)


def file_name(table: ExportTable, fmt: ExportFormat, pseudonymised: bool, at: datetime) -> str:
    kind = "pseudonymised" if pseudonymised else "raw"
    return f"track4tip-{table.value}-{kind}-{at.strftime('%Y%m%dT%H%M%SZ')}.{fmt.value}"
