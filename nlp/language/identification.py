"""Language identification, deterministic and honest about doubt, Papiamento included.

A text is first cleaned of what says nothing about its language (contacts, links, handles,
emoji, zero-width characters, look-alike letters from other scripts). Then the Papiamento
model (nlp/language/papiamento.py), which no general model knows, is asked; if it is not confident,
the configured general backend (nlp/language/backends.py) is. Short texts, texts that are mostly
not words (phone numbers, gibberish), answers below the confidence floor and languages outside
the allowed set come back as "und" instead of a guess: a wrong language would pick the wrong
indicator patterns, while "und" makes the matcher try them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from nlp.language import papiamento
from nlp.language.backends import DEFAULT_FLOORS, LanguageBackend, build_backend
from nlp.types import UNDETERMINED_LANGUAGE

PAPIAMENTO = "pap"

# A megabyte of text says no more about its language than its first few thousand letters;
# cutting early keeps every backend's time bounded.
MAX_CHARACTERS = 5000

_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_URL_OR_EMAIL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_HASHTAG_MARK = re.compile(r"#(?=\w)")
# Phone numbers and other digit runs: digits with the separators phone numbers are written with.
_NUMBER = re.compile(r"\+?\d[\d\s().\-/]{5,}\d|\d+")
_REPEATED_PUNCTUATION = re.compile(r"([^\w\s])\1+")
_SPACES = re.compile(r"\s+")

# Cyrillic and Greek letters drawn like Latin ones: "Trаbаjо" with Cyrillic а and о is Spanish
# written to slip past filters, and left alone it reads as Russian to every backend.
_LOOK_ALIKES = str.maketrans(
    "аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅαοτνκρΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwABEKMHOPCTXIJSaotvkpABEZHIKMNOPTYX",
)

# Confidences are rounded: lingua's sums differ in the last bits from run to run, and an index
# should not see a new version of a document because of them.
_DIGITS = 4

_VOWELS = frozenset("aeiouy")
# Real text in a Latin-script language has a fifth or more vowels among its letters;
# keyboard mashing ("xkcd qwrtz") has far fewer, and the backends still name a language for it.
_MIN_VOWEL_SHARE = 0.2


def _is_kept_symbol(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LMNZ" or category in {"Po", "Pd", "Ps", "Pe", "Pi", "Pf"}


def _unmix_scripts(text: str) -> str:
    """Latin look-alikes for Cyrillic/Greek letters, when the text is mostly Latin."""
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    foreign = sum(1 for ch in text if "\u0370" <= ch <= "\u04ff")
    return text.translate(_LOOK_ALIKES) if latin > foreign else text


def normalise_for_identification(text: str) -> str:
    """The words of `text`, without what says nothing about its language.

    Strips zero-width and direction marks, URLs, e-mails, @handles, the '#' of hashtags,
    phone numbers and other digits, emoji and other symbols, and repeated punctuation;
    folds compatibility forms (full-width and "mathematical bold" letters) and look-alike
    letters from other scripts. The result is at most MAX_CHARACTERS long.
    """
    text = unicodedata.normalize("NFKC", text[: MAX_CHARACTERS * 4])
    text = _ZERO_WIDTH.sub("", text)
    text = _URL_OR_EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _HASHTAG_MARK.sub("", text)
    text = _NUMBER.sub(" ", text)
    text = "".join(ch if _is_kept_symbol(ch) else " " for ch in text)
    text = _REPEATED_PUNCTUATION.sub(r"\1", text)
    text = _unmix_scripts(text)
    return _SPACES.sub(" ", text).strip()[:MAX_CHARACTERS]


def _base_letter(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].lower()


def _looks_like_words(letters: list[str]) -> bool:
    latin = [_base_letter(ch) for ch in letters if "a" <= _base_letter(ch) <= "z"]
    if len(latin) < len(letters) / 2:
        return True  # another script: the vowel test means nothing there
    vowels = sum(1 for ch in latin if ch in _VOWELS)
    return vowels >= _MIN_VOWEL_SHARE * len(latin)


class LanguageIdentifier:
    """Names the language of a text as an ISO 639 code ("pap" for Papiamento) or "und"."""

    def __init__(
        self,
        *,
        seed: int = 0,
        min_confidence: float | None = None,
        min_letters: int = 12,
        languages: Collection[str] = (),
        backend: str = "fasttext",
        papiamento_min_confidence: float = papiamento.DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        """`min_confidence` None: the backend's own floor (DEFAULT_FLOORS)."""
        self._backend: LanguageBackend = build_backend(backend, seed=seed, languages=languages)
        self._min_confidence = DEFAULT_FLOORS[backend] if min_confidence is None else min_confidence
        self._min_letters = min_letters
        self._languages = frozenset(languages)
        self._papiamento_floor = papiamento_min_confidence

    def identify(self, text: str) -> tuple[str, float]:
        """(code, confidence); ("und", 0.0) when the text is too short, odd or ambiguous."""
        cleaned = normalise_for_identification(text)
        letters = [ch for ch in cleaned if ch.isalpha()]
        if len(letters) < self._min_letters or not _looks_like_words(letters):
            return UNDETERMINED_LANGUAGE, 0.0
        if self._may_report(PAPIAMENTO):
            confidence = papiamento.looks_papiamento(cleaned, self._papiamento_floor)
            if confidence is not None:
                return PAPIAMENTO, round(confidence, _DIGITS)
        return self._general_answer(cleaned)

    def _general_answer(self, cleaned: str) -> tuple[str, float]:
        ranking = self._backend.rank(cleaned)
        if not ranking:
            return UNDETERMINED_LANGUAGE, 0.0
        code, probability = ranking[0]
        if probability < self._min_confidence or not self._may_report(code):
            return UNDETERMINED_LANGUAGE, 0.0
        return code, round(probability, _DIGITS)

    def _may_report(self, code: str) -> bool:
        return not self._languages or code in self._languages
