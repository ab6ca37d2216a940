"""Language identification with langdetect, deterministic and honest about doubt.

langdetect samples n-grams at random; its seed is fixed here so that the same text always gets
the same answer. Short texts, texts that are mostly not words (phone numbers, gibberish) and
answers below the confidence floor come back as "und" instead of a guess: a wrong language
would pick the wrong indicator patterns, while "und" makes the matcher try them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from nlp.types import UNDETERMINED_LANGUAGE

_URL_OR_EMAIL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+", re.IGNORECASE)
_VOWELS = frozenset("aeiouy")
# Real text in a Latin-script language has a third or more vowels among its letters;
# keyboard mashing ("xkcd qwrtz") has far fewer, and langdetect still names a language for it.
_MIN_VOWEL_SHARE = 0.2


@cache
def _profiles() -> DetectorFactory:
    """langdetect's factory with every profile loaded (half a second): on first use, once.

    A factory of our own, not langdetect's global one, so that the seed set on each detector
    cannot be changed behind our back by other code calling `DetectorFactory.seed = ...`.
    """
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def _base_letter(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].lower()


def _looks_like_words(letters: list[str]) -> bool:
    latin = [_base_letter(ch) for ch in letters if "a" <= _base_letter(ch) <= "z"]
    if len(latin) < len(letters) / 2:
        return True  # another script: the vowel test means nothing there
    vowels = sum(1 for ch in latin if ch in _VOWELS)
    return vowels >= _MIN_VOWEL_SHARE * len(latin)


class LanguageIdentifier:
    """Names the language of a text as an ISO 639-1 code with langdetect's probability."""

    def __init__(
        self,
        *,
        seed: int = 0,
        min_confidence: float = 0.80,
        min_letters: int = 12,
        languages: Collection[str] = (),
    ) -> None:
        self._seed = seed
        self._min_confidence = min_confidence
        self._min_letters = min_letters
        self._languages = frozenset(languages)

    def identify(self, text: str) -> tuple[str, float]:
        """(code, confidence); ("und", 0.0) when the text is too short, odd or ambiguous."""
        cleaned = _URL_OR_EMAIL.sub(" ", text)
        letters = [ch for ch in cleaned if ch.isalpha()]
        if len(letters) < self._min_letters or not _looks_like_words(letters):
            return UNDETERMINED_LANGUAGE, 0.0
        code, probability = self._best_guess(cleaned)
        if probability < self._min_confidence:
            return UNDETERMINED_LANGUAGE, 0.0
        if self._languages and code not in self._languages:
            return UNDETERMINED_LANGUAGE, 0.0
        return code, probability

    def _best_guess(self, text: str) -> tuple[str, float]:
        detector = _profiles().create()
        detector.seed = self._seed
        detector.append(text)
        try:
            ranked = detector.get_probabilities()
        except LangDetectException:
            return UNDETERMINED_LANGUAGE, 0.0  # no n-gram langdetect knows
        if not ranked:
            return UNDETERMINED_LANGUAGE, 0.0
        return ranked[0].lang, float(ranked[0].prob)
