"""The real labelled data: label lines that name rows of the shared real-text corpus.

A label file (labels/realdev/labels.jsonl in the repository, guideline beside it) holds one
JSON object per line: `file` and `id` name a row of a JSONL file in the realtext folder
(../shared/data/realtext), the rest are labels. The texts are read from that folder at run
time and never copied. Every problem is a `LabelledDataError` naming the label file and line
— an unknown file or id, a missing or unknown label, a label that is not 0, 1 or null, an item
labelled twice, a row with no text — and it is raised before any model loads.

    {"file": "jobs_es_EC_computrabajo.jsonl", "id": "ec-ct-...", "kind": "ad",
     "recruitment_fraud": 0, "trafficking_risk": 0, "trafficking_topic": 0, "note": "..."}

EMSCAD (../shared/data/emscad/train.csv: `text,fraudulent`) joins as English job ads with a
recruitment-fraud label; as ads, they are not about trafficking (`trafficking_topic` 0) and
carry no trafficking-risk label.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nlp.classifier.labelled_data import KNOWN_LABELS, LabelledExample
from nlp.errors import LabelledDataError

FRAUD, RISK, TOPIC = KNOWN_LABELS
REAL_LABELS = KNOWN_LABELS
KINDS = frozenset({"ad", "news", "warning", "other"})
_REQUIRED = {"file", "id", "kind", *REAL_LABELS}
_ALLOWED = {*_REQUIRED, "note", "batch"}
EMSCAD_SOURCE = "emscad"


def item_text(row: dict[str, Any]) -> str:
    """What a reader sees of a realtext row: its title, a blank line, its text."""
    title = str(row.get("title") or "").strip()
    text = str(row.get("text") or "").strip()
    return f"{title}\n\n{text}".strip()


def read_realdev(labels: Path, realtext: Path) -> list[LabelledExample]:
    """The labelled real items of `labels`, their texts read from the `realtext` folder."""
    parsed = list(_label_lines(labels))
    corpus = _rows_needed(realtext, {line["file"] for _, line in parsed}, labels)
    examples = []
    seen: dict[tuple[str, str], int] = {}
    for number, line in parsed:
        where = f"{labels}:{number}"
        key = (line["file"], str(line["id"]))
        if key in seen:
            raise LabelledDataError(
                f"{where}: {key[0]} {key[1]} is labelled twice (line {seen[key]})"
            )
        seen[key] = number
        row = corpus[line["file"]].get(key[1])
        if row is None:
            raise LabelledDataError(f"{where}: no row with id {key[1]!r} in {realtext / key[0]}")
        text = item_text(row)
        if not text:
            raise LabelledDataError(f"{where}: {key[0]} {key[1]} has no text")
        examples.append(
            LabelledExample(
                id=f"{key[0]}#{key[1]}",
                text=text,
                language=str(row.get("language") or "und"),
                labels={label: line[label] for label in REAL_LABELS},
                source=key[0].removesuffix(".jsonl"),
                kind=line["kind"],
            )
        )
    return examples


def read_emscad(path: Path) -> list[LabelledExample]:
    """EMSCAD's `text,fraudulent` rows as English job ads."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"text", "fraudulent"} <= set(reader.fieldnames):
                raise LabelledDataError(f"{path}:1: expected the columns text,fraudulent")
            rows = list(enumerate(reader, start=2))
    except OSError as error:
        raise LabelledDataError(f"cannot read {path}: {error}") from error
    examples = []
    for number, row in rows:
        label = str(row.get("fraudulent") or "").strip()
        if label not in {"0", "1"}:
            raise LabelledDataError(f"{path}:{number}: fraudulent must be 0 or 1, not {label!r}")
        text = str(row.get("text") or "").strip()
        if not text:
            raise LabelledDataError(f"{path}:{number}: empty text")
        examples.append(
            LabelledExample(
                id=f"emscad#{number}",
                text=text,
                language="en",
                labels={FRAUD: int(label), RISK: None, TOPIC: 0},
                source=EMSCAD_SOURCE,
                kind="ad",
            )
        )
    return examples


def _label_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise LabelledDataError(f"cannot read {path}: {error}") from error
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield number, _checked_line(raw, f"{path}:{number}")


def _checked_line(raw: str, where: str) -> dict[str, Any]:
    try:
        line = json.loads(raw)
    except json.JSONDecodeError as error:
        raise LabelledDataError(f"{where}: not JSON ({error.msg})") from None
    if not isinstance(line, dict):
        raise LabelledDataError(f"{where}: expected a JSON object")
    missing, unknown = _REQUIRED - set(line), set(line) - _ALLOWED
    if missing or unknown:
        problems = [f"missing {sorted(missing)}"] * bool(missing)
        problems += [f"unknown {sorted(unknown)}"] * bool(unknown)
        raise LabelledDataError(f"{where}: {'; '.join(problems)}")
    if line["kind"] not in KINDS:
        raise LabelledDataError(
            f"{where}: kind must be one of {sorted(KINDS)}, not {line['kind']!r}"
        )
    for label in REAL_LABELS:
        if line[label] not in (0, 1, None) or isinstance(line[label], bool):
            raise LabelledDataError(f"{where}: {label} must be 0, 1 or null, not {line[label]!r}")
    if line[TOPIC] is None:
        raise LabelledDataError(f"{where}: {TOPIC} is labelled for every item (0 or 1)")
    if line["kind"] != "ad" and (line[FRAUD] is not None or line[RISK] is not None):
        raise LabelledDataError(f"{where}: only ads carry {FRAUD} and {RISK} (null otherwise)")
    return line


def _rows_needed(realtext: Path, files: set[str], labels: Path) -> dict[str, dict[str, dict]]:
    corpus: dict[str, dict[str, dict]] = {}
    for name in sorted(files):
        path = realtext / name
        if Path(name).name != name or not path.is_file():
            raise LabelledDataError(f"{labels}: names {name!r}, which is not a file of {realtext}")
        with path.open(encoding="utf-8") as handle:
            corpus[name] = {
                str(row.get("id")): row
                for row in (json.loads(line) for line in handle if line.strip())
            }
    return corpus


def read_real_training_data(
    labels: Path, realtext: Path, emscad: Path | None
) -> list[LabelledExample]:
    """The labelled real items, then EMSCAD's rows when its file is given."""
    examples = read_realdev(labels, realtext)
    if emscad is not None:
        examples += read_emscad(emscad)
    return examples
