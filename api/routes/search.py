"""`GET /api/search`: full-text search with filters, facets, sorting and pagination."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.annotations.audit import search_details
from api.deps import AuditDep, IndexDep, SearcherDep, SearchQueryDep
from api.schemas import SearchResponse

router = APIRouter(prefix="/api/search", tags=["search"])


@router.get(
    "",
    response_model=SearchResponse,
    summary="Search documents",
    responses={422: {"description": "A parameter is invalid; `loc` names it."}},
)
def search(user: SearcherDep, query: SearchQueryDep, index: IndexDep, audit: AuditDep) -> Response:
    """Find documents matching the query string and every filter given.

    Filters of one parameter repeated are alternatives (`country=EC&country=PE`); different
    parameters must all hold. `total` and facet counts are exact. Highlights are HTML-safe:
    the text is escaped and matches are wrapped in `<mark>`.
    """
    results = index.search(query)
    audit.record(user, "search", query.q, search_details(query, results.total))
    # Serialised here, once: returning the model would have FastAPI validate twenty whole
    # documents a second time against `response_model`, a third of the API's overhead.
    body = SearchResponse.from_results(results).model_dump_json()
    return Response(content=body, media_type="application/json")
