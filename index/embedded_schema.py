"""The tantivy schema of the embedded index and how a Document becomes a tantivy document.

Text is analysed by `nlp.search_text` (DESIGN.md §2), never by tantivy: each text field is fed
space-joined, already folded terms and indexed with tantivy's plain "whitespace" tokenizer.

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
from index.queries import FACET_FIELDS
from nlp.search_text import Token, analyze

ID = "id"
STEM = "stem"
EXACT = "exact"
TITLE_STEM = "title_stem"
TITLE_EXACT = "title_exact"
STATUS = "status"
KEYWORD_FIELDS = (*FACET_FIELDS, STATUS)
RISK_SCORE = "risk_score"
PUBLISHED_AT = "published_at"
FETCHED_AT = "fetched_at"
# A token that no query word can be (query words are \w+), put between title, text and each
# attribute so that a phrase never matches across the end of one and the start of the next.
SECTION_BREAK = "|"


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


def keyword_values(document: Document) -> dict[str, list[str]]:
    """The values of each keyword field; empty lists for values the document lacks."""
    optional = {
        "language": document.language,
        "country": document.source.country,
    }
    values = {name: [value] for name, value in optional.items() if value}
    values.update(
        {
            "source_kind": [str(document.source.kind)],
            "site": [document.source.site],
            "indicator": document.indicator_ids,
            "risk_label": [str(document.risk_label)],
            STATUS: [str(document.status)],
        }
    )
    return values


def _sections(document: Document, title: list[Token]) -> list[list[Token]]:
    language = document.language
    others = [analyze(text, language) for text in (document.text, *document.attributes.values())]
    return [tokens for tokens in (title, *others) if tokens]


def _exact_terms(sections: list[list[Token]]) -> str:
    return f" {SECTION_BREAK} ".join(" ".join(token.exact for token in s) for s in sections)


def _stem_terms(tokens: list[Token]) -> str:
    return " ".join(token.stem for token in tokens if token.stem)


def fulltext_document(document: Document) -> tantivy.Document:
    """The searchable form of one (latest) document version."""
    title = analyze(document.title, document.language)
    sections = _sections(document, title)
    entry = tantivy.Document()
    entry.add_text(ID, document.id)
    entry.add_text(STEM, " ".join(_stem_terms(tokens) for tokens in sections))
    entry.add_text(EXACT, _exact_terms(sections))
    entry.add_text(TITLE_STEM, _stem_terms(title))
    entry.add_text(TITLE_EXACT, _exact_terms([title]))
    for name, values in keyword_values(document).items():
        for value in values:
            entry.add_text(name, value)
    if document.risk is not None:
        entry.add_float(RISK_SCORE, document.risk.score)
    if document.published_at is not None:
        entry.add_date(PUBLISHED_AT, document.published_at)
    entry.add_date(FETCHED_AT, document.fetched_at)
    return entry
