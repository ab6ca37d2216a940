"""Turning a head's raw scores (logits) into probabilities that mean what they say.

Three calibrators, fitted per label on out-of-fold logits: Platt scaling (p = σ(a·z + b)),
temperature scaling (p = σ(z / T), the one-parameter special case) and isotonic regression
(monotone, non-parametric; needs more data). `choose_calibrator` scores each by cross-fitting
over the same near-duplicate-grouped folds (fit on the other folds, apply to the held-out one),
so the winner is chosen by Brier score on data it was not fitted on, and reports Brier and ECE
of all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.isotonic import IsotonicRegression

from nlp.classifier.evaluation import brier_score, expected_calibration_error

# Probabilities never reach 0 or 1: no model output is certainty.
PROBABILITY_FLOOR = 1e-3
RIDGE = 1e-4


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -40.0, 40.0)))


def _log_loss(features: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> float:
    scores = features @ weights
    return float(np.sum(np.logaddexp(0.0, scores) - labels * scores) + RIDGE * weights @ weights)


def _clip(probabilities: np.ndarray) -> np.ndarray:
    return np.clip(probabilities, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)


class Calibrator(Protocol):
    method: str

    def fit(self, logits: np.ndarray, labels: np.ndarray) -> Calibrator: ...
    def apply(self, logits: np.ndarray) -> np.ndarray: ...
    def to_dict(self) -> dict[str, Any]: ...


@dataclass
class PlattCalibrator:
    """σ(a·z + b), fitted by Newton's method on the log-loss (with a tiny ridge for stability)."""

    a: float = 1.0
    b: float = 0.0
    method: str = "platt"
    fit_bias: bool = True

    def fit(self, logits: np.ndarray, labels: np.ndarray) -> PlattCalibrator:
        features = np.stack([logits, np.ones_like(logits)], axis=1)
        if not self.fit_bias:
            features = features[:, :1]
        weights = np.zeros(features.shape[1])
        for _ in range(100):
            probabilities = _sigmoid(features @ weights)
            gradient = features.T @ (probabilities - labels) + RIDGE * weights
            curvature = (features * (probabilities * (1 - probabilities))[:, None]).T @ features
            step = np.linalg.solve(curvature + RIDGE * np.eye(len(weights)), gradient)
            # Backtrack: a full Newton step can overshoot when the logits are large.
            while (
                _log_loss(features, weights - step, labels) > _log_loss(features, weights, labels)
                and np.abs(step).max() > 1e-10
            ):
                step /= 2
            weights -= step
            if np.abs(step).max() < 1e-8:
                break
        self.a = float(weights[0])
        self.b = float(weights[1]) if self.fit_bias else 0.0
        return self

    def apply(self, logits: np.ndarray) -> np.ndarray:
        return _clip(_sigmoid(self.a * logits + self.b))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "a": self.a, "b": self.b}


def temperature_calibrator() -> PlattCalibrator:
    """σ(z / T): Platt scaling without a bias; `a` is 1/T."""
    return PlattCalibrator(method="temperature", fit_bias=False)


@dataclass
class IsotonicCalibrator:
    """A monotone step function of the logit, stored as the knots of its interpolation."""

    knots_x: list[float] | None = None
    knots_y: list[float] | None = None
    method: str = "isotonic"

    def fit(self, logits: np.ndarray, labels: np.ndarray) -> IsotonicCalibrator:
        regression = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        regression.fit(logits, labels)
        self.knots_x = [float(x) for x in regression.X_thresholds_]
        self.knots_y = [float(y) for y in regression.y_thresholds_]
        return self

    def apply(self, logits: np.ndarray) -> np.ndarray:
        if not self.knots_x or not self.knots_y:
            raise ValueError("isotonic calibrator used before it was fitted")
        return _clip(np.interp(logits, self.knots_x, self.knots_y))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "knots_x": self.knots_x, "knots_y": self.knots_y}


CALIBRATORS = {
    "platt": PlattCalibrator,
    "temperature": temperature_calibrator,
    "isotonic": IsotonicCalibrator,
}


def calibrator_from_dict(data: dict[str, Any]) -> Calibrator:
    method = data.get("method")
    if method in ("platt", "temperature"):
        return PlattCalibrator(a=float(data["a"]), b=float(data["b"]), method=method)
    if method == "isotonic":
        return IsotonicCalibrator(knots_x=list(data["knots_x"]), knots_y=list(data["knots_y"]))
    raise ValueError(f"unknown calibration method {method!r}")


def cross_fitted(
    method: str, logits: np.ndarray, labels: np.ndarray, folds: np.ndarray
) -> np.ndarray:
    """Calibrated probabilities of each fold from a calibrator fitted on the other folds."""
    probabilities = np.zeros(len(logits))
    for fold in np.unique(folds):
        held_out = folds == fold
        fitted = CALIBRATORS[method]().fit(logits[~held_out], labels[~held_out])
        probabilities[held_out] = fitted.apply(logits[held_out])
    return probabilities


def choose_calibrator(
    logits: np.ndarray, labels: np.ndarray, folds: np.ndarray
) -> tuple[Calibrator, np.ndarray, dict[str, dict[str, float]]]:
    """The calibrator with the lowest cross-fitted Brier score, fitted on everything; its
    cross-fitted probabilities; and Brier and ECE of every method."""
    table: dict[str, dict[str, float]] = {}
    probabilities: dict[str, np.ndarray] = {}
    for method in CALIBRATORS:
        probabilities[method] = cross_fitted(method, logits, labels, folds)
        table[method] = {
            "brier": round(brier_score(labels, probabilities[method]), 4),
            "ece": round(expected_calibration_error(labels, probabilities[method]), 4),
        }
    best = min(table, key=lambda method: (table[method]["brier"], table[method]["ece"]))
    return CALIBRATORS[best]().fit(logits, labels), probabilities[best], table
