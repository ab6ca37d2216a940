"""The indicator taxonomy: loading, validation and matching with exact evidence spans.

The taxonomy is data (nlp/data/indicators.yaml, versioned by `taxonomy_version`) so analysts
can read and extend it without touching code. Patterns are matched over a folded copy of the
text (lower case, accents removed) that has exactly one character for each character of the
original, so a match's offsets are also the evidence's offsets in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nlp.errors import TaxonomyError
from nlp.types import IndicatorHit, Strength

_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


class IndicatorSpec(BaseModel):
    """One indicator as written in the taxonomy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: str = Field(min_length=1)
    strength: Strength
    names: dict[str, str]
    descriptions: dict[str, str] = Field(default_factory=dict)
    patterns: dict[str, list[str]]
    examples: dict[str, list[str]] = Field(default_factory=dict)
    counter_examples: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("names", "patterns", "descriptions", "examples", "counter_examples")
    @classmethod
    def _keys_are_language_codes(cls, value: dict[str, Any]) -> dict[str, Any]:
        for language in value:
            if not _LANGUAGE_CODE.match(language):
                raise ValueError(f"{language!r} is not a language code such as 'es'")
        return value

    @field_validator("patterns")
    @classmethod
    def _has_patterns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not any(value.values()):
            raise ValueError("no patterns")
        return value

    def name(self, language: str) -> str:
        """The display name in `language`, else English, else the id."""
        return self.names.get(language) or self.names.get("en") or self.id


def fold_for_matching(text: str) -> str:
    """Lower-case, accent-free copy of `text` with the same length, character for character."""
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    # "İ".lower() and the like are two characters long; keep the length, lose the case folding.
    return lowered if len(lowered) == 1 else base


@dataclass(frozen=True, slots=True)
class _CompiledPattern:
    indicator: IndicatorSpec
    language: str
    regex: re.Pattern[str]


def _compile(indicator: IndicatorSpec, language: str, pattern: str) -> _CompiledPattern:
    try:
        regex = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")
    except re.error as exc:
        raise TaxonomyError(
            f"indicator {indicator.id!r}: {language} pattern {pattern!r} does not compile: {exc}"
        ) from exc
    if regex.search("") is not None:
        raise TaxonomyError(
            f"indicator {indicator.id!r}: {language} pattern {pattern!r} matches empty text"
        )
    return _CompiledPattern(indicator, language, regex)


class Taxonomy:
    """A validated taxonomy with its patterns compiled, ready to find hits in text."""

    def __init__(self, version: str, indicators: list[IndicatorSpec]) -> None:
        self.version = version
        self.indicators = tuple(indicators)
        self._by_id = {indicator.id: indicator for indicator in indicators}
        self._patterns = [
            _compile(indicator, language, pattern)
            for indicator in indicators
            for language, patterns in indicator.patterns.items()
            for pattern in patterns
        ]
        self.languages = frozenset(pattern.language for pattern in self._patterns)

    def indicator(self, indicator_id: str) -> IndicatorSpec:
        return self._by_id[indicator_id]

    def find(
        self, text: str, language: str, field: str = "text", *, all_languages: bool = False
    ) -> list[IndicatorHit]:
        """Hits in `text`; all languages' patterns when `language` is not one the taxonomy has.

        An undetermined or unexpected language (Papiamento, a misdetection) still deserves a
        look, and patterns are specific enough that running them all costs little precision.
        `all_languages` runs them all anyway, for texts that quote another language.
        """
        if all_languages or language not in self.languages:
            languages = self.languages
        else:
            languages = frozenset({language})
        folded = fold_for_matching(text)
        spans: dict[str, list[tuple[int, int, str]]] = {}
        for pattern in self._patterns:
            if pattern.language in languages:
                for match in pattern.regex.finditer(folded):
                    spans.setdefault(pattern.indicator.id, []).append(
                        (match.start(), match.end(), pattern.language)
                    )
        hits = [
            self._hit(indicator_id, start, end, hit_language, text, field)
            for indicator_id, found in spans.items()
            for start, end, hit_language in _merge_overlapping(found)
        ]
        return sorted(hits, key=lambda hit: (hit.start, hit.indicator))

    def _hit(
        self, indicator_id: str, start: int, end: int, language: str, text: str, field: str
    ) -> IndicatorHit:
        indicator = self._by_id[indicator_id]
        return IndicatorHit(
            field=field,
            start=start,
            end=end,
            indicator=indicator.id,
            category=indicator.category,
            strength=indicator.strength,
            evidence=text[start:end],
            language=language,
        )

    def matches(self, indicator_id: str, language: str, text: str) -> bool:
        """Whether one indicator's patterns of one language fire anywhere in `text`."""
        folded = fold_for_matching(text)
        return any(
            pattern.regex.search(folded)
            for pattern in self._patterns
            if pattern.indicator.id == indicator_id and pattern.language == language
        )


def _merge_overlapping(spans: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    """One span per stretch of overlapping matches of the same indicator."""
    current: tuple[int, int, str] | None = None
    for start, end, language in sorted(spans):
        if current is not None and start < current[1]:
            current = (current[0], max(current[1], end), current[2])
            continue
        if current is not None:
            yield current
        current = (start, end, language)
    if current is not None:
        yield current


def _parse_indicator(position: int, raw: object, source: str) -> IndicatorSpec:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{source}: indicator #{position} is not a mapping")
    label = repr(raw.get("id", f"#{position}"))
    try:
        return IndicatorSpec.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'entry'}: {error['msg']}"
            for error in exc.errors()
        )
        raise TaxonomyError(f"{source}: indicator {label}: {problems}") from exc


def parse_taxonomy(text: str, source: str = "taxonomy") -> Taxonomy:
    """Validate and compile a taxonomy from YAML text; `source` names it in error messages."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise TaxonomyError(f"{source}: expected a mapping with taxonomy_version and indicators")
    version = document.get("taxonomy_version")
    if not isinstance(version, str | int) or isinstance(version, bool) or not str(version):
        raise TaxonomyError(f"{source}: taxonomy_version is missing")
    raw_indicators = document.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        raise TaxonomyError(f"{source}: indicators must be a non-empty list")
    indicators = [
        _parse_indicator(position, raw, source)
        for position, raw in enumerate(raw_indicators, start=1)
    ]
    ids = [indicator.id for indicator in indicators]
    duplicates = sorted({indicator_id for indicator_id in ids if ids.count(indicator_id) > 1})
    if duplicates:
        raise TaxonomyError(f"{source}: indicator ids appear more than once: {duplicates}")
    try:
        return Taxonomy(str(version), indicators)
    except TaxonomyError as exc:
        raise TaxonomyError(f"{source}: {exc}") from exc


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy at `path`, or the baseline shipped with track4tip."""
    if path is None:
        resource = resources.files("nlp").joinpath("data", "indicators.yaml")
        return parse_taxonomy(resource.read_text(encoding="utf-8"), "nlp/data/indicators.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy {path}: {exc}") from exc
    return parse_taxonomy(text, str(path))
