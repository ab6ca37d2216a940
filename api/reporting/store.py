"""Intelligence reports: what an analyst writes, stored and versioned in the console database.

    reports          one row per report: title, who made it and when, its current version
    report_versions  one row per (report, version): who saved it, when, and the whole body
                     as JSON, including the version of every selected document at that time

A report is built from (usually flagged) documents: sections, the analyst's narrative, the
selected documents, the layout template and the trend shown. Saving again makes a new version;
old versions stay readable, so what was sent to a partner can always be shown again. Each
selected document is pinned to the version it had when the report was saved: evidence and
chain of custody then describe exactly the capture the analyst looked at.

The store checks nothing about rendering; `api.reporting.rendering` renders a body once before
the store is called, so a report with a broken template is never saved (the route does both
inside one request and the store writes in one transaction).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.database import ConsoleDatabase
from api.errors import RecordNotFound
from index.queries import Interval

MAX_DOCUMENTS = 200
TEMPLATE_NAME = r"^[a-z][a-z0-9_-]{0,40}$"

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    current_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS report_versions (
    report_id INTEGER NOT NULL REFERENCES reports(id),
    version INTEGER NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (report_id, version)
);
"""


class ReportSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20_000)


class TrendSpec(BaseModel):
    """The search whose weekly counts the chart shows; none: the selected documents."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(default="", max_length=1000)
    indicator: list[str] = Field(default_factory=list, max_length=20)
    country: list[str] = Field(default_factory=list, max_length=20)
    site: list[str] = Field(default_factory=list, max_length=20)
    interval: Interval = Interval.WEEK


class ReportIn(BaseModel):
    """What the analyst writes; `custom_template` (Jinja, sandboxed) overrides `template`."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    language: str = Field(default="en", pattern=r"^(es|en)$")
    template: str = Field(default="standard", pattern=TEMPLATE_NAME)
    custom_template: str | None = Field(default=None, max_length=50_000)
    narrative: str = Field(default="", max_length=50_000)
    sections: list[ReportSection] = Field(default_factory=list, max_length=50)
    document_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=MAX_DOCUMENTS
    )
    trend: TrendSpec | None = None

    @field_validator("document_ids")
    @classmethod
    def _each_once(cls, ids: list[str]) -> list[str]:
        return list(dict.fromkeys(ids))


class StoredBody(ReportIn):
    """The body as stored: what was written plus the pinned document versions."""

    document_versions: dict[str, int]


class Report(BaseModel):
    id: int
    version: int
    versions: int
    title: str
    created_by: str
    created_at: datetime
    saved_by: str
    saved_at: datetime
    body: StoredBody


class ReportSummary(BaseModel):
    id: int
    title: str
    version: int
    created_by: str
    created_at: datetime
    saved_at: datetime


def _now() -> str:
    return datetime.now(UTC).isoformat()


class ReportStore:
    """Reports and their versions; every write is one transaction."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database
        database.ensure_schema("reports", SCHEMA)

    def create(self, body: StoredBody, author: str) -> Report:
        now = _now()
        with self.database.connect() as connection:
            cursor = connection.execute(
                "INSERT INTO reports (title, created_by, created_at, current_version) "
                "VALUES (?, ?, ?, 1)",
                (body.title, author, now),
            )
            report_id = int(cursor.lastrowid or 0)
            self._insert_version(connection, report_id, 1, body, author, now)
        return self.get(report_id)

    def save(self, report_id: int, body: StoredBody, author: str) -> Report:
        """A new version of an existing report."""
        now = _now()
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT current_version FROM reports WHERE id = ?", (report_id,)
            ).fetchone()
            if row is None:
                raise RecordNotFound(f"no report with id {report_id}")
            version = row["current_version"] + 1
            self._insert_version(connection, report_id, version, body, author, now)
            connection.execute(
                "UPDATE reports SET current_version = ?, title = ? WHERE id = ?",
                (version, body.title, report_id),
            )
        return self.get(report_id)

    @staticmethod
    def _insert_version(
        connection: sqlite3.Connection,
        report_id: int,
        version: int,
        body: StoredBody,
        author: str,
        at: str,
    ) -> None:
        connection.execute(
            "INSERT INTO report_versions (report_id, version, saved_by, saved_at, body) "
            "VALUES (?, ?, ?, ?, ?)",
            (report_id, version, author, at, body.model_dump_json()),
        )

    def get(self, report_id: int, version: int | None = None) -> Report:
        with self.database.connect() as connection:
            head = connection.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
            if head is None:
                raise RecordNotFound(f"no report with id {report_id}")
            wanted = version or head["current_version"]
            row = connection.execute(
                "SELECT * FROM report_versions WHERE report_id = ? AND version = ?",
                (report_id, wanted),
            ).fetchone()
        if row is None:
            raise RecordNotFound(f"report {report_id} has no version {wanted}")
        body = StoredBody.model_validate(json.loads(row["body"]))
        return Report(
            id=report_id,
            version=wanted,
            versions=head["current_version"],
            title=body.title,
            created_by=head["created_by"],
            created_at=head["created_at"],
            saved_by=row["saved_by"],
            saved_at=row["saved_at"],
            body=body,
        )

    def list(self, limit: int = 100) -> list[ReportSummary]:
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT r.*, v.saved_at FROM reports r JOIN report_versions v "
                "ON v.report_id = r.id AND v.version = r.current_version "
                "ORDER BY v.saved_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            ReportSummary(
                id=row["id"],
                title=row["title"],
                version=row["current_version"],
                created_by=row["created_by"],
                created_at=row["created_at"],
                saved_at=row["saved_at"],
            )
            for row in rows
        ]
