"""Candidate risk models compared on real data, each beside the lexical baseline, in one run.

Candidates (one logistic regression per label over their features):

- `lexical`: TF-IDF of hashed word 1-2 grams and character 3-5 grams (nlp/classifier/lexical.py)
  — the baseline of DESIGN.md §8;
- `encoder`: the frozen multilingual-e5-small passage embedding, standardised;
- `lexical+encoder`: both side by side (the embedding scaled to weigh like one TF-IDF block).

Evaluation is nested and grouped. Texts are grouped by near-duplication (nlp/classifier/
folds.py) and whole groups dealt to five outer folds. For each outer fold, the model is fitted
on the other four; its calibration (Platt) and decision threshold (best F1) come from an inner
three-fold split of those four, so neither has seen the fold it is scored on. Every figure is
out-of-fold: PR-AUC and ROC-AUC of the calibrated probabilities, and F1, precision and recall
at the inner threshold, per label and per slice (source kind and language).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from nlp.classifier.calibration import PlattCalibrator
from nlp.classifier.evaluation import pr_auc
from nlp.classifier.folds import grouped_folds, near_duplicate_groups
from nlp.classifier.labelled_data import LabelledExample
from nlp.classifier.lexical import HashedCounts, LexicalFeatures
from nlp.classifier.realdev import EMSCAD_SOURCE, REAL_LABELS
from nlp.errors import ClassifierError

OUTER_FOLDS = 5
INNER_FOLDS = 3
# Inverse regularisation of every candidate's logistic regression; balanced class weights.
REGULARISATION = 4.0
BASELINE = "lexical"
Features = Callable[[np.ndarray, np.ndarray], tuple[sparse.spmatrix | np.ndarray, ...]]


@dataclass(frozen=True)
class Inputs:
    """What every candidate may read, computed once: hashed counts and (optionally) vectors."""

    examples: Sequence[LabelledExample]
    counts: HashedCounts
    embeddings: np.ndarray | None = None

    @classmethod
    def of(
        cls, examples: Sequence[LabelledExample], embeddings: np.ndarray | None = None
    ) -> Inputs:
        return cls(examples, HashedCounts.of([example.text for example in examples]), embeddings)


def lexical_features(inputs: Inputs) -> Features:
    def build(train: np.ndarray, score: np.ndarray) -> tuple[sparse.csr_matrix, ...]:
        fitted = LexicalFeatures.fit(inputs.counts.rows(train))
        return fitted.weigh(inputs.counts.rows(train)), fitted.weigh(inputs.counts.rows(score))

    return build


def encoder_features(inputs: Inputs) -> Features:
    vectors = _require_embeddings(inputs)

    def build(train: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, ...]:
        mean, scale = _standardiser(vectors[train])
        return (vectors[train] - mean) / scale, (vectors[score] - mean) / scale

    return build


def combined_features(inputs: Inputs) -> Features:
    lexical, encoder = lexical_features(inputs), encoder_features(inputs)
    width = _require_embeddings(inputs).shape[1]

    def build(train: np.ndarray, score: np.ndarray) -> tuple[sparse.csr_matrix, ...]:
        lexical_train, lexical_score = lexical(train, score)
        encoder_train, encoder_score = encoder(train, score)
        # A standardised vector has norm ~sqrt(width); scaled so its norm is ~1, like a block.
        weight = 1 / np.sqrt(width)
        return (
            sparse.hstack([lexical_train, sparse.csr_matrix(encoder_train * weight)], "csr"),
            sparse.hstack([lexical_score, sparse.csr_matrix(encoder_score * weight)], "csr"),
        )

    return build


CANDIDATES: dict[str, Callable[[Inputs], Features]] = {
    "lexical": lexical_features,
    "encoder": encoder_features,
    "lexical+encoder": combined_features,
}


def _require_embeddings(inputs: Inputs) -> np.ndarray:
    if inputs.embeddings is None:
        raise ValueError("this candidate needs the encoder's embeddings")
    return inputs.embeddings


def _standardiser(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def _logits(features: Features, train: np.ndarray, score: np.ndarray, y: np.ndarray) -> np.ndarray:
    if len(np.unique(y)) < 2:
        # Near-duplicates share a fold, so a label with few distinct examples of one class can
        # leave a fold without it; say so instead of scikit-learn's puzzling class-count error.
        raise ClassifierError(
            f"a training fold of {len(y)} rows holds one class only: the label needs more "
            "distinct (not near-duplicate) examples of each class"
        )
    train_x, score_x = features(train, score)
    model = LogisticRegression(
        C=REGULARISATION, class_weight="balanced", max_iter=3000, solver="liblinear"
    )
    model.fit(train_x, y)
    return model.decision_function(score_x)


def best_f1_threshold(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The probability cut with the best F1 (ties: the higher cut)."""
    best, best_f1 = 0.5, -1.0
    for cut in np.unique(np.round(probabilities, 4)):
        predicted = probabilities >= cut
        tp = float(np.sum(predicted & (labels == 1)))
        f1 = 2 * tp / (np.sum(predicted) + np.sum(labels == 1)) if tp else 0.0
        if f1 >= best_f1:
            best, best_f1 = float(cut), f1
    return best


@dataclass
class OutOfFold:
    """Out-of-fold calibrated probabilities and decisions of one candidate for one label."""

    rows: np.ndarray
    probabilities: np.ndarray
    decisions: np.ndarray


def out_of_fold(
    features: Features, labels: np.ndarray, rows: np.ndarray, folds: np.ndarray, groups: np.ndarray
) -> OutOfFold:
    """Nested grouped cross-validation of `features` on the labelled `rows`."""
    probabilities = np.zeros(len(rows))
    decisions = np.zeros(len(rows), dtype=bool)
    for fold in np.unique(folds[rows]):
        held_out = folds[rows] == fold
        train, score = rows[~held_out], rows[held_out]
        calibrator, threshold = _inner_calibration(features, labels, train, groups)
        raw = _logits(features, train, score, labels[train])
        probabilities[held_out] = calibrator.apply(raw)
        decisions[held_out] = probabilities[held_out] >= threshold
    return OutOfFold(rows, probabilities, decisions)


def _inner_calibration(
    features: Features, labels: np.ndarray, train: np.ndarray, groups: np.ndarray
) -> tuple[PlattCalibrator, float]:
    inner = grouped_folds(groups[train].tolist(), labels[train].tolist(), n_folds=INNER_FOLDS)
    logits = np.zeros(len(train))
    for fold in range(INNER_FOLDS):
        part = inner == fold
        if part.all() or not part.any():
            continue
        logits[part] = _logits(features, train[~part], train[part], labels[train[~part]])
    calibrator = PlattCalibrator().fit(logits, labels[train])
    return calibrator, best_f1_threshold(labels[train], calibrator.apply(logits))


@dataclass(frozen=True)
class Scores:
    n: int
    positives: int
    pr_auc: float | None
    roc_auc: float | None
    f1: float
    precision: float
    recall: float


def scores(labels: np.ndarray, probabilities: np.ndarray, decisions: np.ndarray) -> Scores:
    positives = int(labels.sum())
    both = len(set(labels.tolist())) == 2
    tp = float(np.sum(decisions & (labels == 1)))
    precision = tp / max(1, int(decisions.sum()))
    recall = tp / max(1, positives)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return Scores(
        n=len(labels),
        positives=positives,
        pr_auc=pr_auc(labels, probabilities) if both else None,
        roc_auc=float(roc_auc_score(labels, probabilities)) if both else None,
        f1=round(f1, 4),
        precision=round(precision, 4),
        recall=round(recall, 4),
    )


def slice_names(example: LabelledExample) -> list[str]:
    """`all`, the source kind (`emscad`, `real ads`, `real texts`), and kind/language."""
    if example.source == EMSCAD_SOURCE:
        return ["all", "emscad/en"]
    kind = "real ads" if example.kind == "ad" else "real texts"
    return ["all", "real", kind, f"{kind}/{example.language}"]


@dataclass
class Comparison:
    """Per candidate, label and slice: the out-of-fold scores (and, per candidate and label,
    the out-of-fold predictions they were computed from)."""

    table: dict[str, dict[str, dict[str, Scores]]] = field(default_factory=dict)
    predictions: dict[str, dict[str, OutOfFold]] = field(default_factory=dict)

    def best(self, label: str, slice_name: str = "real") -> str:
        """The candidate with the best PR-AUC on the slice (the baseline wins ties)."""
        figures = {
            name: per_label[label][slice_name].pr_auc or 0.0
            for name, per_label in self.table.items()
            if slice_name in per_label.get(label, {})
        }
        return max(figures, key=lambda name: (figures[name], name == BASELINE))


def labelled_rows(examples: Sequence[LabelledExample], label: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows that carry `label`, and a 0/1 vector over all rows (0 where unlabelled)."""
    rows = np.array([i for i, ex in enumerate(examples) if ex.labels.get(label) is not None])
    y = np.zeros(len(examples), dtype=int)
    y[rows] = [examples[i].labels[label] for i in rows]
    return rows, y


def compare(
    inputs: Inputs,
    candidates: Sequence[str] = tuple(CANDIDATES),
    labels: Sequence[str] = REAL_LABELS,
    seed: int = 0,
) -> Comparison:
    examples = inputs.examples
    groups = np.asarray(near_duplicate_groups([example.text for example in examples]))
    strata = [(example.source, example.kind) for example in examples]
    folds = grouped_folds(groups.tolist(), strata, n_folds=OUTER_FOLDS, seed=seed)
    comparison = Comparison()
    for name in candidates:
        features = CANDIDATES[name](inputs)
        comparison.table[name] = {}
        comparison.predictions[name] = {}
        for label in labels:
            rows, y = labelled_rows(examples, label)
            result = out_of_fold(features, y, rows, folds, groups)
            comparison.table[name][label] = _sliced(examples, y, result)
            comparison.predictions[name][label] = result
    return comparison


def _sliced(
    examples: Sequence[LabelledExample], labels: np.ndarray, result: OutOfFold
) -> dict[str, Scores]:
    members: dict[str, list[int]] = {}
    for position, row in enumerate(result.rows):
        for name in slice_names(examples[row]):
            members.setdefault(name, []).append(position)
    return {
        name: scores(
            labels[result.rows][positions],
            result.probabilities[positions],
            result.decisions[positions],
        )
        for name, positions in sorted(members.items())
    }


def format_comparison(comparison: Comparison) -> str:
    """One table per label: a row per slice and candidate; PR-AUC, ROC-AUC, F1, P, R."""
    lines = []
    names = list(comparison.table)
    labels = list(next(iter(comparison.table.values()), {}))
    for label in labels:
        lines.append(f"{label} (out-of-fold, grouped, nested calibration and threshold)")
        lines.append(
            f"  {'slice':<20} {'candidate':<16} {'n':>5} {'pos':>5} "
            f"{'PR-AUC':>7} {'ROC-AUC':>7} {'F1':>6} {'P':>6} {'R':>6}"
        )
        slices = sorted(comparison.table[names[0]][label])
        for slice_name in slices:
            for name in names:
                figures = comparison.table[name][label].get(slice_name)
                if figures is None:
                    continue
                lines.append(
                    f"  {slice_name:<20} {name:<16} {figures.n:>5} {figures.positives:>5} "
                    f"{_figure(figures.pr_auc):>7} {_figure(figures.roc_auc):>7} "
                    f"{figures.f1:>6.3f} {figures.precision:>6.3f} {figures.recall:>6.3f}"
                )
        lines.append(f"  best on real data by PR-AUC: {comparison.best(label)}")
        lines.append("")
    return "\n".join(lines)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
