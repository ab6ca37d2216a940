"""Fixtures every test package shares: `backend`, an empty set-up index of each kind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from index.base import IndexBackend
from tests.index_backends import BACKENDS, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    with ExitStack() as stack:
        yield open_backend(request.param, tmp_path, stack)
