"""The console's own state in one SQLite file: users, API keys, audit log, flags, saved
searches, reports, alert rules and deliveries.

Each module that keeps state owns its tables and creates them with `ensure_schema(name, ddl)`
(DDL written with `IF NOT EXISTS`, so it is safe on every start); nothing else here knows the
tables. The file is opened in WAL mode, so the API's reads never wait for a writer, with
foreign keys on. A connection lives for one `connect()` block and is one transaction: it
commits when the block ends and rolls back when it raises, so a refused request leaves
nothing half-written.

The default place is `<TRACK4TIP_INDEX_DATA_DIR>/console.sqlite3`, resolved by the caller
(the CLI) — the console's state travels with the index it annotates.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_FILE_NAME = "console.sqlite3"
# Seconds a writer waits for another writer's lock before SQLite gives up.
BUSY_TIMEOUT_SECONDS = 10.0


class ConsoleDatabase:
    """Opens short-lived connections to one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | str, trace: Callable[[str], object] | None = None) -> None:
        self.path = Path(path)
        # Sees every statement run, with its values (sqlite3's trace callback): for debugging,
        # and for tests that check what a request reads.
        self.trace = trace
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._schemas: set[str] = set()
        self._lock = threading.Lock()
        with self.connect() as connection:
            # WAL is a property of the file: set once, kept by every later connection.
            connection.execute("PRAGMA journal_mode=WAL")
        # Closing the LAST connection to a WAL file checkpoints and deletes the WAL, with
        # fsyncs: ~25 ms per request (bench/bench_api.py found it dominating API latency).
        # One idle connection that has read the file keeps the WAL open for the object's
        # lifetime, so each request's connection closes cheaply. It holds no transaction.
        self._keeper = sqlite3.connect(self.path, check_same_thread=False)
        self._keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()

    def close(self) -> None:
        """Let go of the idle connection (a later `connect()` still works)."""
        self._keeper.close()

    def __repr__(self) -> str:
        return f"ConsoleDatabase({str(self.path)!r})"

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that is one transaction: committed on success, rolled back on error."""
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level="DEFERRED"
        )
        connection.row_factory = sqlite3.Row
        if self.trace is not None:
            connection.set_trace_callback(self.trace)
        connection.execute("PRAGMA foreign_keys=ON")
        # NORMAL is durable across process crashes in WAL mode; only power loss may drop
        # the last commits, and every audit write would otherwise cost an fsync.
        connection.execute("PRAGMA synchronous=NORMAL")
        try:
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def add_column(self, table: str, column: str, definition: str) -> bool:
        """Give a table made by an older version a column its DDL now has (SQLite's
        `CREATE TABLE IF NOT EXISTS` leaves an existing table as it is); True when added."""
        with self.connect() as connection:
            columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
            if any(row["name"] == column for row in columns):
                return False
            try:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            except sqlite3.OperationalError as error:
                # Another process added it between the look and the change.
                if "duplicate column" not in str(error):
                    raise
                return False
        return True

    def ensure_schema(self, name: str, ddl: str) -> None:
        """Create the tables of module `name` once per process (the DDL must be idempotent)."""
        with self._lock:
            if name in self._schemas:
                return
            with self.connect() as connection:
                connection.executescript(ddl)
            self._schemas.add(name)
