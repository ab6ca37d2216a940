"""Writing a trained risk model to its folder, models/<name>/.

    config.json          labels, encoder and its identity, head shape, thresholds, training
    head.safetensors     the head's weights (a few hundred KB: committed)
    calibration.json     one calibrator per label
    metrics.json         grouped-fold validation: per label, language and source; calibration
    data_manifest.json   SHA-256, rows and label counts of each training file; seed; groups
    README.md            the model card (nlp/classifier/card.py)

Files are written to a temporary folder and swapped in, so a failed run leaves the old model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safetensors.torch import save_file

from nlp.classifier.card import render_model_card
from nlp.classifier.evaluation import report_as_dict
from nlp.classifier.labelled_data import LABELS, LabelledExample
from nlp.classifier.scoring import CALIBRATION_FILE, CONFIG_FILE, WEIGHTS_FILE, ModelConfig
from nlp.classifier.training import TrainingResult


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def data_manifest(
    files: Sequence[Path], examples: Sequence[LabelledExample], seed: int, n_folds: int
) -> dict[str, Any]:
    entries = []
    for path in files:
        source = f"{path.parent.name}/{path.stem}"
        rows = [example for example in examples if example.source == source]
        entries.append(
            {
                "path": _shown_path(path),
                "source": source,
                "sha256": file_sha256(path),
                "rows": len(rows),
                "positives": {
                    label: sum(example.labels.get(label) == 1 for example in rows)
                    for label in LABELS
                },
                "labelled": {
                    label: sum(example.labels.get(label) is not None for example in rows)
                    for label in LABELS
                },
                "languages": dict(Counter(example.language for example in rows).most_common()),
                "label_sources": dict(
                    Counter(example.extra.get("label_source") or "given" for example in rows)
                ),
            }
        )
    return {"seed": seed, "folds": n_folds, "files": entries}


def write_artifact(
    folder: Path,
    config: ModelConfig,
    result: TrainingResult,
    manifest: dict[str, Any],
    extra_metrics: dict[str, Any] | None = None,
) -> Path:
    staging = folder.with_name(f".{folder.name}.writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_file(
        {key: value.contiguous() for key, value in result.head.state_dict().items()},
        str(staging / WEIGHTS_FILE),
    )
    _write_json(staging / CONFIG_FILE, config.model_dump(mode="json"))
    _write_json(
        staging / CALIBRATION_FILE,
        {label: calibrator.to_dict() for label, calibrator in result.calibrators.items()},
    )
    metrics = {
        "validation": report_as_dict(result.validation),
        "thresholds": result.thresholds,
        "calibration": result.calibration_table,
        "near_duplicate_groups": {
            source: summary.as_dict() for source, summary in result.groups.items()
        },
        **(extra_metrics or {}),
    }
    _write_json(staging / "metrics.json", metrics)
    manifest = {**manifest, "near_duplicate_groups": metrics["near_duplicate_groups"]}
    _write_json(staging / "data_manifest.json", manifest)
    (staging / "README.md").write_text(
        render_model_card(config, metrics, manifest), encoding="utf-8"
    )
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)
    return folder


def _shown_path(path: Path) -> str:
    """Relative to the working directory where possible, so manifests hold no machine paths."""
    try:
        return os.path.relpath(path.resolve())
    except ValueError:  # another drive (Windows)
        return str(path)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
