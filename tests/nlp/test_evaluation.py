"""Metrics of risk probabilities: values worked out by hand on tiny examples."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.classifier.evaluation import (
    evaluate,
    expected_calibration_error,
    format_report,
    pr_auc,
    recall_at_budget,
    slice_metrics,
)
from nlp.classifier.labelled_data import LabelledExample


def test_precision_recall_f1_at_a_threshold() -> None:
    labels = np.array([1, 1, 0, 0, 1], dtype=float)
    probabilities = np.array([0.9, 0.4, 0.6, 0.1, 0.8])
    metrics = slice_metrics(labels, probabilities, threshold=0.5)
    assert metrics.precision == pytest.approx(2 / 3)
    assert metrics.recall == pytest.approx(2 / 3)
    assert metrics.f1 == pytest.approx(2 / 3)
    assert metrics.n == 5 and metrics.positives == 3


def test_pr_auc_is_one_for_a_perfect_ranking_and_none_without_positives() -> None:
    assert pr_auc(np.array([0, 1, 1.0]), np.array([0.1, 0.8, 0.9])) == pytest.approx(1.0)
    assert pr_auc(np.zeros(3), np.array([0.1, 0.2, 0.3])) is None


def test_recall_at_budget_counts_positives_in_the_top_share() -> None:
    labels = np.array([1.0] * 2 + [0.0] * 38)
    probabilities = np.linspace(1.0, 0.0, 40)
    # 5% of 40 is 2 items: both positives are the two most probable.
    assert recall_at_budget(labels, probabilities) == 1.0
    assert recall_at_budget(labels, probabilities[::-1]) == 0.0


def test_calibration_error_is_zero_when_frequencies_match() -> None:
    labels = np.array([1, 0, 1, 0], dtype=float)
    assert expected_calibration_error(labels, np.full(4, 0.5)) == pytest.approx(0.0)
    assert expected_calibration_error(labels, np.full(4, 0.95)) == pytest.approx(0.45)


def test_evaluate_slices_by_language_and_source_and_skips_missing_labels() -> None:
    examples = [
        LabelledExample(
            str(i), "t", language, {"recruitment_fraud": y, "trafficking_risk": t}, source
        )
        for i, (language, source, y, t) in enumerate(
            [
                ("es", "a/x", 1, 1),
                ("es", "a/x", 0, 0),
                ("en", "b/emscad", 1, None),
                ("en", "b/emscad", 0, None),
            ]
        )
    ]
    probabilities = np.array([[0.9, 0.8], [0.2, 0.1], [0.7, 0.5], [0.4, 0.5]])
    report = evaluate(examples, probabilities, {"recruitment_fraud": 0.5, "trafficking_risk": 0.5})
    assert set(report["recruitment_fraud"]) == {
        "all",
        "language:es",
        "language:en",
        "source:a/x",
        "source:b/emscad",
    }
    assert report["trafficking_risk"]["all"].n == 2
    assert report["recruitment_fraud"]["all"].f1 == pytest.approx(1.0)
    assert "language:es" in format_report(report)
