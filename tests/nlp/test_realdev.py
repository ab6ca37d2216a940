"""The real labelled data's reader, fed broken label files (synthetic realtext rows in tmp)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.classifier.realdev import read_emscad, read_realdev
from nlp.errors import LabelledDataError

ROW = {"id": "x1", "language": "es", "title": "Se busca cocinero", "text": "Contrato fijo."}
GOOD = {
    "file": "jobs.jsonl",
    "id": "x1",
    "kind": "ad",
    "recruitment_fraud": 0,
    "trafficking_risk": 0,
    "trafficking_topic": 0,
}


@pytest.fixture
def realtext(tmp_path: Path) -> Path:
    folder = tmp_path / "realtext"
    folder.mkdir()
    rows = [ROW, {"id": "x2", "language": "es", "title": "", "text": "  "}]
    (folder / "jobs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return folder


def _labels(tmp_path: Path, *lines: dict | str) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    )
    return path


def test_a_good_line_reads_title_and_text_from_the_corpus(tmp_path: Path, realtext: Path) -> None:
    [example] = read_realdev(_labels(tmp_path, GOOD), realtext)
    assert example.text == "Se busca cocinero\n\nContrato fijo."
    assert example.language == "es" and example.kind == "ad" and example.source == "jobs"
    assert example.labels == {"recruitment_fraud": 0, "trafficking_risk": 0, "trafficking_topic": 0}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            {k: v for k, v in GOOD.items() if k != "trafficking_risk"},
            "missing ['trafficking_risk']",
        ),
        ({**GOOD, "fraud": 1}, "unknown ['fraud']"),
        ({**GOOD, "trafficking_risk": 2}, "trafficking_risk must be 0, 1 or null"),
        ({**GOOD, "trafficking_risk": True}, "trafficking_risk must be 0, 1 or null"),
        ({**GOOD, "trafficking_topic": None}, "trafficking_topic is labelled for every item"),
        ({**GOOD, "kind": "tweet"}, "kind must be one of"),
        ({**GOOD, "kind": "news"}, "only ads carry recruitment_fraud"),
        ({**GOOD, "id": "x2"}, "has no text"),
        ({**GOOD, "id": "nope"}, "no row with id 'nope'"),
        ('{"file": "jobs.jsonl", "id": ', "not JSON"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_a_broken_line_is_named_by_file_and_line(
    tmp_path: Path, realtext: Path, line: dict | str, message: str
) -> None:
    labels = _labels(tmp_path, {**GOOD, "id": "x1", "file": "jobs.jsonl"}, line)
    with pytest.raises(LabelledDataError) as raised:
        read_realdev(labels, realtext)
    assert f"{labels}:2" in str(raised.value)
    assert message in str(raised.value)


def test_an_item_labelled_twice_names_both_lines(tmp_path: Path, realtext: Path) -> None:
    labels = _labels(tmp_path, GOOD, {**GOOD, "trafficking_risk": 1})
    with pytest.raises(LabelledDataError, match=r"labels.jsonl:2: .* labelled twice \(line 1\)"):
        read_realdev(labels, realtext)


@pytest.mark.parametrize("name", ["missing.jsonl", "../realtext/jobs.jsonl"])
def test_a_file_outside_the_corpus_is_refused(tmp_path: Path, realtext: Path, name: str) -> None:
    with pytest.raises(LabelledDataError, match="which is not a file of"):
        read_realdev(_labels(tmp_path, {**GOOD, "file": name}), realtext)


def test_an_unreadable_label_file_is_a_clear_error(tmp_path: Path, realtext: Path) -> None:
    (tmp_path / "labels.jsonl").write_bytes(b"\xff\xfe broken")
    with pytest.raises(LabelledDataError, match="cannot read"):
        read_realdev(tmp_path / "labels.jsonl", realtext)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("description,label\nsome job,0\n", ":1: expected the columns text,fraudulent"),
        ("text,fraudulent\nsome job,yes\n", ":2: fraudulent must be 0 or 1, not 'yes'"),
        ("text,fraudulent\nsome job,0\n ,1\n", ":3: empty text"),
    ],
)
def test_a_broken_emscad_file_is_named_by_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "train.csv"
    path.write_text(content)
    with pytest.raises(LabelledDataError, match=message):
        read_emscad(path)
