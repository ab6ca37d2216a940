"""The minimal server-rendered console: a search page at `/` and a page per document.

Templates autoescape everything. The one exception is search highlights, which the index hands
over already escaped with only `<mark>` added; they are marked safe in `_trusted_highlights`,
the single place where HTML from outside the templates enters a page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api.accounts.permissions import Permission, allows
from api.accounts.users import User
from api.annotations.audit import search_details
from api.annotations.flags import FlagStore
from api.console import search_links
from api.deps import (
    AuditDep,
    DocumentDep,
    FlagsDep,
    IndexDep,
    ReaderDep,
    SearcherDep,
    SearchQueryDep,
    TemplatesDep,
)
from api.errors import Unavailable
from api.evidence import hit_in_context
from api.related import related_documents
from api.schemas import DocumentOut, HitOut, SearchResponse
from index.queries import Sort

router = APIRouter(include_in_schema=False)


def _trusted_highlights(hit: HitOut) -> dict[str, list[Markup]]:
    # index.highlight escapes the document text and adds only <mark> tags (tested there and
    # in tests/api/test_pages.py with a <script> title), so the fragments are safe as they are.
    return {
        field: [Markup(fragment) for fragment in fragments]
        for field, fragments in hit.highlights.items()
    }


def _flag_choices(flags: FlagStore, user: User) -> dict[str, object]:
    """The categories the flag form offers; the page still shows when they cannot be read."""
    if not allows(user.role, Permission.FLAG):
        return {"categories": []}
    try:
        return {"categories": flags.categories}
    except Unavailable as error:
        return {"categories": [], "flag_error": str(error)}


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    user: SearcherDep,
    query: SearchQueryDep,
    index: IndexDep,
    templates: TemplatesDep,
    audit: AuditDep,
) -> HTMLResponse:
    results = index.search(query)
    audit.record(user, "search", query.q, search_details(query, results.total))
    response = SearchResponse.from_results(results)
    params = request.query_params
    context = {
        "query": query,
        "sorts": list(Sort),
        "results": response,
        "highlights": [_trusted_highlights(hit) for hit in response.hits],
        "facets": search_links.facets(params, results.facets),
        "pagination": search_links.pagination(params, query, results.total),
        "kept_filters": search_links.kept_filters(params),
    }
    return templates.TemplateResponse(request, "search.html", context)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    user: ReaderDep,
    document: DocumentDep,
    index: IndexDep,
    templates: TemplatesDep,
    audit: AuditDep,
    flags: FlagsDep,
) -> HTMLResponse:
    audit.record(user, "view", document.id, {"via": "console"})
    versions = index.versions(document.id)
    context = {
        "document": DocumentOut.from_document(document, len(versions)),
        "versions": versions,
        "evidence": [hit_in_context(document, hit) for hit in document.indicators],
        "flags": flags.current(document.id),
        "history": flags.history(document.id),
        **_flag_choices(flags, user),
        "related": related_documents(index, document),
    }
    return templates.TemplateResponse(request, "document.html", context)
