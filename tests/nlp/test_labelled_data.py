"""Reading labelled CSV/JSONL files: labels, missing labels, and clear errors for broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.classifier.building import bundled_labelled_set
from nlp.classifier.labelled_data import LABELS, ColumnMap, parse_label, read_labelled
from nlp.errors import LabelledDataError


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def test_jsonl_rows_keep_their_labels_language_and_missing_labels(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "ads.jsonl",
        [
            {
                "id": "a",
                "text": "Pasaje pagado",
                "language": "es",
                "recruitment_fraud": 1,
                "trafficking_risk": 1,
                "kind": "ad",
            },
            {"text": "Vacante de cajera", "recruitment_fraud": 0},
        ],
    )
    first, second = read_labelled(path, default_language="und")
    assert first.labels == {"recruitment_fraud": 1, "trafficking_risk": 1}
    assert (first.id, first.language, first.kind) == ("a", "es", "ad")
    assert second.labels == {"recruitment_fraud": 0, "trafficking_risk": None}
    assert second.language == "und"
    assert second.source == f"{tmp_path.name}/ads"


def test_csv_with_an_aliased_label_column_reads_like_emscad(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text("text,fraudulent\nwork home earn fast,1\nnurse hospital shifts,0\n")
    examples = read_labelled(path, default_language="en")
    assert [example.labels["recruitment_fraud"] for example in examples] == [1, 0]
    assert all(example.labels["trafficking_risk"] is None for example in examples)


def test_explicit_label_columns_map_any_column_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("body,scam\nhello there friend,yes\n")
    (example,) = read_labelled(path, ColumnMap(text="body", labels={"scam": "recruitment_fraud"}))
    assert example.labels["recruitment_fraud"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "a", "recruitment_fraud": 1}\n{"text": broken\n', r"bad\.jsonl:2: not JSON"),
        ('["a list"]\n', r"bad\.jsonl:1: expected a JSON object"),
        ('{"text": "a", "recruitment_fraud": 2}\n', r"bad\.jsonl:1: column 'recruitment_fraud'"),
        ('{"text": "", "recruitment_fraud": 1}\n', r"bad\.jsonl:1: no text"),
        ('{"text": "a"}\n', r"bad\.jsonl:1: no label column"),
        ('{"text": "a", "recruitment_fraud": null}\n', r"bad\.jsonl:1: no label given"),
        ("\n\n", r"bad\.jsonl: no examples"),
    ],
)
def test_broken_jsonl_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelledDataError, match=message):
        read_labelled(path)


def test_broken_csv_rows_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,fraudulent\nfine text,0\ntoo,many,fields\n")
    with pytest.raises(LabelledDataError, match=r"bad\.csv:3: the row has more fields"):
        read_labelled(path)


def test_binary_and_unknown_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "blob.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(LabelledDataError, match=r"blob\.jsonl: not UTF-8"):
        read_labelled(binary)
    with pytest.raises(LabelledDataError, match=r"expected a \.csv or \.jsonl"):
        (tmp_path / "data.xlsx").write_text("x")
        read_labelled(tmp_path / "data.xlsx")
    with pytest.raises(LabelledDataError, match="no such file"):
        read_labelled(tmp_path / "missing.csv")


def test_unknown_label_in_a_column_map_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("text,y\nabc,1\n")
    with pytest.raises(LabelledDataError, match="unknown label 'spam'"):
        read_labelled(path, ColumnMap(labels={"y": "spam"}))


@pytest.mark.parametrize(("value", "expected"), [(True, 1), ("no", 0), (1.0, 1), ("", None)])
def test_label_values(value: object, expected: int | None) -> None:
    assert parse_label(value, "here") == expected


def test_bundled_multilingual_set_meets_its_brief() -> None:
    examples = read_labelled(bundled_labelled_set())
    by_language: dict[str, int] = {}
    for example in examples:
        by_language[example.language] = by_language.get(example.language, 0) + 1
        assert all(example.labels[label] in (0, 1) for label in LABELS)
        assert example.kind in {"ad", "post", "news"}
        assert example.extra["label_source"] in {"rules", "hand"}
    assert len(examples) >= 600
    assert all(by_language[code] >= 80 for code in ("es", "pt", "en"))
    assert all(by_language[code] >= 40 for code in ("nl", "pap"))
    news = [example for example in examples if example.kind == "news"]
    assert news and all(example.labels["trafficking_risk"] == 0 for example in news)
