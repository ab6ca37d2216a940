"""Search text analysis shared by both index backends (DESIGN.md §2).

The engines never analyse text themselves: this module lower-cases, folds accents, drops stop
words and stems by the document's language, and hands the engines ready-made tokens with their
character offsets. Both backends index the same tokens and run queries through the same code,
so they rank alike, and highlights are cut from the offsets.

Two forms of each word are produced:

- `stem`: the folded Snowball stem, for recall ("pasaportes" finds "pasaporte"); stop words
  have no stem and are left out of that field.
- `exact`: the folded word, stop words included, so phrases keep their positions.

A query is analysed in every supported language at once (its language is rarely known), so a
query word becomes the set of its stems across languages.

Place names are spelt differently in each language of the corridor ("Curazao", "Curaçao",
"Kòrsou"); `PLACE_VARIANTS` maps the folded variants to one folded form, applied to documents
and queries alike, so any spelling finds the others.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import snowballstemmer
import stop_words

UNDETERMINED = "und"

# ISO 639-1 code -> Snowball algorithm name. Papiamento has no stemmer: it is indexed folded.
STEMMER_NAMES: dict[str, str] = {
    "es": "spanish",
    "pt": "portuguese",
    "en": "english",
    "nl": "dutch",
}

# Folded variant -> folded canonical spelling. Single words only; keep it small and certain.
PLACE_VARIANTS: dict[str, str] = {
    "curazao": "curacao",
    "korsou": "curacao",
    "brazil": "brasil",
    "perou": "peru",
    "trinidade": "trinidad",
}

_WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
_MAX_TOKEN_CHARS = 64


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: its folded form, its stem (None for a stop word) and its span."""

    exact: str
    stem: str | None
    start: int
    end: int
    position: int


# Words repeat heavily across ads, and folding and stemming dominate indexing and highlighting
# time, so both are memoised.
@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower-case and strip accents: "Compañía" -> "compania"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def canonical(word: str) -> str:
    """The word itself, or the canonical spelling when its folded form is a place variant."""
    return PLACE_VARIANTS.get(fold(word), word)


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer | None:
    name = STEMMER_NAMES.get(language)
    return snowballstemmer.stemmer(name) if name else None


@cache
def stop_words_for(language: str) -> frozenset[str]:
    """Folded stop words of a language; empty for languages without a list."""
    if language not in STEMMER_NAMES:
        return frozenset()
    return frozenset(fold(word) for word in stop_words.get_stop_words(language))


@lru_cache(maxsize=200_000)
def _stem(word: str, language: str) -> str:
    stemmer = _stemmer(language)
    if stemmer is None:
        return fold(word)
    # Snowball's Spanish and Portuguese rules expect the accents, so stem before folding.
    return fold(stemmer.stemWord(word.casefold()))


@lru_cache(maxsize=200_000)
def _word_forms(word: str, language: str) -> tuple[str, str | None]:
    """(exact, stem) of a word as cut from a text: indexing then costs one lookup per word."""
    word = canonical(word[:_MAX_TOKEN_CHARS])
    exact = fold(word)
    return exact, None if exact in stop_words_for(language) else _stem(word, language)


def analyze(text: str, language: str | None) -> list[Token]:
    """Tokens of `text` analysed for `language` (unknown languages are folded, not stemmed)."""
    language = language or UNDETERMINED
    return [
        Token(*_word_forms(match.group(), language), match.start(), match.end(), position)
        for position, match in enumerate(_WORD.finditer(text))
    ]


def index_terms(text: str, language: str | None) -> list[tuple[str, str | None]]:
    """The (exact, stem) of each token of `analyze(text, language)`, without the offsets.

    What indexing needs, about five times faster than building the tokens: indexing analyses
    every document, while only the few shown as hits need offsets for their highlights.
    """
    forms = _word_forms
    language = language or UNDETERMINED
    return [forms(word, language) for word in _WORD.findall(text)]


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A word of a query: its folded form and its stems in every language it may be in."""

    exact: str
    stems: frozenset[str]


def analyze_query_word(word: str, languages: tuple[str, ...] | None = None) -> QueryWord | None:
    """Analyse one query word; None when it is a stop word in every candidate language."""
    candidates = languages or tuple(STEMMER_NAMES)
    word = canonical(word)
    exact = fold(word)
    stems = frozenset(
        _stem(word, language) for language in candidates if exact not in stop_words_for(language)
    )
    if not stems:
        return None
    return QueryWord(exact, stems)


def split_words(text: str) -> list[str]:
    """The words of a query string, by the same rule that cuts document text."""
    return [match.group()[:_MAX_TOKEN_CHARS] for match in _WORD.finditer(text)]
