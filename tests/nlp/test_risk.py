"""Risk: category-aware noisy-OR, caps that keep one hit from flagging, classifier, network."""

from __future__ import annotations

import itertools

import pytest

from nlp.indicators.matching import load_taxonomy
from nlp.risk import LOW_BELOW, SINGLE_INDICATOR_CAP, WEAK_ONLY_CAP, assess, risk_label
from nlp.types import (
    ClassifierScores,
    ContributionSource,
    IndicatorHit,
    NetworkEvidence,
    RiskLabel,
    Strength,
    TextKind,
)


def hit(
    indicator: str,
    strength: Strength,
    evidence: str = "x",
    start: int = 0,
    category: str | None = None,
) -> IndicatorHit:
    return IndicatorHit(
        field="text",
        start=start,
        end=start + len(evidence),
        indicator=indicator,
        category=category or f"{indicator}_category",
        strength=strength,
        evidence=evidence,
        language="es",
    )


def scores(trafficking: float, fraud: float = 0.0) -> ClassifierScores:
    return ClassifierScores(
        model="test-model",
        probabilities={"trafficking_risk": trafficking, "recruitment_fraud": fraud},
    )


def test_no_hits_no_risk():
    risk = assess([])
    assert (risk.score, risk.label, risk.explanation, risk.contributions) == (
        0.0, RiskLabel.NONE, [], [],
    )  # fmt: skip


@pytest.mark.parametrize("strength", list(Strength))
@pytest.mark.parametrize("category", ["forced_labour", "sexual_exploitation", "other", "sector"])
@pytest.mark.parametrize("repeats", [1, 5])
def test_one_indicator_alone_never_reaches_medium(strength, category, repeats):
    hits = [hit("only", strength, f"e{n}", start=n * 3, category=category) for n in range(repeats)]
    risk = assess(hits)
    assert risk.score <= SINGLE_INDICATOR_CAP < LOW_BELOW
    assert risk.label in {RiskLabel.NONE, RiskLabel.LOW}


def test_weak_indicators_and_sector_tags_cannot_flag_together():
    hits = [hit(f"weak_{n}", Strength.WEAK, category=f"c{n}") for n in range(8)]
    hits += [hit(f"sector_{n}", Strength.WEAK, category="sector") for n in range(5)]
    risk = assess(hits)
    assert risk.score <= WEAK_ONLY_CAP
    assert risk.label is RiskLabel.LOW
    assert risk.explanation[-1].startswith("Only weak indicators")


def test_sector_tags_alone_carry_no_risk():
    risk = assess([hit("sector_agriculture", Strength.WEAK, "cosecha", category="sector")])
    assert (risk.score, risk.label) == (0.0, RiskLabel.NONE)
    assert risk.explanation[0] == "Sector “sector agriculture”: “cosecha”."


@pytest.mark.parametrize(
    ("strengths", "label"),
    [
        ([Strength.MEDIUM, Strength.MEDIUM], RiskLabel.MEDIUM),
        ([Strength.STRONG, Strength.MEDIUM], RiskLabel.MEDIUM),
        ([Strength.STRONG, Strength.STRONG], RiskLabel.MEDIUM),
        ([Strength.STRONG, Strength.STRONG, Strength.MEDIUM, Strength.MEDIUM], RiskLabel.HIGH),
    ],
)
def test_bands_for_independent_categories(strengths, label):
    hits = [hit(f"i{n}", s, category=f"c{n}") for n, s in enumerate(strengths)]
    assert assess(hits).label is label


def test_heavy_strong_signs_weigh_most():
    heavy = [hit("a", Strength.STRONG, category="forced_labour"),
             hit("b", Strength.STRONG, category="sexual_exploitation")]  # fmt: skip
    light = [hit("a", Strength.STRONG, category="x"), hit("b", Strength.STRONG, category="y")]
    assert assess(heavy).score > assess(light).score
    assert assess(heavy).label is RiskLabel.HIGH


def test_indicators_of_one_category_are_damped():
    same = [hit(f"i{n}", Strength.MEDIUM, category="deceptive_recruitment") for n in range(3)]
    spread = [hit(f"i{n}", Strength.MEDIUM, category=f"c{n}") for n in range(3)]
    assert assess(same).score < assess(spread).score
    weights = sorted((c.weight for c in assess(same).contributions), reverse=True)
    assert weights == [0.25, 0.15, 0.09]


def test_repeated_indicator_counts_once():
    pair = [hit("a", Strength.STRONG, category="x"), hit("b", Strength.MEDIUM, category="y")]
    repeated = [*pair, hit("a", Strength.STRONG, "again", 9, category="x")]
    assert assess(pair).score == assess(repeated).score


def test_more_evidence_never_lowers_the_score():
    pool = [
        hit("document_retention", Strength.STRONG, category="forced_labour"),
        hit("escort_role", Strength.STRONG, category="sexual_exploitation"),
        hit("free_travel", Strength.MEDIUM, category="deceptive_recruitment"),
        hit("high_pay_low_skill", Strength.MEDIUM, category="deceptive_recruitment"),
        hit("no_experience", Strength.WEAK, category="deceptive_recruitment"),
        hit("sector_sex_work", Strength.WEAK, category="sector"),
        hit("age_requirement", Strength.MEDIUM, category="abuse_of_vulnerability"),
    ]
    for size in range(len(pool)):
        for subset in itertools.combinations(pool, size):
            base = assess(subset).score
            for extra in pool:
                assert assess([*subset, extra]).score >= base - 1e-9
    for probability in (0.0, 0.3, 0.9):
        lower = assess(pool[:2], classifier=scores(probability)).score
        higher = assess(pool[:2], classifier=scores(probability + 0.1)).score
        assert higher >= lower
    small = assess(pool[:2], network=NetworkEvidence(countries=2, sites=2)).score
    large = assess(pool[:2], network=NetworkEvidence(countries=4, sites=5, network_size=30))
    assert large.score >= small >= assess(pool[:2]).score


# The same trafficking words in an advertisement and in a news report about a rescue.
AD = "Se buscan señoritas. Te quitamos el pasaporte al llegar. Damas de compañía para Aruba."
NEWS = (
    "La policía rescató a víctimas de trata: les retuvieron el pasaporte y las obligaban a "
    "trabajar como damas de compañía en Aruba."
)


def test_news_scores_below_an_ad_with_the_same_words_when_the_classifier_says_so():
    taxonomy = load_taxonomy()
    ad_hits = taxonomy.find(AD, "es")
    news_hits = taxonomy.find(NEWS, "es")
    assert {"document_retention", "escort_role"} <= {h.indicator for h in news_hits}
    ad = assess(ad_hits, classifier=scores(0.92))
    news = assess(news_hits, classifier=scores(0.04))
    assert news.score < ad.score
    assert news.label in {RiskLabel.LOW, RiskLabel.MEDIUM}
    assert ad.label is RiskLabel.HIGH
    assert "probability 0.04" in news.explanation[-1]


def test_fraud_probability_counts_discounted():
    hits = [hit("a", Strength.MEDIUM, category="x"), hit("b", Strength.MEDIUM, category="y")]
    fraud = assess(hits, classifier=scores(0.1, fraud=0.9))
    trafficking = assess(hits, classifier=scores(0.9, fraud=0.1))
    assert fraud.score < trafficking.score
    assert fraud.contributions[-1].detail == "recruitment_fraud 0.72"


def test_network_alone_stays_low():
    network = NetworkEvidence(cluster_size=40, network_size=200, countries=6, sites=9)
    assert assess([], network=network).label is RiskLabel.LOW


@pytest.mark.parametrize(
    ("probability", "label"),
    [(0.3, RiskLabel.LOW), (0.7, RiskLabel.LOW), (0.8, RiskLabel.MEDIUM), (1.0, RiskLabel.MEDIUM)],
)
def test_a_confident_calibrated_classifier_alone_reaches_medium_never_high(probability, label):
    assert assess([], classifier=scores(probability)).label is label


def test_news_is_not_scored_for_recruitment_risk():
    hits = [hit("a", Strength.STRONG, category="x"), hit("b", Strength.STRONG, category="y")]
    news = assess(hits, classifier=scores(0.9), kind=TextKind.NEWS)
    assert (news.score, news.label) == (0.0, RiskLabel.NONE)
    assert "news report" in news.explanation[0]
    assert assess(hits, classifier=scores(0.9), kind=TextKind.SOCIAL).label is RiskLabel.HIGH


def test_contributions_list_every_part_with_its_weight():
    hits = [
        hit("escort_role", Strength.STRONG, category="sexual_exploitation"),
        hit("free_travel", Strength.MEDIUM, category="deceptive_recruitment"),
    ]
    network = NetworkEvidence(cluster_size=5, network_size=8, countries=3, sites=4)
    risk = assess(hits, classifier=scores(0.8), network=network)
    assert [(c.source, c.name) for c in risk.contributions] == [
        (ContributionSource.INDICATOR, "escort_role"),
        (ContributionSource.INDICATOR, "free_travel"),
        (ContributionSource.CLASSIFIER, "test-model"),
        (ContributionSource.NETWORK, "network"),
    ]
    assert [c.weight for c in risk.contributions] == [0.55, 0.25, 0.28, 0.3]
    assert risk.explanation[-1].startswith("Network: 5 near-identical ads in 3 countries")


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
    sentence = assess(hits).explanation[0]
    assert sentence.endswith("and 2 more.")
    assert "age requirement" in sentence


def test_a_near_zero_classifier_probability_alone_is_no_risk():
    scores = ClassifierScores(
        model="risk-e5-small", probabilities={"recruitment_fraud": 0.01, "trafficking_risk": 0.001}
    )
    risk = assess([], classifier=scores)
    assert risk.label == RiskLabel.NONE
    assert risk.score < 0.05
