"""The console's own pages and forms beyond search and documents: the language switch, flag
and unflag forms, saved searches, and the admins' audit page.

Forms post with the session cookie and the CSRF token (checked by the role dependencies) and
answer with a redirect back to a page (post/redirect/get), so reloading never posts twice.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api.annotations.audit import AuditFilter
from api.annotations.flags import MAX_NOTE_LENGTH
from api.annotations.saved_searches import MAX_NAME_LENGTH
from api.console import i18n, search_links
from api.deps import (
    AuditDep,
    AuditorDep,
    FlaggerDep,
    FlagsDep,
    IndexDep,
    SavedSearchesDep,
    SaverDep,
    TemplatesDep,
    query_from_params,
)
from api.routes.auth import safe_next

router = APIRouter(include_in_schema=False)

DocId = Annotated[str, Path(max_length=200)]
SearchId = Annotated[int, Path(ge=1, le=2**62)]
ONE_YEAR = 365 * 24 * 3600


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/language")
def switch_language(
    lang: Annotated[str, Query(pattern="^(en|es)$")],
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> RedirectResponse:
    response = _back(safe_next(next))
    response.set_cookie(i18n.LANGUAGE_COOKIE, lang, max_age=ONE_YEAR, samesite="lax")
    return response


@router.post("/documents/{doc_id}/flags")
def flag_form(
    user: FlaggerDep,
    doc_id: DocId,
    flags: FlagsDep,
    index: IndexDep,
    category: Annotated[str, Form(max_length=100)],
    confidence: Annotated[float, Form(ge=0.0, le=1.0)] = 1.0,
    note: Annotated[str, Form(max_length=MAX_NOTE_LENGTH)] = "",
) -> RedirectResponse:
    flags.flag(index, user, doc_id, category, confidence, note)
    return _back(f"/documents/{doc_id}#flags")


@router.post("/documents/{doc_id}/flags/{category}/delete")
def unflag_form(
    user: FlaggerDep,
    doc_id: DocId,
    category: Annotated[str, Path(max_length=100)],
    flags: FlagsDep,
    index: IndexDep,
) -> RedirectResponse:
    flags.unflag(index, user, doc_id, category)
    return _back(f"/documents/{doc_id}#flags")


@router.get("/saved-searches", response_class=HTMLResponse)
def saved_searches_page(
    request: Request, user: SaverDep, saved: SavedSearchesDep, templates: TemplatesDep
) -> HTMLResponse:
    searches = [(search, search_links.search_url(search.query)) for search in saved.of_user(user)]
    return templates.TemplateResponse(request, "saved_searches.html", {"searches": searches})


@router.post("/saved-searches")
def save_search_form(
    user: SaverDep,
    saved: SavedSearchesDep,
    audit: AuditDep,
    name: Annotated[str, Form(max_length=MAX_NAME_LENGTH)],
    params: Annotated[str, Form(max_length=5000)] = "",
) -> RedirectResponse:
    """`params` is the search page's query string: the search as the analyst sees it."""
    query = query_from_params(parse_qsl(params, keep_blank_values=False))
    search = saved.save(user, name, query)
    audit.record(user, "save_search", str(search.id), {"name": search.name})
    return _back("/saved-searches")


@router.post("/saved-searches/{search_id}/delete")
def delete_search_form(
    user: SaverDep, search_id: SearchId, saved: SavedSearchesDep, audit: AuditDep
) -> RedirectResponse:
    search = saved.delete(user, search_id)
    audit.record(user, "delete_saved_search", str(search_id), {"name": search.name})
    return _back("/saved-searches")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    auditor: AuditorDep,
    audit: AuditDep,
    templates: TemplatesDep,
    username: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    where = AuditFilter(username=username or None, action=action or None)
    size = 100
    context = {
        "entries": audit.query(where, limit=size, offset=(page - 1) * size),
        "total": audit.count(where),
        "filters": where,
        "page": page,
        "pages": max(1, -(-audit.count(where) // size)),
        "export_query": request.url.query,
    }
    return templates.TemplateResponse(request, "audit.html", context)
