"""Scoring a language identifier against labelled texts: the quality gate's and bench's figures.

A labelled file is JSON Lines, one object per line: {"id": str, "language": str, "text": str}
and optionally "kind" ("single", "mixed", "ambiguous"). "und" as a label means a human could
not name one language either; the identifier is right there only when it also says "und".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from nlp.errors import LabelledDataError
from nlp.types import UNDETERMINED_LANGUAGE

Identify = Callable[[str], tuple[str, float]]


class LabelledText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    language: str
    text: str
    kind: str = "single"


def load_labelled_texts(path: Path) -> list[LabelledText]:
    """Every line of a JSONL file; a broken line raises LabelledDataError naming file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise LabelledDataError(f"{path}: cannot read labelled texts: {error}") from error
    samples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            samples.append(LabelledText.model_validate(json.loads(line)))
        except json.JSONDecodeError as error:
            raise LabelledDataError(f"{path}:{number}: not a labelled text: {error}") from error
        except ValidationError as error:
            first = error.errors()[0]
            field_name = ".".join(str(part) for part in first["loc"]) or "line"
            raise LabelledDataError(
                f"{path}:{number}: not a labelled text: {field_name}: {first['msg']}"
            ) from error
    if not samples:
        raise LabelledDataError(f"{path}: no labelled texts")
    return samples


@dataclass(frozen=True, slots=True)
class LanguageScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(slots=True)
class LanguageReport:
    """Accuracy over every text, F1 per language, and how often a known language got "und"."""

    accuracy: float
    macro_f1: float
    undetermined_rate: float
    texts_per_second: float
    per_language: dict[str, LanguageScores] = field(default_factory=dict)
    confusions: dict[tuple[str, str], int] = field(default_factory=dict)


def _scores(language: str, gold: Sequence[str], guessed: Sequence[str]) -> LanguageScores:
    true_positives = sum(1 for g, p in zip(gold, guessed, strict=True) if g == p == language)
    predicted = sum(1 for p in guessed if p == language)
    support = sum(1 for g in gold if g == language)
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / support if support else 0.0
    total = precision + recall
    return LanguageScores(
        precision, recall, 2 * precision * recall / total if total else 0.0, support
    )


def score_answers(gold: Sequence[str], guessed: Sequence[str], seconds: float) -> LanguageReport:
    """The report for `guessed` labels against `gold` ones, with the time they took."""
    languages = sorted(set(gold) - {UNDETERMINED_LANGUAGE})
    per_language = {language: _scores(language, gold, guessed) for language in languages}
    known = [p for g, p in zip(gold, guessed, strict=True) if g != UNDETERMINED_LANGUAGE]
    confusions: dict[tuple[str, str], int] = {}
    for g, p in zip(gold, guessed, strict=True):
        if g != p:
            confusions[(g, p)] = confusions.get((g, p), 0) + 1
    return LanguageReport(
        accuracy=sum(1 for g, p in zip(gold, guessed, strict=True) if g == p) / len(gold),
        macro_f1=sum(s.f1 for s in per_language.values()) / max(len(per_language), 1),
        undetermined_rate=sum(1 for p in known if p == UNDETERMINED_LANGUAGE) / max(len(known), 1),
        texts_per_second=len(gold) / seconds if seconds > 0 else float("inf"),
        per_language=per_language,
        confusions=confusions,
    )


def evaluate(identify: Identify, samples: Sequence[LabelledText]) -> LanguageReport:
    """Runs `identify` over the samples (timed) and scores its answers."""
    started = time.perf_counter()
    guessed = [identify(sample.text)[0] for sample in samples]
    seconds = time.perf_counter() - started
    return score_answers([sample.language for sample in samples], guessed, seconds)
