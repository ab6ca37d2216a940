"""Cluster quality of near-duplicate linking: metrics and the two labelled sets they run on.

Metrics compare a predicted partition of documents with a true one:
- pairwise precision/recall: over pairs of documents put in the same cluster;
- B-cubed precision/recall (Bagga and Baldwin 1998): per document, the share of its predicted
  cluster that truly belongs with it, and of its true cluster that was found, averaged.

Labelled sets:
- `emscad_truth`: EMSCAD's English job ads (../shared/data/emscad/train.csv, read in place).
  Truth is strict and exact: two ads belong together when the exact Jaccard similarity of their
  word 5-shingle sets (nlp/shingles.py normalisation) is at least 0.8, computed over every pair
  that shares a shingle (inverted index, no sampling); groups are the connected components.
  Pairs checked by eye: the same company's ad reposted for another city, or with one sentence
  of requirements changed.
- `synthetic_ads`: templated multilingual ads (es, pt, en, nl, pap) in
linking/data/linking_ads.yaml;
  each template is posted several times with a new phone, name, city and price, and each risky
  template has a benign twin that keeps its wording except the risky sentences.
"""

from __future__ import annotations

import csv
import random
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from itertools import combinations
from pathlib import Path

import yaml

from linking.config import LinkingSettings
from linking.linker import Linker, LinkInput
from nlp.entities.extraction import extract_entities
from nlp.errors import LabelledDataError
from nlp.shingles import word_shingles


@dataclass(frozen=True)
class ClusterScores:
    pairwise_precision: float
    pairwise_recall: float
    bcubed_precision: float
    bcubed_recall: float

    @property
    def pairwise_f1(self) -> float:
        return _f1(self.pairwise_precision, self.pairwise_recall)

    @property
    def bcubed_f1(self) -> float:
        return _f1(self.bcubed_precision, self.bcubed_recall)


@dataclass(frozen=True)
class LabelledAd:
    doc_id: str
    text: str
    group: str
    risky: bool
    language: str
    country: str


def score_clusters(predicted: Mapping[str, str], truth: Mapping[str, str]) -> ClusterScores:
    """Scores of a predicted cluster per document against the true group per document.

    Both map every document id to a cluster label; a singleton has a label of its own.
    """
    if set(predicted) != set(truth):
        raise ValueError("predicted and true partitions must cover the same documents")
    predicted_pairs = _pairs(predicted)
    true_pairs = _pairs(truth)
    together = len(predicted_pairs & true_pairs)
    predicted_groups = _groups(predicted)
    true_groups = _groups(truth)
    precision = recall = 0.0
    for doc in predicted:
        mine, real = predicted_groups[predicted[doc]], true_groups[truth[doc]]
        overlap = len(mine & real)
        precision += overlap / len(mine)
        recall += overlap / len(real)
    return ClusterScores(
        pairwise_precision=together / len(predicted_pairs) if predicted_pairs else 1.0,
        pairwise_recall=together / len(true_pairs) if true_pairs else 1.0,
        bcubed_precision=precision / len(predicted),
        bcubed_recall=recall / len(predicted),
    )


def evaluate_linking(
    ads: list[LabelledAd],
    settings: LinkingSettings,
    use_risk_markers: bool = True,
    with_entities: bool = True,
) -> ClusterScores:
    """Link the ads in a fresh store (in batches of 500) and score its clusters against truth.

    `with_entities` runs entity extraction so that entities are masked as in analysis; EMSCAD's
    pre-processed text has none worth finding, and extraction is the slow part there.
    """
    predicted: dict[str, str] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        Linker.open(Path(folder) / "linking.sqlite3", settings) as linker,
    ):
        for start in range(0, len(ads), 500):
            batch = [
                _link_input(ad, use_risk_markers, with_entities) for ad in ads[start : start + 500]
            ]
            linker.link(batch)
        for links in linker.links_of(ad.doc_id for ad in ads):
            predicted[links.doc_id] = (links.cluster_ids or [links.doc_id])[0]
    return score_clusters(predicted, {ad.doc_id: ad.group for ad in ads})


def _link_input(ad: LabelledAd, use_risk_markers: bool, with_entities: bool) -> LinkInput:
    fields = {"text": ad.text}
    return LinkInput(
        doc_id=ad.doc_id,
        fields=fields,
        entities=extract_entities(fields, ad.country) if with_entities else (),
        country=ad.country,
        risky=ad.risky and use_risk_markers,
    )


def emscad_truth(path: Path, threshold: float = 0.8) -> list[LabelledAd]:
    """EMSCAD ads with exact near-duplicate groups (see the module docstring)."""
    texts = _read_emscad(path)
    shingles = [word_shingles(text, 5) for text in texts]
    parent = list(range(len(texts)))
    for first, second in _exact_similar_pairs(shingles, threshold):
        parent[_find(parent, first)] = _find(parent, second)
    return [
        LabelledAd(f"emscad-{row}", text, f"g{_find(parent, row)}", False, "en", "US")
        for row, text in enumerate(texts)
    ]


def synthetic_ads(seed: int = 7, copies: tuple[int, int] = (3, 7)) -> list[LabelledAd]:
    """The templated multilingual set: every template posted several times with new slots."""
    data = yaml.safe_load(
        resources.files("linking").joinpath("data", "linking_ads.yaml").read_text()
    )
    rng = random.Random(seed)
    ads: list[LabelledAd] = []
    for number, template in enumerate(data["templates"]):
        slots = data["slots"][template["language"]]
        variants = [("risky", template["risky"], True)] if template.get("risky") else []
        variants.append(("benign", template["benign"], False))
        for kind, sentence, risky in variants:
            group = f"t{number}-{kind}"
            for copy in range(rng.randint(*copies)):
                text = template["text"].format(
                    middle=sentence,
                    city=rng.choice(slots["cities"]),
                    name=rng.choice(slots["names"]),
                    price=rng.randrange(300, 3000, 50),
                    phone=f"+{template['prefix']} 555 {rng.randint(1000, 9999)}",
                )
                ads.append(
                    LabelledAd(
                        f"{group}-{copy}",
                        text,
                        group,
                        risky,
                        template["language"],
                        template["country"],
                    )
                )
    return ads


def _read_emscad(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "text" not in reader.fieldnames:
                raise LabelledDataError(f"{path}: line 1: no 'text' column")
            return [row["text"] or "" for row in reader]
    except OSError as error:
        raise LabelledDataError(f"{path}: cannot be read: {error}") from error
    except (csv.Error, UnicodeDecodeError) as error:
        raise LabelledDataError(f"{path}: not a CSV file: {error}") from error


def _exact_similar_pairs(shingles: list[set[str]], threshold: float) -> Iterable[tuple[int, int]]:
    holders: dict[str, list[int]] = defaultdict(list)
    for row, found in enumerate(shingles):
        for shingle in found:
            holders[shingle].append(row)
    shared: Counter[tuple[int, int]] = Counter()
    for rows in holders.values():
        shared.update(combinations(rows, 2))
    for (first, second), common in shared.items():
        union = len(shingles[first]) + len(shingles[second]) - common
        if common / union >= threshold:
            yield first, second


def _find(parent: list[int], row: int) -> int:
    while parent[row] != row:
        parent[row] = parent[parent[row]]
        row = parent[row]
    return row


def _pairs(partition: Mapping[str, str]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for members in _groups(partition).values():
        pairs.update(combinations(sorted(members), 2))
    return pairs


def _groups(partition: Mapping[str, str]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for doc, label in partition.items():
        groups[label].add(doc)
    return groups


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
