"""The real Elasticsearch node the tests use, started by scripts/es-node.

`make test` (scripts/test) starts the node before pytest; `elasticsearch_url()` only checks that
it answers. A test that needs it FAILS when it does not, unless TRACK4TIP_ALLOW_MISSING_SERVICES=1
says that skipping is fine (a developer's machine without Java).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from elastic_transport import TransportError
from elasticsearch import Elasticsearch

from index.elastic import ElasticsearchIndex

ROOT = Path(__file__).resolve().parent.parent
ES_NODE = ROOT / "scripts" / "es-node"
DEFAULT_URL = "http://127.0.0.1:9200"


def elasticsearch_url() -> str:
    """The test node's URL; fails (or skips, when allowed) if nothing answers there."""
    url = os.environ.get("TRACK4TIP_TEST_ELASTICSEARCH_URL", DEFAULT_URL)
    # Not ping(): the integration-test distribution has no `GET /` (its main module is left out).
    client = Elasticsearch(url, request_timeout=5, max_retries=0)
    try:
        client.cluster.health()
        answering = True
    except TransportError:
        answering = False
    finally:
        client.close()
    if not answering:
        message = (
            f"no Elasticsearch node answers at {url}: start one with `scripts/es-node start` "
            "(make test does)"
        )
        if os.environ.get("TRACK4TIP_ALLOW_MISSING_SERVICES") == "1":
            pytest.skip(message)
        pytest.fail(message)
    return url


def free_port() -> int:
    """A loopback port nothing listens on (to stand for a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unique_prefix() -> str:
    return f"t4t-test-{uuid.uuid4().hex[:10]}"


def delete_prefix(client: Elasticsearch, prefix: str) -> None:
    """Delete the indices of one test (concrete names: clusters may forbid wildcard deletes)."""
    names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if names:
        client.indices.delete(index=",".join(names))


@contextmanager
def fresh_index(url: str, tmp_path: Path, **options: object) -> Iterator[ElasticsearchIndex]:
    """A set-up backend under a prefix of its own, deleted afterwards."""
    prefix = unique_prefix()
    options.setdefault("replicas", 0)
    index = ElasticsearchIndex(
        Elasticsearch(url, request_timeout=30),
        prefix=prefix,
        dead_letter=tmp_path / "dead-letter.jsonl",
        **options,  # type: ignore[arg-type]
    )
    try:
        index.setup()
        yield index
    finally:
        cleanup = Elasticsearch(url, request_timeout=30)
        try:
            delete_prefix(cleanup, prefix)
        finally:
            cleanup.close()
            index.close()
