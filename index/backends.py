"""Open the index backend the settings name; callers hold only the `IndexBackend` contract.

Backends are imported here, lazily, so that a process using the embedded index never loads the
Elasticsearch client and the other way round.
"""

from __future__ import annotations

from index.base import IndexBackend
from index.config import IndexSettings
from index.errors import IndexUnavailable


def open_index(settings: IndexSettings) -> IndexBackend:
    """The configured backend, set up and ready to read and write."""
    if settings.backend == "elasticsearch":
        raise IndexUnavailable(
            "the elasticsearch backend is not built yet; "
            "set TRACK4TIP_BACKEND=embedded to use the embedded index"
        )
    from index.embedded import EmbeddedIndex

    backend = EmbeddedIndex(settings.embedded_dir)
    backend.setup()
    return backend


def migrate_index(settings: IndexSettings) -> int:
    """Upgrade the configured index to this version's document schema; returns records read."""
    if settings.backend == "elasticsearch":
        raise IndexUnavailable("the elasticsearch backend is not built yet; nothing to migrate")
    from index.embedded import migrate

    return migrate(settings.embedded_dir)
