"""Quality of risk probabilities against labels: per label, per language and per source.

For each slice: precision, recall and F1 at the model's threshold; PR-AUC (average precision,
threshold-free, honest when positives are rare); recall at a fixed review budget (of the top 5%
of items by probability, how many of all positives an analyst would see); and the calibration
figures Brier score and ECE. A slice without positives (or without negatives) has no PR-AUC
and reports None rather than a misleading number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import average_precision_score

from nlp.classifier.labelled_data import LABELS, LabelledExample

REVIEW_BUDGET = 0.05
CALIBRATION_BINS = 10


@dataclass(frozen=True, slots=True)
class SliceMetrics:
    """How well one label is predicted on one slice of the data."""

    n: int
    positives: int
    precision: float
    recall: float
    f1: float
    pr_auc: float | None
    recall_at_budget: float | None
    brier: float
    ece: float

    def as_dict(self) -> dict[str, float | int | None]:
        return {key: _rounded(value) for key, value in asdict(self).items()}


def _rounded(value: float | int | None) -> float | int | None:
    return round(value, 4) if isinstance(value, float) else value


def pr_auc(labels: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Average precision; None where the slice has only one class."""
    positives = int(labels.sum())
    if positives == 0 or positives == len(labels):
        return None
    return float(average_precision_score(labels, probabilities))


def recall_at_budget(
    labels: np.ndarray, probabilities: np.ndarray, budget: float = REVIEW_BUDGET
) -> float | None:
    """Share of all positives found among the top `budget` share of items (at least one)."""
    positives = int(labels.sum())
    if positives == 0:
        return None
    reviewed = max(1, math.ceil(budget * len(labels)))
    top = np.argsort(-probabilities, kind="stable")[:reviewed]
    return float(labels[top].sum()) / positives


def expected_calibration_error(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = CALIBRATION_BINS
) -> float:
    """Mean gap between predicted and observed frequency over equal-width bins, by bin size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for bin_index in range(bins):
        members = which == bin_index
        if members.any():
            gap = abs(probabilities[members].mean() - labels[members].mean())
            error += gap * members.sum() / len(labels)
    return float(error)


def brier_score(labels: np.ndarray, probabilities: np.ndarray) -> float:
    return float(np.mean((probabilities - labels) ** 2))


def slice_metrics(labels: np.ndarray, probabilities: np.ndarray, threshold: float) -> SliceMetrics:
    predicted = probabilities >= threshold
    true_positives = int((predicted & (labels == 1)).sum())
    precision = true_positives / max(1, int(predicted.sum()))
    recall = true_positives / max(1, int(labels.sum()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SliceMetrics(
        n=len(labels),
        positives=int(labels.sum()),
        precision=precision,
        recall=recall,
        f1=f1,
        pr_auc=pr_auc(labels, probabilities),
        recall_at_budget=recall_at_budget(labels, probabilities),
        brier=brier_score(labels, probabilities),
        ece=expected_calibration_error(labels, probabilities),
    )


def slice_names(example: LabelledExample) -> list[str]:
    """The slices an example counts in: all, its language, and its source file."""
    return ["all", f"language:{example.language}", f"source:{example.source}"]


def evaluate(
    examples: Sequence[LabelledExample],
    probabilities: np.ndarray,
    thresholds: Mapping[str, float],
    labels: Sequence[str] = LABELS,
) -> dict[str, dict[str, SliceMetrics]]:
    """label -> slice -> metrics, over the examples that carry that label.

    `probabilities` has one row per example and one column per entry of `labels`.
    """
    report: dict[str, dict[str, SliceMetrics]] = {}
    for column, label in enumerate(labels):
        slices: dict[str, list[int]] = {}
        for row, example in enumerate(examples):
            if example.labels.get(label) is not None:
                for name in slice_names(example):
                    slices.setdefault(name, []).append(row)
        truth = np.array([example.labels.get(label) or 0 for example in examples], dtype=float)
        report[label] = {
            name: slice_metrics(truth[rows], probabilities[rows, column], thresholds[label])
            for name, rows in sorted(slices.items(), key=lambda item: _slice_order(item[0]))
        }
    return report


def _slice_order(name: str) -> tuple[int, str]:
    return (0 if name == "all" else 1 if name.startswith("language:") else 2, name)


def report_as_dict(
    report: Mapping[str, Mapping[str, SliceMetrics]],
) -> dict[str, dict[str, dict[str, float | int | None]]]:
    return {
        label: {name: metrics.as_dict() for name, metrics in slices.items()}
        for label, slices in report.items()
    }


def format_report(report: Mapping[str, Mapping[str, SliceMetrics]]) -> str:
    """A plain-text table: one row per label and slice."""
    header = (
        f"{'label':<18} {'slice':<22} {'n':>5} {'pos':>5} {'prec':>6} {'rec':>6} {'F1':>6} "
        f"{'PR-AUC':>6} {'R@5%':>6} {'Brier':>6} {'ECE':>6}"
    )
    lines = [header, "-" * len(header)]
    for label, slices in report.items():
        for name, metrics in slices.items():
            lines.append(
                f"{label:<18} {name:<22} {metrics.n:>5} {metrics.positives:>5} "
                f"{metrics.precision:>6.3f} {metrics.recall:>6.3f} {metrics.f1:>6.3f} "
                f"{_optional(metrics.pr_auc)} {_optional(metrics.recall_at_budget)} "
                f"{metrics.brier:>6.3f} {metrics.ece:>6.3f}"
            )
    return "\n".join(lines)


def _optional(value: float | None) -> str:
    return f"{'-':>6}" if value is None else f"{value:>6.3f}"
