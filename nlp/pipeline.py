"""Analysis of a batch of inputs: language, entities, indicator hits, classifier and risk.

`Analyzer` is built once where a process starts (`Analyzer.from_settings`) and reused for
every batch. A batch is analysed in passes that each run once per document: language
identification; one spaCy parse per field (grouped by language, through `nlp.pipe`), shared by
the indicator matchers and the entity recognisers; one encoder pass per document for the risk
classifier; then the combined risk score (for offers; news is not scored for recruitment
risk) and the trafficking topic, when the risk model predicts one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from spacy.tokens import Doc

from nlp.classifier.labelled_data import TOPIC_LABEL
from nlp.config import NlpSettings
from nlp.entities.extraction import extract_entities
from nlp.indicators.matching import Taxonomy, load_taxonomy
from nlp.language.identification import LanguageIdentifier
from nlp.risk import assess
from nlp.types import Annotations, ClassifierScores, IndicatorHit, TextInput, Topic, TopicLabel

# The fields that say what an ad is about; contact or price fields would only add noise.
LANGUAGE_FIELDS = ("title", "text")


class RiskModel(Protocol):
    """What analysis asks of a risk model (nlp/classifier/linear.py, nlp/classifier/scoring.py)."""

    @property
    def name(self) -> str: ...

    @property
    def thresholds(self) -> Mapping[str, float]: ...

    def predict(self, texts: Sequence[str]) -> list[ClassifierScores]: ...


logger = logging.getLogger(__name__)


class Analyzer:
    """Annotates `TextInput`s; every span refers to the named field of the input."""

    def __init__(
        self,
        settings: NlpSettings,
        taxonomy: Taxonomy | None = None,
        classifier: RiskModel | None = None,
    ) -> None:
        self.settings = settings
        self.taxonomy = taxonomy or load_taxonomy(settings.taxonomy_path)
        self.classifier = classifier
        self._languages = LanguageIdentifier(
            seed=settings.seed,
            min_confidence=settings.language_min_confidence,
            min_letters=settings.language_min_letters,
            languages=settings.languages,
            backend=settings.language_backend,
            papiamento_min_confidence=settings.papiamento_min_confidence,
        )

    @classmethod
    def from_settings(cls, settings: NlpSettings) -> Analyzer:
        """The analyser with the risk classifier of `settings.risk_model` when it is built."""
        return cls(settings, classifier=load_risk_classifier(settings))

    def annotate(self, inputs: Sequence[TextInput]) -> list[Annotations]:
        """One `Annotations` per input, in the same order."""
        languages = [self.identify_language(item) for item in inputs]
        parsed = self._parse(inputs, [language for language, _ in languages])
        scores = self._classify(inputs)
        return [
            self._annotations(item, language, confidence, docs, classifier)
            for item, (language, confidence), docs, classifier in zip(
                inputs, languages, parsed, scores, strict=True
            )
        ]

    def annotate_one(self, item: TextInput) -> Annotations:
        return self.annotate([item])[0]

    def identify_language(self, item: TextInput) -> tuple[str, float]:
        """Language of the title and text read together (a title alone is often too short)."""
        return self._languages.identify(_language_text(item))

    def _annotations(
        self,
        item: TextInput,
        language: str,
        confidence: float,
        docs: Mapping[str, Doc],
        classifier: ClassifierScores | None,
    ) -> Annotations:
        hits = self._indicator_hits(docs, language)
        # Rule-only languages' Docs carry no entities: the recognisers read their text instead.
        trained = dict(docs) if self.taxonomy.pipelines.has_trained_pipeline(language) else {}
        return Annotations(
            language=language,
            language_confidence=confidence,
            entities=extract_entities(item.fields, item.country, language, parsed=trained),
            indicators=hits,
            classifier=classifier,
            risk=assess(hits, self._indicator_name, classifier, kind=item.kind),
            topic=self._topic(classifier),
        )

    def _topic(self, scores: ClassifierScores | None) -> Topic | None:
        """The trafficking topic, when the risk model predicts it (models before it do not)."""
        if scores is None or TOPIC_LABEL not in scores.probabilities or self.classifier is None:
            return None
        probability = scores.probabilities[TOPIC_LABEL]
        threshold = self.classifier.thresholds.get(TOPIC_LABEL, 0.5)
        label = TopicLabel.TRAFFICKING if probability >= threshold else TopicLabel.OTHER
        return Topic(score=probability, label=label, model=scores.model)

    def _parse(self, inputs: Sequence[TextInput], languages: list[str]) -> list[dict[str, Doc]]:
        """Each input's fields parsed once, every field of one language in one `nlp.pipe`."""
        parsed: list[dict[str, Doc]] = [{} for _ in inputs]
        for language in dict.fromkeys(languages):
            places = [
                (position, field, text)
                for position, item in enumerate(inputs)
                if languages[position] == language
                for field, text in item.fields.items()
                if text
            ]
            # A 1 MB page would take minutes in a trained pipeline; ads and articles fit well
            # within the cap, and spans in the parsed prefix are spans in the whole field.
            cap = self.settings.max_parsed_chars
            docs = self.taxonomy.pipelines.parse([text[:cap] for _, _, text in places], language)
            for (position, field, _), doc in zip(places, docs, strict=True):
                parsed[position][field] = doc
        return parsed

    def _classify(self, inputs: Sequence[TextInput]) -> list[ClassifierScores | None]:
        """Scores for the inputs that have words; an empty or emoji-only post has nothing a
        classifier can read, and its embedding would still get a probability."""
        texts = [_language_text(item) for item in inputs]
        readable = [position for position, text in enumerate(texts) if _has_words(text)]
        scores: list[ClassifierScores | None] = [None] * len(inputs)
        if self.classifier is None or not readable:
            return scores
        found = self.classifier.predict([texts[position] for position in readable])
        for position, score in zip(readable, found, strict=True):
            scores[position] = score
        return scores

    def _indicator_hits(self, docs: Mapping[str, Doc], language: str) -> list[IndicatorHit]:
        return [
            hit
            for field, doc in docs.items()
            for hit in self.taxonomy.find_in_doc(
                doc, language, field, all_languages=self.settings.match_all_languages
            )
        ]

    def _indicator_name(self, indicator_id: str) -> str:
        return self.taxonomy.indicator(indicator_id).name(self.settings.explanation_language)


def load_risk_classifier(settings: NlpSettings) -> RiskModel | None:
    """The classifier at `settings.risk_model` with its encoder, or None when it is not built
    (analysis then rests on the indicators alone, and says so in the log)."""
    path = settings.risk_model
    if path is None:
        return None
    if not (path / "config.json").exists():
        logger.warning(
            "no risk model at %s: risk rests on indicators alone; build it with "
            "`track4tip model train`",
            path,
        )
        return None
    from nlp.classifier.linear import LinearRiskModel, is_linear_artifact
    from nlp.classifier.scoring import RiskClassifier
    from nlp.encoder.model import Encoder

    started = time.perf_counter()
    if is_linear_artifact(path):
        linear = LinearRiskModel.load(path)
        if linear.config.needs_encoder:
            linear.check_encoder(Encoder.load(settings))
        model: RiskModel = linear
    else:
        model = RiskClassifier.load(path, Encoder.load(settings))
    logger.debug("loaded risk model %s in %.1f s", path, time.perf_counter() - started)
    return model


def _has_words(text: str) -> bool:
    return sum(character.isalpha() for character in text[:200]) >= 3


def _language_text(item: TextInput) -> str:
    return "\n".join(item.fields[name] for name in LANGUAGE_FIELDS if item.fields.get(name))
