"""Intelligence reports: write, version, render and download.

GET  /api/reports                       the latest reports
GET  /api/reports/templates             the layouts a report may choose
POST /api/reports                       a new report (version 1)
GET  /api/reports/{id}                  a report (`?version=` for an older one)
PUT  /api/reports/{id}                  save a new version
GET  /api/reports/{id}/download         HTML, PDF or Markdown (`?format=`, `?version=`)

A body is checked completely — its documents exist, its layout renders — before anything is
stored, so a refused report leaves no trace but the 422.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import Response

from api.deps import (
    AuditDep,
    EvidenceDirDep,
    IndexDep,
    ReportAuthoringDep,
    ReporterDep,
    ReportRendererDep,
    ReportsDep,
)
from api.reporting.rendering import ReportRenderer
from api.reporting.store import Report, ReportIn, ReportSummary
from api.reporting.view import build_view
from index.base import IndexBackend

router = APIRouter(prefix="/api/reports", tags=["reports"])

ReportId = Annotated[int, Path(ge=1, le=2**62, description="The report id.")]
Version = Annotated[int | None, Query(ge=1, le=1_000_000, description="Default: the latest.")]
_NOT_FOUND = {404: {"description": "No report has this id (or no such version)."}}
_REFUSED = {422: {"description": "Unknown documents, unknown or broken template, bad values."}}


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MARKDOWN = "md"


# Reports are self-contained: inline styles, data: images, and nothing that runs.
_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_MEDIA_TYPES = {
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.MARKDOWN: "text/markdown; charset=utf-8",
}


@router.get("", response_model=list[ReportSummary], summary="Reports, newest first")
def list_reports(
    user: ReporterDep,
    reports: ReportsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ReportSummary]:
    return reports.list(limit)


@router.get("/templates", response_model=list[str], summary="Report layouts")
def report_templates(user: ReporterDep, renderer: ReportRendererDep) -> list[str]:
    """Layout names for `template`; a report may bring its own as `custom_template` (Jinja,
    sandboxed; it may `{% extends "_base.html" %}` and fill `{% block body %}`)."""
    return renderer.layouts()


@router.post(
    "",
    response_model=Report,
    status_code=status.HTTP_201_CREATED,
    summary="Write a report",
    responses=_REFUSED,
)
def create_report(author: ReportAuthoringDep, body: ReportIn) -> Report:
    return author.create(body)


@router.get("/{report_id}", response_model=Report, summary="A report", responses=_NOT_FOUND)
def read_report(
    user: ReporterDep, report_id: ReportId, reports: ReportsDep, version: Version = None
) -> Report:
    return reports.get(report_id, version)


@router.put(
    "/{report_id}",
    response_model=Report,
    summary="Save a new version of a report",
    responses={**_NOT_FOUND, **_REFUSED},
)
def save_report(author: ReportAuthoringDep, report_id: ReportId, body: ReportIn) -> Report:
    return author.save(report_id, body)


def render_report(
    report: Report,
    fmt: ReportFormat,
    index: IndexBackend,
    renderer: ReportRenderer,
    evidence_dir: FilePath | None,
) -> bytes:
    view = build_view(
        index,
        report.body,
        report_id=report.id,
        version=report.version,
        saved_by=report.saved_by,
        saved_at=report.saved_at,
        evidence_dir=evidence_dir,
    )
    if fmt is ReportFormat.MARKDOWN:
        return renderer.markdown(view).encode("utf-8")
    html = renderer.html(view, report.body.template, report.body.custom_template)
    return renderer.pdf(html) if fmt is ReportFormat.PDF else html.encode("utf-8")


@router.get(
    "/{report_id}/download",
    response_class=Response,
    summary="Download a report as HTML, PDF or Markdown",
    responses={
        **_NOT_FOUND,
        200: {
            "content": {media: {} for media in _MEDIA_TYPES.values()},
            "description": "The report; its appendix lists every capture's URL, time and SHA-256.",
        },
    },
)
def download_report(
    evidence_dir: EvidenceDirDep,
    user: ReporterDep,
    report_id: ReportId,
    index: IndexDep,
    reports: ReportsDep,
    renderer: ReportRendererDep,
    audit: AuditDep,
    fmt: Annotated[
        ReportFormat, Query(alias="format", description="html, pdf or md.")
    ] = ReportFormat.PDF,
    version: Version = None,
    inline: Annotated[bool, Query(description="Show in the browser (preview).")] = False,
) -> Response:
    report = reports.get(report_id, version)
    content = render_report(report, fmt, index, renderer, evidence_dir)
    details = {"format": fmt.value, "version": report.version, "inline": inline}
    audit.record(user, "report_download", str(report.id), details)
    name = f"track4tip-report-{report.id}-v{report.version}.{fmt.value}"
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"'}
    if fmt is ReportFormat.HTML:
        # A custom layout is sandboxed, but its output is still not ours: no scripts run.
        headers["Content-Security-Policy"] = _REPORT_CSP
    return Response(content, media_type=_MEDIA_TYPES[fmt], headers=headers)
