"""Admins: `/api/audit` — query the audit log, and export it as CSV or JSON Lines.

Exports stream row by row from SQLite, so a log of millions of rows needs no memory to speak
of; the export itself is logged first, like every other export. CSV cells that a spreadsheet
would run as formulas are escaped (`csv_cell`): searches and tried user names are anyone's text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from api.accounts.schemas import AuditEntryOut, AuditPageOut
from api.annotations.audit import AuditEntry, AuditFilter
from api.deps import AuditDep, AuditorDep

router = APIRouter(prefix="/api/audit", tags=["audit"])

CSV_COLUMNS = ("id", "at", "user_id", "username", "role", "action", "target", "details")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


def audit_filter(
    username: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64, examples=["search", "flag"])] = None,
    target: Annotated[str | None, Query(max_length=1000)] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601; naive is UTC.")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601; naive is UTC.")] = None,
) -> AuditFilter:
    return AuditFilter(username=username, action=action, target=target, since=since, until=until)


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("", response_model=AuditPageOut, summary="Query the audit log")
def query_audit(
    auditor: AuditorDep,
    audit: AuditDep,
    where: FilterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPageOut:
    """Entries matching every filter given, newest first."""
    entries = audit.query(where, limit=limit, offset=offset)
    return AuditPageOut(
        total=audit.count(where),
        entries=[AuditEntryOut.model_validate(entry) for entry in entries],
    )


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @, a tab or a CR would be
    run as a formula (`=HYPERLINK(...)` in a tried user name or a search), so it gets a
    leading apostrophe, as OWASP's CSV-injection guidance says; every cell is quoted too."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_lines(entries: Iterator[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry.model_dump(mode="json")
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        writer.writerow([csv_cell(row[column]) for column in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _jsonl_lines(entries: Iterator[AuditEntry]) -> Iterator[str]:
    for entry in entries:
        yield entry.model_dump_json() + "\n"


@router.get(
    "/export",
    summary="Export the audit log",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def export_audit(
    auditor: AuditorDep,
    audit: AuditDep,
    where: FilterDep,
    format: Annotated[AuditFormat, Query(description="csv or jsonl")] = AuditFormat.CSV,
) -> StreamingResponse:
    """Every matching entry, oldest first, streamed."""
    audit.record(
        auditor,
        "export",
        "audit",
        {"format": format.value, **where.model_dump(mode="json", exclude_none=True)},
    )
    entries = audit.iter_entries(where)
    if format is AuditFormat.CSV:
        body, media = _csv_lines(entries), "text/csv; charset=utf-8"
    else:
        body, media = _jsonl_lines(entries), "application/x-ndjson"
    name = f"track4tip-audit.{format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body, media_type=media, headers=headers)
