"""The audit log: who searched for what, viewed, flagged, exported — and when.

Append-only: rows are only ever inserted, and triggers in the database refuse any UPDATE or
DELETE of them, so not even a bug elsewhere in the console can rewrite history. Each row keeps
the user's name and role as they were at that moment. Admins query it with filters and export
it as CSV or JSON Lines (`iter_entries` streams, so a long log never sits in memory).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from api.accounts.users import User
from api.database import ConsoleDatabase
from index.queries import SearchQuery

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);
CREATE INDEX IF NOT EXISTS audit_log_user ON audit_log(username, at);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

# Rows fetched per round trip while streaming an export.
STREAM_BATCH = 500


class AuditEntry(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    username: str
    role: str
    action: str = Field(examples=["search", "view", "flag", "export"])
    target: str = Field(description="What the action was about: a document id, a query ...")
    details: dict[str, Any]


class AuditFilter(BaseModel):
    username: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        values: list[object] = []
        for column in ("username", "action", "target"):
            value = getattr(self, column)
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        if self.since is not None:
            clauses.append("at >= ?")
            values.append(_utc(self.since).isoformat())
        if self.until is not None:
            clauses.append("at <= ?")
            values.append(_utc(self.until).isoformat())
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=datetime.fromisoformat(row["at"]),
        user_id=row["user_id"],
        username=row["username"],
        role=row["role"],
        action=row["action"],
        target=row["target"],
        details=json.loads(row["details"]),
    )


class AuditLog:
    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database
        database.ensure_schema("audit", SCHEMA)

    def record(
        self, user: User, action: str, target: str, details: dict[str, Any] | None = None
    ) -> None:
        with self.database.connect() as connection:
            self.record_in(connection, user, action, target, details)

    def record_in(
        self,
        connection: sqlite3.Connection,
        user: User,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record inside the caller's transaction: the row exists only if the change does."""
        connection.execute(
            "INSERT INTO audit_log (at, user_id, username, role, action, target, details)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.now(UTC).isoformat(),
                user.id,
                user.username,
                user.role.value,
                action,
                target,
                json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
            ),
        )

    def record_failed_login(self, username: str, address: str) -> None:
        """A login refused for a wrong name or password: no user is known, so the row keeps
        the name that was tried (as typed, cut to 64 characters) and where it came from."""
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO audit_log (at, user_id, username, role, action, target, details)"
                " VALUES (?, NULL, ?, '', 'login_failed', ?, ?)",
                (
                    datetime.now(UTC).isoformat(),
                    username[:64],
                    username[:64],
                    json.dumps({"address": address}, ensure_ascii=False),
                ),
            )

    def query(self, where: AuditFilter, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Newest first."""
        clause, values = where.where()
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT * FROM audit_log{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*values, limit, offset),
            ).fetchall()
        return [_entry(row) for row in rows]

    def count(self, where: AuditFilter) -> int:
        clause, values = where.where()
        with self.database.connect() as connection:
            row = connection.execute(f"SELECT COUNT(*) FROM audit_log{clause}", values).fetchone()
        return int(row[0])

    def iter_entries(self, where: AuditFilter) -> Iterator[AuditEntry]:
        """Oldest first, in batches by id, each batch its own short read."""
        clause, values = where.where()
        joiner = " AND " if clause else " WHERE "
        after = 0
        while True:
            with self.database.connect() as connection:
                rows = connection.execute(
                    f"SELECT * FROM audit_log{clause}{joiner}id > ? ORDER BY id LIMIT ?",
                    (*values, after, STREAM_BATCH),
                ).fetchall()
            yield from (_entry(row) for row in rows)
            if len(rows) < STREAM_BATCH:
                return
            after = rows[-1]["id"]


def search_details(query: SearchQuery, total: int) -> dict[str, Any]:
    """What the log keeps of a search besides its words (the `target`): the filters and
    options that differ from the defaults, and how many documents matched."""
    chosen = query.model_dump(mode="json", exclude_defaults=True, exclude={"q"})
    return {**chosen, "total": total}
