"""The incremental crawl state on disk: one SQLite file, owner-only, for pages and cards.

`CrawlState` (crawlers/incremental.py: pages, validators, hashes) and `CardState`
(crawlers/takedowns.py: cards seen on listings, absences) keep their tables in the same
file; each opens a short connection per operation so that several crawl processes of a
watch service can share it (SQLite's lock, with a wait).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from crawlers.private_files import private_dir, touch_private

LOCK_WAIT_SECONDS = 30


class StateDatabase:
    def __init__(self, path: Path, schema: str) -> None:
        # Owner-only whatever the umask: the URLs and hashes say what was collected.
        private_dir(path.parent, tighten=False)
        touch_private(path)
        self.path = path
        with self._db() as conn:
            conn.execute(schema)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=LOCK_WAIT_SECONDS)) as conn, conn:
            yield conn
