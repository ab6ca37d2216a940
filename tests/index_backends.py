"""Set-up index backends of each kind for tests: the embedded index and the real
Elasticsearch node (scripts/es-node; see tests/elasticsearch_node.py)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from index.base import IndexBackend
from index.embedded import EmbeddedIndex
from tests.elasticsearch_node import elasticsearch_url, fresh_index

BACKENDS = ["embedded", "elasticsearch"]


def open_backend(kind: str, tmp_path: Path, stack: ExitStack) -> IndexBackend:
    """A set-up backend of `kind`, empty, released when `stack` closes."""
    if kind == "embedded":
        index = stack.enter_context(EmbeddedIndex(tmp_path / "index"))
        index.setup()
        return index
    if kind == "elasticsearch":
        return stack.enter_context(fresh_index(elasticsearch_url(), tmp_path))
    raise AssertionError(f"unknown backend kind {kind}")  # pragma: no cover
