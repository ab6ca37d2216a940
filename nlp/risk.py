"""Combine indicator hits into one risk score, a band and sentences an analyst can read.

score = 1 - prod(1 - weight) over the distinct indicators found (a noisy-OR): each indicator is
treated as an independent reason to worry, repeats of one indicator add nothing, and the score
stays below 1. The weights are set so that the bands mean something on their own:

- one strong indicator (0.5) lands in "medium": document retention or an escort role alone is
  a reason to look, but a lone news quote of "damas de compañía" should not page anyone;
- two strong, or a strong one with two medium ones, reach "high" (>= 0.7);
- medium lures (0.25) need two of them to leave "low" (0.4375: free travel to Curaçao);
- weak signs (0.1) are common in honest ads; even four of them stay "low" (0.34).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from nlp.types import IndicatorHit, Risk, RiskLabel, Strength

STRENGTH_WEIGHTS: dict[Strength, float] = {
    Strength.STRONG: 0.5,
    Strength.MEDIUM: 0.25,
    Strength.WEAK: 0.1,
}
LOW_BELOW = 0.4
MEDIUM_BELOW = 0.7
_STRENGTH_ORDER = {Strength.STRONG: 0, Strength.MEDIUM: 1, Strength.WEAK: 2}
_MAX_QUOTES = 3


def risk_label(score: float, has_hits: bool) -> RiskLabel:
    """The band of a score; "none" only when nothing was found at all."""
    if not has_hits:
        return RiskLabel.NONE
    if score < LOW_BELOW:
        return RiskLabel.LOW
    if score < MEDIUM_BELOW:
        return RiskLabel.MEDIUM
    return RiskLabel.HIGH


def _by_indicator(hits: Iterable[IndicatorHit]) -> dict[str, list[IndicatorHit]]:
    grouped: dict[str, list[IndicatorHit]] = {}
    for hit in hits:
        grouped.setdefault(hit.indicator, []).append(hit)
    return grouped


def _sentence(hits: list[IndicatorHit], name: str) -> str:
    first = hits[0]
    quotes: list[str] = []
    for hit in hits:
        quote = " ".join(hit.evidence.split())
        if quote not in quotes:
            quotes.append(quote)
    shown = ", ".join(f"“{quote}”" for quote in quotes[:_MAX_QUOTES])
    more = f" and {len(quotes) - _MAX_QUOTES} more" if len(quotes) > _MAX_QUOTES else ""
    return (
        f"{first.strength.value.capitalize()} indicator “{name}” "
        f"({first.category.replace('_', ' ')}): {shown}{more}."
    )


def assess(hits: Iterable[IndicatorHit], name_of: Callable[[str], str] | None = None) -> Risk:
    """The risk of one input from its hits; `name_of` turns an indicator id into a name."""
    grouped = _by_indicator(hits)
    remaining = 1.0
    for indicator_hits in grouped.values():
        remaining *= 1.0 - STRENGTH_WEIGHTS[indicator_hits[0].strength]
    score = round(1.0 - remaining, 4)
    ordered = sorted(
        grouped.items(),
        key=lambda item: (_STRENGTH_ORDER[item[1][0].strength], item[1][0].field, item[1][0].start),
    )
    describe = name_of or (lambda indicator_id: indicator_id.replace("_", " "))
    explanation = [_sentence(indicator_hits, describe(key)) for key, indicator_hits in ordered]
    return Risk(score=score, label=risk_label(score, bool(grouped)), explanation=explanation)
