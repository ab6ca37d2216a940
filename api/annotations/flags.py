"""Analysts' flags on documents: current flags, their versioned history, and the index facet.

A flag says "this document shows <category>", with a confidence (0..1) and a note. A category
is one of the indicator taxonomy's categories (`coercion`, `deceptive_recruitment` ...) or one
of its indicator ids (`travel_paid` ...). Flagging a category the document already has makes a
new version of that flag; unflagging removes it. Every change is an event with who, when, the
new state and the previous one, so the history can be read back in order and never changes.

The index learns the current categories (`IndexBackend.set_flags`, the "flag" facet) inside
the same SQLite transaction: if the index refuses, the flag is not written either.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property

from pydantic import BaseModel, Field

from api.accounts.users import User
from api.annotations.audit import AuditLog
from api.database import ConsoleDatabase
from api.errors import InvalidRecord, RecordNotFound, Unavailable
from index.base import IndexBackend
from nlp.errors import NlpError
from nlp.indicators.taxonomy import TaxonomyFile, read_taxonomy_file

MAX_NOTE_LENGTH = 5000

SCHEMA = """
CREATE TABLE IF NOT EXISTS flags (
    doc_id TEXT NOT NULL,
    category TEXT NOT NULL,
    version INTEGER NOT NULL,
    confidence REAL NOT NULL,
    note TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (doc_id, category)
);
CREATE INDEX IF NOT EXISTS flags_category ON flags(category, at);
CREATE TABLE IF NOT EXISTS flag_events (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    version INTEGER NOT NULL,
    confidence REAL,
    note TEXT,
    previous TEXT,
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flag_events_doc ON flag_events(doc_id, id);
"""


class FlagAction(StrEnum):
    FLAG = "flag"
    UNFLAG = "unflag"


class Flag(BaseModel, frozen=True):
    doc_id: str
    category: str
    version: int = Field(description="1 for the first flag of this category, +1 per change.")
    confidence: float
    note: str
    username: str
    at: datetime


class FlagEvent(BaseModel, frozen=True):
    id: int
    doc_id: str
    category: str
    action: FlagAction
    version: int
    confidence: float | None
    note: str | None
    username: str
    at: datetime
    previous: Flag | None = Field(description="The flag as it was before this change.")


class FlagCategory(BaseModel, frozen=True):
    id: str
    kind: str = Field(description="`category` of the taxonomy, or an `indicator` id.")
    category: str = Field(description="For an indicator, its category.")


def _flag(row: sqlite3.Row) -> Flag:
    return Flag(
        doc_id=row["doc_id"],
        category=row["category"],
        version=row["version"],
        confidence=row["confidence"],
        note=row["note"],
        username=row["username"],
        at=datetime.fromisoformat(row["at"]),
    )


def _event(row: sqlite3.Row) -> FlagEvent:
    previous = json.loads(row["previous"]) if row["previous"] else None
    return FlagEvent(
        id=row["id"],
        doc_id=row["doc_id"],
        category=row["category"],
        action=FlagAction(row["action"]),
        version=row["version"],
        confidence=row["confidence"],
        note=row["note"],
        username=row["username"],
        at=datetime.fromisoformat(row["at"]),
        previous=Flag.model_validate(previous) if previous else None,
    )


class FlagStore:
    def __init__(
        self,
        database: ConsoleDatabase,
        audit: AuditLog,
        taxonomy: Callable[[], TaxonomyFile] = read_taxonomy_file,
    ) -> None:
        self.database = database
        self.audit = audit
        self._load_taxonomy = taxonomy
        database.ensure_schema("flags", SCHEMA)

    @cached_property
    def categories(self) -> list[FlagCategory]:
        """What a flag may name; the taxonomy is read on first use, not at start-up (and
        again on the next call if it could not be read)."""
        try:
            taxonomy = self._load_taxonomy()
        except NlpError as error:
            raise Unavailable(f"flag categories unavailable: {error}") from error
        groups = sorted({indicator.category for indicator in taxonomy.indicators})
        indicators = sorted(taxonomy.indicators, key=lambda indicator: indicator.id)
        return [FlagCategory(id=name, kind="category", category=name) for name in groups] + [
            FlagCategory(id=item.id, kind="indicator", category=item.category)
            for item in indicators
        ]

    def _check(self, category: str, confidence: float, note: str) -> None:
        known = {item.id for item in self.categories}
        if category not in known:
            raise InvalidRecord(
                f"no flag category {category!r}; choose one of: {', '.join(sorted(known))}"
            )
        if not 0.0 <= confidence <= 1.0:
            raise InvalidRecord("confidence must be between 0 and 1")
        if len(note) > MAX_NOTE_LENGTH:
            raise InvalidRecord(f"a note has at most {MAX_NOTE_LENGTH} characters")

    def flag(
        self,
        index: IndexBackend,
        user: User,
        doc_id: str,
        category: str,
        confidence: float,
        note: str = "",
    ) -> Flag:
        self._check(category, confidence, note)
        at = datetime.now(UTC).isoformat()
        with self.database.connect() as connection:
            previous = self._current(connection, doc_id, category)
            version = previous.version + 1 if previous else 1
            connection.execute(
                "INSERT OR REPLACE INTO flags VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, category, version, confidence, note, user.id, user.username, at),
            )
            self._add_event(
                connection,
                user,
                doc_id,
                category,
                FlagAction.FLAG,
                version,
                at,
                previous,
                confidence,
                note,
            )
            details = {"category": category, "confidence": confidence, "note": note}
            self.audit.record_in(connection, user, "flag", doc_id, details)
            self._publish(connection, index, doc_id)
            flag = self._current(connection, doc_id, category)
        assert flag is not None
        return flag

    def unflag(self, index: IndexBackend, user: User, doc_id: str, category: str) -> FlagEvent:
        at = datetime.now(UTC).isoformat()
        with self.database.connect() as connection:
            previous = self._current(connection, doc_id, category)
            if previous is None:
                raise RecordNotFound(f"document {doc_id!r} has no flag {category!r}")
            connection.execute(
                "DELETE FROM flags WHERE doc_id = ? AND category = ?", (doc_id, category)
            )
            event_id = self._add_event(
                connection,
                user,
                doc_id,
                category,
                FlagAction.UNFLAG,
                previous.version + 1,
                at,
                previous,
            )
            self.audit.record_in(connection, user, "unflag", doc_id, {"category": category})
            self._publish(connection, index, doc_id)
            row = connection.execute(
                "SELECT * FROM flag_events WHERE id = ?", (event_id,)
            ).fetchone()
        return _event(row)

    def _publish(self, connection: sqlite3.Connection, index: IndexBackend, doc_id: str) -> None:
        """Tell the index the current categories, before the transaction commits."""
        categories = self._categories_in(connection, doc_id)
        if not index.set_flags(doc_id, categories):
            raise RecordNotFound(f"no document with id {doc_id!r}")

    @staticmethod
    def _categories_in(connection: sqlite3.Connection, doc_id: str) -> list[str]:
        rows = connection.execute(
            "SELECT category FROM flags WHERE doc_id = ? ORDER BY category", (doc_id,)
        ).fetchall()
        return [row["category"] for row in rows]

    @staticmethod
    def _current(connection: sqlite3.Connection, doc_id: str, category: str) -> Flag | None:
        row = connection.execute(
            "SELECT * FROM flags WHERE doc_id = ? AND category = ?", (doc_id, category)
        ).fetchone()
        return _flag(row) if row else None

    @staticmethod
    def _add_event(
        connection: sqlite3.Connection,
        user: User,
        doc_id: str,
        category: str,
        action: FlagAction,
        version: int,
        at: str,
        previous: Flag | None,
        confidence: float | None = None,
        note: str | None = None,
    ) -> int:
        cursor = connection.execute(
            "INSERT INTO flag_events (doc_id, category, action, version, confidence, note,"
            " previous, user_id, username, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                category,
                action.value,
                version,
                confidence,
                note,
                previous.model_dump_json() if previous else None,
                user.id,
                user.username,
                at,
            ),
        )
        return cursor.lastrowid or 0

    def current(self, doc_id: str) -> list[Flag]:
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT * FROM flags WHERE doc_id = ? ORDER BY category", (doc_id,)
            ).fetchall()
        return [_flag(row) for row in rows]

    def history(self, doc_id: str) -> list[FlagEvent]:
        """Every change of the document's flags, oldest first."""
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT * FROM flag_events WHERE doc_id = ? ORDER BY id", (doc_id,)
            ).fetchall()
        return [_event(row) for row in rows]

    def page(
        self,
        category: str | None = None,
        username: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[Flag]]:
        """Current flags, newest first, with how many match in all."""
        clauses, values = [], []
        for column, value in (("category", category), ("username", username)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        with self.database.connect() as connection:
            total = connection.execute(f"SELECT COUNT(*) FROM flags{where}", values).fetchone()
            rows = connection.execute(
                f"SELECT * FROM flags{where} ORDER BY at DESC, doc_id LIMIT ? OFFSET ?",
                (*values, limit, offset),
            ).fetchall()
        return int(total[0]), [_flag(row) for row in rows]

    def flagged_documents(self, category: str | None = None) -> list[str]:
        """Ids of documents with a current flag (of `category`), most recently flagged first:
        what an intelligence report is built from."""
        where, values = ("WHERE category = ?", (category,)) if category else ("", ())
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT doc_id, MAX(at) AS latest FROM flags {where}"
                " GROUP BY doc_id ORDER BY latest DESC",
                values,
            ).fetchall()
        return [row["doc_id"] for row in rows]
