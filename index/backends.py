"""Open the index backend the settings name; callers hold only the `IndexBackend` contract.

Backends are imported here, lazily, so that a process using the embedded index never loads the
Elasticsearch client and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.base import IndexBackend
from index.config import IndexSettings


def _embedded(settings: IndexSettings) -> IndexBackend:
    from index.embedded import EmbeddedIndex

    return EmbeddedIndex(settings.embedded_dir, writer_wait=settings.embedded_writer_wait)


def _elasticsearch(settings: IndexSettings) -> IndexBackend:
    from index.elastic import ElasticsearchIndex

    return ElasticsearchIndex.from_settings(settings)


def _migrate_embedded(settings: IndexSettings) -> int:
    from index.embedded import migrate

    return migrate(settings.embedded_dir)


def _migrate_elasticsearch(settings: IndexSettings) -> int:
    from index.elastic import migrate

    return migrate(settings)


@dataclass(frozen=True)
class BackendEntry:
    """How to build a backend of one kind, and how to migrate its stored index."""

    build: Callable[[IndexSettings], IndexBackend]
    migrate: Callable[[IndexSettings], int]


# The registry: TRACK4TIP_INDEX_INDEX_BACKEND names one of these.
REGISTRY: dict[str, BackendEntry] = {
    "embedded": BackendEntry(_embedded, _migrate_embedded),
    "elasticsearch": BackendEntry(_elasticsearch, _migrate_elasticsearch),
}


def open_index(settings: IndexSettings) -> IndexBackend:
    """The configured backend, set up and ready to read and write."""
    backend = REGISTRY[settings.index_backend].build(settings)
    try:
        backend.setup()
    except BaseException:
        backend.close()
        raise
    return backend


def migrate_index(settings: IndexSettings) -> int:
    """Upgrade the configured index to this version's schema and mapping; returns records read."""
    return REGISTRY[settings.index_backend].migrate(settings)
