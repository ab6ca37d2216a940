"""The embedded index's system of record: every version of every Document, in SQLite.

    meta       key/value pairs; `schema_version` is the Document schema the records follow
    documents  one row per id: its latest version, content hash, status and last sighting
    versions   one row per (id, version): the full `Document.to_index()` JSON

The tantivy full-text index is derived from the latest versions here and can always be rebuilt
from them. One connection is shared between threads behind a lock (`check_same_thread=False`);
WAL journaling lets another process (the API) read while the writer writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from index.document import Document, Status
from index.errors import IndexUnavailable
from index.versioning import Revision

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
"""
_LATEST = (
    "SELECT v.record FROM documents d JOIN versions v ON v.id = d.id AND v.version = d.version"
)
# SQLite's default limit on bound parameters is 999 on old builds; stay well under it.
_IDS_PER_QUERY = 500


class RecordStore:
    """Documents and their versions in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False)
        except sqlite3.Error as error:
            raise IndexUnavailable(f"cannot open the index records at {path}: {error}") from error
        with self._db() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, with SQLite failures turned into our error."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as error:
                raise IndexUnavailable(
                    f"the index records at {self.path} cannot be read ({error}); restore the "
                    "file from a backup or move it away and re-index"
                ) from error

    def create(self, schema_version: int) -> None:
        """Create the tables, stamping `schema_version` only on a brand-new store."""
        with self._db() as conn, conn:
            conn.executescript(_TABLES)
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(schema_version),),
            )

    def has_tables(self) -> bool:
        with self._db() as conn:
            row = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
        return bool(row[0])

    def schema_version(self) -> int | None:
        with self._db() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None

    def stamp_schema_version(self, version: int) -> None:
        with self._db() as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(version),),
            )

    # --- reading ------------------------------------------------------------------------

    def latest(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The latest version of each id that exists, by id."""
        found: dict[str, Document] = {}
        unique = list(dict.fromkeys(doc_ids))
        with self._db() as conn:
            for start in range(0, len(unique), _IDS_PER_QUERY):
                chunk = unique[start : start + _IDS_PER_QUERY]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(f"{_LATEST} WHERE d.id IN ({marks})", chunk).fetchall()
                for (record,) in rows:
                    document = Document.from_index(json.loads(record))
                    found[document.id] = document
        return found

    def versions(self, doc_id: str) -> list[Document]:
        with self._db() as conn:
            rows = conn.execute(
                "SELECT record FROM versions WHERE id = ? ORDER BY version", (doc_id,)
            ).fetchall()
        return [Document.from_index(json.loads(record)) for (record,) in rows]

    def count(self) -> int:
        with self._db() as conn:
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def iter_latest(self, batch_size: int) -> Iterator[list[Document]]:
        """Every latest version, a batch at a time, so a rebuild never holds them all."""
        after = ""
        while True:
            with self._db() as conn:
                rows = conn.execute(
                    f"{_LATEST} WHERE d.id > ? ORDER BY d.id LIMIT ?", (after, batch_size)
                ).fetchall()
            if not rows:
                return
            batch = [Document.from_index(json.loads(record)) for (record,) in rows]
            after = batch[-1].id
            yield batch

    # --- writing ------------------------------------------------------------------------

    def write(self, revisions: Iterable[Revision]) -> None:
        """Store revisions in one transaction: new versions added, refreshed ones replaced."""
        with self._db() as conn, conn:
            for revision in revisions:
                self._write_one(conn, revision.document)

    def _write_one(self, conn: sqlite3.Connection, document: Document) -> None:
        record = json.dumps(document.to_index(), ensure_ascii=False)
        conn.execute(
            "INSERT OR REPLACE INTO versions (id, version, record) VALUES (?, ?, ?)",
            (document.id, document.version, record),
        )
        conn.execute(
            "INSERT OR REPLACE INTO documents (id, version, content_hash, status, last_seen) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                document.id,
                document.version,
                document.content_hash,
                str(document.status),
                document.last_seen.isoformat(),
            ),
        )

    def replace_latest(self, documents: Iterable[Document]) -> None:
        """Rewrite latest versions in place (flags, links): same version number, no history."""
        with self._db() as conn, conn:
            for document in documents:
                self._write_one(conn, document)

    def take_down(self, doc_ids: Iterable[str], at: datetime) -> list[Document]:
        """Mark active documents taken down at `at`; returns the documents that changed."""
        changed = [
            document.model_copy(update={"status": Status.TAKEN_DOWN, "taken_down_at": at})
            for document in self.latest(doc_ids).values()
            if document.status == Status.ACTIVE
        ]
        with self._db() as conn, conn:
            for document in changed:
                self._write_one(conn, document)
        return changed

    # --- raw access for migrations -------------------------------------------------------

    def raw_batches(self, batch_size: int) -> Iterator[list[tuple[str, int, dict[str, Any]]]]:
        """Every stored version as plain JSON (maybe an older schema), a page at a time."""
        after: tuple[str, int] = ("", 0)
        while True:
            with self._db() as conn:
                rows = conn.execute(
                    "SELECT id, version, record FROM versions WHERE (id, version) > (?, ?) "
                    "ORDER BY id, version LIMIT ?",
                    (*after, batch_size),
                ).fetchall()
            if not rows:
                return
            after = (rows[-1][0], rows[-1][1])
            yield [(doc_id, version, json.loads(record)) for doc_id, version, record in rows]

    def replace_raw(self, records: Iterable[tuple[str, int, dict[str, Any]]]) -> None:
        with self._db() as conn, conn:
            conn.executemany(
                "UPDATE versions SET record = ? WHERE id = ? AND version = ?",
                (
                    (json.dumps(record, ensure_ascii=False), doc_id, version)
                    for doc_id, version, record in records
                ),
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
