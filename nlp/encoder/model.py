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
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer

from nlp.config import NlpSettings
from nlp.encoder.checkpoint import checkpoint_identity, resolve_checkpoint
from nlp.errors import EncoderError

PASSAGE_PREFIX = "passage: "
QUERY_PREFIX = "query: "
# No piece of XLM-R's vocabulary is longer than this in characters, so this many characters
# per token always suffice to fill the windows that will be read.
_MAX_CHARACTERS_PER_TOKEN = 16

_loaded: dict[tuple[Any, ...], Encoder] = {}


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
        model: torch.nn.Module,
        tokenizer: Tokenizer,
        *,
        name: str,
        identity: str | None = None,
        windowing: Windowing | None = None,
        batch_size: int = 16,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        # Names the exact weights (and int8 quantisation), for artifacts trained on the vectors.
        self.identity = identity or name
        self.windowing = windowing or Windowing()
        self.batch_size = batch_size
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
            settings.encoder_precision,
            settings.encoder_max_tokens,
            settings.encoder_window_overlap,
            settings.encoder_max_windows,
            settings.encoder_batch_size,
        )
        if key not in _loaded:
            _loaded[key] = cls._build(settings)
        return _loaded[key]

    @classmethod
    def _build(cls, settings: NlpSettings) -> Encoder:
        if settings.encoder_threads:
            torch.set_num_threads(settings.encoder_threads)
        source = resolve_checkpoint(settings)
        precision = resolve_precision(settings.encoder_precision)
        model = _load_model(source, torch.bfloat16 if precision == "bfloat16" else torch.float32)
        identity = checkpoint_identity(source, getattr(model.config, "_commit_hash", None))
        if precision == "int8":
            model = quantise_linear_layers(model)
            identity += "+int8"  # bfloat16 vectors agree with float32 ones (cosine > 0.9999)
        windowing = Windowing(
            settings.encoder_max_tokens,
            settings.encoder_window_overlap,
            settings.encoder_max_windows,
        )
        return cls(
            model,
            _load_tokenizer(source),
            name=settings.encoder,
            identity=identity,
            windowing=windowing,
            batch_size=settings.encoder_batch_size,
        )

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
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[row, : len(ids)] = 1
        with torch.inference_mode():
            states = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            summed = (states.float() * mask.unsqueeze(-1)).sum(dim=1)
            return (summed / mask.sum(dim=1, keepdim=True)).float().numpy()


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


def _special_ids(tokenizer: Tokenizer) -> tuple[int, int]:
    ids = tokenizer.encode("", add_special_tokens=True).ids
    if len(ids) != 2:
        raise EncoderError(f"the tokenizer frames a text with {ids}, not <s> and </s>")
    return ids[0], ids[1]


def resolve_precision(precision: str) -> str:
    """`auto` is bfloat16 on CPUs with native bfloat16 (AVX512-BF16, AMX), else float32.

    Measured in bench/bench_nlp.py: bfloat16 ran 1.7x faster than float32 on this machine's
    Sapphire Rapids cores with cosine > 0.9999 to it; dynamic int8 was about as fast but fell
    to 0.97, below the 0.99 floor, so it is never chosen automatically.
    """
    if precision != "auto":
        return precision
    return "bfloat16" if _cpu_has_native_bfloat16() else "float32"


def _cpu_has_native_bfloat16() -> bool:
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
