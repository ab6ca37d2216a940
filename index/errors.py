"""Errors raised by the index package.

    IndexBackendError              anything the index cannot do; carries a readable message
    ├── SchemaVersionMismatch      stored data was written by another schema version
    ├── DocumentFormatError        a stored or submitted record does not validate
    ├── IndexUnavailable           the backend cannot be reached or opened
    │   └── WriterBusy             another process held the embedded index's writer lock past
    │                              the wait (TRACK4TIP_EMBEDDED_WRITER_WAIT); nothing written
    └── InvalidQuery               a search request the backend cannot run

Callers outside `index` catch `IndexBackendError` and show its message; the API turns it into
an HTTP error, the CLI into a one-line message and a non-zero exit.
"""

from __future__ import annotations


class IndexBackendError(Exception):
    """Base class of every error the index package raises."""


class SchemaVersionMismatch(IndexBackendError):
    def __init__(self, *, found: object, expected: int, where: str = "the index") -> None:
        self.found = found
        self.expected = expected
        super().__init__(
            f"{where} was written with document schema_version {found!r}, but this track4tip "
            f"reads schema_version {expected}; run `track4tip migrate` to migrate it"
        )


class DocumentFormatError(IndexBackendError):
    pass


class IndexUnavailable(IndexBackendError):
    pass


class WriterBusy(IndexUnavailable):
    def __init__(self, *, directory: object, waited: float) -> None:
        self.directory = directory
        self.waited = waited
        super().__init__(
            f"the embedded index at {directory} stayed locked by another writer for "
            f"{waited:.1f} s; nothing was written: try again (a long rebuild or migrate may be "
            "running; TRACK4TIP_EMBEDDED_WRITER_WAIT sets how long writes wait)"
        )


class InvalidQuery(IndexBackendError):
    pass
