"""What a text looks like before the risk classifier's encoder reads it.

The EMSCAD training file is pre-processed (lower case; HTML, punctuation and English stop words
removed). A model may be trained with every input normalised the same way, so that training
and use see the same kind of text (`normalise_input` in the model's config.json); whether that
helps was decided by numbers: on grouped folds it made the multilingual scores and EMSCAD
PR-AUC worse (see nlp/classifier/card.py), so the shipped model reads raw text. Texts are also cut
after `max_words` words: the first few hundred words say what an ad offers, and on two CPU
cores every further 512-token window costs about a second.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stop_words import get_stop_words

# Words of a text the shipped model reads (see the module docstring).
DEFAULT_MAX_WORDS = 200

_TAG = re.compile(r"<[^>]+>")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _english_stop_words() -> frozenset[str]:
    return frozenset(get_stop_words("en"))


def normalise_like_emscad(text: str) -> str:
    """Lower case, no HTML tags, no punctuation, no English stop words."""
    words = _NON_WORD.sub(" ", _TAG.sub(" ", text).lower()).replace("_", " ").split()
    stop = _english_stop_words()
    return " ".join(word for word in words if word not in stop)


def prepare_for_classifier(text: str, normalise: bool, max_words: int = 0) -> str:
    """The text as the classifier's encoder should see it, cut after `max_words` (0: whole)."""
    prepared = normalise_like_emscad(text) if normalise else _SPACES.sub(" ", text).strip()
    if max_words:
        prepared = " ".join(prepared.split(" ")[:max_words])
    return prepared
