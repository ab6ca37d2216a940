"""Links of the search page: facet values that toggle a filter, and pages of results.

Every link keeps the rest of the analyst's query (words, other filters, sort) and goes back to
the first page when the filters change, since the old page number may no longer exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from index.queries import MAX_RESULT_WINDOW, FacetBucket, SearchQuery

SEARCH_PATH = "/"
Params = list[tuple[str, str]]


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool
    url: str


@dataclass(frozen=True)
class Facet:
    field: str
    values: list[FacetValue]


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    previous_url: str | None
    next_url: str | None


def _url(params: Params) -> str:
    return f"{SEARCH_PATH}?{urlencode(params)}" if params else SEARCH_PATH


def _without_page(params: QueryParams) -> Params:
    return [(name, value) for name, value in params.multi_items() if name != "page"]


def kept_filters(params: QueryParams) -> Params:
    """Parameters the search form carries as hidden fields: all but the ones it shows."""
    return [(name, value) for name, value in _without_page(params) if name not in ("q", "sort")]


def toggle_url(params: QueryParams, field: str, value: str) -> str:
    current = _without_page(params)
    if (field, value) in current:
        return _url([item for item in current if item != (field, value)])
    return _url([*current, (field, value)])


def facets(params: QueryParams, buckets: dict[str, list[FacetBucket]]) -> list[Facet]:
    chosen = set(params.multi_items())
    return [
        Facet(
            field=field,
            values=[
                FacetValue(
                    value=bucket.value,
                    count=bucket.count,
                    selected=(field, bucket.value) in chosen,
                    url=toggle_url(params, field, bucket.value),
                )
                for bucket in field_buckets
            ],
        )
        for field, field_buckets in buckets.items()
        if field_buckets
    ]


def pagination(params: QueryParams, query: SearchQuery, total: int) -> Pagination:
    reachable = min(total, MAX_RESULT_WINDOW)
    pages = max(1, math.ceil(reachable / query.size))
    base = _without_page(params)

    def page_url(page: int) -> str:
        return _url([*base, ("page", str(page))])

    return Pagination(
        page=query.page,
        pages=pages,
        previous_url=page_url(query.page - 1) if query.page > 1 else None,
        next_url=page_url(query.page + 1) if query.page < pages else None,
    )


def search_url(query: SearchQuery) -> str:
    """The search page showing `query` (a saved search's "run" link)."""
    params: Params = [("q", query.q)] if query.q else []
    for name, values in query.keyword_filters().items():
        if name != "id":
            params.extend((name, value) for value in values)
    for name in ("published_from", "published_to"):
        moment = getattr(query, name)
        if moment is not None:
            params.append((name, moment.isoformat()))
    for name in ("risk_min", "risk_max"):
        if getattr(query, name) is not None:
            params.append((name, str(getattr(query, name))))
    defaults = SearchQuery()
    params.extend(
        (name, str(getattr(query, name)))
        for name in ("sort", "size")
        if getattr(query, name) != getattr(defaults, name)
    )
    return _url(params)
