"""Rows to bytes, a chunk at a time: CSV, JSON Lines and Parquet for research exports.

Each writer takes an iterator of rows (dicts keyed by column name) and yields byte chunks as
it goes, so a response streams an export of any size while holding one chunk of rows: CSV and
JSONL every `rows_per_chunk` rows, Parquet one row group at a time (pyarrow's ParquetWriter
writes into a sink that is drained after each group; the footer comes last).

Values follow the column's kind: lists are lists in JSONL and Parquet and `;`-joined in CSV;
times are ISO 8601 in UTC in text formats and timestamps in Parquet. CSV cells that a
spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) get a leading apostrophe: the
text comes from the open web.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

ROWS_PER_CHUNK = 1000
ROWS_PER_ROW_GROUP = 2_000
LIST_SEPARATOR = ";"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, Any]


class ColumnKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    TIME = "time"
    TEXT_LIST = "text_list"


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    description: str = ""


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"

    @property
    def media_type(self) -> str:
        return {
            ExportFormat.CSV: "text/csv; charset=utf-8",
            ExportFormat.JSONL: "application/x-ndjson",
            ExportFormat.PARQUET: "application/vnd.apache.parquet",
        }[self]


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- CSV ------------------------------------------------------------------------------------


def _csv_cell(value: Any, kind: ColumnKind) -> str:
    if value is None:
        return ""
    if kind is ColumnKind.TEXT_LIST:
        text = LIST_SEPARATOR.join(str(item) for item in value)
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_chunks(
    rows: Iterable[Row], columns: Sequence[Column], rows_per_chunk: int = ROWS_PER_CHUNK
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    for chunk in _chunks(rows, rows_per_chunk):
        for row in chunk:
            writer.writerow([_csv_cell(row.get(column.name), column.kind) for column in columns])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


# --- JSON Lines -----------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def jsonl_chunks(
    rows: Iterable[Row], columns: Sequence[Column], rows_per_chunk: int = ROWS_PER_CHUNK
) -> Iterator[bytes]:
    names = [column.name for column in columns]
    for chunk in _chunks(rows, rows_per_chunk):
        lines = (
            json.dumps({name: _json_value(row.get(name)) for name in names}, ensure_ascii=False)
            for row in chunk
        )
        yield ("\n".join(lines) + "\n").encode("utf-8")


# --- Parquet --------------------------------------------------------------------------------
# pyarrow is imported when a Parquet export starts: the API and the console start without it.


class _DrainableSink(io.RawIOBase):
    """A write-only file whose bytes are handed out and forgotten after each row group."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._pending.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        data = b"".join(self._pending)
        self._pending = []
        return data


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    import pyarrow as pa

    types = {
        ColumnKind.TEXT: pa.string(),
        ColumnKind.NUMBER: pa.float64(),
        ColumnKind.INTEGER: pa.int64(),
        ColumnKind.TIME: pa.timestamp("us", tz="UTC"),
        ColumnKind.TEXT_LIST: pa.list_(pa.string()),
    }
    return pa.schema([(column.name, types[column.kind]) for column in columns])


def parquet_chunks(
    rows: Iterable[Row], columns: Sequence[Column], rows_per_group: int = ROWS_PER_ROW_GROUP
) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns)
    names = [column.name for column in columns]
    sink = _DrainableSink()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")
    try:
        for chunk in _chunks(rows, rows_per_group):
            table = pa.Table.from_pylist(
                [{name: row.get(name) for name in names} for row in chunk], schema=schema
            )
            writer.write_table(table, row_group_size=rows_per_group)
            yield sink.drain()
    finally:
        writer.close()
    yield sink.drain()


def write_chunks(
    rows: Iterable[Row], columns: Sequence[Column], fmt: ExportFormat
) -> Iterator[bytes]:
    """The export of `rows` in `fmt`, as a stream of byte chunks."""
    return WRITERS[fmt](rows, columns)


# The registry of export formats: the `format` parameter names one.
WRITERS: dict[ExportFormat, Callable[[Iterable[Row], Sequence[Column]], Iterator[bytes]]] = {
    ExportFormat.CSV: csv_chunks,
    ExportFormat.JSONL: jsonl_chunks,
    ExportFormat.PARQUET: parquet_chunks,
}
