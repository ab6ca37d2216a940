"""The shipped risk model: one calibrated logistic regression per label, over its own features.

Each label uses the candidate that won the grouped comparison on real data
(nlp/classifier/comparison.py): lexical TF-IDF, the frozen encoder's embedding, or both side by
side. The artifact folder holds numbers only, no pickle:

    config.json     format 2, the labels with their features, Platt calibration and threshold,
                    the encoder's name and identity when a label reads embeddings
    lexical.npz     the inverse document frequencies of the hashed n-gram blocks
    weights.npz     per label its coefficients and intercept; the embedding standardiser

`LinearRiskModel.predict(texts)` gives ClassifierScores with every label's calibrated
probability, as the analysis pipeline expects of a risk classifier.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from nlp.classifier.calibration import PlattCalibrator
from nlp.classifier.comparison import (
    REGULARISATION,
    Inputs,
    OutOfFold,
    best_f1_threshold,
    labelled_rows,
    out_of_fold,
)
from nlp.classifier.folds import grouped_folds, near_duplicate_groups
from nlp.classifier.lexical import (
    CHAR_FEATURES,
    LEXICAL_IDENTITY,
    WORD_FEATURES,
    LexicalFeatures,
)
from nlp.classifier.text_preparation import prepare_for_classifier
from nlp.errors import ClassifierError
from nlp.types import ClassifierScores

if TYPE_CHECKING:
    from nlp.encoder.model import Encoder

FORMAT = 2
CONFIG_FILE = "config.json"
LEXICAL_FILE = "lexical.npz"
WEIGHTS_FILE = "weights.npz"
FEATURE_SETS = ("lexical", "encoder", "lexical+encoder")


class LabelModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    features: str
    calibration: dict[str, float]
    threshold: float


class LinearConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    format: int = FORMAT
    kind: str = "linear"
    name: str
    labels: dict[str, LabelModel]
    lexical: str
    encoder: str | None = None
    encoder_identity: str | None = None
    max_words: int = 0
    training: dict[str, object] = {}

    @property
    def needs_encoder(self) -> bool:
        return any("encoder" in label.features for label in self.labels.values())


def is_linear_artifact(path: Path) -> bool:
    """Whether `path` holds a format-2 (linear) model rather than the encoder-head format."""
    try:
        raw = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(raw, dict) and raw.get("format") == FORMAT


class LinearRiskModel:
    def __init__(
        self,
        config: LinearConfig,
        lexical: LexicalFeatures,
        weights: dict[str, np.ndarray],
        encoder: Encoder | None = None,
    ) -> None:
        self.config = config
        self.lexical = lexical
        self.weights = weights
        self.encoder = encoder

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def thresholds(self) -> dict[str, float]:
        return {label: spec.threshold for label, spec in self.config.labels.items()}

    @classmethod
    def load(cls, path: Path, encoder: Encoder | None = None) -> LinearRiskModel:
        config = _read_config(path)
        try:
            lexical = LexicalFeatures.from_arrays(dict(np.load(path / LEXICAL_FILE)))
            weights = dict(np.load(path / WEIGHTS_FILE))
        except (OSError, ValueError, KeyError) as error:
            raise ClassifierError(f"{path}: broken model artifact ({error})") from error
        _check_weights(path, config, weights)
        model = cls(config, lexical, weights)
        if config.needs_encoder and encoder is not None:
            model.check_encoder(encoder)
        return model

    def check_encoder(self, encoder: Encoder) -> None:
        identity = str(encoder.identity)
        if identity != self.config.encoder_identity:
            raise ClassifierError(
                f"model {self.name} was trained on encoder {self.config.encoder_identity}, "
                f"but the encoder given is {identity}; retrain it with `track4tip model train`"
            )
        self.encoder = encoder

    def predict(self, texts: Sequence[str]) -> list[ClassifierScores]:
        probabilities = self.probabilities(texts)
        labels = list(self.config.labels)
        return [
            ClassifierScores(
                model=self.name,
                probabilities={label: round(float(row[i]), 4) for i, label in enumerate(labels)},
            )
            for row in probabilities
        ]

    def probabilities(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """One column per label, in config order; `embeddings` skips the encoder."""
        lexical = self.lexical.transform(list(texts))
        if self.config.needs_encoder and embeddings is None:
            embeddings = self._embed(texts)
        columns = []
        for label, spec in self.config.labels.items():
            features = _features(spec.features, lexical, self._standardised(embeddings))
            logits = features @ self.weights[f"{label}.coef"] + self.weights[f"{label}.intercept"]
            calibrator = PlattCalibrator(a=spec.calibration["a"], b=spec.calibration["b"])
            columns.append(calibrator.apply(np.asarray(logits).ravel()))
        return np.stack(columns, axis=1)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.encoder is None:
            raise ClassifierError(f"model {self.name} reads embeddings but has no encoder")
        prepared = [prepare_for_classifier(text, False, self.config.max_words) for text in texts]
        return self.encoder.embed_passages(prepared)

    def _standardised(self, embeddings: np.ndarray | None) -> np.ndarray | None:
        if embeddings is None:
            return None
        return (embeddings - self.weights["encoder.mean"]) / self.weights["encoder.scale"]


def _features(
    name: str, lexical: sparse.csr_matrix, standardised: np.ndarray | None
) -> sparse.csr_matrix | np.ndarray:
    if name == "lexical":
        return lexical
    if standardised is None:
        raise ClassifierError(f"features {name!r} need embeddings")
    if name == "encoder":
        return standardised
    weight = 1 / np.sqrt(standardised.shape[1])
    return sparse.hstack([lexical, sparse.csr_matrix(standardised * weight)], "csr")


def _feature_width(name: str, embedding_width: int) -> int:
    lexical = WORD_FEATURES + CHAR_FEATURES
    return {"lexical": lexical, "encoder": embedding_width}.get(name, lexical + embedding_width)


def _check_weights(path: Path, config: LinearConfig, weights: dict[str, np.ndarray]) -> None:
    """Every label's coefficients exist and fit its feature set (a folder trained with other
    features would otherwise fail mid-analysis, or worse, score with misaligned columns)."""
    embedding_width = int(weights["encoder.mean"].shape[0]) if "encoder.mean" in weights else 0
    if config.needs_encoder and not embedding_width:
        raise ClassifierError(f"{path}: reads embeddings but has no embedding standardiser")
    for label, spec in config.labels.items():
        coef, intercept = weights.get(f"{label}.coef"), weights.get(f"{label}.intercept")
        expected = _feature_width(spec.features, embedding_width)
        if coef is None or intercept is None:
            raise ClassifierError(f"{path}: no weights for label {label}")
        if coef.shape != (expected,) or intercept.shape != (1,):
            raise ClassifierError(
                f"{path}: label {label} has {coef.shape[0]} coefficients, but its features "
                f"({spec.features}) have {expected}; retrain it with `track4tip model train`"
            )


def _read_config(path: Path) -> LinearConfig:
    config_file = path / CONFIG_FILE
    if not config_file.is_file():
        raise ClassifierError(f"{path}: not a model folder (no {CONFIG_FILE})")
    try:
        config = LinearConfig.model_validate_json(config_file.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise ClassifierError(f"{config_file}: invalid model config ({error})") from error
    if config.format != FORMAT or config.kind != "linear":
        raise ClassifierError(f"{config_file}: not a linear (format {FORMAT}) risk model")
    unknown = {spec.features for spec in config.labels.values()} - set(FEATURE_SETS)
    if unknown:
        raise ClassifierError(f"{config_file}: unknown feature sets {sorted(unknown)}")
    if config.lexical != LEXICAL_IDENTITY:
        raise ClassifierError(
            f"{config_file}: trained with lexical features {config.lexical!r}, but this version "
            f"computes {LEXICAL_IDENTITY!r}; retrain it with `track4tip model train`"
        )
    if config.needs_encoder and not config.encoder_identity:
        raise ClassifierError(f"{config_file}: reads embeddings but names no encoder identity")
    return config


# --- training ---------------------------------------------------------------------------------


def train_linear(
    inputs: Inputs,
    features_by_label: dict[str, str],
    name: str,
    encoder: tuple[str, str] | None = None,
    max_words: int = 0,
    seed: int = 0,
) -> tuple[LinearConfig, LexicalFeatures, dict[str, np.ndarray], dict[str, OutOfFold]]:
    """Fit every label on all its rows, with the features the model will use at run time
    (inverse document frequencies and the embedding standardiser fitted on every text).

    Calibration and threshold come from grouped out-of-fold logits of the same recipe; the
    nested comparison's figures (returned, per label) are what the card reports."""
    from nlp.classifier.comparison import CANDIDATES

    examples = inputs.examples
    lexical = LexicalFeatures.fit(inputs.counts)
    weights: dict[str, np.ndarray] = {}
    standardised = None
    if inputs.embeddings is not None:
        mean, scale = inputs.embeddings.mean(axis=0), inputs.embeddings.std(axis=0)
        scale[scale == 0] = 1.0
        weights["encoder.mean"], weights["encoder.scale"] = mean, scale
        standardised = (inputs.embeddings - mean) / scale
    weighted = lexical.weigh(inputs.counts)
    groups = np.asarray(near_duplicate_groups([example.text for example in examples]))
    strata = [(example.source, example.kind) for example in examples]
    folds = grouped_folds(groups.tolist(), strata, n_folds=5, seed=seed)
    labels: dict[str, LabelModel] = {}
    results: dict[str, OutOfFold] = {}
    for label, feature_set in features_by_label.items():
        rows, every = labelled_rows(examples, label)
        y = every[rows]
        results[label] = out_of_fold(CANDIDATES[feature_set](inputs), every, rows, folds, groups)
        features = _features(feature_set, weighted[rows], _rows_of(standardised, rows))
        model = _fitted(features, y)
        weights[f"{label}.coef"] = model.coef_.ravel().astype(np.float32)
        weights[f"{label}.intercept"] = model.intercept_.astype(np.float32)
        calibrator, threshold = _calibration(features, y, folds[rows])
        labels[label] = LabelModel(
            features=feature_set,
            calibration={"a": calibrator.a, "b": calibrator.b},
            threshold=threshold,
        )
    config = LinearConfig(
        name=name,
        labels=labels,
        lexical=LEXICAL_IDENTITY,
        encoder=encoder[0] if encoder else None,
        encoder_identity=encoder[1] if encoder else None,
        max_words=max_words,
        training={"seed": seed, "folds": 5, "regularisation": REGULARISATION},
    )
    return config, lexical, weights, results


def save_linear(
    folder: Path, config: LinearConfig, lexical: LexicalFeatures, weights: dict[str, np.ndarray]
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / LEXICAL_FILE, **lexical.arrays())
    np.savez_compressed(folder / WEIGHTS_FILE, **weights)
    (folder / CONFIG_FILE).write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return folder


def _rows_of(matrix: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if matrix is None else matrix[rows]


def _fitted(features: sparse.csr_matrix | np.ndarray, y: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(
        C=REGULARISATION, class_weight="balanced", max_iter=3000, solver="liblinear"
    )
    return model.fit(features, y)


def _calibration(
    features: sparse.csr_matrix | np.ndarray, y: np.ndarray, folds: np.ndarray
) -> tuple[PlattCalibrator, float]:
    logits = np.zeros(len(y))
    for fold in np.unique(folds):
        held_out = folds == fold
        logits[held_out] = _fitted(features[~held_out], y[~held_out]).decision_function(
            features[held_out]
        )
    calibrator = PlattCalibrator().fit(logits, y)
    return calibrator, best_f1_threshold(y, calibrator.apply(logits))
