"""Building and evaluating a risk model end to end: files in, artifact folder or report out.

`build_model` reads labelled files, embeds their texts once (through the embedding cache),
trains with grouped validation (nlp/classifier/training.py) and writes models/<name>/.
`evaluate_model` scores a labelled file with a built model. The CLI only parses arguments and
calls these two.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nlp.classifier.artifact import data_manifest, write_artifact
from nlp.classifier.evaluation import SliceMetrics, evaluate
from nlp.classifier.labelled_data import LABELS, ColumnMap, LabelledExample, read_labelled
from nlp.classifier.linear import LinearRiskModel, is_linear_artifact
from nlp.classifier.scoring import ModelConfig, RiskClassifier, encoder_identity
from nlp.classifier.text_preparation import DEFAULT_MAX_WORDS, prepare_for_classifier
from nlp.classifier.training import HeadSettings, TrainingResult, train
from nlp.config import NlpSettings
from nlp.encoder.embedding_cache import EmbeddingCache

if TYPE_CHECKING:
    from nlp.encoder.model import Encoder


def bundled_labelled_set() -> Path:
    """The synthetic multilingual set shipped with the package."""
    return Path(str(resources.files("nlp.classifier") / "data" / "ads_multilingual.jsonl"))


@dataclass(frozen=True, slots=True)
class BuildOptions:
    name: str = "risk-e5-small"
    seed: int = 0
    folds: int = 5
    normalise_input: bool = False
    max_words: int = DEFAULT_MAX_WORDS
    default_language: str = "en"
    max_rows_per_file: int = 0
    head: HeadSettings = field(default_factory=HeadSettings)


class Embedder:
    """Passage embeddings of prepared texts, computed once per encoder and text.

    The encoder is loaded on first use, so that a broken input file fails before the model
    load (tens of seconds) rather than after it.
    """

    def __init__(self, settings: NlpSettings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self._encoder = encoder

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from nlp.encoder.model import Encoder

            self._encoder = Encoder.load(self.settings)
        return self._encoder

    def embed(self, texts: Sequence[str], normalise: bool, max_words: int) -> np.ndarray:
        prepared = [prepare_for_classifier(text, normalise, max_words) for text in texts]
        cache = EmbeddingCache(
            self.settings.model_cache_dir / "embeddings", self.encoder.cache_identity
        )
        return cache.embed(prepared, self.encoder.embed_passages)


def read_training_data(
    files: Sequence[Path], default_language: str, max_rows_per_file: int = 0, seed: int = 0
) -> list[LabelledExample]:
    """Every file's examples; a file with more than `max_rows_per_file` rows (0: no limit)
    contributes a seeded random sample of that size."""
    examples: list[LabelledExample] = []
    for path in files:
        rows = read_labelled(path, default_language=default_language)
        if max_rows_per_file and len(rows) > max_rows_per_file:
            rows = random.Random(seed).sample(rows, max_rows_per_file)
        examples.extend(rows)
    return examples


def train_on(
    examples: Sequence[LabelledExample], embedder: Embedder, options: BuildOptions
) -> tuple[TrainingResult, np.ndarray]:
    embeddings = embedder.embed(
        [example.text for example in examples], options.normalise_input, options.max_words
    )
    result = train(examples, embeddings, options.head, seed=options.seed, n_folds=options.folds)
    return result, embeddings


def build_model(
    files: Sequence[Path], output_dir: Path, embedder: Embedder, options: BuildOptions
) -> tuple[Path, TrainingResult]:
    examples = read_training_data(
        files, options.default_language, options.max_rows_per_file, options.seed
    )
    result, embeddings = train_on(examples, embedder, options)
    config = ModelConfig(
        name=options.name,
        labels=LABELS,
        encoder=embedder.encoder.name,
        encoder_identity=encoder_identity(embedder.encoder),
        embedding_dim=int(embeddings.shape[1]),
        hidden=options.head.hidden,
        dropout=options.head.dropout,
        normalise_input=options.normalise_input,
        max_words=options.max_words,
        thresholds=result.thresholds,
        calibration={label: c.method for label, c in result.calibrators.items()},
        training={
            "head": options.head.as_dict(),
            "seed": options.seed,
            "folds": options.folds,
            "max_rows_per_file": options.max_rows_per_file,
        },
    )
    manifest = data_manifest(files, examples, options.seed, options.folds)
    folder = write_artifact(output_dir / options.name, config, result, manifest)
    return folder, result


def evaluate_model(
    model_dir: Path, data: Path, columns: ColumnMap, embedder: Embedder, default_language: str
) -> dict[str, dict[str, SliceMetrics]]:
    """Metrics of a built model on a labelled file (labels it does not carry are skipped)."""
    examples = read_labelled(data, columns, default_language=default_language)
    if is_linear_artifact(model_dir):
        return _evaluate_linear(model_dir, examples, embedder)
    classifier = RiskClassifier.load(model_dir)
    classifier.check_encoder(embedder.encoder)
    embeddings = embedder.embed(
        [example.text for example in examples],
        classifier.config.normalise_input,
        classifier.config.max_words,
    )
    probabilities = classifier.probabilities(embeddings)
    present = [
        label for label in LABELS if any(ex.labels.get(label) is not None for ex in examples)
    ]
    report = evaluate(examples, probabilities, classifier.config.thresholds)
    return {label: report[label] for label in present}


def _evaluate_linear(
    model_dir: Path, examples: Sequence[LabelledExample], embedder: Embedder
) -> dict[str, dict[str, SliceMetrics]]:
    model = LinearRiskModel.load(model_dir)
    texts = [example.text for example in examples]
    embeddings = None
    if model.config.needs_encoder:
        model.check_encoder(embedder.encoder)
        embeddings = embedder.embed(texts, False, model.config.max_words)
    labels = list(model.config.labels)
    report = evaluate(examples, model.probabilities(texts, embeddings), model.thresholds, labels)
    present = [
        label for label in labels if any(ex.labels.get(label) is not None for ex in examples)
    ]
    return {label: report[label] for label in present}
