"""The encoder on ONNX Runtime, and the names that keep cached vectors of variants apart.

The export runs once per module into a temporary model cache (~20 s for float32, ~15 s more
for int8 on two idle cores), from the same rebuilt checkpoint as the `encoder` fixture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.config import NlpSettings
from nlp.encoder.model import Encoder, Windowing
from nlp.errors import EncoderError

# Lengths from a few tokens to several windows, so batches pad and long texts are windowed.
TEXTS = [
    "Se busca cocinera.",
    "Precisa-se de garçonete para restaurante em Manaus, salário fixo e moradia incluída.",
    "Hiring waitresses to work abroad, travel paid, no experience needed. " * 40,
    "Gezocht: schoonmaker voor een hotel in Willemstad, goed salaris en kost en inwoning.",
]


@pytest.fixture(scope="module")
def torch_encoder(encoder) -> Encoder:
    """The same checkpoint on torch float32, the reference the ONNX variants are held to."""
    return Encoder.load(
        NlpSettings(
            encoder=encoder.model.name_or_path, encoder_runtime="torch", encoder_precision="float32"
        )
    )


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


def _onnx(encoder: Encoder, cache_dir: Path, precision: str) -> Encoder:
    return Encoder.load(
        NlpSettings(
            encoder=encoder.model.name_or_path,
            model_cache_dir=cache_dir,
            encoder_runtime="onnx",
            encoder_precision=precision,
        )
    )


def test_onnx_float32_gives_the_torch_vectors_and_shares_their_cache(torch_encoder, cache_dir):
    encoder = torch_encoder
    onnx = _onnx(encoder, cache_dir, "float32")
    cosines = np.sum(onnx.embed_passages(TEXTS) * encoder.embed_passages(TEXTS), axis=1)
    assert cosines.min() > 0.9999
    assert onnx.identity == encoder.identity  # a head trained on torch vectors accepts it
    assert onnx.cache_identity == encoder.cache_identity  # and its cached vectors are valid
    assert onnx.variant == "onnx-float32"


def test_onnx_int8_stays_close_but_is_named_apart(torch_encoder, cache_dir):
    encoder = torch_encoder
    onnx = _onnx(encoder, cache_dir, "int8")
    cosines = np.sum(onnx.embed_passages(TEXTS) * encoder.embed_passages(TEXTS), axis=1)
    assert cosines.min() > 0.95
    assert onnx.identity.endswith("+int8")
    torch_int8 = f"{encoder.identity}+int8"
    assert onnx.cache_identity not in (encoder.cache_identity, torch_int8)


def test_the_export_is_made_once_and_leaves_no_staging_files(torch_encoder, cache_dir):
    encoder = torch_encoder
    _onnx(encoder, cache_dir, "float32")
    files = sorted((cache_dir / "onnx").rglob("*"))
    exported = [path for path in files if path.suffix == ".onnx"]
    assert exported, files
    assert not [path for path in files if path.name.startswith(".")]
    stamps = {path: path.stat().st_mtime_ns for path in exported}
    from nlp.encoder.onnx_runtime import load_onnx_model

    load_onnx_model(encoder.model, exported[0].parent.parent, "int8")
    assert {path: path.stat().st_mtime_ns for path in exported} == stamps


def test_onnx_refuses_bfloat16(encoder, cache_dir):
    with pytest.raises(EncoderError, match="float32 or int8"):
        _onnx(encoder, cache_dir, "bfloat16")


def test_a_window_plan_other_than_the_default_gets_its_own_cache_name(torch_encoder):
    encoder = torch_encoder
    short = Encoder(
        encoder.model,
        encoder.tokenizer,
        name=encoder.name,
        identity=encoder.identity,
        windowing=Windowing(max_tokens=128, overlap=16, max_windows=1),
    )
    assert short.cache_identity != encoder.cache_identity
    assert short.cache_identity.endswith("w128-16-1")
    # Exact vectors at the default windows keep the name caches had before variants.
    assert encoder.cache_identity == encoder.identity
