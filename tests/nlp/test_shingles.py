"""Shingles and MinHash signatures: normalisation, stable signatures, the fast batch path."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.shingles import (
    minhash,
    normalise_for_shingles,
    signature_bytes,
    signature_from_bytes,
    text_signatures,
    word_shingles,
)


def test_normalisation_folds_accents_case_digits_and_contacts():
    text = "Señoritas a CURAÇAO: 1500 USD, WhatsApp +58 412 555 0147, info@example.com www.x.org"
    assert normalise_for_shingles(text) == (
        "senoritas a curacao 0 usd whatsapp 0 0 0 0 <email> <url>"
    )


def test_shingles_overlap_and_short_texts_give_one():
    assert word_shingles("a b c d", size=3) == {"a b c", "b c d"}
    assert word_shingles("a b", size=3) == {"a b"}
    assert word_shingles("  ¿! ", size=3) == set()


def test_broken_sizes_are_refused_with_a_message():
    with pytest.raises(ValueError, match="shingle size must be at least 1"):
        word_shingles("a b", size=0)
    with pytest.raises(ValueError, match="shingle size must be at least 1"):
        text_signatures(["a b"], size=0)


def test_minhash_is_the_same_in_every_run_and_survives_storage():
    shingles = word_shingles("se buscan chicas para trabajar en el exterior con pasaje pagado")
    first, second = minhash(shingles), minhash(set(shingles))
    assert np.array_equal(first.hashvalues, second.hashvalues)
    restored = signature_from_bytes(signature_bytes(first))
    assert restored.jaccard(first) == 1.0
    with pytest.raises(ValueError, match="multiple of 4 bytes"):
        signature_from_bytes(b"abc")


def test_minhash_estimates_jaccard():
    words = [f"w{i}" for i in range(200)]
    left = word_shingles(" ".join(words), 3)
    right = word_shingles(" ".join(words[:150] + [f"x{i}" for i in range(50)]), 3)
    exact = len(left & right) / len(left | right)
    estimate = minhash(left, num_perm=256).jaccard(minhash(right, num_perm=256))
    assert abs(estimate - exact) < 0.1


def test_batch_signatures_estimate_jaccard_and_mark_empty_texts():
    words = [f"w{i}" for i in range(200)]
    texts = [" ".join(words), " ".join(words[:150] + [f"x{i}" for i in range(50)]), "", "w1"]
    rows = text_signatures(texts, size=3, num_perm=256)
    assert rows.shape == (4, 256) and rows.dtype == np.uint32
    left, right = word_shingles(texts[0], 3), word_shingles(texts[1], 3)
    exact = len(left & right) / len(left | right)
    assert abs(float(np.mean(rows[0] == rows[1])) - exact) < 0.1
    assert (rows[2] == 0xFFFFFFFF).all()
    assert not (rows[3] == 0xFFFFFFFF).all()
    # A text's signature does not depend on the batch it is computed in.
    assert np.array_equal(text_signatures([texts[1]], 3, 256)[0], rows[1])
