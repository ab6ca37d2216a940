"""Combine indicator hits, classifier probabilities and network evidence into one risk score.

Indicators (a category-aware noisy-OR):
- each distinct indicator counts once, however often it repeats, with the weight of its
  strength; strong coercion, sexual-exploitation and document-retention signs weigh most;
- indicators of one category overlap (three deceptive lures are one story told three times),
  so inside a category the n-th strongest counts only CATEGORY_DAMPING**n of its weight;
- categories combine by noisy-OR: 1 - prod(1 - category score);
- one hit alone never flags an ad: in the one field study of real migrant-job ads, 98% carried
  at least one indicator. A single indicator is capped below "medium" (SINGLE_INDICATOR_CAP),
  and weak indicators without a medium or strong one are capped lower (WEAK_ONLY_CAP); sector
  tags describe the ad and only add SECTOR_WEIGHT next to real indicators.
Classifier: when given, the indicator score is blended with its probability (trafficking risk,
or recruitment fraud weighted by FRAUD_FACTOR), so a text quoting an ad scores lower than the
ad when the model says it is not one. The model is calibrated and measured on real ads
(models/<name>/README.md), so a confident probability alone may carry an ad to medium:
the score is at least CLASSIFIER_ALONE_WEIGHT × probability (medium from 0.8).
Network: ads copied across countries and sites, or a contact shared by many ads, raise the
score by up to NETWORK_MAX.
Every step is monotone: more or stronger evidence never lowers the score.

Kind: recruitment risk is a property of offers — job boards, classifieds, social posts. A news
report quotes lures to tell what happened; it is not scored for recruitment risk (score 0, band
none, saying so) and is found through its trafficking topic instead (`nlp.types.Topic`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from nlp.types import (
    ClassifierScores,
    ContributionSource,
    IndicatorHit,
    NetworkEvidence,
    Risk,
    RiskContribution,
    RiskLabel,
    Strength,
    TextKind,
)

STRENGTH_WEIGHTS: dict[Strength, float] = {
    Strength.STRONG: 0.45,
    Strength.MEDIUM: 0.25,
    Strength.WEAK: 0.1,
}
# Strong signs of control or sexual exploitation: the ones that most often mean trafficking.
HEAVY_CATEGORIES = frozenset(
    {"coercive_recruitment", "forced_labour", "means_of_control", "sexual_exploitation"}
)
HEAVY_STRONG_WEIGHT = 0.55
SECTOR_CATEGORY = "sector"
SECTOR_WEIGHT = 0.03
CATEGORY_DAMPING = 0.6
SINGLE_INDICATOR_CAP = 0.35
WEAK_ONLY_CAP = 0.3
CLASSIFIER_WEIGHT = 0.35
CLASSIFIER_ALONE_WEIGHT = 0.5
FRAUD_FACTOR = 0.8
TRAFFICKING_LABEL = "trafficking_risk"
FRAUD_LABEL = "recruitment_fraud"
NETWORK_MAX = 0.3
NETWORK_PER_EXTRA_COUNTRY = 0.08
NETWORK_PER_EXTRA_SITE = 0.04
NETWORK_SHARED_CONTACT_STEP = 0.06
# Below this the evidence is noise (a classifier's 0.01, a lone sector tag): no risk band.
NONE_BELOW = 0.05
LOW_BELOW = 0.4
MEDIUM_BELOW = 0.7
_STRENGTH_ORDER = {Strength.STRONG: 0, Strength.MEDIUM: 1, Strength.WEAK: 2}
_MAX_QUOTES = 3


def risk_label(score: float, has_hits: bool) -> RiskLabel:
    """The band of a score; "none" when there is no evidence or next to none."""
    if not has_hits or score < NONE_BELOW:
        return RiskLabel.NONE
    if score < LOW_BELOW:
        return RiskLabel.LOW
    if score < MEDIUM_BELOW:
        return RiskLabel.MEDIUM
    return RiskLabel.HIGH


def indicator_weight(hit: IndicatorHit) -> float:
    """The weight of one distinct indicator before category damping."""
    if hit.category == SECTOR_CATEGORY:
        return SECTOR_WEIGHT
    if hit.strength is Strength.STRONG and hit.category in HEAVY_CATEGORIES:
        return HEAVY_STRONG_WEIGHT
    return STRENGTH_WEIGHTS[hit.strength]


NOT_AN_OFFER = (
    "A news report: recruitment risk is scored for ads and posts, not for reporting; "
    "see its trafficking topic."
)


def assess(
    hits: Iterable[IndicatorHit],
    name_of: Callable[[str], str] | None = None,
    classifier: ClassifierScores | None = None,
    network: NetworkEvidence | None = None,
    kind: TextKind | None = None,
) -> Risk:
    """The risk of one input; `name_of` turns an indicator id into a display name."""
    if kind is TextKind.NEWS:
        return Risk(score=0.0, label=RiskLabel.NONE, explanation=[NOT_AN_OFFER])
    grouped = _by_indicator(hits)
    describe = name_of or (lambda indicator_id: indicator_id.replace("_", " "))
    contributions = _indicator_contributions(grouped, describe)
    score = _indicator_score(grouped, contributions)
    explanation = _indicator_sentences(grouped, describe)
    if score < _uncapped(contributions) - 1e-9:
        explanation.append(_cap_sentence(grouped))
    risk_bearing = any(hit[0].category != SECTOR_CATEGORY for hit in grouped.values())
    if classifier is not None:
        probability, label = classifier_probability(classifier)
        blended = (1 - CLASSIFIER_WEIGHT) * score + CLASSIFIER_WEIGHT * probability
        score = max(blended, CLASSIFIER_ALONE_WEIGHT * probability)
        contributions.append(
            RiskContribution(
                source=ContributionSource.CLASSIFIER,
                name=classifier.model,
                weight=round(CLASSIFIER_WEIGHT * probability, 4),
                detail=f"{label} {probability:.2f}",
            )
        )
        explanation.append(
            f"The classifier ({classifier.model}) rates it {label.replace('_', ' ')} "
            f"with probability {probability:.2f}."
        )
        risk_bearing = risk_bearing or probability > 0
    if network is not None and (weight := network_weight(network)) > 0:
        score = 1 - (1 - score) * (1 - weight)
        contributions.append(
            RiskContribution(
                source=ContributionSource.NETWORK, name="network", weight=round(weight, 4),
                detail=_network_detail(network),
            )
        )  # fmt: skip
        explanation.append(f"Network: {_network_detail(network)}.")
        risk_bearing = True
    score = round(min(max(score, 0.0), 1.0), 4)
    return Risk(
        score=score,
        label=risk_label(score, risk_bearing),
        explanation=explanation,
        contributions=contributions,
    )


def classifier_probability(classifier: ClassifierScores) -> tuple[float, str]:
    """The probability that counts, and its label: trafficking risk, or discounted fraud."""
    trafficking = classifier.probabilities.get(TRAFFICKING_LABEL, 0.0)
    fraud = FRAUD_FACTOR * classifier.probabilities.get(FRAUD_LABEL, 0.0)
    if fraud > trafficking:
        return min(max(fraud, 0.0), 1.0), FRAUD_LABEL
    return min(max(trafficking, 0.0), 1.0), TRAFFICKING_LABEL


def network_weight(network: NetworkEvidence) -> float:
    """How much linking adds: copies across countries and sites, contacts shared by many ads."""
    spread = NETWORK_PER_EXTRA_COUNTRY * max(network.countries - 1, 0)
    spread += NETWORK_PER_EXTRA_SITE * max(network.sites - 1, 0)
    shared = NETWORK_SHARED_CONTACT_STEP * max(math.log2(network.network_size) - 1, 0.0)
    return min(NETWORK_MAX, spread + shared)


def _by_indicator(hits: Iterable[IndicatorHit]) -> dict[str, list[IndicatorHit]]:
    grouped: dict[str, list[IndicatorHit]] = {}
    for hit in hits:
        grouped.setdefault(hit.indicator, []).append(hit)
    return grouped


def _indicator_contributions(
    grouped: dict[str, list[IndicatorHit]], describe: Callable[[str], str]
) -> list[RiskContribution]:
    """One contribution per distinct indicator, damped by its rank inside its category."""
    by_category: dict[str, list[tuple[float, str]]] = {}
    for indicator_id, indicator_hits in grouped.items():
        first = indicator_hits[0]
        by_category.setdefault(first.category, []).append((indicator_weight(first), indicator_id))
    contributions = []
    for category, weighted in by_category.items():
        for rank, (weight, indicator_id) in enumerate(sorted(weighted, reverse=True)):
            contributions.append(
                RiskContribution(
                    source=ContributionSource.INDICATOR,
                    name=indicator_id,
                    weight=round(weight * CATEGORY_DAMPING**rank, 4),
                    detail=f"{describe(indicator_id)} ({category.replace('_', ' ')})",
                )
            )
    return contributions


def _uncapped(contributions: list[RiskContribution]) -> float:
    remaining = 1.0
    for contribution in contributions:
        remaining *= 1.0 - contribution.weight
    return 1.0 - remaining


def _indicator_score(
    grouped: dict[str, list[IndicatorHit]], contributions: list[RiskContribution]
) -> float:
    score = _uncapped(contributions)
    signs = [hits[0] for hits in grouped.values() if hits[0].category != SECTOR_CATEGORY]
    if len(signs) <= 1:
        score = min(score, SINGLE_INDICATOR_CAP)
    if all(hit.strength is Strength.WEAK for hit in signs):
        score = min(score, WEAK_ONLY_CAP)
    if not signs:
        score = 0.0
    return score


def _cap_sentence(grouped: dict[str, list[IndicatorHit]]) -> str:
    signs = [hits[0] for hits in grouped.values() if hits[0].category != SECTOR_CATEGORY]
    if not signs:
        return "Sector tags describe the ad; on their own they carry no risk."
    if len(signs) == 1:
        return "Only one indicator was found; one sign alone does not flag an ad."
    return "Only weak indicators were found; together they do not flag an ad."


def _indicator_sentences(
    grouped: dict[str, list[IndicatorHit]], describe: Callable[[str], str]
) -> list[str]:
    ordered = sorted(
        grouped.items(),
        key=lambda item: (
            item[1][0].category == SECTOR_CATEGORY,
            _STRENGTH_ORDER[item[1][0].strength],
            item[1][0].field,
            item[1][0].start,
        ),
    )
    return [_sentence(indicator_hits, describe(key)) for key, indicator_hits in ordered]


def _sentence(hits: list[IndicatorHit], name: str) -> str:
    first = hits[0]
    quotes: list[str] = []
    for hit in hits:
        quote = " ".join(hit.evidence.split())
        if quote not in quotes:
            quotes.append(quote)
    shown = ", ".join(f"“{quote}”" for quote in quotes[:_MAX_QUOTES])
    more = f" and {len(quotes) - _MAX_QUOTES} more" if len(quotes) > _MAX_QUOTES else ""
    if first.category == SECTOR_CATEGORY:
        return f"Sector “{name}”: {shown}{more}."
    return (
        f"{first.strength.value.capitalize()} indicator “{name}” "
        f"({first.category.replace('_', ' ')}): {shown}{more}."
    )


def _network_detail(network: NetworkEvidence) -> str:
    return (
        f"{network.cluster_size} near-identical ads in {network.countries} countries on "
        f"{network.sites} sites; its contacts are shared by {network.network_size} ads"
    )
