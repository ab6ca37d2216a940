"""The durable spool between crawling and analysis (DESIGN.md §2, step 2).

Crawlers append every Document here before anything else happens to it, so a crash, a slow
model or a down index never loses a fetched page. The spool is one SQLite file in WAL mode: an
append is committed when `append` returns, so a process killed at any point loses nothing it
appended, and a kill mid-write leaves the last committed state intact. By default the WAL is
synced at checkpoints (`synchronous=NORMAL`), which survives any process crash; a power loss
may lose the last few appends, whose pages are still in the WARC captures. `fsync=True`
(TRACK4TIP_SPOOL_FSYNC) syncs every append as well, at about half the append rate.

It is append-only. Readers ("consumers", e.g. the analyser) keep their own cursor — the last
sequence number they finished — so a rerun resumes where the previous one stopped, and a batch
that was read but not committed is simply read again (indexing is idempotent). A record that no
longer reads as a Document is set aside in `rejected` with the reason, not dropped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from crawlers.private_files import private_dir, touch_private
from index.document import Document, utc_now
from index.errors import IndexBackendError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    written_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY, consumer TEXT NOT NULL, reason TEXT NOT NULL
);
"""


class SpoolError(Exception):
    """The spool file cannot be opened or is not a spool."""


@dataclass(frozen=True)
class SpoolBatch:
    """Documents read in one go, and the sequence number to commit once they are handled."""

    documents: list[Document]
    last_seq: int

    def latest_versions(self) -> tuple[list[Document], int]:
        """Each document once, as its latest version, and how many earlier ones that drops.

        The spool is append-only, so two crawls of one site (or its feed and its sitemap)
        hold the same page twice, and one batch may read both. The latest is the one fetched
        last, and of those fetched at the same moment the one appended last; the kept ones
        stay in spool order. The dropped versions stay in the spool (and their pages in the
        WARC captures): only this batch skips them."""
        latest: dict[str, int] = {}
        for position, document in enumerate(self.documents):
            kept = latest.get(document.id)
            if kept is None or document.fetched_at >= self.documents[kept].fetched_at:
                latest[document.id] = position
        kept_positions = sorted(latest.values())
        superseded = len(self.documents) - len(kept_positions)
        return [self.documents[position] for position in kept_positions], superseded


def _connect(path: Path, fsync: bool = False) -> sqlite3.Connection:
    # Owner-only whatever the umask: the spool holds the pages' personal data. The WAL and
    # shared-memory files take the database file's mode.
    private_dir(path.parent, tighten=False)
    try:
        touch_private(path)
    except OSError as error:
        raise SpoolError(f"cannot create the spool {path}: {error}") from error
    try:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={'FULL' if fsync else 'NORMAL'}")
        connection.executescript(_SCHEMA)
    except sqlite3.DatabaseError as error:
        raise SpoolError(f"{path} is not a usable spool: {error}") from error
    return connection


class SpoolWriter:
    """Appends documents; each append is durable when it returns."""

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = path
        self._db = _connect(path, fsync)

    def append(self, document: Document) -> int:
        record = json.dumps(document.to_index(), ensure_ascii=False)
        cursor = self._db.execute(
            "INSERT INTO pages (doc_id, written_at, record) VALUES (?, ?, ?)",
            (document.id, utc_now().isoformat(), record),
        )
        return int(cursor.lastrowid or 0)

    def close(self) -> None:
        self._db.close()


class SpoolReader:
    """Reads documents after a consumer's cursor, in the order they were appended."""

    def __init__(self, path: Path, consumer: str) -> None:
        if not path.exists():
            raise SpoolError(f"no spool at {path}: run `track4tip crawl` first")
        self.path = path
        self.consumer = consumer
        self._db = _connect(path)

    @property
    def position(self) -> int:
        row = self._db.execute(
            "SELECT seq FROM cursors WHERE consumer = ?", (self.consumer,)
        ).fetchone()
        return int(row[0]) if row else 0

    def pending(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM pages WHERE seq > ?", (self.position,))
        return int(row.fetchone()[0])

    def read_batch(self, limit: int) -> SpoolBatch:
        """The next documents after the cursor; unreadable records are set aside."""
        start = self.position
        rows = self._db.execute(
            "SELECT seq, record FROM pages WHERE seq > ? ORDER BY seq LIMIT ?", (start, limit)
        ).fetchall()
        parsed = (self._parse(seq, record) for seq, record in rows)
        documents = [document for document in parsed if document is not None]
        return SpoolBatch(documents, rows[-1][0] if rows else start)

    def _parse(self, seq: int, record: str) -> Document | None:
        try:
            return Document.from_index(json.loads(record))
        except (json.JSONDecodeError, IndexBackendError) as error:
            self._db.execute(
                "INSERT OR REPLACE INTO rejected (seq, consumer, reason) VALUES (?, ?, ?)",
                (seq, self.consumer, str(error)),
            )
            return None

    def commit(self, seq: int) -> None:
        """Record that everything up to `seq` is done; a rerun starts after it."""
        self._db.execute(
            "INSERT INTO cursors (consumer, seq) VALUES (?, ?) "
            "ON CONFLICT(consumer) DO UPDATE SET seq = max(seq, excluded.seq)",
            (self.consumer, seq),
        )

    def rejected(self) -> list[tuple[int, str]]:
        return self._db.execute(
            "SELECT seq, reason FROM rejected WHERE consumer = ? ORDER BY seq", (self.consumer,)
        ).fetchall()

    def close(self) -> None:
        self._db.close()


def iter_all(path: Path) -> Iterator[Document]:
    """Every readable document in a spool, oldest first (for inspection and tests)."""
    with closing(_connect(path)) as db:
        for (record,) in db.execute("SELECT record FROM pages ORDER BY seq"):
            yield Document.from_index(json.loads(record))
