"""The linking store (linking/linker.py), opened read-only for the console and the API.

The indexing process owns `<index data dir>/linking.sqlite3` and writes to it; the API only
reads. Each request opens its own read-only connection (SQLite connections are not shared
between the server's threads, and opening one costs well under a millisecond), so a page
never waits for the indexer and can never change the store.

A store that does not exist yet, or that no batch has been linked into, means "nothing linked
yet": `open()` yields None and the pages show empty lists. A file that is not a linking store
(damaged, or another kind of file) is `StoreUnavailable` (the API answers 503), with the path in the
message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from linking.config import LinkingSettings
from linking.errors import LinkingError, StoreUnavailable
from linking.linker import Linker

DEFAULT_FILE_NAME = "linking.sqlite3"
# The store remembers the shape of its signatures; a reader uses the store's, not the
# environment's, so that views work whatever TRACK4TIP_LINKING_* the API process has.
_STORED_SETTINGS = ("num_perm", "bands", "shingle_size")


class LinkingStore:
    """Where the linking store is, and read-only access to it."""

    def __init__(self, path: Path, settings: LinkingSettings | None = None) -> None:
        self.path = path
        self._settings = settings

    def __repr__(self) -> str:
        return f"LinkingStore({str(self.path)!r})"

    @contextmanager
    def open(self) -> Iterator[Linker | None]:
        """A read-only Linker for one request; None when nothing has been linked yet."""
        if not self.path.is_file():
            yield None
            return
        try:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            # One request uses the connection, but FastAPI may run its dependency and its
            # route in different threads of its pool.
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as error:
            raise self._unavailable(error) from error
        try:
            linker = self._linker(connection)
            yield linker
        finally:
            connection.close()

    def _linker(self, connection: sqlite3.Connection) -> Linker | None:
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if "linked_documents" not in tables or "linking_settings" not in tables:
                return None
            stored = dict(connection.execute("SELECT name, value FROM linking_settings"))
            return Linker(connection, self._settings_like(stored))
        except (sqlite3.Error, LinkingError, ValueError) as error:
            raise self._unavailable(error) from error

    def _settings_like(self, stored: dict[str, str]) -> LinkingSettings:
        settings = self._settings or LinkingSettings()
        update = {name: int(stored[name]) for name in _STORED_SETTINGS if name in stored}
        return settings.model_copy(update=update)

    def _unavailable(self, error: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"the linking store {self.path} cannot be read: {error}")
