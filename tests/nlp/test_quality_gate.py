"""The risk model's quality gate on real data: out-of-fold figures must stay above pinned floors.

The comparison is the one `track4tip model compare` prints: the hand-labelled real items of
labels/realdev (texts read from ../shared/data/realtext) and EMSCAD's English job ads, five
near-duplicate-grouped folds, calibration and threshold from an inner split. The shipped
candidate (quality_floors.yaml `shipped`) is checked per label and slice, beside the lexical
baseline computed in the same run, which it must beat on the slices the model is chosen on.
Then the product's own view: ordinary real ads scored with the indicators and the out-of-fold
classifier probabilities must rarely reach medium risk, and what reaches it must mostly be risky.

Cost: the encoder embeds 2,674 texts once (about seven minutes on two cores; cached under
<model cache dir>/embeddings), the comparison takes two to three minutes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from nlp.classifier.building import Embedder
from nlp.classifier.comparison import BASELINE, Comparison, compare
from nlp.classifier.real_building import RealData, real_inputs, selection_score
from nlp.classifier.realdev import FRAUD, RISK
from nlp.config import NlpSettings
from nlp.pipeline import Analyzer
from nlp.risk import assess
from nlp.types import ClassifierScores, RiskLabel, TextInput, TextKind

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
DATA = RealData(
    labels=ROOT / "labels" / "realdev" / "labels.jsonl",
    realtext=SHARED / "realtext",
    emscad=SHARED / "emscad" / "train.csv",
)
FLOORS_FILE = Path(__file__).with_name("quality_floors.yaml")
FLOORS: dict = yaml.safe_load(FLOORS_FILE.read_text(encoding="utf-8"))
SHIPPED = FLOORS["shipped"]
CHECKS = [
    (label, slice_name, metric, floor)
    for label, slices in FLOORS["floors"].items()
    for slice_name, metrics in slices.items()
    for metric, floor in metrics.items()
]
AT_MEDIUM = {RiskLabel.MEDIUM, RiskLabel.HIGH}


@pytest.fixture(scope="session")
def inputs():
    return real_inputs(DATA, Embedder(NlpSettings()), max_words=200)


@pytest.fixture(scope="session")
def comparison(inputs) -> Comparison:
    return compare(inputs, (BASELINE, SHIPPED), seed=FLOORS["seed"])


@pytest.mark.timeout(2400)
@pytest.mark.parametrize(("label", "slice_name", "metric", "floor"), CHECKS)
def test_out_of_fold_quality_on_real_data_stays_above_its_floor(
    comparison: Comparison, label: str, slice_name: str, metric: str, floor: float
) -> None:
    measured = getattr(comparison.table[SHIPPED][label][slice_name], metric)
    baseline = getattr(comparison.table[BASELINE][label][slice_name], metric)
    assert measured is not None, f"{label} {slice_name}: no {metric} (one class only?)"
    assert measured >= floor, (
        f"{label} on {slice_name}: {metric} {measured:.3f} fell below its floor {floor} "
        f"(lexical baseline in this run: {baseline}; tests/nlp/quality_floors.yaml)"
    )


@pytest.mark.parametrize("label", list(FLOORS["floors"]))
def test_the_shipped_candidate_beats_the_lexical_baseline(
    comparison: Comparison, label: str
) -> None:
    shipped = selection_score(comparison, SHIPPED, label)
    baseline = selection_score(comparison, BASELINE, label)
    assert shipped > baseline, f"{label}: {SHIPPED} {shipped:.3f} <= {BASELINE} {baseline:.3f}"


def _risk_bands_of_real_ads(inputs, comparison: Comparison) -> list[tuple[bool, RiskLabel]]:
    """(labelled risky, risk band) of each real ad, scored as analysis scores it."""
    examples = inputs.examples
    probabilities: dict[int, dict[str, float]] = {}
    for label in (FRAUD, RISK):
        found = comparison.predictions[SHIPPED][label]
        for row, probability in zip(found.rows, found.probabilities, strict=True):
            probabilities.setdefault(int(row), {})[label] = float(probability)
    rows = [row for row, ex in enumerate(examples) if ex.kind == "ad" and ex.source != "emscad"]
    analyzer = Analyzer(NlpSettings(risk_model=None))
    found_hits = analyzer.annotate(
        [TextInput(fields={"text": examples[row].text}, kind=TextKind.JOB_BOARD) for row in rows]
    )
    bands = []
    for row, found in zip(rows, found_hits, strict=True):
        scores = ClassifierScores(model=SHIPPED, probabilities=probabilities[row])
        risk = assess(found.indicators, classifier=scores, kind=TextKind.JOB_BOARD)
        risky = any(examples[row].labels.get(label) == 1 for label in (FRAUD, RISK))
        bands.append((risky, risk.label))
    return bands


def test_ordinary_real_ads_rarely_reach_medium_risk_and_what_does_is_mostly_risky(
    inputs, comparison: Comparison
) -> None:
    bands = _risk_bands_of_real_ads(inputs, comparison)
    ordinary = [band for risky, band in bands if not risky]
    flagged = [risky for risky, band in bands if band in AT_MEDIUM]
    ordinary_share = float(np.mean([band in AT_MEDIUM for band in ordinary]))
    precision = float(np.mean(flagged)) if flagged else 0.0
    assert ordinary_share <= FLOORS["ordinary_ads_at_medium_max"], (
        f"{ordinary_share:.1%} of {len(ordinary)} ordinary real ads at medium or above"
    )
    assert precision >= FLOORS["precision_at_medium_min"], (
        f"only {precision:.1%} of the {len(flagged)} real ads at medium or above are risky"
    )
