"""Labelled examples for training and evaluating the risk classifier, read from CSV or JSONL.

A file holds one text column, one or more label columns and, optionally, a language column.
Label values are 0/1 (also "true"/"false", "yes"/"no"); an empty value means "not labelled",
so a file may label only one of the two risk labels (EMSCAD knows fraud, not trafficking).
A broken file stops the read with an error that names the file and the line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nlp.errors import LabelledDataError

# What the encoder-head model (nlp/classifier/scoring.py) predicts.
LABELS = ("recruitment_fraud", "trafficking_risk")
# Whether a text is about trafficking: predicted by the linear model (nlp/classifier/linear.py).
TOPIC_LABEL = "trafficking_topic"
KNOWN_LABELS = (*LABELS, TOPIC_LABEL)
# Column names other data sets use for our labels: EMSCAD calls recruitment fraud "fraudulent".
LABEL_ALIASES = {"fraudulent": "recruitment_fraud"}
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


@dataclass(frozen=True, slots=True)
class LabelledExample:
    """One text with its labels (None where the source does not label it) and its origin."""

    id: str
    text: str
    language: str
    labels: dict[str, int | None]
    source: str
    kind: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which columns hold the text, the language and each label."""

    text: str = "text"
    language: str = "language"
    labels: Mapping[str, str] | None = None  # column -> label; None: find them by name

    def label_columns(self, columns: list[str], where: str) -> dict[str, str]:
        if self.labels is not None:
            unknown = [label for label in self.labels.values() if label not in KNOWN_LABELS]
            if unknown:
                raise LabelledDataError(
                    f"{where}: unknown label {unknown[0]!r}; known: {KNOWN_LABELS}"
                )
            missing = [column for column in self.labels if column not in columns]
            if missing:
                raise LabelledDataError(f"{where}: no column {missing[0]!r} (has {columns})")
            return dict(self.labels)
        found = {
            column: LABEL_ALIASES.get(column, column)
            for column in columns
            if column in KNOWN_LABELS or column in LABEL_ALIASES
        }
        if not found:
            raise LabelledDataError(
                f"{where}: no label column; expected one of {[*KNOWN_LABELS, *LABEL_ALIASES]}"
            )
        return found


def parse_label(value: object, where: str) -> int | None:
    """0, 1 or None (missing) from what a CSV or JSON file holds."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise LabelledDataError(f"{where}: label {value!r} is not 0 or 1")


def read_labelled(
    path: Path, columns: ColumnMap | None = None, default_language: str = "und"
) -> list[LabelledExample]:
    """Every example of a .csv or .jsonl file; raises `LabelledDataError` naming file and line."""
    columns = columns or ColumnMap()
    if not path.is_file():
        raise LabelledDataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows(path)
    else:
        raise LabelledDataError(f"{path}: expected a .csv or .jsonl file")
    examples = [
        _example(row, columns, default_language, path, line, known)
        for line, row, known in _with_label_columns(rows, columns, path)
    ]
    if not examples:
        raise LabelledDataError(f"{path}: no examples")
    return examples


def _with_label_columns(
    rows: Iterator[tuple[int, dict[str, object]]], columns: ColumnMap, path: Path
) -> Iterator[tuple[int, dict[str, object], dict[str, str]]]:
    known: dict[str, str] | None = None
    for line, row in rows:
        if known is None:
            known = columns.label_columns(list(row), f"{path}:{line}")
        yield line, row, known


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                if None in row or None in row.values():
                    raise LabelledDataError(
                        f"{path}:{reader.line_num}: the row has "
                        f"{'more' if None in row else 'fewer'} fields than the header"
                    )
                yield reader.line_num, dict(row)
        except (csv.Error, UnicodeDecodeError) as error:
            raise LabelledDataError(f"{path}:{reader.line_num}: {error}") from error


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    try:
        with path.open(encoding="utf-8") as handle:
            for line, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                yield line, _json_object(raw, f"{path}:{line}")
    except UnicodeDecodeError as error:
        raise LabelledDataError(f"{path}: not UTF-8 text ({error})") from error


def _json_object(raw: str, where: str) -> dict[str, object]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise LabelledDataError(f"{where}: not JSON ({error.msg})") from error
    if not isinstance(value, dict):
        raise LabelledDataError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _example(
    row: dict[str, object],
    columns: ColumnMap,
    default_language: str,
    path: Path,
    line: int,
    label_columns: dict[str, str],
) -> LabelledExample:
    where = f"{path}:{line}"
    text = row.get(columns.text)
    if not isinstance(text, str) or not text.strip():
        raise LabelledDataError(f"{where}: no text in column {columns.text!r}")
    labels: dict[str, int | None] = dict.fromkeys(LABELS)
    for column, label in label_columns.items():
        labels[label] = parse_label(row.get(column), f"{where}: column {column!r}")
    if all(value is None for value in labels.values()):
        raise LabelledDataError(f"{where}: no label given")
    language = str(row.get(columns.language) or default_language)
    return LabelledExample(
        id=str(row.get("id") or f"{path.stem}:{line}"),
        text=text,
        language=language,
        labels=labels,
        source=f"{path.parent.name}/{path.stem}",
        kind=str(row.get("kind") or ""),
        extra={"label_source": str(row.get("label_source") or "")},
    )
