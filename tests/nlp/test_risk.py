"""Risk: noisy-OR over distinct indicators, bands, and explanations strongest first."""

from __future__ import annotations

import pytest

from nlp.risk import assess, risk_label
from nlp.types import IndicatorHit, RiskLabel, Strength


def hit(indicator: str, strength: Strength, evidence: str = "x", start: int = 0) -> IndicatorHit:
    return IndicatorHit(
        field="text",
        start=start,
        end=start + len(evidence),
        indicator=indicator,
        category=f"{indicator}_category",
        strength=strength,
        evidence=evidence,
        language="es",
    )


def test_no_hits_no_risk():
    risk = assess([])
    assert (risk.score, risk.label, risk.explanation) == (0.0, RiskLabel.NONE, [])


@pytest.mark.parametrize(
    ("strengths", "score", "label"),
    [
        ([Strength.WEAK], 0.1, RiskLabel.LOW),
        ([Strength.WEAK] * 4, 0.3439, RiskLabel.LOW),
        ([Strength.MEDIUM], 0.25, RiskLabel.LOW),
        ([Strength.MEDIUM, Strength.MEDIUM], 0.4375, RiskLabel.MEDIUM),
        ([Strength.STRONG], 0.5, RiskLabel.MEDIUM),
        ([Strength.STRONG, Strength.MEDIUM], 0.625, RiskLabel.MEDIUM),
        ([Strength.STRONG, Strength.MEDIUM, Strength.MEDIUM], 0.7188, RiskLabel.HIGH),
        ([Strength.STRONG, Strength.STRONG], 0.75, RiskLabel.HIGH),
    ],
)
def test_scores_and_bands(strengths, score, label):
    hits = [hit(f"indicator_{n}", strength) for n, strength in enumerate(strengths)]
    risk = assess(hits)
    assert risk.score == pytest.approx(score, abs=1e-4)
    assert risk.label is label


def test_repeated_indicator_counts_once():
    once = assess([hit("escort_role", Strength.STRONG)])
    twice = assess([hit("escort_role", Strength.STRONG), hit("escort_role", Strength.STRONG)])
    assert once.score == twice.score == 0.5


def test_band_edges():
    assert risk_label(0.0, has_hits=False) is RiskLabel.NONE
    assert risk_label(0.3999, has_hits=True) is RiskLabel.LOW
    assert risk_label(0.4, has_hits=True) is RiskLabel.MEDIUM
    assert risk_label(0.7, has_hits=True) is RiskLabel.HIGH


def test_explanation_names_each_indicator_strongest_first_with_its_evidence():
    hits = [
        hit("whatsapp_only", Strength.WEAK, "solo WhatsApp", start=0),
        hit("free_travel", Strength.MEDIUM, "pasaje pagado", start=20),
        hit("escort_role", Strength.STRONG, "damas de compañía", start=40),
        hit("escort_role", Strength.STRONG, "acompañantes", start=70),
        hit("escort_role", Strength.STRONG, "damas  de\ncompañía", start=90),
    ]
    names = {"escort_role": "Escort work", "free_travel": "Free travel"}
    risk = assess(hits, lambda indicator: names.get(indicator, indicator))
    assert risk.explanation == [
        "Strong indicator “Escort work” (escort role category): “damas de compañía”, "
        "“acompañantes”.",
        "Medium indicator “Free travel” (free travel category): “pasaje pagado”.",
        "Weak indicator “whatsapp_only” (whatsapp only category): “solo WhatsApp”.",
    ]


def test_many_quotes_are_capped():
    hits = [hit("age_requirement", Strength.MEDIUM, f"de 18 a 2{n} años") for n in range(5)]
    [sentence] = assess(hits).explanation
    assert sentence.endswith("and 2 more.")
    assert "age requirement" in sentence
