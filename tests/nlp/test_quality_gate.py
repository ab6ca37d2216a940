"""The risk model's quality gate: grouped out-of-fold scores must stay above pinned floors.

The model is trained exactly as `track4tip model train --max-rows-per-file 600` trains it
(the whole bundled multilingual set and a seeded sample of 600 EMSCAD rows, real
multilingual-e5-small embeddings, five near-duplicate-grouped folds); every figure checked is
out-of-fold. Floors live in quality_floors.yaml; they may only be lowered on purpose.

Cost: the embeddings are the big part: 1,200 texts cut to 200 words took about 15 minutes on
two CPU cores shared with other jobs (a few minutes on idle ones), cached afterwards under
<model cache dir>/embeddings; a cached run takes one to two minutes (five-fold head training).
Needs ../shared/data/emscad/train.csv.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlp.classifier.building import (
    BuildOptions,
    Embedder,
    bundled_labelled_set,
    read_training_data,
    train_on,
)
from nlp.classifier.evaluation import SliceMetrics
from nlp.config import NlpSettings

ROOT = Path(__file__).resolve().parents[2]
EMSCAD = ROOT.parent / "shared" / "data" / "emscad" / "train.csv"
FLOORS_FILE = Path(__file__).with_name("quality_floors.yaml")
FLOORS: dict = yaml.safe_load(FLOORS_FILE.read_text(encoding="utf-8"))
OPTIONS = BuildOptions(max_rows_per_file=FLOORS["max_rows_per_file"], seed=FLOORS["seed"])

CHECKS = [
    (label, slice_name, metric, floor)
    for label, slices in FLOORS["floors"].items()
    for slice_name, metrics in slices.items()
    for metric, floor in metrics.items()
]


@pytest.fixture(scope="session")
def validation() -> dict[str, dict[str, SliceMetrics]]:
    examples = read_training_data(
        [bundled_labelled_set(), EMSCAD],
        OPTIONS.default_language,
        OPTIONS.max_rows_per_file,
        OPTIONS.seed,
    )
    result, _ = train_on(examples, Embedder(NlpSettings()), OPTIONS)
    return result.validation


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(("label", "slice_name", "metric", "floor"), CHECKS)
def test_out_of_fold_quality_stays_above_its_floor(
    validation: dict[str, dict[str, SliceMetrics]],
    label: str,
    slice_name: str,
    metric: str,
    floor: float,
) -> None:
    measured = getattr(validation[label][slice_name], metric)
    assert measured is not None, f"{label} {slice_name}: no {metric} (one class only?)"
    assert measured >= floor, (
        f"{label} on {slice_name}: {metric} {measured:.3f} fell below its floor {floor} "
        f"(tests/nlp/quality_floors.yaml)"
    )


def test_every_language_of_the_multilingual_set_has_floors() -> None:
    for label in ("recruitment_fraud", "trafficking_risk"):
        slices = FLOORS["floors"][label]
        assert {f"language:{code}" for code in ("es", "pt", "en", "nl", "pap")} <= set(slices)
