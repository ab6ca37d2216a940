"""The risk classifier: a small head over frozen encoder embeddings, with calibrated outputs.

Labels: "recruitment_fraud" and "trafficking_risk", predicted together (multi-label, one
sigmoid each). The head is a `transformers`-style classification head — dropout, then a dense
layer with GELU and dropout, then one linear output per label — over the mean-pooled
multilingual-e5-small passage embedding (nlp/encoder/model.py). Each label's logit goes through
that label's calibrator (nlp/classifier/calibration.py), so a probability of 0.8 is right about 80%
of the time on data like the validation folds.

An artifact folder (models/<name>/, written by nlp/classifier/training.py) holds config.json, the
head weights (head.safetensors) and calibration.json. `RiskClassifier.load(folder, encoder)` reads
it; `predict_embeddings` lets a caller that already embedded a document reuse the vectors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, ValidationError
from safetensors.torch import load_file

from nlp.classifier.calibration import Calibrator, calibrator_from_dict
from nlp.classifier.labelled_data import LABELS
from nlp.classifier.text_preparation import prepare_for_classifier
from nlp.errors import ClassifierError
from nlp.types import ClassifierScores

if TYPE_CHECKING:
    from nlp.encoder.model import Encoder

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "head.safetensors"
CALIBRATION_FILE = "calibration.json"
ARTIFACT_FORMAT = 1


class ModelConfig(BaseModel):
    """What a trained head needs to be used again, as written to config.json."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: int = ARTIFACT_FORMAT
    name: str
    labels: tuple[str, ...] = LABELS
    encoder: str
    encoder_identity: str
    embedding_dim: int
    hidden: int
    dropout: float
    normalise_input: bool
    max_words: int = 0
    thresholds: dict[str, float]
    calibration: dict[str, str] = {}
    training: dict[str, Any] = {}


class RiskHead(torch.nn.Module):
    """Dropout → dense + GELU → dropout → one logit per label (no hidden layer when hidden=0)."""

    def __init__(self, dim: int, labels: int, hidden: int, dropout: float) -> None:
        super().__init__()
        layers: list[torch.nn.Module] = [torch.nn.Dropout(dropout)]
        if hidden:
            layers += [torch.nn.Linear(dim, hidden), torch.nn.GELU(), torch.nn.Dropout(dropout)]
        layers.append(torch.nn.Linear(hidden or dim, labels))
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.layers(embeddings)


def head_logits(head: RiskHead, embeddings: np.ndarray) -> np.ndarray:
    """Raw scores, one column per label, with dropout off."""
    head.eval()
    with torch.no_grad():
        return head(torch.from_numpy(np.asarray(embeddings, dtype=np.float32))).numpy()


class RiskClassifier:
    """Calibrated recruitment-fraud and trafficking-risk probabilities for texts."""

    def __init__(
        self,
        config: ModelConfig,
        head: RiskHead,
        calibrators: dict[str, Calibrator],
        encoder: Encoder | None = None,
    ) -> None:
        self.config = config
        self.head = head
        self.calibrators = calibrators
        self.encoder = encoder

    @classmethod
    def load(cls, path: Path, encoder: Encoder | None = None) -> RiskClassifier:
        """Read an artifact folder; `encoder` is needed only for `predict` on raw texts."""
        config = _read_config(path)
        head = RiskHead(config.embedding_dim, len(config.labels), config.hidden, config.dropout)
        try:
            head.load_state_dict(load_file(path / WEIGHTS_FILE))
            raw = json.loads((path / CALIBRATION_FILE).read_text(encoding="utf-8"))
            calibrators = {label: calibrator_from_dict(raw[label]) for label in config.labels}
        except (OSError, RuntimeError, ValueError, KeyError) as error:
            raise ClassifierError(f"{path}: broken model artifact ({error})") from error
        classifier = cls(config, head, calibrators)
        if encoder is not None:
            classifier.check_encoder(encoder)
        return classifier

    def check_encoder(self, encoder: Encoder) -> None:
        """Use `encoder` from now on; it must be the one the head was trained on."""
        identity = encoder_identity(encoder)
        if identity != self.config.encoder_identity:
            raise ClassifierError(
                f"model {self.config.name} was trained on encoder "
                f"{self.config.encoder_identity}, but the encoder given is {identity}; "
                "retrain it with `track4tip model train`"
            )
        self.encoder = encoder

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.config.thresholds)

    def predict(self, texts: Sequence[str]) -> list[ClassifierScores]:
        if self.encoder is None:
            raise ClassifierError("this classifier was loaded without an encoder")
        prepared = [
            prepare_for_classifier(text, self.config.normalise_input, self.config.max_words)
            for text in texts
        ]
        return self.predict_embeddings(self.encoder.embed_passages(prepared))

    def predict_embeddings(self, embeddings: np.ndarray) -> list[ClassifierScores]:
        """Scores for passage embeddings the caller computed (one row per document)."""
        probabilities = self.probabilities(embeddings)
        return [
            ClassifierScores(
                model=self.config.name,
                probabilities={
                    label: round(float(value), 4)
                    for label, value in zip(self.config.labels, row, strict=True)
                },
            )
            for row in probabilities
        ]

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = head_logits(self.head, embeddings)
        return np.stack(
            [
                self.calibrators[label].apply(logits[:, column])
                for column, label in enumerate(self.config.labels)
            ],
            axis=1,
        )


def _read_config(path: Path) -> ModelConfig:
    config_file = path / CONFIG_FILE
    if not config_file.is_file():
        raise ClassifierError(
            f"{path}: not a model folder (no {CONFIG_FILE}); train one with `track4tip model train`"
        )
    try:
        config = ModelConfig.model_validate_json(config_file.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise ClassifierError(f"{config_file}: invalid model config ({error})") from error
    if config.format != ARTIFACT_FORMAT:
        raise ClassifierError(
            f"{config_file}: artifact format {config.format}, expected "
            f"{ARTIFACT_FORMAT}; retrain with `track4tip model train`"
        )
    return config


def encoder_identity(encoder: Encoder) -> str:
    """A short name of the encoder's exact weights, so vectors of different ones never mix."""
    return str(encoder.identity)
