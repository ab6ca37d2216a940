"""Analysis of a batch of inputs: language, contact entities, indicator hits and risk.

`Analyzer` is built once where a process starts (from `NlpSettings`) and reused for every
batch: it loads the taxonomy when built, and langdetect's profiles on first use.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlp.config import NlpSettings
from nlp.entities import extract_entities
from nlp.indicators import Taxonomy, load_taxonomy
from nlp.langid import LanguageIdentifier
from nlp.risk import assess
from nlp.types import Annotations, IndicatorHit, TextInput

# The fields that say what an ad is about; contact or price fields would only add noise.
LANGUAGE_FIELDS = ("title", "text")


class Analyzer:
    """Annotates `TextInput`s; every span refers to the named field of the input."""

    def __init__(self, settings: NlpSettings, taxonomy: Taxonomy | None = None) -> None:
        self.settings = settings
        self.taxonomy = taxonomy or load_taxonomy(settings.taxonomy_path)
        self._languages = LanguageIdentifier(
            seed=settings.seed,
            min_confidence=settings.language_min_confidence,
            min_letters=settings.language_min_letters,
            languages=settings.languages,
        )

    def annotate(self, inputs: Sequence[TextInput]) -> list[Annotations]:
        """One `Annotations` per input, in the same order."""
        return [self.annotate_one(item) for item in inputs]

    def annotate_one(self, item: TextInput) -> Annotations:
        language, confidence = self.identify_language(item)
        hits = self._indicator_hits(item, language)
        return Annotations(
            language=language,
            language_confidence=confidence,
            entities=extract_entities(item.fields, item.country),
            indicators=hits,
            risk=assess(hits, self._indicator_name),
        )

    def identify_language(self, item: TextInput) -> tuple[str, float]:
        """Language of the title and text read together (a title alone is often too short)."""
        parts = [item.fields[name] for name in LANGUAGE_FIELDS if item.fields.get(name)]
        return self._languages.identify("\n".join(parts))

    def _indicator_hits(self, item: TextInput, language: str) -> list[IndicatorHit]:
        return [
            hit
            for field, text in item.fields.items()
            for hit in self.taxonomy.find(
                text, language, field, all_languages=self.settings.match_all_languages
            )
        ]

    def _indicator_name(self, indicator_id: str) -> str:
        return self.taxonomy.indicator(indicator_id).name(self.settings.explanation_language)
