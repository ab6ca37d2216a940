"""The console's export page: choose a table, a format and filters; download.

    GET /exports             the form
    GET /exports/download    sends the browser on to `/api/exports/{table}` with the filters

The download itself is the API route (streamed, audited, pseudonymised unless an admin asks
for raw data); this page only builds its address, since a plain form cannot put the chosen
table into the path.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ExporterDep, IndexDep, SettingsDep, TemplatesDep
from api.exporting.datasets import COLUMNS, ExportTable
from api.exporting.writers import ExportFormat
from api.research_access import is_researcher
from index.queries import SearchQuery

router = APIRouter(include_in_schema=False)
# Filters the form offers; each goes to the API as the search parameter of the same name.
FILTERS = ("q", "country", "site", "indicator", "language", "risk_label", "published_from")


@router.get("/exports", response_class=HTMLResponse)
def exports_page(
    request: Request,
    user: ExporterDep,
    index: IndexDep,
    templates: TemplatesDep,
    settings: SettingsDep,
) -> HTMLResponse:
    facets = index.search(SearchQuery(size=1)).facets
    context = {
        "tables": list(ExportTable),
        "formats": list(ExportFormat),
        "columns": COLUMNS,
        "choices": {name: [bucket.value for bucket in facets.get(name, [])] for name in facets},
        "key_missing": settings.pseudonymisation_key is None,
        # Free text could name a person: researchers are not offered it (the API refuses it).
        "free_text_query": not is_researcher(user),
    }
    return templates.TemplateResponse(request, "exports.html", context)


@router.get("/exports/download")
def export_download(
    request: Request,
    user: ExporterDep,
    table: ExportTable,
    fmt: Annotated[ExportFormat, Query(alias="format")],
) -> RedirectResponse:
    """On to the API with the filters that were filled in (empty boxes are left out)."""
    kept = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if (name in FILTERS or name == "raw") and value.strip()
    ]
    query = urlencode([("format", fmt.value), *kept])
    return RedirectResponse(
        f"/api/exports/{table.value}?{query}", status_code=status.HTTP_303_SEE_OTHER
    )
