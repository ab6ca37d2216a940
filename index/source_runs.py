"""Run history of the watch service: per source, what each scheduled run did, and its state.

`<data dir>/source_runs.sqlite3` is written by `track4tip watch` and read by `track4tip status`
and the console's `/status` page (api/console/status_pages.py). It lives in index/ because the
API may read index/ but not crawlers/ or track4tip/. Two tables:

    runs     one row per run: start, end, outcome (ok/failed/skipped/stopped), pages, documents
             spooled, errors by reason, and — added as its documents are indexed — new,
             changed and taken-down counts (indexing follows the crawl, so these grow after the
             run row is written; a backlog indexed later counts on the source's latest run)
    sources  one row per source: next run, consecutive failures, backed off until, last
             error, blocked (pages answered with block or challenge pages and no document),
             starved (closed for finding nothing new)

SQLite in WAL mode with a busy timeout: the watch writes while the API reads.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

DEFAULT_FILE_NAME = "source_runs.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, outcome TEXT NOT NULL, pages INTEGER NOT NULL,
    documents INTEGER NOT NULL, errors TEXT NOT NULL, message TEXT,
    new INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0,
    taken_down INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_by_site ON runs (site, id);
CREATE TABLE IF NOT EXISTS sources (
    site TEXT PRIMARY KEY, next_run TEXT, consecutive_failures INTEGER NOT NULL DEFAULT 0,
    backoff_until TEXT, last_error TEXT, blocked INTEGER NOT NULL DEFAULT 0,
    starved INTEGER NOT NULL DEFAULT 0
);
"""


class RunRecord(BaseModel):
    """One finished run of one source, as the watch service records it."""

    site: str
    started_at: datetime
    finished_at: datetime
    outcome: str  # ok, failed, skipped, stopped (cut short by the service's stop)
    pages: int = 0
    documents: int = 0
    errors: dict[str, int] = Field(default_factory=dict)
    message: str | None = None
    new: int = 0
    changed: int = 0
    taken_down: int = 0


class SourceStatus(BaseModel):
    site: str
    last_run: RunRecord | None = None
    next_run: datetime | None = None
    consecutive_failures: int = 0
    backoff_until: datetime | None = None
    last_error: str | None = None
    blocked: bool = False
    starved: bool = False

    @property
    def state(self) -> str:
        if self.consecutive_failures:
            return "backing off" if self.backoff_until else "failing"
        if self.blocked:
            return "blocked"
        if self.starved:
            return "starved"
        return "ok" if self.last_run else "waiting"


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class SourceRunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @classmethod
    def under(cls, data_dir: Path) -> SourceRunStore:
        return cls(data_dir / DEFAULT_FILE_NAME)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn, conn:
            yield conn

    def _ensure(self, conn: sqlite3.Connection, site: str) -> None:
        conn.execute("INSERT OR IGNORE INTO sources (site) VALUES (?)", (site,))

    def add_run(self, run: RunRecord) -> int:
        with self._db() as conn:
            self._ensure(conn, run.site)
            cursor = conn.execute(
                "INSERT INTO runs (site, started_at, finished_at, outcome, pages, documents, "
                "errors, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.site,
                    run.started_at.isoformat(),
                    run.finished_at.isoformat(),
                    run.outcome,
                    run.pages,
                    run.documents,
                    json.dumps(run.errors, sort_keys=True),
                    run.message,
                ),
            )
            return int(cursor.lastrowid or 0)

    def add_indexed(self, site: str, new: int, changed: int, taken_down: int) -> None:
        """Count indexed documents of `site` on its latest run."""
        with self._db() as conn:
            conn.execute(
                "UPDATE runs SET new = new + ?, changed = changed + ?, "
                "taken_down = taken_down + ? WHERE id = (SELECT MAX(id) FROM runs WHERE site = ?)",
                (new, changed, taken_down, site),
            )

    def set_state(
        self,
        site: str,
        *,
        consecutive_failures: int,
        backoff_until: datetime | None,
        last_error: str | None,
        blocked: bool,
        starved: bool,
    ) -> None:
        with self._db() as conn:
            self._ensure(conn, site)
            conn.execute(
                "UPDATE sources SET consecutive_failures = ?, backoff_until = ?, "
                "last_error = ?, blocked = ?, starved = ? WHERE site = ?",
                (
                    consecutive_failures,
                    backoff_until.isoformat() if backoff_until else None,
                    last_error,
                    int(blocked),
                    int(starved),
                    site,
                ),
            )

    def set_next_run(self, site: str, when: datetime | None) -> None:
        with self._db() as conn:
            self._ensure(conn, site)
            conn.execute(
                "UPDATE sources SET next_run = ? WHERE site = ?",
                (when.isoformat() if when else None, site),
            )

    def runs(self, site: str, limit: int = 20) -> list[RunRecord]:
        """The source's latest runs, newest first."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT site, started_at, finished_at, outcome, pages, documents, errors, "
                "message, new, changed, taken_down FROM runs WHERE site = ? "
                "ORDER BY id DESC LIMIT ?",
                (site, limit),
            ).fetchall()
        return [_run(row) for row in rows]

    def statuses(self) -> list[SourceStatus]:
        with self._db() as conn:
            rows = conn.execute(
                "SELECT site, next_run, consecutive_failures, backoff_until, last_error, "
                "blocked, starved FROM sources ORDER BY site"
            ).fetchall()
        return [
            SourceStatus(
                site=site,
                last_run=next(iter(self.runs(site, 1)), None),
                next_run=_when(next_run),
                consecutive_failures=failures,
                backoff_until=_when(backoff),
                last_error=error,
                blocked=bool(blocked),
                starved=bool(starved),
            )
            for site, next_run, failures, backoff, error, blocked, starved in rows
        ]


def _run(row: tuple) -> RunRecord:
    site, started, finished, outcome, pages, documents, errors, message, *indexed = row
    new, changed, taken_down = indexed
    return RunRecord(
        site=site,
        started_at=datetime.fromisoformat(started),
        finished_at=datetime.fromisoformat(finished),
        outcome=outcome,
        pages=pages,
        documents=documents,
        errors=json.loads(errors),
        message=message,
        new=new,
        changed=changed,
        taken_down=taken_down,
    )
