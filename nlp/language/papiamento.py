"""Papiamento recognition by function words and spelling, since no bundled model knows it.

Papiamento (Curaçao, Aruba, Bonaire) is a creole whose vocabulary comes mostly from
Portuguese and Spanish, so content words ("trabou", "hende", "kas") look Iberian to n-gram
models: langdetect calls it Indonesian or Afrikaans, lingua and fastText Spanish. Its grammar
words, though, are its own: the verb marker "ta", the past "a" and future "lo", the pronouns
"mi bo e nos boso nan", "ku"/"cu" (with, that), "pa", "di", "na", "den", "riba", "awor",
"tambe", and the plural suffix "-nan". Curaçao writes phonologically ("ku", "kas", "kon",
"trabou", "bai") and Aruba etymologically ("cu", "cas", "con", "trabao", "bay"); both are here.

The model is a vote over words. Each known word votes for the languages whose lexicon holds
it, split evenly among them, so a word Papiamento shares with Spanish ("no", "un", "si", "sin")
gives half a vote to each; a Spanish or Portuguese word that Papiamento lacks ("el", "que",
"não") votes against it. The lexicons are in nlp/language/data/function_words.yaml. A word none of
them holds adds half a vote for Papiamento per spelling cue it shows ("sh"/"dj" word starts, "-nan"
plurals, grave accents). The share of Papiamento votes is the confidence; a text with too few
votes, or too few Papiamento votes per word (a language the lexicons do not know), gets no
opinion at all (`None`), which the identifier treats as "ask the general model".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

FUNCTION_WORDS_PATH = Path(__file__).parent / "data" / "function_words.yaml"


@cache
def _lexicons() -> dict[str, frozenset[str]]:
    """Language -> its function words (nlp/language/data/function_words.yaml), read on first use."""
    raw = yaml.safe_load(FUNCTION_WORDS_PATH.read_text(encoding="utf-8"))
    lexicons = {code: frozenset(words.split()) for code, words in raw.items()}
    lexicons["pap"] |= lexicons.pop("pap_shared")
    return lexicons


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# The "-nan" plural ("muchanan", "kasnan", "trahadónan"). Spanish verbs of the -nar class
# ("ganan", "terminan") end so too, which is one reason a spelling cue weighs half a word.
_PLURAL_NAN = re.compile(r"^[^\W\d_]{2,}nan$")
_SPELLING_START = re.compile(r"^(?:sh|dj)[aeiouèòù]")
_GRAVE_VOWEL = re.compile(r"[èòù]")

# Votes needed before the model gives an opinion, and the weight of each spelling cue.
MIN_VOTES = 2.0
# Papiamento votes needed per word of the text. Function words are dense in Papiamento (at
# least 0.37 per word in every Papiamento text of the labelled set and the 24ora.com article);
# a German or English text with a stray "den" or "ta" has under 0.15, though its few known
# words may all be Papiamento ones, the lexicons knowing no German.
MIN_COVERAGE = 0.25
# On the labelled set no es/pt/en/nl text scores above 0.5 with two votes or more, and no
# Papiamento text below 0.6; the floor sits between (README "Language identification").
DEFAULT_MIN_CONFIDENCE = 0.55
_CUE_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class PapiamentoScore:
    """How Papiamento a text looks: its share of the word votes, the votes cast, and the
    Papiamento votes per word."""

    confidence: float
    votes: float
    coverage: float


def words_of(text: str) -> list[str]:
    return [match.group(0).lower() for match in _WORD.finditer(text)]


def _spelling_cues(word: str) -> int:
    return sum(
        1 for pattern in (_PLURAL_NAN, _SPELLING_START, _GRAVE_VOWEL) if pattern.search(word)
    )


def _votes(words: list[str]) -> dict[str, float]:
    lexicons = _lexicons()
    votes = dict.fromkeys(lexicons, 0.0)
    for word in words:
        holders = [code for code, lexicon in lexicons.items() if word in lexicon]
        for code in holders:
            votes[code] += 1.0 / len(holders)
        if not holders:  # a content word: only its spelling can speak for Papiamento
            votes["pap"] += _CUE_WEIGHT * _spelling_cues(word)
    return votes


def score(text: str) -> PapiamentoScore:
    """The Papiamento share of the votes in `text` (0..1), the votes cast, the coverage."""
    words = words_of(text)
    votes = _votes(words)
    total = sum(votes.values())
    if total == 0:
        return PapiamentoScore(confidence=0.0, votes=0.0, coverage=0.0)
    return PapiamentoScore(votes["pap"] / total, total, votes["pap"] / len(words))


def looks_papiamento(text: str, min_confidence: float) -> float | None:
    """Confidence that `text` is Papiamento when it clears `min_confidence`, else None."""
    result = score(text)
    if result.votes < MIN_VOTES or result.coverage < MIN_COVERAGE:
        return None
    if result.confidence < min_confidence:
        return None
    return result.confidence
