"""Calibrators: fitted probabilities match frequencies; serialised forms give equal outputs."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.classifier.calibration import (
    IsotonicCalibrator,
    PlattCalibrator,
    calibrator_from_dict,
    choose_calibrator,
    temperature_calibrator,
)


def sample(seed: int = 0, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Logits three times too confident: the true probability is σ(z / 3)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 6.0, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-logits / 3))).astype(float)
    return logits, labels


def test_platt_and_temperature_recover_the_scale() -> None:
    logits, labels = sample()
    assert PlattCalibrator().fit(logits, labels).a == pytest.approx(1 / 3, abs=0.05)
    temperature = temperature_calibrator().fit(logits, labels)
    assert temperature.a == pytest.approx(1 / 3, abs=0.05) and temperature.b == 0.0


def test_isotonic_is_monotone_and_bounded() -> None:
    logits, labels = sample(1)
    calibrated = IsotonicCalibrator().fit(logits, labels).apply(np.sort(logits))
    assert np.all(np.diff(calibrated) >= 0)
    assert calibrated.min() > 0 and calibrated.max() < 1


@pytest.mark.parametrize(
    "calibrator", [PlattCalibrator(), temperature_calibrator(), IsotonicCalibrator()]
)
def test_serialised_calibrators_give_the_same_probabilities(calibrator) -> None:
    logits, labels = sample(2)
    fitted = calibrator.fit(logits, labels)
    again = calibrator_from_dict(fitted.to_dict())
    assert np.allclose(again.apply(logits), fitted.apply(logits))


def test_choice_reports_every_method_and_improves_on_raw_logits() -> None:
    logits, labels = sample(3)
    folds = np.arange(len(logits)) % 5
    chosen, probabilities, table = choose_calibrator(logits, labels, folds)
    assert set(table) == {"platt", "temperature", "isotonic"}
    raw_brier = np.mean((1 / (1 + np.exp(-logits)) - labels) ** 2)
    assert table[chosen.method]["brier"] < raw_brier
    assert probabilities.shape == logits.shape


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown calibration method"):
        calibrator_from_dict({"method": "magic"})
