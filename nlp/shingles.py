"""Word shingles and MinHash signatures: the text fingerprints near-duplicate detection compares.

Templated ads differ in phone numbers, prices and e-mail addresses, so normalisation folds
accents and case, replaces every run of digits with "0" and every e-mail address or URL with a
placeholder before the text is cut into overlapping word n-grams (shingles). Two texts that
differ only in such details then give the same shingles.

`minhash` hashes the shingles into a `datasketch.MinHash` whose Jaccard estimate approximates
the shingle sets' Jaccard similarity. The random permutations of one (num_perm, seed) pair are
drawn once per process and shared by every signature, which is what makes signatures built in
different runs comparable and keeps building a million of them cheap.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

DEFAULT_SHINGLE_SIZE = 5
DEFAULT_NUM_PERM = 128
DEFAULT_SEED = 1

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ROLL = np.uint64(0x100000001B3)
_CHUNK_SHINGLES = 4096
# Letters, digits and the placeholders' angle brackets survive; everything else separates words.
_NON_WORD = re.compile(r"[^\w<>]+|_", re.UNICODE)


def normalise_for_shingles(text: str) -> str:
    """Lower-cased, accent-folded words separated by single spaces.

    Digit runs become "0", e-mail addresses "<email>" and URLs "<url>", so that a new phone
    number, price or contact address does not make a copy of an ad look new.
    """
    text = _URL.sub(" <url> ", text)
    text = _EMAIL.sub(" <email> ", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = _COMBINING_MARKS.sub("", decomposed)
    folded = _DIGITS.sub("0", folded)
    return " ".join(_NON_WORD.sub(" ", folded).split())


def word_shingles(text: str, size: int = DEFAULT_SHINGLE_SIZE) -> set[str]:
    """The set of overlapping `size`-word sequences of the normalised text.

    A text shorter than `size` words gives one shingle (the whole text); an empty text none.
    """
    if size < 1:
        raise ValueError(f"shingle size must be at least 1, got {size}")
    words = normalise_for_shingles(text).split()
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def minhash(
    shingles: Iterable[str], num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED
) -> MinHash:
    """A MinHash signature of the shingles; equal arguments give equal signatures in any run."""
    from datasketch import MinHash

    signature = MinHash(
        num_perm=num_perm,
        seed=seed,
        permutations=_permutations(num_perm, seed),
    )
    encoded = [shingle.encode("utf-8") for shingle in shingles]
    if encoded:
        signature.update_batch(encoded)
    return signature


def text_signatures(
    texts: Sequence[str],
    size: int = DEFAULT_SHINGLE_SIZE,
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = DEFAULT_SEED,
) -> np.ndarray:
    """MinHash signatures of many texts' word shingles at once: uint32, shape (n, num_perm).

    The fast path for clustering a million ads: words are hashed once (CRC-32), shingle hashes
    are rolled from them in numpy across the whole batch, and permuted by multiply-shift hashing
    instead of SHA-1 and a modulo per shingle. Its values are not comparable with `minhash`;
    only with other `text_signatures` of the same size, num_perm and seed. An empty text's row
    is all 0xFFFFFFFF. The Jaccard estimate is the share of equal values.
    """
    if size < 1:
        raise ValueError(f"shingle size must be at least 1, got {size}")
    words = [normalise_for_shingles(text).split() for text in texts]
    lengths = np.fromiter((len(found) for found in words), dtype=np.int64, count=len(words))
    flat = np.fromiter(
        (zlib.crc32(word.encode("utf-8")) for found in words for word in found),
        dtype=np.uint64,
        count=int(lengths.sum()),
    )
    windows = np.where(lengths == 0, 0, np.maximum(lengths - size + 1, 1))
    shingles = _rolled_shingle_hashes(flat, lengths, windows, size)
    rows = np.full((len(texts), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    filled = np.flatnonzero(windows)
    if len(filled):
        offsets = (np.cumsum(windows) - windows)[filled]
        rows[filled] = _min_permuted(shingles, offsets, num_perm, seed)
    return rows


def _rolled_shingle_hashes(
    flat: np.ndarray, lengths: np.ndarray, windows: np.ndarray, size: int
) -> np.ndarray:
    """One 64-bit hash per shingle window of every text, windows of a text contiguous."""
    total = int(windows.sum())
    text_starts = np.cumsum(lengths) - lengths
    first_window = np.cumsum(windows) - windows
    starts = np.repeat(text_starts, windows) + (np.arange(total) - np.repeat(first_window, windows))
    widths = np.repeat(np.minimum(lengths, size), windows)
    hashes = np.zeros(total, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            inside = offset < widths
            words = flat[np.minimum(starts + offset, max(len(flat) - 1, 0))] if total else hashes
            hashes = np.where(inside, hashes * _ROLL + words + np.uint64(1), hashes)
        # splitmix64's finaliser: spreads the rolled value over all 64 bits.
        hashes ^= hashes >> np.uint64(30)
        hashes *= np.uint64(0xBF58476D1CE4E5B9)
        hashes ^= hashes >> np.uint64(27)
        hashes *= np.uint64(0x94D049BB133111EB)
        hashes ^= hashes >> np.uint64(31)
    return hashes


def _min_permuted(
    shingles: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int
) -> np.ndarray:
    """Per text, the minimum of each multiply-shift permutation over its shingle hashes."""
    multipliers, increments = _multiply_shift(num_perm, seed)
    result = np.empty((len(offsets), num_perm), dtype=np.uint32)
    bounds = [*offsets.tolist(), len(shingles)]
    # Chunks of whole texts keep the permuted block small enough to stay in cache.
    text = 0
    while text < len(offsets):
        last = text + 1
        while last < len(offsets) and bounds[last] - bounds[text] < _CHUNK_SHINGLES:
            last += 1
        block = shingles[bounds[text] : bounds[last], None]
        with np.errstate(over="ignore"):
            permuted = ((block * multipliers + increments) >> np.uint64(32)).astype(np.uint32)
        local = np.asarray(bounds[text:last]) - bounds[text]
        result[text:last] = np.minimum.reduceat(permuted, local, axis=0)
        text = last
    return result


@lru_cache(maxsize=8)
def _multiply_shift(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    multipliers = generator.integers(1, 2**63, num_perm, dtype=np.uint64) | np.uint64(1)
    increments = generator.integers(0, 2**63, num_perm, dtype=np.uint64)
    return multipliers, increments


def signature_bytes(signature: MinHash) -> bytes:
    """The hash values as compact bytes (uint32 each), for storage."""
    return np.asarray(signature.hashvalues, dtype=np.uint32).tobytes()


def signature_from_bytes(data: bytes, seed: int = DEFAULT_SEED) -> MinHash:
    """The signature `signature_bytes` stored; raises ValueError on a damaged value."""
    if len(data) % 4:
        raise ValueError(f"a stored signature must be a multiple of 4 bytes, got {len(data)}")
    values = np.frombuffer(data, dtype=np.uint32).astype(np.uint64)
    from datasketch import MinHash

    return MinHash(
        seed=seed,
        hashvalues=values,
        permutations=_permutations(len(values), seed),
    )


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if num_perm < 1:
        raise ValueError(f"num_perm must be at least 1, got {num_perm}")
    # datasketch draws the same (a, b) pairs for a given seed; building them once is the saving.
    # Imported here: the API reads linking views without ever building a signature.
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed).permutations
