"""`track4tip model train` and `track4tip model evaluate` as a user runs them (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "risk-real-linear"


def track4tip(*arguments: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "track4tip", *arguments],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_evaluate_names_the_broken_line_of_a_data_file(tmp_path: Path) -> None:
    data = tmp_path / "ads.jsonl"
    data.write_text('{"text": "ok", "recruitment_fraud": 0}\n{"text": "x", "recruitment_fraud"\n')
    result = track4tip("model", "evaluate", "--model", str(MODEL), str(data))
    assert result.returncode == 2
    assert "ads.jsonl:2: not JSON" in result.stdout + result.stderr


def test_evaluate_refuses_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    data = tmp_path / "ads.csv"
    data.write_text("text,fraudulent\nsome honest job,0\n")
    result = track4tip("model", "evaluate", "--model", str(tmp_path), str(data))
    assert result.returncode == 2
    assert "not a model folder" in result.stdout + result.stderr


def test_train_names_the_broken_line_of_a_label_file_before_any_model_loads(
    tmp_path: Path,
) -> None:
    labels = tmp_path / "labels.jsonl"
    good = (ROOT / "labels" / "realdev" / "labels.jsonl").read_text().splitlines()[0]
    labels.write_text(good + "\n" + good.replace('"trafficking_topic": 0', '"topic": 0') + "\n")
    result = track4tip("model", "train", "--labels", str(labels), "--output", str(tmp_path))
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "labels.jsonl:2: missing ['trafficking_topic']; unknown ['topic']" in output
    assert "Traceback" not in output
    assert not any(tmp_path.glob("risk-*"))


def test_train_head_names_the_broken_row_of_a_data_file(tmp_path: Path) -> None:
    data = tmp_path / "mine.csv"
    data.write_text("text,recruitment_fraud\nfine,1\nbad,maybe\n")
    result = track4tip("model", "train-head", "--data", str(data), "--output", str(tmp_path))
    assert result.returncode == 2
    assert "mine.csv:3: column 'recruitment_fraud': label 'maybe' is not 0 or 1" in (
        result.stdout + result.stderr
    )
    assert not (tmp_path / "risk-e5-small").exists()


def test_evaluate_scores_a_labelled_file_with_the_built_model(tmp_path: Path) -> None:
    rows = [
        (
            "Se buscan señoritas de 18 a 24 años para bailarinas en Aruba, pasaje pagado, "
            "el pasaporte queda con la empresa. Solo WhatsApp.",
            1,
            1,
        ),
        (
            "Hospital de Quito requiere enfermera con licencia y dos años de experiencia; "
            "contrato indefinido y seguro social. Postule en línea.",
            0,
            0,
        ),
        ("Gana 500 dólares diarios desde casa, paga solo 40 dólares de inscripción.", 1, 0),
        ("Vacature: kok gezocht in Willemstad, vast contract, solliciteer via onze website.", 0, 0),
    ]
    data = tmp_path / "mixed.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {
                    "text": text,
                    "language": "xx",
                    "recruitment_fraud": fraud,
                    "trafficking_risk": risk,
                }
            )
            + "\n"
            for text, fraud, risk in rows
        )
    )
    result = track4tip("model", "evaluate", "--model", str(MODEL), str(data), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ("recruitment_fraud", "trafficking_risk", "language:xx", "PR-AUC", "R@5%"):
        assert expected in result.stdout
