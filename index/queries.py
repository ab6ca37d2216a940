"""One query model that every backend translates, and the results every backend returns.

The query string an analyst types is parsed here, once, into clauses:

    pasaporte viaje          both words (AND)
    "damas de compañía"      a phrase
    modelos OR anfitrionas   either word
    -cocina                  without the word

Each word is analysed by `nlp.search_text` into its folded form and its stems in every
supported language; backends match a word when either the stem field holds one of its stems or
the exact field holds its folded form.

A query may also ask for a date histogram (`Histogram`): counts per day, week (starting on
Monday) or calendar month, in UTC, of the matching documents' publication or fetch dates,
optionally split into one series per indicator, country or site — the trends of the console.
Both backends return the same buckets (index/histograms.py turns the engines' raw counts into
them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from index.document import Document, SourceKind, Status
from index.errors import InvalidQuery
from nlp.search_text import QueryWord, analyze_query_word, fold, split_words
from nlp.types import RiskLabel, TopicLabel

MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
FACET_FIELDS = (
    "language",
    "country",
    "source_kind",
    "site",
    "indicator",
    "risk_label",
    "topic",
    "cluster",
    "network",
    "flag",
)
# Series per split field, the most frequent values first: a chart shows no more lines.
MAX_SERIES = 20


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PUBLISHED = "published"
    FETCHED = "fetched"
    RISK = "risk"


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class DateField(StrEnum):
    PUBLISHED = "published"
    FETCHED = "fetched"

    @property
    def index_field(self) -> str:
        """The field both backends index the date under."""
        return f"{self.value}_at"


class SplitField(StrEnum):
    INDICATOR = "indicator"
    COUNTRY = "country"
    SITE = "site"


class Histogram(BaseModel):
    """Counts of the matching documents per period; documents lacking the date are left out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval: Interval = Interval.WEEK
    field: DateField = DateField.PUBLISHED
    split_by: tuple[SplitField, ...] = ()

    @field_validator("split_by")
    @classmethod
    def _each_split_once(cls, split_by: tuple[SplitField, ...]) -> tuple[SplitField, ...]:
        return tuple(dict.fromkeys(split_by))


class SearchQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field(default="", max_length=1000)
    language: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    source_kind: list[SourceKind] = Field(default_factory=list)
    site: list[str] = Field(default_factory=list)
    indicator: list[str] = Field(default_factory=list)
    risk_label: list[RiskLabel] = Field(default_factory=list)
    topic: list[TopicLabel] = Field(default_factory=list)
    status: list[Status] = Field(default_factory=list)
    cluster: list[str] = Field(default_factory=list)
    network: list[str] = Field(default_factory=list)
    flag: list[str] = Field(default_factory=list)
    # Documents naming any of these contact values (E.164 phone, e-mail, platform:handle).
    identifier: list[str] = Field(default_factory=list)
    # Only these document ids (alert rules run over a newly indexed batch).
    ids: list[str] = Field(default_factory=list, max_length=MAX_RESULT_WINDOW)
    published_from: AwareDatetime | None = None
    published_to: AwareDatetime | None = None
    risk_min: float | None = Field(default=None, ge=0.0, le=1.0)
    risk_max: float | None = Field(default=None, ge=0.0, le=1.0)
    sort: Sort = Sort.RELEVANCE
    page: int = Field(default=1, ge=1)
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    facets: bool = True
    histogram: Histogram | None = None

    @model_validator(mode="after")
    def _ranges_in_order(self) -> SearchQuery:
        both_risks = self.risk_min is not None and self.risk_max is not None
        if both_risks and self.risk_min > self.risk_max:  # type: ignore[operator]
            raise ValueError("risk_min must not be greater than risk_max")
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise ValueError("published_from must not be after published_to")
        if self.page * self.size > MAX_RESULT_WINDOW:
            raise ValueError(f"page * size must not exceed {MAX_RESULT_WINDOW}")
        return self

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def keyword_filters(self) -> dict[str, list[str]]:
        """Facet-field filters with values, as plain strings, skipping empty ones."""
        values = {
            "language": self.language,
            "country": self.country,
            "source_kind": [str(kind) for kind in self.source_kind],
            "site": self.site,
            "indicator": self.indicator,
            "risk_label": [str(label) for label in self.risk_label],
            "topic": [str(label) for label in self.topic],
            "status": [str(status) for status in self.status],
            "cluster": self.cluster,
            "network": self.network,
            "flag": self.flag,
            "identifier": self.identifier,
            "id": self.ids,
        }
        return {name: list(chosen) for name, chosen in values.items() if chosen}


# --- the query string ---------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """Words in order; a one-word phrase is a plain word.

    Stop words are not searched for but keep their place: `positions[i]` is where `words[i]`
    stands in the phrase as typed, so "damas de compañía" matches "damas" two places before
    "compania" with any word between, as the engines' phrase queries with offsets expect.
    """

    words: tuple[QueryWord, ...]
    positions: tuple[int, ...]


@dataclass(frozen=True)
class ParsedQuery:
    """must: all of these; should_groups: at least one of each group; must_not: none."""

    must: list[Phrase] = field(default_factory=list)
    any_of: list[list[Phrase]] = field(default_factory=list)
    must_not: list[Phrase] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.must or self.any_of)

    def positive_words(self) -> list[QueryWord]:
        """Every word the analyst asked for, to highlight."""
        phrases = [*self.must, *(phrase for group in self.any_of for phrase in group)]
        return [word for phrase in phrases for word in phrase.words]


_CLAUSE = re.compile(r'(-?)"([^"]*)"|(\S+)')


def _phrase(text: str) -> Phrase | None:
    analysed = [analyze_query_word(word) for word in split_words(text)]
    kept = [(position, word) for position, word in enumerate(analysed) if word is not None]
    if not kept:
        return None
    first = kept[0][0]
    return Phrase(
        words=tuple(word for _, word in kept),
        positions=tuple(position - first for position, _ in kept),
    )


def _clauses(q: str) -> list[tuple[bool, str, bool]]:
    """(negated, text, is_or_operator) for each clause of the query string."""
    if q.count('"') % 2:
        raise InvalidQuery('unbalanced quote in q: every phrase needs a closing "')
    clauses = []
    for match in _CLAUSE.finditer(q):
        negated_phrase, phrase_text, bare = match.groups()
        if bare is not None:
            if bare == "OR":
                clauses.append((False, "", True))
                continue
            negated = bare.startswith("-") and len(bare) > 1
            clauses.append((negated, bare[1:] if negated else bare, False))
        else:
            clauses.append((negated_phrase == "-", phrase_text, False))
    return clauses


def parse_query_string(q: str) -> ParsedQuery:
    """Parse an analyst's query string (see the module docstring for the syntax)."""
    parsed = ParsedQuery()
    groups: list[list[Phrase]] = []
    join_next = False
    for negated, text, is_or in _clauses(q):
        if is_or:
            join_next = bool(groups)
            continue
        phrase = _phrase(text)
        if phrase is None:
            continue
        if negated:
            parsed.must_not.append(phrase)
        elif join_next:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        join_next = False
    for group in groups:
        if len(group) == 1:
            parsed.must.append(group[0])
        else:
            parsed.any_of.append(group)
    return parsed


def folded_terms(q: str) -> set[str]:
    """Folded words of a query, used where no stemming applies (e.g. titles in a terminal)."""
    return {fold(word) for word in split_words(q)}


# --- results ------------------------------------------------------------------------------


class FacetBucket(BaseModel):
    value: str
    count: int


class Hit(BaseModel):
    """One search result: the document and the highlighted fragments that matched."""

    document: Document
    score: float | None = None
    highlights: dict[str, list[str]] = Field(default_factory=dict)


class HistogramBucket(BaseModel):
    """`count` documents dated in the period that begins at `start` (UTC)."""

    start: AwareDatetime
    count: int


class SearchResults(BaseModel):
    total: int
    page: int
    size: int
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]] = Field(default_factory=dict)
    # Asked for with `SearchQuery.histogram`: every period from the first dated match to the
    # last, empty periods included; each series (split field -> value -> buckets) spans the same
    # periods, so that the lines of a chart line up.
    histogram: list[HistogramBucket] = Field(default_factory=list)
    series: dict[str, dict[str, list[HistogramBucket]]] = Field(default_factory=dict)
