"""Research exports, streamed: documents or the modus-operandi table as CSV, JSONL or Parquet.

GET /api/exports/columns                 each table's columns and what they hold
GET /api/exports/{table}?format=…        the export; the search parameters choose documents

Exports are pseudonymised (api/accounts/pseudonymise.py) unless an admin asks for `raw=true`; either
way the audit log records who exported what. The body streams, a chunk at a time, whatever the
number of documents.

A pseudonymised export has keyed ids and no free text; an admin may opt in to `free_text=true`
(titles and texts with contacts and names redacted) for an export they review before handing
it on. Researchers (api/research_access.py) may not filter by a person or contact (`q`,
`identifier`, `cluster`, `network`: 403, audited), and an export matching fewer than
TRACK4TIP_API_RESEARCH_MIN_GROUP_SIZE documents is refused to them (403) — the same answer
whether none or a few match, so the refusal says nothing about one ad.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from api.accounts.permissions import Permission, allows
from api.accounts.pseudonymise import Pseudonymiser
from api.accounts.users import User
from api.annotations.audit import search_details
from api.config import ApiSettings
from api.deps import AuditDep, ExporterDep, IndexDep, SettingsDep, keyed_pseudonymiser
from api.exporting.datasets import COLUMNS, ExportTable, export_stream, file_name, matching_count
from api.exporting.writers import ExportFormat
from api.research_access import ResearchQueryDep, is_researcher
from index.base import IndexBackend
from index.queries import SearchQuery

router = APIRouter(prefix="/api/exports", tags=["exports"])


class ColumnOut(BaseModel):
    name: str
    kind: str
    description: str


def _pseudonymiser(settings: ApiSettings, user: User, raw: bool) -> Pseudonymiser | None:
    if raw:
        if not allows(user.role, Permission.EXPORT_RAW):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"role {user.role} may not export raw personal data"
            )
        return None
    return keyed_pseudonymiser(settings, "exports are switched off")


def _check_free_text(user: User, free_text: bool, raw: bool) -> None:
    if free_text and not raw and not allows(user.role, Permission.EXPORT_RAW):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role {user.role} may not export free text: only an admin may approve it",
        )


def _counted(index: IndexBackend, query: SearchQuery, user: User, minimum: int) -> int:
    """How many documents match; refused when there is nothing to export, or (researchers)
    fewer than `minimum`, with one answer for both so that it says nothing about one ad."""
    total = matching_count(index, query)
    if is_researcher(user) and total < minimum:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"fewer than {minimum} documents match these filters: researchers' exports "
            "need at least that many (TRACK4TIP_API_RESEARCH_MIN_GROUP_SIZE)",
        )
    if total == 0:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "no document matches these filters: nothing to export"
        )
    return total


@router.get("/columns", response_model=dict[str, list[ColumnOut]], summary="Export columns")
def export_columns(user: ExporterDep) -> dict[str, list[ColumnOut]]:
    return {
        table.value: [
            ColumnOut(name=column.name, kind=column.kind.value, description=column.description)
            for column in columns
        ]
        for table, columns in COLUMNS.items()
    }


@router.get(
    "/{table}",
    response_class=StreamingResponse,
    summary="Export documents or the modus-operandi table",
    responses={
        200: {
            "content": {fmt.media_type: {} for fmt in ExportFormat},
            "description": "The export, streamed.",
        },
        403: {
            "description": "raw=true or free_text=true without the admin role; a researcher "
            "filters by a person or contact, or too few documents match."
        },
        404: {"description": "No document matches: there is nothing to export."},
        503: {"description": "No pseudonymisation key is configured."},
    },
)
def export(
    settings: SettingsDep,
    user: ExporterDep,
    table: Annotated[ExportTable, Path(description="documents or modus_operandi")],
    query: ResearchQueryDep,
    index: IndexDep,
    audit: AuditDep,
    fmt: Annotated[ExportFormat, Query(alias="format", description="csv, jsonl or parquet")],
    raw: Annotated[bool, Query(description="Personal data as collected (admins only).")] = False,
    free_text: Annotated[
        bool,
        Query(description="Pseudonymised titles and texts, redacted (admins only)."),
    ] = False,
) -> StreamingResponse:
    """Every document matching the search parameters (as `GET /api/search` takes them;
    `page`, `size` and `sort` do not apply), one row each. Pseudonymised unless `raw`:
    phones, e-mails, handles, URLs and authors become keyed HMAC-SHA256 hashes, ids are
    keyed, and the title and text are left out unless an admin asks for `free_text` (then
    names and contacts are replaced: `[PHONE:1a2b3c4d]`, `[PERSON]`, `[EMAIL]`).
    Researchers may filter only by attributes of ads (no `q`, `identifier`, `cluster` or
    `network`)."""
    pseudonymiser = _pseudonymiser(settings, user, raw)
    _check_free_text(user, free_text, raw)
    total = _counted(index, query, user, settings.research_min_group_size)
    details = search_details(query, total) | {"q": query.q, "format": fmt.value, "raw": raw}
    audit.record(user, "export", table.value, details | {"free_text": free_text})
    name = file_name(table, fmt, pseudonymiser is not None, datetime.now(UTC))
    return StreamingResponse(
        export_stream(index, query, table, fmt, pseudonymiser, free_text),
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
