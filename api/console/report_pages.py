"""The console's report builder: list, write, preview, save new versions, download.

    GET  /reports              the reports, and the builder over the flagged documents
    POST /reports              save a new report (then its page)
    GET  /reports/{id}         a report: preview, versions, downloads, and the builder to edit
    POST /reports/{id}         save a new version

Forms post with the session's CSRF token and answer with a redirect (post/redirect/get). The
preview and the downloads are the API's `/api/reports/{id}/download`, which the session
cookie opens too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.deps import (
    IndexDep,
    ReportAuthoringDep,
    ReporterDep,
    ReportRendererDep,
    ReportsDep,
    TemplatesDep,
)
from api.errors import InvalidRecord
from api.reporting.rendering import ReportRenderer
from api.reporting.store import Report, ReportIn
from index.base import IndexBackend
from index.document import Document
from index.queries import MAX_PAGE_SIZE, SearchQuery, Sort

router = APIRouter(include_in_schema=False)

ReportId = Annotated[int, Path(ge=1, le=2**62)]
SECTION_SLOTS = 3
Text = Annotated[str, Form(max_length=50_000)]
Texts = Annotated[list[str] | None, Form(max_length=200)]


def flagged_documents(index: IndexBackend) -> list[Document]:
    """The documents analysts flagged, highest risk first (the builder's choices)."""
    facets = index.search(SearchQuery(size=1)).facets.get("flag", [])
    categories = [bucket.value for bucket in facets]
    if not categories:
        return []
    query = SearchQuery(flag=categories, sort=Sort.RISK, size=MAX_PAGE_SIZE, facets=False)
    return [hit.document for hit in index.search(query).hits]


def report_form(
    title: Annotated[str, Form(max_length=200)],
    language: Annotated[str, Form(max_length=2)] = "en",
    template: Annotated[str, Form(max_length=41)] = "standard",
    narrative: Text = "",
    section_heading: Texts = None,
    section_body: Texts = None,
    document_id: Texts = None,
    other_ids: Annotated[str, Form(max_length=10_000)] = "",
) -> ReportIn:
    """The builder's form as a report body (the same for a new report and a new version)."""
    sections = [
        {"heading": heading.strip(), "body": body}
        for heading, body in zip(section_heading or [], section_body or [], strict=False)
        if heading.strip()
    ]
    typed = [doc_id.strip() for doc_id in other_ids.replace("\n", ",").split(",")]
    try:
        return ReportIn(
            title=title,
            language=language,
            template=template,
            narrative=narrative,
            sections=sections,
            document_ids=[*(document_id or []), *(doc_id for doc_id in typed if doc_id)],
        )
    except ValidationError as error:
        messages = [
            f"{'.'.join(map(str, item['loc']))}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        raise InvalidRecord("; ".join(messages)) from None


ReportForm = Annotated[ReportIn, Depends(report_form)]


def _builder(
    index: IndexBackend,
    renderer: ReportRenderer,
    report: Report | None,
    preselected: list[str],
) -> dict[str, Any]:
    body = report.body if report else None
    sections = [*(body.sections if body else [])]
    return {
        "report": report,
        "flagged": flagged_documents(index),
        "chosen": set(body.document_ids if body else preselected),
        "layouts": renderer.layouts(),
        "section_slots": max(SECTION_SLOTS, len(sections) + 1),
        "sections": sections,
    }


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    user: ReporterDep,
    reports: ReportsDep,
    index: IndexDep,
    renderer: ReportRendererDep,
    templates: TemplatesDep,
    add: Annotated[list[str] | None, Query(max_length=MAX_PAGE_SIZE)] = None,
) -> HTMLResponse:
    context = {"reports": reports.list()} | _builder(index, renderer, None, add or [])
    return templates.TemplateResponse(request, "reports.html", context)


def _saved(report: Report) -> RedirectResponse:
    return RedirectResponse(f"/reports/{report.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/reports")
def create_report_form(author: ReportAuthoringDep, body: ReportForm) -> RedirectResponse:
    return _saved(author.create(body))


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request,
    user: ReporterDep,
    report_id: ReportId,
    reports: ReportsDep,
    index: IndexDep,
    renderer: ReportRendererDep,
    templates: TemplatesDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> HTMLResponse:
    report = reports.get(report_id, version)
    context = _builder(index, renderer, report, [])
    return templates.TemplateResponse(request, "report.html", context)


@router.post("/reports/{report_id}")
def save_report_form(
    author: ReportAuthoringDep, report_id: ReportId, body: ReportForm
) -> RedirectResponse:
    return _saved(author.save(report_id, body))
