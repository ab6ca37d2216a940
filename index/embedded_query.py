"""Translate the shared query model (index/queries.py) into tantivy queries.

A word matches when the `stem` field holds any of its stems or the `exact` field holds its
folded form; the same clauses on the title fields are added with a boost, which changes the
score but never the set of matches (the title is also part of `stem` and `exact`). A phrase is
a phrase query on `exact`.

Filters are wrapped in constant-score-zero queries so that they narrow the results without
adding to the BM25 score of the words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tantivy

from index.embedded_schema import (
    EXACT,
    PUBLISHED_AT,
    RISK_SCORE,
    STEM,
    TITLE_EXACT,
    TITLE_STEM,
)
from index.histograms import TOTAL, series_name
from index.queries import (
    FACET_FIELDS,
    MAX_SERIES,
    FacetBucket,
    Histogram,
    Interval,
    ParsedQuery,
    Phrase,
    SearchQuery,
)
from nlp.search_text import QueryWord

Occur = tantivy.Occur
Query = tantivy.Query

TITLE_BOOST = 2.0


class QueryTranslator:
    """Builds tantivy queries against one schema."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def translate(self, parsed: ParsedQuery, query: SearchQuery) -> tantivy.Query:
        """The full query: text clauses and every filter of `query`."""
        clauses = self._text_clauses(parsed)
        clauses += [(Occur.Must, Query.const_score_query(f, 0.0)) for f in self._filters(query)]
        if not any(occur == Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _text_clauses(self, parsed: ParsedQuery) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        clauses = [(Occur.Must, self.phrase(phrase)) for phrase in parsed.must]
        for group in parsed.any_of:
            either = Query.boolean_query([(Occur.Should, self.phrase(p)) for p in group])
            clauses.append((Occur.Must, either))
        clauses += [(Occur.MustNot, self.phrase(phrase)) for phrase in parsed.must_not]
        return clauses

    def phrase(self, phrase: Phrase) -> tantivy.Query:
        if len(phrase.words) == 1:
            return self.word(phrase.words[0])
        # Offsets keep the places of the stop words the query dropped ("damas de compañía").
        words = [
            (position, word.exact)
            for position, word in zip(phrase.positions, phrase.words, strict=True)
        ]
        body = Query.phrase_query(self.schema, EXACT, words)
        title = Query.phrase_query(self.schema, TITLE_EXACT, words)
        return _either(body, Query.boost_query(title, TITLE_BOOST))

    def word(self, word: QueryWord) -> tantivy.Query:
        body = self._forms(word, STEM, EXACT)
        title = self._forms(word, TITLE_STEM, TITLE_EXACT)
        return _either(body, Query.boost_query(title, TITLE_BOOST))

    def _forms(self, word: QueryWord, stem_field: str, exact_field: str) -> tantivy.Query:
        terms = [Query.term_query(self.schema, stem_field, stem) for stem in sorted(word.stems)]
        terms.append(Query.term_query(self.schema, exact_field, word.exact))
        return Query.boolean_query([(Occur.Should, term) for term in terms])

    def _filters(self, query: SearchQuery) -> list[tantivy.Query]:
        filters = [
            Query.term_set_query(self.schema, name, values)
            for name, values in query.keyword_filters().items()
        ]
        if query.published_from or query.published_to:
            filters.append(self._date_range(PUBLISHED_AT, query.published_from, query.published_to))
        if query.risk_min is not None or query.risk_max is not None:
            filters.append(
                Query.range_query(
                    self.schema, RISK_SCORE, tantivy.FieldType.Float, query.risk_min, query.risk_max
                )
            )
        return filters

    def _date_range(
        self, field: str, lower: datetime | None, upper: datetime | None
    ) -> tantivy.Query:
        return Query.range_query(self.schema, field, tantivy.FieldType.Date, lower, upper)


def _either(*queries: tantivy.Query) -> tantivy.Query:
    return Query.boolean_query([(Occur.Should, query) for query in queries])


# --- facets -------------------------------------------------------------------------------

# Buckets per facet; the console shows the top of each list.
FACET_SIZE = 50


def facet_aggregation() -> dict[str, dict[str, object]]:
    """A terms aggregation on the keyword fast field of every facet."""
    return {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACET_FIELDS}


def read_facets(result: dict[str, Any]) -> dict[str, list[FacetBucket]]:
    """Buckets by facet, most frequent first, ties by value (as every backend orders them)."""
    facets: dict[str, list[FacetBucket]] = {}
    for name in FACET_FIELDS:
        buckets = [
            FacetBucket(value=str(bucket["key"]), count=int(bucket["doc_count"]))
            for bucket in result.get(name, {}).get("buckets", [])
        ]
        facets[name] = sorted(buckets, key=lambda bucket: (-bucket.count, bucket.value))
    return facets


# --- date histograms ----------------------------------------------------------------------

# tantivy knows fixed intervals only: weeks are 7 days shifted from the epoch's Thursday to a
# Monday, and months are counted per day, then summed by index/histograms.py.
_FIXED_INTERVALS: dict[Interval, dict[str, str]] = {
    Interval.DAY: {"fixed_interval": "1d"},
    Interval.WEEK: {"fixed_interval": "7d", "offset": "-3d"},
    Interval.MONTH: {"fixed_interval": "1d"},
}


def histogram_aggregation(histogram: Histogram) -> dict[str, dict[str, object]]:
    """The total date histogram and one terms-split histogram per `split_by` field."""
    dates = {
        "date_histogram": {
            "field": histogram.field.index_field,
            "min_doc_count": 1,
            **_FIXED_INTERVALS[histogram.interval],
        }
    }
    aggregations: dict[str, dict[str, object]] = {TOTAL: dates}
    for field in histogram.split_by:
        aggregations[series_name(field)] = {
            "terms": {"field": field.value, "size": MAX_SERIES},
            "aggs": {TOTAL: dates},
        }
    return aggregations
