"""Lexical features: TF-IDF of hashed word 1-2 grams and character 3-5 grams.

The baseline every risk model is reported beside (DESIGN.md §8), and a candidate itself.
Hashing (scikit-learn's HashingVectorizer) instead of a fitted vocabulary keeps the artifact a
few fixed-size arrays — the inverse document frequencies learned on the training texts — so a
model is saved as numbers (`.npz`), never as a pickle, and loads the same on any machine.
Texts are lower-cased and accents stripped; tf is sublinear (1 + log tf); each block (words,
characters) is L2-normalised on its own, so neither drowns the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

WORD_FEATURES = 2**18
CHAR_FEATURES = 2**18
# Written into a model's config and checked on load: inverse document frequencies learned with
# other n-grams, hash sizes or folding would silently weigh the wrong columns.
LEXICAL_IDENTITY = f"word1-2:{WORD_FEATURES}|char_wb3-5:{CHAR_FEATURES}|lower|strip_accents|v1"


def _vectorisers() -> tuple[HashingVectorizer, HashingVectorizer]:
    common = {"alternate_sign": False, "norm": None, "lowercase": True, "strip_accents": "unicode"}
    words = HashingVectorizer(
        analyzer="word", ngram_range=(1, 2), n_features=WORD_FEATURES, **common
    )
    chars = HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), n_features=CHAR_FEATURES, **common
    )
    return words, chars


@dataclass(frozen=True)
class HashedCounts:
    """Raw hashed n-gram counts of texts, computed once and sliced by row."""

    words: sparse.csr_matrix
    chars: sparse.csr_matrix

    @classmethod
    def of(cls, texts: Sequence[str]) -> HashedCounts:
        words, chars = _vectorisers()
        return cls(words.transform(texts).tocsr(), chars.transform(texts).tocsr())

    def rows(self, selected: np.ndarray) -> HashedCounts:
        return HashedCounts(self.words[selected], self.chars[selected])


@dataclass(frozen=True)
class LexicalFeatures:
    """Fitted inverse document frequencies of the two hashed blocks."""

    word_idf: np.ndarray
    char_idf: np.ndarray

    @classmethod
    def fit(cls, counts: HashedCounts) -> LexicalFeatures:
        return cls(_idf(counts.words), _idf(counts.chars))

    def weigh(self, counts: HashedCounts) -> sparse.csr_matrix:
        """TF-IDF rows of counts (both blocks, each L2-normalised)."""
        blocks = [_weighted(counts.words, self.word_idf), _weighted(counts.chars, self.char_idf)]
        return sparse.hstack(blocks, format="csr")

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.weigh(HashedCounts.of(texts))

    def arrays(self) -> dict[str, np.ndarray]:
        return {"word_idf": self.word_idf, "char_idf": self.char_idf}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LexicalFeatures:
        """The fitted arrays back; a `ValueError` when their sizes are not this code's."""
        word_idf, char_idf = np.asarray(arrays["word_idf"]), np.asarray(arrays["char_idf"])
        if word_idf.shape != (WORD_FEATURES,) or char_idf.shape != (CHAR_FEATURES,):
            raise ValueError(
                f"inverse document frequencies of sizes {word_idf.shape} and {char_idf.shape}, "
                f"expected ({WORD_FEATURES},) and ({CHAR_FEATURES},)"
            )
        return cls(word_idf, char_idf)


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    documents = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + documents) / (1 + frequency)) + 1).astype(np.float32)


def _weighted(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    weighted = counts.astype(np.float32)
    weighted.data = np.log(weighted.data) + 1
    weighted = weighted.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1 / norms).dot(weighted).tocsr()
