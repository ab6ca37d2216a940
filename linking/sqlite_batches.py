"""`IN (...)` queries over long lists of values, cut into chunks SQLite accepts.

SQLite limits the number of bound parameters of one statement (999 in older builds), and the
linking store asks about thousands of documents at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

_MAX_PARAMETERS = 900


def select_in(
    connection: sqlite3.Connection,
    sql: str,
    values: Iterable[Any],
    suffix: str = "",
    params: tuple[Any, ...] = (),
) -> list[tuple[Any, ...]]:
    """Rows of `{sql} ({marks}){suffix}` for every chunk of values; `params` are bound first."""
    values = list(values)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), _MAX_PARAMETERS):
        chunk = values[start : start + _MAX_PARAMETERS]
        marks = ",".join("?" * len(chunk))
        rows.extend(connection.execute(f"{sql} ({marks}){suffix}", (*params, *chunk)))
    return rows
