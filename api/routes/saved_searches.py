"""Saved searches: `/api/saved-searches` — each user's own named searches, and running them.

A user sees and changes only their own; another user's id answers 404, as if it did not
exist. Running one is a search like any other, and is logged as one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.annotations.audit import search_details
from api.annotations.saved_searches import MAX_NAME_LENGTH, SavedSearch, page_of
from api.deps import AuditDep, IndexDep, SavedSearchesDep, SaverDep, SearcherDep
from api.schemas import SearchResponse
from index.queries import MAX_PAGE_SIZE, SearchQuery

router = APIRouter(prefix="/api/saved-searches", tags=["saved searches"])

SearchId = Annotated[int, Path(ge=1, le=2**62, description="The saved search's id.")]
_NOT_FOUND = {404: {"description": "The caller has no saved search with this id."}}


class SavedSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["Modelos en Ecuador"])
    query: SearchQuery = Field(
        default_factory=SearchQuery,
        description="As the search's parameters: q, filters (lists), sort, size ...",
        examples=[{"q": "modelos", "country": ["EC"], "sort": "risk"}],
    )


class SavedSearchPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_LENGTH)
    query: SearchQuery | None = None


@router.get("", response_model=list[SavedSearch], summary="My saved searches")
def my_saved_searches(user: SaverDep, saved: SavedSearchesDep) -> list[SavedSearch]:
    return saved.of_user(user)


@router.post(
    "",
    response_model=SavedSearch,
    status_code=status.HTTP_201_CREATED,
    summary="Save a search",
    responses={409: {"description": "The caller has a saved search of this name."}},
)
def save_search(
    user: SaverDep, body: SavedSearchIn, saved: SavedSearchesDep, audit: AuditDep
) -> SavedSearch:
    """Paging, `ids` and histograms are not saved; the words must be a valid query."""
    search = saved.save(user, body.name, body.query)
    audit.record(user, "save_search", str(search.id), {"name": search.name})
    return search


@router.get(
    "/{search_id}", response_model=SavedSearch, summary="One saved search", responses=_NOT_FOUND
)
def read_saved_search(user: SaverDep, search_id: SearchId, saved: SavedSearchesDep) -> SavedSearch:
    return saved.get(search_id, owner=user)


@router.patch(
    "/{search_id}", response_model=SavedSearch, summary="Rename or change", responses=_NOT_FOUND
)
def change_saved_search(
    user: SaverDep, search_id: SearchId, body: SavedSearchPatch, saved: SavedSearchesDep
) -> SavedSearch:
    return saved.update(user, search_id, body.name, body.query)


@router.delete("/{search_id}", response_model=SavedSearch, summary="Delete", responses=_NOT_FOUND)
def delete_saved_search(
    user: SaverDep, search_id: SearchId, saved: SavedSearchesDep, audit: AuditDep
) -> SavedSearch:
    search = saved.delete(user, search_id)
    audit.record(user, "delete_saved_search", str(search_id), {"name": search.name})
    return search


@router.get(
    "/{search_id}/run",
    response_model=SearchResponse,
    summary="Run a saved search",
    responses=_NOT_FOUND,
)
def run_saved_search(
    user: SearcherDep,
    search_id: SearchId,
    saved: SavedSearchesDep,
    index: IndexDep,
    audit: AuditDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)] = None,
) -> SearchResponse:
    query = page_of(saved.get(search_id, owner=user).query, page, size)
    results = index.search(query)
    details = {**search_details(query, results.total), "saved_search": search_id}
    audit.record(user, "search", query.q, details)
    return SearchResponse.from_results(results)
