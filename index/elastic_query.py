"""Translate the shared query model (index/queries.py) into Elasticsearch query DSL.

The same clauses as the embedded backend (index/embedded_query.py), clause for clause:

- a word matches when `stem` holds any of its stems or `exact` holds its folded form; the same
  on the title fields, boosted, changes the score and never the set of matches;
- a phrase is a `span_near` over `exact` with `span_gap`s where the query's stop words stood, so
  "damas de compañía" wants exactly one word between "damas" and "compania" (a `match_phrase`
  would re-analyse the text and lose those places);
- filters sit in `filter` clauses, which narrow the results without scoring;
- facets are terms aggregations over the query with every filter applied;
- a date histogram is a calendar `date_histogram` (UTC, weeks from Monday), each series a terms
  aggregation holding one; index/histograms.py reads both.
"""

from __future__ import annotations

from typing import Any

from index.histograms import TOTAL, series_name
from index.queries import (
    FACET_FIELDS,
    MAX_SERIES,
    FacetBucket,
    Histogram,
    ParsedQuery,
    Phrase,
    SearchQuery,
    Sort,
)
from nlp.search_text import QueryWord

TITLE_BOOST = 2.0
FACET_SIZE = 50
_SORT_FIELDS = {Sort.PUBLISHED: "published_at", Sort.FETCHED: "fetched_at", Sort.RISK: "risk_score"}

Clause = dict[str, Any]


def translate(parsed: ParsedQuery, query: SearchQuery) -> Clause:
    """The bool query: text clauses and every filter of `query`."""
    must = [phrase_clause(phrase) for phrase in parsed.must]
    must += [_either(*(phrase_clause(p) for p in group)) for group in parsed.any_of]
    boolean: dict[str, Any] = {
        "must": must or [{"match_all": {}}],
        "filter": _filters(query),
    }
    if parsed.must_not:
        boolean["must_not"] = [phrase_clause(phrase) for phrase in parsed.must_not]
    return {"bool": boolean}


def phrase_clause(phrase: Phrase) -> Clause:
    if len(phrase.words) == 1:
        return word_clause(phrase.words[0])
    return _either(_span_phrase("exact", phrase), _span_phrase("title_exact", phrase, TITLE_BOOST))


def word_clause(word: QueryWord) -> Clause:
    return _either(
        _forms(word, "stem", "exact"), _forms(word, "title_stem", "title_exact", TITLE_BOOST)
    )


def _forms(word: QueryWord, stem_field: str, exact_field: str, boost: float = 1.0) -> Clause:
    terms = [{"term": {stem_field: stem}} for stem in sorted(word.stems)]
    terms.append({"term": {exact_field: word.exact}})
    return {"bool": {"should": terms, "boost": boost}}


def _span_phrase(field: str, phrase: Phrase, boost: float = 1.0) -> Clause:
    clauses: list[Clause] = []
    previous = None
    for position, word in zip(phrase.positions, phrase.words, strict=True):
        if previous is not None and position - previous > 1:
            clauses.append({"span_gap": {field: position - previous - 1}})
        clauses.append({"span_term": {field: word.exact}})
        previous = position
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True, "boost": boost}}


def _either(*clauses: Clause) -> Clause:
    return {"bool": {"should": list(clauses), "minimum_should_match": 1}}


def _filters(query: SearchQuery) -> list[Clause]:
    filters: list[Clause] = [
        {"terms": {name: values}} for name, values in query.keyword_filters().items()
    ]
    if query.published_from or query.published_to:
        published: dict[str, str] = {}
        if query.published_from:
            published["gte"] = query.published_from.isoformat()
        if query.published_to:
            published["lte"] = query.published_to.isoformat()
        filters.append({"range": {"published_at": published}})
    if query.risk_min is not None or query.risk_max is not None:
        risk: dict[str, float] = {}
        if query.risk_min is not None:
            risk["gte"] = query.risk_min
        if query.risk_max is not None:
            risk["lte"] = query.risk_max
        filters.append({"range": {"risk_score": risk}})
    return filters


def sort_clause(sort: Sort) -> list[Any]:
    """Newest or riskiest first, documents lacking the value last; ties broken by id."""
    if sort == Sort.RELEVANCE:
        return ["_score", {"id": "asc"}]
    return [{_SORT_FIELDS[sort]: {"order": "desc", "missing": "_last"}}, {"id": "asc"}]


def facet_aggregations() -> dict[str, Any]:
    return {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACET_FIELDS}


def read_facets(aggregations: dict[str, Any]) -> dict[str, list[FacetBucket]]:
    """Buckets by facet, most frequent first, ties by value (as every backend orders them)."""
    facets: dict[str, list[FacetBucket]] = {}
    for name in FACET_FIELDS:
        buckets = [
            FacetBucket(value=str(bucket["key"]), count=int(bucket["doc_count"]))
            for bucket in aggregations.get(name, {}).get("buckets", [])
        ]
        facets[name] = sorted(buckets, key=lambda bucket: (-bucket.count, bucket.value))
    return facets


def histogram_aggregations(histogram: Histogram) -> dict[str, Any]:
    """The total date histogram and one terms-split histogram per `split_by` field."""
    dates = {
        "date_histogram": {
            "field": histogram.field.index_field,
            "calendar_interval": str(histogram.interval),
            "min_doc_count": 1,
        }
    }
    aggregations: dict[str, Any] = {TOTAL: dates}
    for field in histogram.split_by:
        aggregations[series_name(field)] = {
            "terms": {"field": field.value, "size": MAX_SERIES},
            "aggs": {TOTAL: dates},
        }
    return aggregations
