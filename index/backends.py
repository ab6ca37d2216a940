"""Open the index backend the settings name; callers hold only the `IndexBackend` contract.

Backends are imported here, lazily, so that a process using the embedded index never loads the
Elasticsearch client and the other way round.
"""

from __future__ import annotations

from index.base import IndexBackend
from index.config import IndexSettings


def open_index(settings: IndexSettings) -> IndexBackend:
    """The configured backend, set up and ready to read and write."""
    backend: IndexBackend
    if settings.index_backend == "elasticsearch":
        from index.elastic import ElasticsearchIndex

        backend = ElasticsearchIndex.from_settings(settings)
    else:
        from index.embedded import EmbeddedIndex

        backend = EmbeddedIndex(settings.embedded_dir)
    try:
        backend.setup()
    except BaseException:
        backend.close()
        raise
    return backend


def migrate_index(settings: IndexSettings) -> int:
    """Upgrade the configured index to this version's schema and mapping; returns records read."""
    if settings.index_backend == "elasticsearch":
        from index.elastic import migrate as migrate_elasticsearch

        return migrate_elasticsearch(settings)
    from index.embedded import migrate

    return migrate(settings.embedded_dir)
