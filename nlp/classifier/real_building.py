"""Building the shipped risk model from real data: compare the candidates, keep the best per
label, train it on everything, write the artifact with its comparison as the model card.

The data are the hand-labelled real items (labels/realdev/, texts in ../shared/data/realtext)
and EMSCAD's English job ads (../shared/data/emscad/train.csv). A candidate is chosen per label
by its mean out-of-fold PR-AUC over that label's real slices — EMSCAD and the realdev items —
and the lexical baseline wins ties, so nothing ships that does not beat it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.classifier.comparison import (
    BASELINE,
    CANDIDATES,
    Comparison,
    Inputs,
    compare,
    format_comparison,
)
from nlp.classifier.linear import LinearConfig, save_linear, train_linear
from nlp.classifier.realdev import REAL_LABELS, read_real_training_data

if TYPE_CHECKING:
    from nlp.classifier.building import Embedder

# The slices a label is chosen on: real data the model did not train on, out of fold.
SELECTION_SLICES = ("emscad/en", "real")
DEFAULT_NAME = "risk-real-linear"
METRICS_FILE = "metrics.json"
CARD_FILE = "README.md"


@dataclass(frozen=True)
class RealData:
    labels: Path
    realtext: Path
    emscad: Path | None


def real_inputs(data: RealData, embedder: Embedder | None, max_words: int) -> Inputs:
    """The examples with their hashed counts and, given an embedder, their embeddings.

    The data files are read and checked before the encoder loads."""
    examples = read_real_training_data(data.labels, data.realtext, data.emscad)
    embeddings = None
    if embedder is not None:
        embeddings = embedder.embed([example.text for example in examples], False, max_words)
    return Inputs.of(examples, embeddings)


def selection_score(comparison: Comparison, candidate: str, label: str) -> float:
    per_slice = comparison.table[candidate][label]
    figures = [
        per_slice[name].pr_auc
        for name in SELECTION_SLICES
        if name in per_slice and per_slice[name].pr_auc is not None
    ]
    return sum(figures) / len(figures) if figures else 0.0


def choose_features(
    comparison: Comparison, labels: tuple[str, ...] = REAL_LABELS
) -> dict[str, str]:
    """Per label the candidate with the best selection score; the baseline wins ties."""
    return {
        label: max(
            comparison.table,
            key=lambda name: (round(selection_score(comparison, name, label), 4), name == BASELINE),
        )
        for label in labels
    }


def build_real_model(
    data: RealData,
    output_dir: Path,
    embedder: Embedder | None,
    name: str = DEFAULT_NAME,
    max_words: int = 200,
    seed: int = 0,
) -> tuple[Path, Comparison, dict[str, str]]:
    """Compare, choose, train and write `output_dir/name`; returns the folder, the comparison
    and the features chosen per label."""
    inputs = real_inputs(data, embedder, max_words)
    candidates = tuple(CANDIDATES) if inputs.embeddings is not None else (BASELINE,)
    comparison = compare(inputs, candidates, seed=seed)
    chosen = choose_features(comparison)
    encoder = None
    if embedder is not None and any("encoder" in features for features in chosen.values()):
        encoder = (embedder.encoder.name, str(embedder.encoder.identity))
    config, lexical, weights, _ = train_linear(inputs, chosen, name, encoder, max_words, seed)
    folder = save_linear(output_dir / name, config, lexical, weights)
    write_card(folder, config, comparison, chosen, data)
    return folder, comparison, chosen


def write_card(
    folder: Path,
    config: LinearConfig,
    comparison: Comparison,
    chosen: dict[str, str],
    data: RealData,
) -> None:
    metrics = {
        candidate: {
            label: {slice_name: vars(scores) for slice_name, scores in per_label.items()}
            for label, per_label in per_candidate.items()
        }
        for candidate, per_candidate in comparison.table.items()
    }
    (folder / METRICS_FILE).write_text(
        json.dumps({"chosen": chosen, "out_of_fold": metrics}, indent=2) + "\n", encoding="utf-8"
    )
    lines = [
        f"# {config.name}",
        "",
        "Calibrated logistic regressions, one per label, each over the features that won the",
        "grouped, nested comparison on real data (`track4tip model compare`; the lexical",
        "baseline is shown beside every candidate). Built by `track4tip model train`.",
        "",
        "Training data: the hand-labelled real items of labels/realdev/ (texts read from",
        f"../shared/data/realtext; guideline in labels/realdev/GUIDELINE.md: {data.labels.name})",
        "and EMSCAD's English job ads (../shared/data/emscad/train.csv). No synthetic text.",
        "",
        "| label | features | threshold |",
        "|---|---|---|",
        *(
            f"| {label} | {spec.features} | {spec.threshold:.3f} |"
            for label, spec in config.labels.items()
        ),
        "",
        "Out-of-fold figures (five near-duplicate-grouped folds; calibration and threshold",
        "from an inner split of the training folds):",
        "",
        "```",
        format_comparison(comparison),
        "```",
        "",
        "Encoder: the embedding features are exact multilingual-e5-small vectors; torch",
        "float32 or bfloat16 and ONNX Runtime float32 give them (cosine > 0.9999; the default",
        "is torch, float32 where the CPU lacks native bfloat16).",
        "int8 encoders move them (cosine ~0.97-0.98) and are refused until retrained on them.",
        "",
        "Known limits: English real ads are few (lures quoted by the press); Papiamento and",
        "Antillean Dutch texts are absent; real social posts are absent. See the guideline.",
    ]
    (folder / CARD_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
