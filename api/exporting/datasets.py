"""Research exports: documents and a modus-operandi table, pseudonymised unless raw is allowed.

Two tables, each a fixed list of columns (the same in every format, so a script written for
the CSV reads the Parquet too):

- `documents`: one row per document (latest version). When pseudonymised, contacts (phones,
  e-mails, handles), the URL and the author are keyed hashes (`api.accounts.pseudonymise`),
  and the title and text are left out: a name the entity extractor missed cannot be redacted,
  so free text cannot be made safe. An admin may opt in to `free_text` (titles and texts
  redacted, contacts however disguised) for an export they review before handing it over.
- `modus_operandi`: one row per document with what its annotations say about how the
  recruitment works — indicators and their categories, the sector (taxonomy categories
  `sector_*`), the recruitment channel (source kind and site), the contact methods offered,
  destination countries (places named outside the source's country), dates, and the cluster
  and network ids that group copies of one campaign. It holds no personal data; researchers
  aggregate it by cluster, week or sector.

In both tables a pseudonymised export gives keyed ids (`doc-k…`, `dup-k…`, `net-k…`) for
documents, clusters and networks: the real ids are unkeyed hashes of the canonical URL, which
anyone could compute for a candidate ad. Its times are cut to the day (midnight UTC): a site
and the minute an ad was published would point at the ad as surely as its URL.

Documents come from `IndexBackend.export`, which pages through the index past the 10,000-hit
window; rows are built one at a time and written a chunk at a time (`api.exporting.writers`), so
memory stays bounded whatever the number of documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from api.accounts.pseudonymise import IdKind, Pseudonymiser
from api.exporting.writers import Column, ColumnKind, ExportFormat, Row, write_chunks
from index.base import IndexBackend
from index.document import Document
from index.queries import SearchQuery
from nlp.types import EntityKind

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
KEYED_IDS = "keyed ids doc-k…/dup-k…/net-k… when pseudonymised"
DAY_ONLY = "only the day when pseudonymised"
FREE_TEXT = "left out when pseudonymised, unless an admin opts in to redacted free text"
DOCUMENT_COLUMNS = (
    Column("id", TEXT, f"document id (hash of the canonical URL; {KEYED_IDS})"),
    Column("version", INTEGER, "version number of the document"),
    Column("site", TEXT, "site the document was collected from"),
    Column("source_kind", TEXT, "job_board, classifieds, social or news"),
    Column("source_country", TEXT, "ISO country of the source"),
    Column("url", TEXT, f"URL of the ad ({PSEUDONYMISED})"),
    Column("author", TEXT, f"author or poster ({PSEUDONYMISED})"),
    Column("fetched_at", TIME, f"when it was fetched ({DAY_ONLY})"),
    Column("published_at", TIME, f"when it was published ({DAY_ONLY})"),
    Column("first_seen", TIME, f"first crawl that saw it ({DAY_ONLY})"),
    Column("last_seen", TIME, f"last crawl that saw it ({DAY_ONLY})"),
    Column("status", TEXT, "active or taken_down"),
    Column("taken_down_at", TIME, f"when it was seen gone ({DAY_ONLY})"),
    Column("language", TEXT, "detected language"),
    Column("title", TEXT, f"title ({FREE_TEXT})"),
    Column("text", TEXT, f"text ({FREE_TEXT})"),
    Column("risk_score", NUMBER, "combined risk score 0..1"),
    Column("risk_label", TEXT, "none, low, medium or high"),
    Column("topic", TEXT, "trafficking (the text is about trafficking or exploitation) or other"),
    Column("topic_score", NUMBER, "calibrated probability of the trafficking topic"),
    Column("indicators", LIST, "indicator ids found"),
    Column("indicator_categories", LIST, "their taxonomy categories"),
    Column("recruitment_fraud", NUMBER, "classifier probability"),
    Column("trafficking_risk", NUMBER, "classifier probability"),
    Column("cluster_ids", LIST, f"near-duplicate clusters ({KEYED_IDS})"),
    Column("network_ids", LIST, f"shared-contact networks ({KEYED_IDS})"),
    Column("flags", LIST, "analysts' flag categories"),
    Column("phones", LIST, f"phone numbers, E.164 ({PSEUDONYMISED})"),
    Column("emails", LIST, f"e-mail addresses ({PSEUDONYMISED})"),
    Column("handles", LIST, f"social handles ({PSEUDONYMISED})"),
    Column("locations", LIST, "places named (gazetteer names)"),
    Column("capture_sha256", TEXT, "SHA-256 of the captured response (raw exports only)"),
)
MODUS_OPERANDI_COLUMNS = (
    Column("id", TEXT, f"document id ({KEYED_IDS})"),
    Column("site", TEXT, "site"),
    Column("recruitment_channel", TEXT, "source kind: job_board, classifieds, social or news"),
    Column("source_country", TEXT, "ISO country of the source"),
    Column("language", TEXT, "detected language"),
    Column("published_at", TIME, f"publication time ({DAY_ONLY})"),
    Column("first_seen", TIME, f"first crawl that saw it ({DAY_ONLY})"),
    Column("last_seen", TIME, f"last crawl that saw it ({DAY_ONLY})"),
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
    Column("cluster_ids", LIST, f"near-duplicate clusters, one campaign's copies ({KEYED_IDS})"),
    Column("network_ids", LIST, f"shared-contact networks ({KEYED_IDS})"),
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


def _common(document: Document, pseudonymiser: Pseudonymiser | None) -> Row:
    """Columns both tables share, none of them personal; ids keyed when pseudonymised."""
    return {
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
        "flags": list(document.flags),
    } | _ids(document, pseudonymiser)


def _ids(document: Document, pseudonymiser: Pseudonymiser | None) -> Row:
    if pseudonymiser is None:
        return {
            "id": document.id,
            "cluster_ids": list(document.cluster_ids),
            "network_ids": list(document.network_ids),
        }
    return {
        "id": pseudonymiser.pseudonym_id(IdKind.DOCUMENT, document.id),
        "cluster_ids": pseudonymiser.pseudonym_ids(IdKind.CLUSTER, document.cluster_ids),
        "network_ids": pseudonymiser.pseudonym_ids(IdKind.NETWORK, document.network_ids),
    }


def document_row(
    document: Document, pseudonymiser: Pseudonymiser | None, free_text: bool = False
) -> Row:
    """One row of the documents table; personal data hashed or left out unless no
    pseudonymiser is given (raw export). `free_text` keeps the title and text, redacted."""
    row = _common(document, pseudonymiser)
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
    return _days(row | _pseudonymised_personal(document, pseudonymiser, free_text))


def _days(row: Row) -> Row:
    """The row with each time cut to midnight UTC of its day."""
    return {
        name: datetime.combine(value.astimezone(UTC).date(), time(), UTC)
        if isinstance(value, datetime)
        else value
        for name, value in row.items()
    }


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


def _pseudonymised_personal(
    document: Document, pseudonymiser: Pseudonymiser, free_text: bool
) -> Row:
    return {
        "url": pseudonymiser.token("url", document.url),
        "author": pseudonymiser.token("author", document.author) if document.author else None,
        "title": _redacted(document, "title", pseudonymiser) if free_text else None,
        "text": _redacted(document, "text", pseudonymiser) if free_text else None,
        "phones": pseudonymiser.tokens(document.entities, EntityKind.PHONE),
        "emails": pseudonymiser.tokens(document.entities, EntityKind.EMAIL),
        "handles": pseudonymiser.tokens(document.entities, EntityKind.HANDLE),
        # The digest of the captured page identifies it to anyone holding the page (or the
        # WARC): hashing candidate pages would lead a researcher back to the ad.
        "capture_sha256": None,
    }


def _redacted(document: Document, name: str, pseudonymiser: Pseudonymiser) -> str:
    in_field = [entity for entity in document.entities if entity.field == name]
    return pseudonymiser.redact(getattr(document, name), in_field)


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


def modus_operandi_row(document: Document, pseudonymiser: Pseudonymiser | None) -> Row:
    row = _common(document, pseudonymiser) | {
        "recruitment_channel": document.source.kind.value,
        "week": _week(document.published_at or document.first_seen),
        "sectors": sectors(document),
        "contact_methods": contact_methods(document),
        "destination_countries": destination_countries(document),
    }
    return row if pseudonymiser is None else _days(row)


# --- the export -----------------------------------------------------------------------------


def export_rows(
    documents: Iterable[Document],
    table: ExportTable,
    pseudonymiser: Pseudonymiser | None,
    free_text: bool = False,
) -> Iterator[Row]:
    for document in documents:
        if table is ExportTable.DOCUMENTS:
            yield document_row(document, pseudonymiser, free_text)
        else:
            yield modus_operandi_row(document, pseudonymiser)


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
    free_text: bool = False,
) -> Iterator[bytes]:
    """The export as byte chunks: documents paged from the index, rows written as they come."""
    documents = index.export(query, page_size=EXPORT_PAGE_SIZE)
    rows = export_rows(documents, table, pseudonymiser, free_text)
    return write_chunks(rows, COLUMNS[table], fmt)


def file_name(table: ExportTable, fmt: ExportFormat, pseudonymised: bool, at: datetime) -> str:
    kind = "pseudonymised" if pseudonymised else "raw"
    return f"track4tip-{table.value}-{kind}-{at.strftime('%Y%m%dT%H%M%SZ')}.{fmt.value}"
