"""Fixtures every test package shares: `backend`, an empty set-up index of each kind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from index.base import IndexBackend
from tests.index_backends import BACKENDS, open_backend

# Crawl tests serve their web on 127.0.0.1, which the egress guard refuses in production
# (crawlers/egress.py). Allowed here, explicitly, for every CrawlerSettings the tests build;
# child processes (spawned crawls, the CLI) inherit it.
os.environ.setdefault("TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS", "127.0.0.1/32")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    with ExitStack() as stack:
        yield open_backend(request.param, tmp_path, stack)
