"""The multilingual text encoder: multilingual-e5-small embeddings of passages and queries.

    encoder = Encoder.load(settings)            # once per process; later calls reuse it
    vectors = encoder.embed_passages(texts)     # (n, 384) float32, L2-normalised

e5 expects a "passage: " or "query: " prefix and mean-pools the last hidden states over the
tokens. A text longer than one window (`encoder_max_tokens`, 512) is cut into overlapping
windows, each with the prefix and special tokens; the text's embedding is the mean of its
windows' pooled vectors weighted by the text tokens each window holds, then L2-normalised, so
a short last window counts for little. At most `encoder_max_windows` windows are read, which
also bounds the work a huge page causes (it is cut, in characters, before tokenising).

Windows of every text in a call are sorted by length and batched, so a batch pads little.

The model runs on torch (float32, bfloat16, dynamic int8) or on ONNX Runtime (float32, int8;
nlp/encoder/onnx_runtime.py). `Encoder.cache_identity` names the weights and every choice that
changes the vectors (runtime, precision, windows), so cached embeddings of one variant are
never read for another.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from tokenizers import Tokenizer

from nlp.config import NlpSettings
from nlp.encoder.checkpoint import checkpoint_identity, resolve_checkpoint
from nlp.errors import EncoderError

if TYPE_CHECKING:
    from nlp.encoder.onnx_runtime import OnnxEncoderModel

PASSAGE_PREFIX = "passage: "
QUERY_PREFIX = "query: "
# No piece of XLM-R's vocabulary is longer than this in characters, so this many characters
# per token always suffice to fill the windows that will be read.
_MAX_CHARACTERS_PER_TOKEN = 16

_loaded: dict[tuple[Any, ...], Encoder] = {}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Windowing:
    """How texts are cut into model inputs."""

    max_tokens: int = 512
    overlap: int = 64
    max_windows: int = 8

    def __post_init__(self) -> None:
        if not 0 <= self.overlap < self.max_tokens // 2:
            raise EncoderError(
                f"window overlap {self.overlap} must be below half the window "
                f"({self.max_tokens} tokens)"
            )


class Encoder:
    """Embeds texts with a transformers encoder; see the module docstring for the method."""

    def __init__(
        self,
        model: torch.nn.Module | OnnxEncoderModel,
        tokenizer: Tokenizer,
        *,
        name: str,
        identity: str | None = None,
        windowing: Windowing | None = None,
        batch_size: int = 16,
        variant: str = "torch-float32",
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        # Names the exact weights (and int8 quantisation), for artifacts trained on the vectors.
        self.identity = identity or name
        self.windowing = windowing or Windowing()
        self.batch_size = batch_size
        # runtime-precision; bfloat16 and float32 torch share a name (cosine > 0.9999).
        self.variant = variant
        self.dimension = int(model.config.hidden_size)
        self.pad_id = int(model.config.pad_token_id or 0)
        self._bos, self._eos = _special_ids(tokenizer)

    @classmethod
    def load(cls, settings: NlpSettings) -> Encoder:
        """The encoder the settings describe, built once per process and then reused."""
        key = (
            settings.encoder,
            settings.model_cache_dir,
            settings.encoder_threads,
            settings.encoder_runtime,
            settings.encoder_precision,
            settings.encoder_max_tokens,
            settings.encoder_window_overlap,
            settings.encoder_max_windows,
            settings.encoder_batch_size,
        )
        if key not in _loaded:
            started = time.perf_counter()
            _loaded[key] = cls._build(settings)
            logger.debug(
                "loaded encoder %s (%s) in %.1f s",
                _loaded[key].identity,
                _loaded[key].variant,
                time.perf_counter() - started,
            )
        return _loaded[key]

    @classmethod
    def _build(cls, settings: NlpSettings) -> Encoder:
        if settings.encoder_threads:
            torch.set_num_threads(settings.encoder_threads)
        source = resolve_checkpoint(settings)
        precision = resolve_precision(settings.encoder_precision)
        runtime = settings.encoder_runtime
        if runtime == "onnx" and precision == "bfloat16":
            raise EncoderError("the ONNX runtime runs the encoder in float32 or int8")
        if runtime == "onnx":
            runner, identity = _onnx_runner(source, settings, precision)
        else:
            runner = _load_model(
                source, torch.bfloat16 if precision == "bfloat16" else torch.float32
            )
            identity = checkpoint_identity(source, getattr(runner.config, "_commit_hash", None))
            if precision == "int8":
                runner = quantise_linear_layers(runner)
        if precision == "int8":
            # int8 vectors move (cosine ~0.97-0.98): heads trained on exact ones refuse them.
            identity += "+int8"
        windowing = Windowing(
            settings.encoder_max_tokens,
            settings.encoder_window_overlap,
            settings.encoder_max_windows,
        )
        return cls(
            runner,
            _load_tokenizer(source),
            name=settings.encoder,
            identity=identity,
            windowing=windowing,
            batch_size=settings.encoder_batch_size,
            variant=f"{runtime}-{precision}",
        )

    @property
    def cache_identity(self) -> str:
        """The weights' identity plus every choice that changes the vectors.

        The exact variants — torch float32 and bfloat16, ONNX float32 — agree to cosine
        > 0.9999 (tests/nlp/test_encoder*.py) and share the bare identity, the name caches had
        before variants existed. Quantised vectors (already `+int8`) add their runtime, since
        torch's and ONNX Runtime's int8 differ; a window plan other than the default adds it.
        """
        parts = [self.identity]
        if self.variant.endswith("int8"):
            parts.append(self.variant)
        if self.windowing != Windowing():
            plan = self.windowing
            parts.append(f"w{plan.max_tokens}-{plan.overlap}-{plan.max_windows}")
        return ";".join(parts)

    def embed_passages(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(len(texts), dimension) L2-normalised embeddings of documents."""
        return self._embed(texts, PASSAGE_PREFIX, batch_size or self.batch_size)

    def embed_queries(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(len(texts), dimension) L2-normalised embeddings of search queries."""
        return self._embed(texts, QUERY_PREFIX, batch_size or self.batch_size)

    def _embed(self, texts: Sequence[str], prefix: str, batch_size: int) -> np.ndarray:
        _check_texts(texts)
        prefix_ids = self.tokenizer.encode(prefix.strip(), add_special_tokens=False).ids
        windows: list[list[int]] = []
        owners: list[int] = []
        weights: list[float] = []
        for index, content in enumerate(self._token_ids(texts)):
            for window in self._cut(content, len(prefix_ids)):
                windows.append([self._bos, *prefix_ids, *window, self._eos])
                owners.append(index)
                weights.append(max(len(window), 1))
        pooled = self._pool_windows(windows, batch_size)
        return _combine(pooled, owners, weights, len(texts), self.dimension)

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        plan = self.windowing
        limit = None
        if plan.max_windows:
            limit = plan.max_windows * plan.max_tokens * _MAX_CHARACTERS_PER_TOKEN
        cut = [_valid_unicode(text[:limit] if limit else text) for text in texts]
        encodings = self.tokenizer.encode_batch(cut, add_special_tokens=False)
        return [encoding.ids for encoding in encodings]

    def _cut(self, ids: list[int], prefix_length: int) -> list[list[int]]:
        """Overlapping windows of the text's tokens (one, possibly empty, at least)."""
        plan = self.windowing
        room = plan.max_tokens - 2 - prefix_length
        step = max(room - plan.overlap, 1)
        windows = [ids[0:room]]
        start = 0
        while start + room < len(ids) and len(windows) != plan.max_windows:
            start += step
            windows.append(ids[start : start + room])
        return windows

    def _pool_windows(self, windows: list[list[int]], batch_size: int) -> np.ndarray:
        """Mean-pooled last hidden states of each window (not normalised), in input order."""
        pooled = np.zeros((len(windows), self.dimension), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda index: len(windows[index]))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            pooled[chosen] = self.forward([windows[index] for index in chosen])
        return pooled

    def forward(self, batch: list[list[int]]) -> np.ndarray:
        """One forward pass over token-id lists (special tokens included): mean-pooled states."""
        width = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        if isinstance(self.model, torch.nn.Module):
            with torch.inference_mode():
                states = self.model(
                    input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask)
                ).last_hidden_state
                states = states.float().numpy()
        else:
            states = self.model.run(input_ids, mask)
        summed = (states * mask[:, :, None]).sum(axis=1)
        return (summed / mask.sum(axis=1, keepdims=True)).astype(np.float32)


def _combine(
    pooled: np.ndarray, owners: list[int], weights: list[float], count: int, dimension: int
) -> np.ndarray:
    vectors = np.zeros((count, dimension), dtype=np.float32)
    np.add.at(vectors, owners, pooled * np.asarray(weights, dtype=np.float32)[:, None])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str):
        raise TypeError("the encoder takes a sequence of texts, not a single string")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text {index} is {type(text).__name__}, not str")


def _valid_unicode(text: str) -> str:
    # Lone surrogates (from a broken page decode) cannot be encoded to UTF-8 for the tokenizer.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def _onnx_runner(source: str, settings: NlpSettings, precision: str) -> tuple[Any, str]:
    """The ONNX session and the weights' identity; torch weights load only to export them."""
    from transformers import AutoConfig

    from nlp.encoder.onnx_runtime import exported_file, load_onnx_model

    try:
        config = AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as error:
        raise EncoderError(f"{source}: cannot load the encoder config ({error})") from error
    identity = checkpoint_identity(source, getattr(config, "_commit_hash", None))
    folder = settings.model_cache_dir / "onnx" / _file_name(identity)
    model = None
    if not exported_file(folder, precision).is_file():
        model = _load_model(source, torch.float32)
    return load_onnx_model(model, folder, precision, settings.encoder_threads, config), identity


def _file_name(identity: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in identity)


def _special_ids(tokenizer: Tokenizer) -> tuple[int, int]:
    ids = tokenizer.encode("", add_special_tokens=True).ids
    if len(ids) != 2:
        raise EncoderError(f"the tokenizer frames a text with {ids}, not <s> and </s>")
    return ids[0], ids[1]


def resolve_precision(precision: str) -> str:
    """`auto` is bfloat16 on CPUs with native bfloat16 (AVX512-BF16, AMX), else float32.

    Measured in bench/bench_nlp.py: bfloat16 ran 1.7x faster than float32 on Sapphire Rapids
    cores with cosine > 0.9999 to it, but about 3x slower on AVX2-only cores, where torch
    emulates it. Dynamic int8 moves the vectors (cosine 0.97 to float32), so it is never
    chosen automatically.
    """
    if precision != "auto":
        return precision
    return "bfloat16" if _cpu_has_native_bfloat16() else "float32"


def _cpu_has_native_bfloat16() -> bool:
    # torch's own dispatch level first: below AVX512 it has no bfloat16 kernels worth using.
    if torch.backends.cpu.get_cpu_capability() in ("DEFAULT", "NO AVX", "AVX2", "ZVECTOR"):
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def _load_model(source: str, dtype: torch.dtype) -> torch.nn.Module:
    from transformers import AutoModel
    from transformers.utils import logging

    logging.disable_progress_bar()
    try:
        model = AutoModel.from_pretrained(source, add_pooling_layer=False, dtype=dtype)
    except (OSError, ValueError) as error:
        raise EncoderError(f"{source}: cannot load the encoder model ({error})") from error
    return model.eval()


def _load_tokenizer(source: str) -> Tokenizer:
    path = Path(source) / "tokenizer.json"
    try:
        if path.is_file():
            tokenizer = Tokenizer.from_file(str(path))
        else:
            from transformers import AutoTokenizer

            tokenizer = Tokenizer.from_str(
                AutoTokenizer.from_pretrained(source).backend_tokenizer.to_str()
            )
    except Exception as error:
        raise EncoderError(f"{source}: cannot load the encoder tokenizer ({error})") from error
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def quantise_linear_layers(model: torch.nn.Module) -> torch.nn.Module:
    """Dynamic int8 quantisation of every `nn.Linear` (weights int8, activations per batch)."""
    from torch.ao.quantization import quantize_dynamic

    # torch deprecates eager-mode quantisation in favour of torchao, which is not installed;
    # the eager path still works and is what is measured in bench/bench_nlp.py.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
