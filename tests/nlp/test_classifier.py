"""Training a head on embeddings, writing its folder, loading it back: same probabilities.

Embeddings here are synthetic vectors with a known signal, so this runs in seconds; the real
encoder is exercised by the quality gate (test_quality_gate.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.classifier.artifact import data_manifest, write_artifact
from nlp.classifier.labelled_data import LABELS, LabelledExample
from nlp.classifier.scoring import ModelConfig, RiskClassifier
from nlp.classifier.training import HeadSettings, best_f1_threshold, train
from nlp.errors import ClassifierError

FAST = HeadSettings(hidden=16, epochs=40)


def synthetic(n: int = 120, seed: int = 0) -> tuple[list[LabelledExample], np.ndarray]:
    rng = np.random.default_rng(seed)
    fraud = rng.integers(0, 2, n)
    trafficking = fraud * rng.integers(0, 2, n)
    vectors = rng.normal(size=(n, 32)).astype(np.float32)
    vectors[:, 0] += 6 * fraud
    vectors[:, 1] += 6 * trafficking
    words = ["pasaje", "hotel", "cocina", "viaje", "trabajo", "sueldo", "casa", "modelo", "bar"]
    examples = [
        LabelledExample(
            id=str(i),
            text=" ".join(rng.choice(words, size=12)),
            language="es" if i % 2 else "pap",
            labels={
                "recruitment_fraud": int(fraud[i]),
                "trafficking_risk": None if i % 3 == 0 else int(trafficking[i]),
            },
            source="synthetic/ads",
        )
        for i in range(n)
    ]
    return examples, vectors


def build(tmp_path: Path) -> tuple[Path, np.ndarray, object]:
    examples, vectors = synthetic()
    result = train(examples, vectors, FAST, seed=1, n_folds=3)
    config = ModelConfig(
        name="tiny",
        encoder="test",
        encoder_identity="test@1",
        embedding_dim=32,
        hidden=FAST.hidden,
        dropout=FAST.dropout,
        normalise_input=False,
        max_words=50,
        thresholds=result.thresholds,
        calibration={label: c.method for label, c in result.calibrators.items()},
    )
    data = tmp_path / "synthetic" / "ads.jsonl"
    data.parent.mkdir()
    data.write_text("{}\n")
    manifest = data_manifest([data], examples, seed=1, n_folds=3)
    return write_artifact(tmp_path / "models" / "tiny", config, result, manifest), vectors, result


def test_a_written_model_loads_and_scores_like_the_trained_one(tmp_path: Path) -> None:
    folder, vectors, result = build(tmp_path)
    assert {p.name for p in folder.iterdir()} == {
        "config.json",
        "head.safetensors",
        "calibration.json",
        "metrics.json",
        "data_manifest.json",
        "README.md",
    }
    classifier = RiskClassifier.load(folder)
    scores = classifier.predict_embeddings(vectors[:5])
    assert [s.model for s in scores] == ["tiny"] * 5
    assert all(set(s.probabilities) == set(LABELS) for s in scores)
    expected = np.stack(
        [
            result.calibrators[label].apply(
                result.head(__import__("torch").from_numpy(vectors[:5])).detach().numpy()[:, i]
            )
            for i, label in enumerate(LABELS)
        ],
        axis=1,
    )
    assert np.allclose(classifier.probabilities(vectors[:5]), expected, atol=1e-5)
    # The signal is strong: validation must find it.
    assert result.validation["recruitment_fraud"]["all"].pr_auc > 0.9
    assert "language:pap" in result.validation["trafficking_risk"]
    card = (folder / "README.md").read_text()
    assert "Intended use" in card and "Limits" in card and "language:pap" in card


def test_training_is_repeatable_for_a_seed() -> None:
    examples, vectors = synthetic()
    first = train(examples, vectors, FAST, seed=4, n_folds=3)
    second = train(examples, vectors, FAST, seed=4, n_folds=3)
    assert first.thresholds == second.thresholds
    for a, b in zip(first.head.parameters(), second.head.parameters(), strict=True):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_best_threshold_separates_a_clean_split() -> None:
    labels = np.array([0, 0, 1, 1.0])
    assert best_f1_threshold(labels, np.array([0.1, 0.3, 0.6, 0.9])) == pytest.approx(0.6)


def test_missing_and_broken_folders_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match="not a model folder"):
        RiskClassifier.load(tmp_path)
    folder, _, _ = build(tmp_path)
    (folder / "calibration.json").write_text("{not json")
    with pytest.raises(ClassifierError, match="broken model artifact"):
        RiskClassifier.load(folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "format": 99}))
    with pytest.raises(ClassifierError, match="artifact format 99"):
        RiskClassifier.load(folder)
    (folder / "config.json").write_text('{"name": 3}')
    with pytest.raises(ClassifierError, match="invalid model config"):
        RiskClassifier.load(folder)


def test_predicting_texts_needs_an_encoder(tmp_path: Path) -> None:
    folder, _, _ = build(tmp_path)
    with pytest.raises(ClassifierError, match="without an encoder"):
        RiskClassifier.load(folder).predict(["hola"])
