"""The tantivy schema of the embedded index and how a Document becomes a tantivy document.

Text is analysed by `nlp.search_text` (DESIGN.md §2), never by tantivy: each text field is fed
the space-joined, already folded terms of index/search_fields.py and indexed with tantivy's
plain "whitespace" tokenizer.

    id              raw, stored, fast: the only stored field; documents are read from SQLite
    stem, exact     title + text + attribute values; `exact` keeps positions for phrases
    title_stem,     the title again, so a title match can be boosted over a body match
    title_exact
    <facet fields>  raw keyword fast fields (FACET_FIELDS, plus status) for filters and facets
    risk_score      float fast field; published_at, fetched_at: date fast fields

Unset values (no country, no risk, no publication date) are left out, not defaulted, so a range
filter never matches a document that lacks the value and sorts put such documents last.
"""

from __future__ import annotations

import tantivy

from index.document import Document
from index.search_fields import KEYWORD_FIELDS, search_fields

ID = "id"
STEM = "stem"
EXACT = "exact"
TITLE_STEM = "title_stem"
TITLE_EXACT = "title_exact"
RISK_SCORE = "risk_score"
PUBLISHED_AT = "published_at"
FETCHED_AT = "fetched_at"


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(ID, stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    for name in (STEM, TITLE_STEM):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    for name in (EXACT, TITLE_EXACT):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_float_field(RISK_SCORE, indexed=True, fast=True)
    for name in (PUBLISHED_AT, FETCHED_AT):
        builder.add_date_field(name, indexed=True, fast=True)
    return builder.build()


def fulltext_document(document: Document) -> tantivy.Document:
    """The searchable form of one (latest) document version."""
    fields = search_fields(document)
    entry = tantivy.Document()
    entry.add_text(ID, document.id)
    entry.add_text(STEM, fields.stem)
    entry.add_text(EXACT, fields.exact)
    entry.add_text(TITLE_STEM, fields.title_stem)
    entry.add_text(TITLE_EXACT, fields.title_exact)
    for name, values in fields.keywords.items():
        for value in values:
            entry.add_text(name, value)
    if document.risk is not None:
        entry.add_float(RISK_SCORE, document.risk.score)
    if document.published_at is not None:
        entry.add_date(PUBLISHED_AT, document.published_at)
    entry.add_date(FETCHED_AT, document.fetched_at)
    return entry
