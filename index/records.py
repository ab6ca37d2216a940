"""The embedded index's system of record: every version of every Document, in SQLite.

    meta       key/value pairs; `schema_version` is the Document schema the records follow
    documents  one row per id: its latest version, content hash, status, last sighting and
               `seq`, the write sequence number at which its full-text form last changed
    versions   one row per (id, version): the full `Document.to_index()` JSON

The tantivy full-text index is derived from the latest versions here and can always be rebuilt
from them; `seq` is the shared commit sequence that says how far it has got (a write stamps the
next number, max(seq) + 1, on every document whose full-text form it changes, so the documents
above the sequence full text last applied are exactly those it lacks; index/embedded_writer.py).
An unchanged re-crawl refreshes its row without a new number: nothing to re-index.

Every write is one `transaction()`: BEGIN IMMEDIATE, so the reads it bases its changes on and
the sequence number it takes cannot be overtaken by another process's write. One connection is
shared between threads behind a lock (`check_same_thread=False`); WAL journaling lets other
processes read while one writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index.document import Document
from index.errors import IndexUnavailable

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS documents_seq ON documents (seq);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
"""
_JOIN = "FROM documents d JOIN versions v ON v.id = d.id AND v.version = d.version"
_LATEST = f"SELECT v.record {_JOIN}"
_CHANGED = f"SELECT v.record, d.seq {_JOIN}"
# Stores written before the commit sequence lack the column; their rows start at 0.
_ADD_SEQUENCE = (
    "ALTER TABLE documents ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX IF NOT EXISTS documents_seq ON documents (seq);"
)
_PUT_VERSION = "INSERT OR REPLACE INTO versions (id, version, record) VALUES (?, ?, ?)"
# seq 0 means "full-text form unchanged": the row keeps the number it had.
_PUT_DOCUMENT = """
INSERT INTO documents (id, version, content_hash, status, last_seen, seq)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    version = excluded.version,
    content_hash = excluded.content_hash,
    status = excluded.status,
    last_seen = excluded.last_seen,
    seq = CASE WHEN excluded.seq > 0 THEN excluded.seq ELSE documents.seq END
"""
# SQLite's default limit on bound parameters is 999 on old builds; stay well under it.
_IDS_PER_QUERY = 500


class RecordStore:
    """Documents and their versions in one SQLite file."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            # The timeout is how long a write waits for another process's write to finish.
            self._conn = sqlite3.connect(path, check_same_thread=False, timeout=busy_timeout)
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

    def add_sequence_column(self) -> None:
        """Give a store from before the commit sequence its `seq` column (once, any process)."""
        with self._db() as conn:
            if self._has_sequence(conn):
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have added it while this one waited for the lock.
                if not self._has_sequence(conn):
                    for statement in _ADD_SEQUENCE.split(";")[:-1]:
                        conn.execute(statement)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @staticmethod
    def _has_sequence(conn: sqlite3.Connection) -> bool:
        columns = conn.execute("PRAGMA table_info(documents)").fetchall()
        return any(column[1] == "seq" for column in columns)

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

    def max_sequence(self) -> int:
        """The sequence number of the last write that changed a document's full-text form."""
        with self._db() as conn:
            return int(conn.execute("SELECT coalesce(max(seq), 0) FROM documents").fetchone()[0])

    def changed_between(self, after: int, upto: int, batch_size: int) -> Iterator[list[Document]]:
        """Latest versions whose full-text form changed at a sequence in (after, upto]."""
        cursor: tuple[int, str] = (after, "")
        while True:
            with self._db() as conn:
                rows = conn.execute(
                    f"{_CHANGED} WHERE (d.seq, d.id) > (?, ?) AND d.seq <= ? "
                    "ORDER BY d.seq, d.id LIMIT ?",
                    (*cursor, upto, batch_size),
                ).fetchall()
            if not rows:
                return
            batch = [Document.from_index(json.loads(record)) for (record, _) in rows]
            cursor = (rows[-1][1], batch[-1].id)
            yield batch

    # --- writing ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[RecordWrite]:
        """One write: committed when the block ends, rolled back if it raises."""
        with self._db() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                base = int(
                    conn.execute("SELECT coalesce(max(seq), 0) FROM documents").fetchone()[0]
                )
                write = RecordWrite(self, conn, base)
                yield write
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

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


class RecordWrite:
    """What one `RecordStore.transaction()` reads and writes, and the sequence number it takes."""

    def __init__(self, store: RecordStore, conn: sqlite3.Connection, base: int) -> None:
        self._store = store
        self._conn = conn
        # The highest sequence number committed before this write; this write stamps base + 1.
        self.base = base
        self._reindexed: dict[str, Document] = {}

    @property
    def sequence(self) -> int:
        """The sequence this write reaches: base + 1 if it changed any full-text form."""
        return self.base + 1 if self._reindexed else self.base

    @property
    def reindexed(self) -> list[Document]:
        """The latest form of every document whose full-text form this write changed."""
        return list(self._reindexed.values())

    def latest(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        return self._store.latest(doc_ids)

    def put(self, document: Document, *, reindex: bool = True) -> None:
        """Store a document version (a new one, or the latest rewritten in place)."""
        # A document already re-indexed by this write stays so, in its newest form.
        reindex = reindex or document.id in self._reindexed
        record = json.dumps(document.to_index(), ensure_ascii=False)
        self._conn.execute(_PUT_VERSION, (document.id, document.version, record))
        row = (
            document.id,
            document.version,
            document.content_hash,
            str(document.status),
            document.last_seen.isoformat(),
            self.base + 1 if reindex else 0,
        )
        self._conn.execute(_PUT_DOCUMENT, row)
        if reindex:
            self._reindexed[document.id] = document
