"""Reading a taxonomy file: YAML, the schema of each indicator, and its patterns' syntax.

Every problem is a `TaxonomyError` naming the file and the line ("indicators.yaml:120:
indicator 'free_travel': es pattern '[pasaje': ..."), so an analyst editing the file can go
straight to the mistake.

`read_taxonomy_file` reads and validates a file (or the bundled one) without spaCy: what needs
only the indicators' ids, names and categories (the console's flags, risk explanations at
indexing time) stops there; nlp/indicators/matching.py compiles the matchers on top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nlp.errors import TaxonomyError
from nlp.indicators.patterns import PatternSyntaxError, compile_pattern, compile_term
from nlp.indicators.yaml_lines import LocatedYaml, load_located, yaml_error_line
from nlp.types import Strength

_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
# A category whose indicators describe the kind of work, not a risk.
SECTOR_CATEGORY = "sector"


class IndicatorSpec(BaseModel):
    """One indicator as written in the taxonomy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    strength: Strength
    names: dict[str, str]
    descriptions: dict[str, str] = Field(default_factory=dict)
    patterns: dict[str, list[str]] = Field(default_factory=dict)
    terms: dict[str, list[str]] = Field(default_factory=dict)
    excludes: dict[str, list[str]] = Field(default_factory=dict)
    examples: dict[str, list[str]] = Field(default_factory=dict)
    counter_examples: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator(
        "names", "patterns", "terms", "excludes", "descriptions", "examples", "counter_examples"
    )
    @classmethod
    def _keys_are_language_codes(cls, value: dict[str, Any]) -> dict[str, Any]:
        for language in value:
            if not _LANGUAGE_CODE.match(language):
                raise ValueError(f"{language!r} is not a language code such as 'es'")
        return value

    @model_validator(mode="after")
    def _has_patterns(self) -> IndicatorSpec:
        if not any(self.patterns.values()) and not any(self.terms.values()):
            raise ValueError("no patterns and no terms")
        return self

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(
            language
            for source in (self.patterns, self.terms)
            for language, written in source.items()
            if written
        )

    @property
    def is_sector(self) -> bool:
        return self.category == SECTOR_CATEGORY

    def name(self, language: str) -> str:
        """The display name in `language`, else English, else the id."""
        return self.names.get(language) or self.names.get("en") or self.id


BUNDLED_TAXONOMY = "nlp/indicators/data/indicators.yaml"


@dataclass(frozen=True)
class TaxonomyFile:
    """A validated taxonomy as read: its version and indicators, no matchers compiled.

    `board_chrome`: job boards' own labels (badges, buttons), folded; a line that is one of
    them is the board speaking, not the ad (nlp/indicators/chrome.py).
    """

    version: str
    indicators: tuple[IndicatorSpec, ...]
    source: str
    board_chrome: frozenset[str] = frozenset()


def read_taxonomy_file(path: Path | None = None) -> TaxonomyFile:
    """The taxonomy at `path`, or the one shipped with track4tip; TaxonomyError if broken."""
    if path is None:
        resource = resources.files("nlp.indicators").joinpath("data", "indicators.yaml")
        text, source = resource.read_text(encoding="utf-8"), BUNDLED_TAXONOMY
    else:
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise TaxonomyError(f"cannot read taxonomy {path}: {exc}") from exc
    return read_taxonomy_text(text, source)


def read_taxonomy(text: str, source: str) -> tuple[str, list[IndicatorSpec]]:
    """The version and validated indicators of a taxonomy file's text."""
    read = read_taxonomy_text(text, source)
    return read.version, list(read.indicators)


def read_taxonomy_text(text: str, source: str) -> TaxonomyFile:
    """A taxonomy file's text, validated: version, indicators and board chrome."""
    try:
        located = load_located(text)
    except yaml.YAMLError as exc:
        line = yaml_error_line(exc)
        where = f"{source}:{line}" if line else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise TaxonomyError(f"{where}: not valid YAML: {problem}") from exc
    document = located.data
    if not isinstance(document, dict):
        raise TaxonomyError(f"{source}:1: expected a mapping with taxonomy_version and indicators")
    version = document.get("taxonomy_version")
    if not isinstance(version, str | int) or isinstance(version, bool) or not str(version):
        raise TaxonomyError(f"{source}:1: taxonomy_version is missing")
    raw_indicators = document.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        line = located.line_of(("indicators",))
        raise TaxonomyError(f"{source}:{line}: indicators must be a non-empty list")
    indicators = [
        _parse_indicator(position, raw, located, source)
        for position, raw in enumerate(raw_indicators)
    ]
    _check_unique_ids(indicators, located, source)
    chrome = _board_chrome(document.get("board_chrome"), located, source)
    return TaxonomyFile(str(version), tuple(indicators), source, chrome)


def _board_chrome(raw: object, located: LocatedYaml, source: str) -> frozenset[str]:
    """The `board_chrome` labels, folded like terms; absent means none."""
    if raw is None:
        return frozenset()
    line = located.line_of(("board_chrome",))
    if not isinstance(raw, list) or not all(isinstance(label, str) for label in raw):
        raise TaxonomyError(f"{source}:{line}: board_chrome must be a list of labels")
    try:
        return frozenset(compile_term(label) for label in raw)
    except PatternSyntaxError as exc:
        raise TaxonomyError(f"{source}:{line}: board_chrome: {exc}") from exc


def _parse_indicator(
    position: int, raw: object, located: LocatedYaml, source: str
) -> IndicatorSpec:
    path: tuple[str | int, ...] = ("indicators", position)
    if not isinstance(raw, dict):
        line = located.line_of(path)
        raise TaxonomyError(f"{source}:{line}: indicator #{position + 1} is not a mapping")
    label = repr(raw.get("id", f"#{position + 1}"))
    try:
        indicator = IndicatorSpec.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        line = located.line_of((*path, *location))
        field = ".".join(str(part) for part in location) or "entry"
        raise TaxonomyError(f"{source}:{line}: indicator {label}: {field}: {error['msg']}") from exc
    _check_patterns(indicator, path, located, source)
    return indicator


def _check_patterns(
    indicator: IndicatorSpec, path: tuple[str | int, ...], located: LocatedYaml, source: str
) -> None:
    checks = (("patterns", compile_pattern), ("excludes", compile_pattern), ("terms", compile_term))
    for kind, compile_one in checks:
        for language, written in getattr(indicator, kind).items():
            for position, pattern in enumerate(written):
                try:
                    compile_one(pattern)
                except PatternSyntaxError as exc:
                    line = located.line_of((*path, kind, language, position))
                    raise TaxonomyError(
                        f"{source}:{line}: indicator {indicator.id!r}: {language} "
                        f"{kind[:-1]} {pattern!r}: {exc}"
                    ) from exc


def _check_unique_ids(indicators: list[IndicatorSpec], located: LocatedYaml, source: str) -> None:
    seen: set[str] = set()
    for position, indicator in enumerate(indicators):
        if indicator.id in seen:
            line = located.line_of(("indicators", position, "id"))
            raise TaxonomyError(
                f"{source}:{line}: indicator id {indicator.id!r} appears more than once"
            )
        seen.add(indicator.id)
