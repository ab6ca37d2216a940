"""The shipped model's format (nlp.classifier.linear): a lexical model trained on synthetic
smoke text round-trips through its folder, and folders of another make are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.classifier.comparison import Inputs
from nlp.classifier.labelled_data import LabelledExample
from nlp.classifier.linear import LinearRiskModel, is_linear_artifact, save_linear, train_linear
from nlp.errors import ClassifierError

RISKY = "Se buscan chicas para bailar en el exterior, pasaje pagado, sin experiencia"
ORDINARY = "Empresa contrata contador con título y experiencia, contrato indefinido"
# Distinct synthetic rows: near-duplicates share a fold, so variants of one sentence would not do.
RISKY_ROWS = [
    "Viaja a Aruba como modelo, te pagamos el pasaje y la casa",
    "Chicas jóvenes para bar en Panamá, el pasaporte lo guarda la agencia",
    "Trabajo de masajista en Curazao, vuelo incluido, solo por WhatsApp",
    "Señoritas para acompañar clientes en Lima, ganancias diarias altas",
    "Oferta en el extranjero para bailarinas, sin papeles ni experiencia",
    "Meseras para Trinidad, la deuda del viaje se descuenta del sueldo",
    "Buscamos damitas para eventos privados fuera del país, hospedaje gratis",
    "Empleo en Brasil para mujeres solteras, el patrón paga todo el viaje",
    "Promotoras para discoteca en Santo Domingo, pago en efectivo sin contrato",
    "Anfitrionas en el Caribe, menores de 25, enviar fotos de cuerpo entero",
]
ORDINARY_ROWS = [
    "Hospital de Quito requiere enfermera con licencia profesional vigente",
    "Se necesita contador público titulado para firma de auditoría en Bogotá",
    "Programador Java con tres años de experiencia, trabajo híbrido",
    "Docente de matemáticas para colegio, contrato a término fijo",
    "Auxiliar de bodega con licencia de conducción, turnos rotativos",
    "Ingeniero civil residente de obra, afiliación a seguridad social",
    "Vendedor de seguros con comisiones, capacitación en la oficina central",
    "Recepcionista bilingüe para hotel, horario de lunes a viernes",
    "Técnico electricista certificado para mantenimiento industrial",
    "Analista de datos con SQL y Python, postule en nuestra página",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    examples = [
        LabelledExample(
            id=f"{risky}-{n}",
            text=text,
            language="es",
            labels={"trafficking_risk": risky},
            source="smoke",
            kind="ad",
        )
        for rows, risky in ((RISKY_ROWS, 1), (ORDINARY_ROWS, 0))
        for n, text in enumerate(rows)
    ]
    config, lexical, weights, _ = train_linear(
        Inputs.of(examples), {"trafficking_risk": "lexical"}, "smoke-linear"
    )
    return save_linear(tmp_path_factory.mktemp("model") / "smoke-linear", config, lexical, weights)


def _copy(folder: Path, target: Path, **changes: object) -> Path:
    target.mkdir()
    for file in folder.iterdir():
        (target / file.name).write_bytes(file.read_bytes())
    config = json.loads((target / "config.json").read_text())
    (target / "config.json").write_text(json.dumps({**config, **changes}))
    return target


def test_a_saved_model_loads_and_tells_risky_from_ordinary(folder: Path) -> None:
    assert is_linear_artifact(folder)
    model = LinearRiskModel.load(folder)
    risky, ordinary = model.predict([RISKY, ORDINARY])
    assert risky.model == "smoke-linear"
    assert risky.probabilities["trafficking_risk"] > ordinary.probabilities["trafficking_risk"]
    assert set(model.thresholds) == {"trafficking_risk"}


def test_a_folder_with_other_lexical_features_is_refused(folder: Path, tmp_path: Path) -> None:
    other = _copy(folder, tmp_path / "other", lexical="word1-3:1024|v0")
    with pytest.raises(ClassifierError, match="trained with lexical features 'word1-3:1024"):
        LinearRiskModel.load(other)


def test_an_unknown_feature_set_is_refused(folder: Path, tmp_path: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    labels = {"trafficking_risk": {**config["labels"]["trafficking_risk"], "features": "bert"}}
    with pytest.raises(ClassifierError, match=r"unknown feature sets \['bert'\]"):
        LinearRiskModel.load(_copy(folder, tmp_path / "bert", labels=labels))


def test_a_feature_set_its_weights_do_not_fit_is_refused(folder: Path, tmp_path: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    labels = {"trafficking_risk": {**config["labels"]["trafficking_risk"], "features": "encoder"}}
    other = _copy(folder, tmp_path / "enc", labels=labels, encoder_identity="e5@x:1")
    with pytest.raises(ClassifierError, match="no embedding standardiser"):
        LinearRiskModel.load(other)


def test_weights_of_another_width_are_refused(folder: Path, tmp_path: Path) -> None:
    other = _copy(folder, tmp_path / "narrow")
    weights = dict(np.load(other / "weights.npz"))
    weights["trafficking_risk.coef"] = weights["trafficking_risk.coef"][:100]
    np.savez(other / "weights.npz", **weights)
    with pytest.raises(ClassifierError, match="has 100 coefficients"):
        LinearRiskModel.load(other)


def test_a_label_with_one_distinct_example_per_class_is_a_clear_error() -> None:
    examples = [
        LabelledExample(f"{n}", text, "es", {"trafficking_risk": int(text == RISKY)}, "smoke")
        for n, text in enumerate([RISKY, ORDINARY] * 6)
    ]
    with pytest.raises(ClassifierError, match="holds one class only"):
        train_linear(Inputs.of(examples), {"trafficking_risk": "lexical"}, "dupes")


def test_a_model_trained_on_another_encoder_is_refused(folder: Path) -> None:
    model = LinearRiskModel.load(folder)
    model.config = model.config.model_copy(update={"encoder_identity": "e5@older:1"})

    class OtherEncoder:
        identity = "e5@newer:2"

    with pytest.raises(ClassifierError, match="was trained on encoder e5@older:1"):
        model.check_encoder(OtherEncoder())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda path: (path / "config.json").unlink(), "not a model folder"),
        (lambda path: (path / "config.json").write_text('{"format": 2'), "invalid model config"),
        (lambda path: (path / "lexical.npz").write_bytes(b"junk"), "broken model artifact"),
    ],
)
def test_a_broken_folder_is_a_clear_error(
    folder: Path, tmp_path: Path, break_it: object, message: str
) -> None:
    broken = _copy(folder, tmp_path / "broken")
    break_it(broken)  # type: ignore[operator]
    with pytest.raises(ClassifierError, match=message):
        LinearRiskModel.load(broken)
