"""The console's source status page for admins (issue 14): what the watch service recorded.

    GET /status     per source: state, last and next run, pages, new/changed/taken-down
                    documents, errors by reason, failures in a row, the last error

It reads `source_runs.sqlite3` (index/source_runs.py), which `track4tip watch` writes in the
data folder beside the console's database; before any watch run the table is empty.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import DatabaseDep, TemplatesDep, UserAdminDep
from index.source_runs import DEFAULT_FILE_NAME, SourceRunStore

router = APIRouter(include_in_schema=False)


@router.get("/status", response_class=HTMLResponse)
def status_page(
    request: Request, admin: UserAdminDep, database: DatabaseDep, templates: TemplatesDep
) -> HTMLResponse:
    path = database.path.parent / DEFAULT_FILE_NAME
    statuses = SourceRunStore(path).statuses() if path.exists() else []
    return templates.TemplateResponse(request, "status.html", {"statuses": statuses})
