"""The searchable form of a Document, the same for every backend (DESIGN.md §2).

Text is analysed once, by `nlp.search_text`; each backend indexes these space-joined, already
folded terms with a plain whitespace tokenizer (tantivy's "whitespace", Elasticsearch's built-in
`whitespace` analyzer), so both hold exactly the same terms at exactly the same positions.

    stem, exact     title + text + attribute values; `exact` keeps every word, for phrases
    title_stem,     the title again, so a title match can be boosted over a body match
    title_exact
    keywords        facet fields (FACET_FIELDS), status and contact identifiers; values a
                    document lacks are left out
"""

from __future__ import annotations

from dataclasses import dataclass

from index.document import Document
from index.queries import FACET_FIELDS
from nlp.search_text import index_terms

STATUS = "status"
IDENTIFIER = "identifier"
KEYWORD_FIELDS = (*FACET_FIELDS, STATUS, IDENTIFIER)
# (exact, stem) of one word; a stop word has no stem.
Term = tuple[str, str | None]
# A token that no query word can be (query words are \w+), put between title, text and each
# attribute so that a phrase never matches across the end of one and the start of the next.
SECTION_BREAK = "|"


@dataclass(frozen=True, slots=True)
class SearchFields:
    stem: str
    exact: str
    title_stem: str
    title_exact: str
    keywords: dict[str, list[str]]


def search_fields(document: Document) -> SearchFields:
    """The analysed terms and keyword values of one (latest) document version."""
    title = index_terms(document.title, document.language)
    sections = _sections(document, title)
    return SearchFields(
        stem=" ".join([_stem_terms(terms) for terms in sections]),
        exact=_exact_terms(sections),
        title_stem=_stem_terms(title),
        title_exact=_exact_terms([title]),
        keywords=keyword_values(document),
    )


def keyword_values(document: Document) -> dict[str, list[str]]:
    """The values of each keyword field; fields the document lacks are left out."""
    optional = {
        "language": document.language,
        "country": document.source.country,
        "topic": str(document.topic_label) if document.topic_label else None,
    }
    values = {name: [value] for name, value in optional.items() if value}
    values.update(
        {
            "source_kind": [str(document.source.kind)],
            "site": [document.source.site],
            "indicator": document.indicator_ids,
            "risk_label": [str(document.risk_label)],
            STATUS: [str(document.status)],
            "cluster": document.cluster_ids,
            "network": document.network_ids,
            "flag": document.flags,
            IDENTIFIER: document.identifiers,
        }
    )
    return {name: chosen for name, chosen in values.items() if chosen}


def _sections(document: Document, title: list[Term]) -> list[list[Term]]:
    language = document.language
    others = [
        index_terms(text, language) for text in (document.text, *document.attributes.values())
    ]
    return [terms for terms in (title, *others) if terms]


# Lists, not generators, inside join: join builds a list anyway, and this runs per document.
def _exact_terms(sections: list[list[Term]]) -> str:
    return f" {SECTION_BREAK} ".join([" ".join([exact for exact, _ in t]) for t in sections])


def _stem_terms(terms: list[Term]) -> str:
    return " ".join([stem for _, stem in terms if stem])
