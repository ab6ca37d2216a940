"""The search query of the API and the console, from query parameters.

`search_query` is the dependency behind `api.deps.SearchQueryDep`: a validated `SearchQuery`
built from query parameters (`histogram=week`, `histogram_field` and repeated
`histogram_split` ask for a date histogram). Every refusal is a 422 in FastAPI's usual shape
whose `loc` names the parameter, including the cross-field checks of `SearchQuery` and a
query string the parser refuses. `query_from_params` does the same for a saved page URL.
"""

from __future__ import annotations

import re
import typing
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from index.document import SourceKind, Status
from index.errors import InvalidQuery
from index.queries import (
    MAX_PAGE_SIZE,
    DateField,
    Histogram,
    Interval,
    SearchQuery,
    Sort,
    SplitField,
    parse_query_string,
)
from nlp.types import RiskLabel, TopicLabel


def _error(name: str, message: str, value: Any, kind: str = "value_error") -> dict[str, Any]:
    return {"type": kind, "loc": ("query", name), "msg": message, "input": value}


def _instant(name: str, value: str | None, end_of_day: bool) -> datetime | None:
    """A date or an ISO 8601 datetime; naive means UTC. A bare date ending a range covers
    that whole day, so `published_to=2024-03-01` includes ads published on March 1st."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == len("YYYY-MM-DD"):
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        message = "must be a date (2024-03-01) or an ISO 8601 datetime (2024-03-01T12:00:00Z)"
        raise RequestValidationError([_error(name, message, value, "datetime_parsing")]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parameter_named(message: str) -> str | None:
    """The parameter a cross-field message of `SearchQuery` is about: the first one it names
    ("risk_min must not be greater than risk_max" -> risk_min)."""
    for word in re.findall(r"[a-z_]+", message.removeprefix("Value error, ")):
        if word in SearchQuery.model_fields:
            return word
    return None


def _query_errors(error: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors with `loc` rooted at "query"; a cross-field error gets the parameter
    its message names, so a client can point at the box to fix."""
    errors = []
    for item in error.errors(include_url=False, include_context=False):
        if item["loc"]:
            errors.append({**item, "loc": ("query", *item["loc"])})
            continue
        name = _parameter_named(item["msg"])
        loc = ("query", name) if name else ("query",)
        errors.append({"type": item["type"], "loc": loc, "msg": item["msg"], "input": None})
    return errors


def _check_query_string(q: str) -> None:
    try:
        parse_query_string(q)
    except InvalidQuery as refused:
        raise RequestValidationError([_error("q", str(refused), q, "invalid_query")]) from None


def _histogram(
    interval: Interval | None, field: DateField | None, split: list[SplitField]
) -> Histogram | None:
    if interval is not None:
        return Histogram(interval=interval, field=field or DateField.PUBLISHED, split_by=split)
    stray = [
        name for name, given in (("histogram_field", field), ("histogram_split", split)) if given
    ]
    if stray:
        message = "needs histogram=day, week or month"
        raise RequestValidationError([_error(name, message, None) for name in stray])
    return None


QueryText = Annotated[
    str,
    Query(
        max_length=1000,
        description='Words (all required), "a phrase", word OR word, -excluded.',
        examples=['pasaporte "damas de compañía" -cocina'],
    ),
]
Values = Annotated[list[str] | None, Query(description="Repeat to allow several values.")]
Kinds = Annotated[list[SourceKind] | None, Query(description="Source kinds; repeatable.")]
Labels = Annotated[list[RiskLabel] | None, Query(description="Risk labels; repeatable.")]
Topics = Annotated[
    list[TopicLabel] | None,
    Query(description="Trafficking topic: trafficking or other; repeatable."),
]
Statuses = Annotated[list[Status] | None, Query(description="active or taken_down.")]
Identifiers = Annotated[
    list[str] | None,
    Query(
        description="Documents naming this contact: an E.164 phone, an e-mail or "
        "platform:handle; repeatable.",
        examples=["+584121234567"],
    ),
]
Instant = Annotated[
    str | None,
    Query(
        description="A date or ISO 8601 datetime; naive times are UTC.",
        examples=["2024-03-01", "2024-03-01T12:00:00Z"],
    ),
]
RiskBound = Annotated[float | None, Query(ge=0.0, le=1.0, description="Risk score bound.")]
HistogramInterval = Annotated[
    Interval | None,
    Query(description="Count the matches per day, week (from Monday) or month, in UTC."),
]
HistogramField = Annotated[
    DateField | None,
    Query(description="The date the histogram counts (default: published); needs histogram."),
]
HistogramSplit = Annotated[
    list[SplitField] | None,
    Query(description="Also one series per indicator, country or site; repeatable."),
]
Page = Annotated[int, Query(ge=1, description="1-based page number.")]
Size = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Hits per page.")]


def search_query(
    q: QueryText = "",
    language: Values = None,
    country: Values = None,
    source_kind: Kinds = None,
    site: Values = None,
    indicator: Values = None,
    risk_label: Labels = None,
    topic: Topics = None,
    status: Statuses = None,
    cluster: Values = None,
    network: Values = None,
    flag: Values = None,
    identifier: Identifiers = None,
    published_from: Instant = None,
    published_to: Instant = None,
    risk_min: RiskBound = None,
    risk_max: RiskBound = None,
    sort: Annotated[Sort, Query(description="Order of the hits.")] = Sort.RELEVANCE,
    page: Page = 1,
    size: Size = 20,
    facets: Annotated[bool, Query(description="Count facet values.")] = True,
    histogram: HistogramInterval = None,
    histogram_field: HistogramField = None,
    histogram_split: HistogramSplit = None,
) -> SearchQuery:
    _check_query_string(q)
    trend = _histogram(histogram, histogram_field, histogram_split or [])
    try:
        return SearchQuery(
            q=q,
            language=language or [],
            country=country or [],
            source_kind=source_kind or [],
            site=site or [],
            indicator=indicator or [],
            risk_label=risk_label or [],
            topic=topic or [],
            status=status or [],
            cluster=cluster or [],
            network=network or [],
            flag=flag or [],
            identifier=identifier or [],
            published_from=_instant("published_from", published_from, end_of_day=False),
            published_to=_instant("published_to", published_to, end_of_day=True),
            risk_min=risk_min,
            risk_max=risk_max,
            sort=sort,
            page=page,
            size=size,
            facets=facets,
            histogram=trend,
        )
    except ValidationError as error:
        raise RequestValidationError(_query_errors(error)) from None


SearchQueryDep = Annotated[SearchQuery, Depends(search_query)]


def query_from_params(params: list[tuple[str, str]]) -> SearchQuery:
    """The `SearchQuery` a search page URL's parameters ask for, checked as `search_query`
    checks them (a console form saving "this search" sends them); unknown names are ignored."""
    accepted = typing.get_type_hints(search_query)
    lists = {name for name, hint in accepted.items() if "list[" in str(hint)}
    values: dict[str, Any] = {}
    for name, value in params:
        if name in lists:
            values.setdefault(name, []).append(value)
        elif name in accepted:
            values[name] = value
    try:
        return search_query(**values)
    except ValidationError as error:
        raise RequestValidationError(_query_errors(error)) from None
