"""Quality gate: precision, recall and value accuracy of each entity kind on a labelled set.

tests/nlp/data/entities_labelled.jsonl holds 172 synthetic snippets (es, pt, en, nl, pap; all
names, numbers and addresses invented) with gold spans: 132 written while the finders were
built ("dev") and 40 written afterwards ("holdout"; its first measurement is in the report of
the change that added it). A prediction matches a gold entity of the same kind whose span it
overlaps; value accuracy is over matched pairs whose gold has a value (and, for places, the
country). Floors are pinned per kind and may only be lowered on purpose. About 15 s.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from nlp.entities.extraction import extract_entities
from nlp.types import Entity

LABELLED = Path(__file__).parent / "data" / "entities_labelled.jsonl"
KINDS = ("phone", "email", "url", "handle", "money", "age", "person", "organisation", "location")
FLOORS = {  # kind: (precision, recall, value accuracy)
    "phone": (0.97, 0.95, 0.97),
    "email": (0.97, 0.95, 0.95),
    "url": (0.95, 0.95, 0.95),
    "handle": (0.95, 0.90, 0.95),
    "money": (0.95, 0.95, 0.95),
    "age": (0.95, 0.90, 0.95),
    "person": (0.90, 0.90, 0.90),
    "organisation": (0.90, 0.90, 0.90),
    "location": (0.95, 0.95, 0.95),
}


@dataclass
class Scores:
    true_positives: Counter
    false_positives: Counter
    false_negatives: Counter
    values_right: Counter
    values_checked: Counter

    def precision(self, kind: str) -> float:
        found = self.true_positives[kind] + self.false_positives[kind]
        return self.true_positives[kind] / found if found else 1.0

    def recall(self, kind: str) -> float:
        gold = self.true_positives[kind] + self.false_negatives[kind]
        return self.true_positives[kind] / gold if gold else 1.0

    def value_accuracy(self, kind: str) -> float:
        checked = self.values_checked[kind]
        return self.values_right[kind] / checked if checked else 1.0


def load_labelled(path: Path) -> list[dict]:
    """The snippets, each checked: its gold spans must cut out their own text."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
            for gold in row["entities"]:
                assert gold["kind"] in KINDS, f"unknown kind {gold['kind']!r}"
                assert row["text"][gold["start"] : gold["end"]] == gold["text"], "span mismatch"
        except (ValueError, KeyError, AssertionError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
        rows.append(row)
    return rows


def _same_value(predicted: Entity, gold: dict) -> bool:
    if predicted.value != gold["value"]:
        return False
    return predicted.kind.value != "location" or gold.get("country") in (None, predicted.country)


def score(rows: list[dict]) -> Scores:
    scores = Scores(Counter(), Counter(), Counter(), Counter(), Counter())
    for row in rows:
        predicted = extract_entities({"text": row["text"]}, row["country"], row["language"])
        unmatched = list(row["entities"])
        for entity in predicted:
            gold = next(
                (
                    gold
                    for gold in unmatched
                    if gold["kind"] == entity.kind.value
                    and entity.start < gold["end"]
                    and gold["start"] < entity.end
                ),
                None,
            )
            if gold is None:
                scores.false_positives[entity.kind.value] += 1
                continue
            unmatched.remove(gold)
            scores.true_positives[entity.kind.value] += 1
            if gold["value"] is not None:
                scores.values_checked[entity.kind.value] += 1
                scores.values_right[entity.kind.value] += _same_value(entity, gold)
        scores.false_negatives.update(gold["kind"] for gold in unmatched)
    return scores


@pytest.fixture(scope="module")
def scores() -> Scores:
    rows = load_labelled(LABELLED)
    assert len(rows) >= 120
    assert {row["language"] for row in rows} == {"es", "pt", "en", "nl", "pap"}
    result = score(rows)
    for kind in KINDS:
        gold = result.true_positives[kind] + result.false_negatives[kind]
        print(
            f"{kind:13s} P={result.precision(kind):.2f} R={result.recall(kind):.2f} "
            f"value={result.value_accuracy(kind):.2f} (gold {gold})"
        )
    return result


@pytest.mark.parametrize("kind", KINDS)
def test_floors_per_kind(scores, kind):
    precision, recall, value_accuracy = FLOORS[kind]
    assert scores.true_positives[kind] + scores.false_negatives[kind] >= 10, "too few examples"
    assert scores.precision(kind) >= precision
    assert scores.recall(kind) >= recall
    assert scores.value_accuracy(kind) >= value_accuracy


def test_a_broken_labelled_file_names_its_line(tmp_path):
    broken = tmp_path / "labelled.jsonl"
    good = {
        "text": "Lima",
        "entities": [{"kind": "location", "start": 0, "end": 4, "text": "Lima"}],
    }
    bad = {"text": "Lima", "entities": [{"kind": "location", "start": 1, "end": 4, "text": "Lima"}]}
    broken.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n{not json\n")
    with pytest.raises(ValueError, match=r"labelled.jsonl:2: span mismatch"):
        load_labelled(broken)
