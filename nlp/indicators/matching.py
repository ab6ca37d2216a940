"""The indicator taxonomy: loading, validation, and matching over spaCy Docs with evidence spans.

The taxonomy is data (nlp/indicators/data/indicators.yaml, versioned by `taxonomy_version`) so
analysts can read and extend it without touching code. Each indicator has, per language, token
patterns in a compact syntax (nlp/indicators/patterns.py) compiled to spaCy `Matcher` patterns over
folded words and lemmas, and fixed expressions for a `PhraseMatcher` over folded words. Hits
carry character offsets of the matched tokens in the original text, so evidence is exact.

Matching is cheap where nothing can match: a pattern runs only on a Doc holding at least one
word (or lemma) of each of its required slots, checked with two Python sets per Doc.

A text is matched with the patterns of its language: folded words are shared across languages
("urge", "night", "modelos"), so another language's patterns fire on ordinary words. They count
only on the stretches of the text identified as written in that language, where it quotes or
mixes one (nlp/indicators/segments.py). A job board's own lines — badges such as "Se precisa
Urgente", filter facets above their counts — never count (nlp/indicators/chrome.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from nlp.indicators.chrome import chrome_lines
from nlp.indicators.patterns import (
    NEGATIONS,
    SENTENCE_BREAKS,
    CompiledPattern,
    compile_pattern,
    compile_term,
)
from nlp.indicators.segments import Identify, Stretch, foreign_stretches
from nlp.indicators.taxonomy import IndicatorSpec, read_taxonomy_file, read_taxonomy_text
from nlp.language.identification import LanguageIdentifier
from nlp.language.spacy_pipelines import LanguagePipelines
from nlp.types import IndicatorHit

__all__ = ["IndicatorSpec", "Taxonomy", "load_taxonomy", "parse_taxonomy"]

# Tokens looked at before a match for a negation ("no hay pasaje pagado").
NEGATION_WINDOW = 2


@dataclass(frozen=True, slots=True)
class _Rule:
    indicator: str
    language: str
    pattern: CompiledPattern
    excluding: bool = False

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.indicator, self.language, self.excluding)

    def could_match(self, words: set[str], lemmas: set[str]) -> bool:
        return all(
            not needed_words.isdisjoint(words) or not needed_lemmas.isdisjoint(lemmas)
            for needed_words, needed_lemmas in self.pattern.required
        )


class _VocabMatchers:
    """Matchers of one taxonomy compiled against one spaCy vocabulary (one per pipeline)."""

    def __init__(self, taxonomy: Taxonomy, vocab: Vocab, tokenizer_language: str) -> None:
        self.rules: dict[tuple[str, str, bool], list[_Rule]] = {}
        self.matchers: dict[tuple[str, str, bool], Matcher] = {}
        for rule in taxonomy.rules:
            self.rules.setdefault(rule.key, []).append(rule)
            matcher = self.matchers.setdefault(rule.key, Matcher(vocab))
            matcher.add(rule.indicator, [list(p) for p in rule.pattern.matcher_patterns])
        self.phrases: dict[str, PhraseMatcher] = {}
        tokenizer = spacy.blank(tokenizer_language).tokenizer
        for indicator, language, term in taxonomy.terms:
            phrase = self.phrases.setdefault(language, PhraseMatcher(vocab, attr="NORM"))
            words = [token.text for token in tokenizer(term)]
            pattern_doc = Doc(vocab, words=words)
            for token in pattern_doc:
                token.norm_ = token.text
            phrase.add(indicator, [pattern_doc])


class Taxonomy:
    """A validated taxonomy with its patterns compiled, ready to find hits in Docs or text."""

    def __init__(
        self,
        version: str,
        indicators: list[IndicatorSpec],
        pipelines: LanguagePipelines | None = None,
        identify: Identify | None = None,
        board_chrome: frozenset[str] = frozenset(),
    ) -> None:
        """`identify` names the language of a stretch of text (default: a LanguageIdentifier
        that may answer the taxonomy's languages, built on first use); `board_chrome` holds
        the folded labels of job boards' badges and buttons (nlp/indicators/chrome.py)."""
        self.version = version
        self.board_chrome = board_chrome
        self.indicators = tuple(indicators)
        self._by_id = {indicator.id: indicator for indicator in indicators}
        self.rules = [
            _Rule(indicator.id, language, compile_pattern(pattern), excluding)
            for indicator in indicators
            for excluding, source in ((False, indicator.patterns), (True, indicator.excludes))
            for language, patterns in source.items()
            for pattern in patterns
        ]
        self.terms = [
            (indicator.id, language, compile_term(term))
            for indicator in indicators
            for language, terms in indicator.terms.items()
            for term in terms
        ]
        self.languages = frozenset(
            language for indicator in indicators for language in indicator.languages
        )
        self._pipelines = pipelines
        self._identify = identify
        self._compiled: dict[tuple[int, str], _VocabMatchers] = {}
        self._lock = threading.Lock()

    @property
    def pipelines(self) -> LanguagePipelines:
        if self._pipelines is None:
            self._pipelines = LanguagePipelines()
        return self._pipelines

    def indicator(self, indicator_id: str) -> IndicatorSpec:
        return self._by_id[indicator_id]

    def find(
        self, text: str, language: str, field: str = "text", *, all_languages: bool = False
    ) -> list[IndicatorHit]:
        """Hits in `text`, parsed with the pipeline of `language` (see `find_in_doc`)."""
        [doc] = self.pipelines.parse([text], language)
        return self.find_in_doc(doc, language, field, all_languages=all_languages)

    def find_in_doc(
        self, doc: Doc, language: str, field: str = "text", *, all_languages: bool = False
    ) -> list[IndicatorHit]:
        """Hits in a parsed field, by the patterns of its language.

        An undetermined or unexpected language (Papiamento, a misdetection) gets every
        language's patterns, since it still deserves a look. `all_languages` adds another
        language's patterns on the stretches of the text written in it (a Spanish ad quoted in
        an English article; nlp/indicators/segments.py), never on the whole text.
        """
        if language not in self.languages:
            found = self._matches(doc, self.languages, indicator=None)
        else:
            found = self._matches(doc, frozenset({language}), indicator=None)
            if all_languages:
                for indicator_id, spans in self._foreign_matches(doc, language).items():
                    found.setdefault(indicator_id, []).extend(spans)
        text = doc.text  # built from the tokens on every access: once, not once per hit
        if found:
            found = _outside(found, chrome_lines(text, self.board_chrome))
        hits = [
            self._hit(indicator_id, start, end, hit_language, text, field)
            for indicator_id, spans in found.items()
            for start, end, hit_language in _merge_overlapping(spans)
        ]
        return sorted(hits, key=lambda hit: (hit.start, hit.indicator))

    def _foreign_matches(self, doc: Doc, language: str) -> dict[str, list[tuple[int, int, str]]]:
        """Other languages' matches that lie in a stretch identified as their language.

        Matching first, identifying after: most texts hold no other language's match at all,
        and then no stretch needs identifying.
        """
        found = self._matches(doc, self.languages - {language}, indicator=None)
        if not found:
            return {}
        stretches = foreign_stretches(doc, language, self._identify_language)
        kept: dict[str, list[tuple[int, int, str]]] = {}
        for indicator_id, spans in found.items():
            inside = [span for span in spans if _in_stretch_of_its_language(span, stretches)]
            if inside:
                kept[indicator_id] = inside
        return kept

    def _identify_language(self, text: str) -> str:
        if self._identify is None:
            with self._lock:
                if self._identify is None:
                    self._identify = _default_identifier(self.languages)
        return self._identify(text)

    def matches(self, indicator_id: str, language: str, text: str) -> bool:
        """Whether one indicator's patterns of one language fire anywhere in `text`."""
        [doc] = self.pipelines.parse([text], language)
        return bool(self._matches(doc, frozenset({language}), indicator=indicator_id))

    def _matches(
        self, doc: Doc, languages: frozenset[str], indicator: str | None
    ) -> dict[str, list[tuple[int, int, str]]]:
        compiled = self._compiled_for(doc)
        words = {token.norm_ for token in doc}
        lemmas = {token.lemma_ for token in doc}
        found: dict[str, list[tuple[int, int, str]]] = {}
        excluded: dict[str, list[tuple[int, int, str]]] = {}
        for key, rules in compiled.rules.items():
            indicator_id, language, excluding = key
            if language not in languages or indicator not in (None, indicator_id):
                continue
            if any(rule.could_match(words, lemmas) for rule in rules):
                for _, start, end in compiled.matchers[key](doc):
                    _keep(excluded if excluding else found, doc, indicator_id, start, end, language)
        for language, phrase in compiled.phrases.items():
            if language in languages:
                for match_id, start, end in phrase(doc):
                    indicator_id = doc.vocab.strings[match_id]
                    if indicator in (None, indicator_id):
                        _keep(found, doc, indicator_id, start, end, language)
        return _without_excluded(found, excluded)

    def _compiled_for(self, doc: Doc) -> _VocabMatchers:
        key = (id(doc.vocab), doc.lang_)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = _VocabMatchers(self, doc.vocab, doc.lang_)
                    self._compiled[key] = compiled
        return compiled

    def _hit(
        self, indicator_id: str, start: int, end: int, language: str, text: str, field: str
    ) -> IndicatorHit:
        indicator = self._by_id[indicator_id]
        return IndicatorHit(
            field=field,
            start=start,
            end=end,
            indicator=indicator.id,
            category=indicator.category,
            strength=indicator.strength,
            evidence=text[start:end],
            language=language,
        )


def _keep(
    found: dict[str, list[tuple[int, int, str]]],
    doc: Doc,
    indicator_id: str,
    start: int,
    end: int,
    language: str,
) -> None:
    """Record a match by character offsets unless a negation right before it cancels it."""
    if _negated(doc, start):
        return
    span = doc[start:end]
    found.setdefault(indicator_id, []).append((span.start_char, span.end_char, language))


def _outside(
    found: dict[str, list[tuple[int, int, str]]], lines: list[tuple[int, int]]
) -> dict[str, list[tuple[int, int, str]]]:
    """`found` without the matches that lie on a line of board chrome."""
    if not lines:
        return found
    kept: dict[str, list[tuple[int, int, str]]] = {}
    for indicator_id, spans in found.items():
        remaining = [
            span for span in spans if not any(a <= span[0] and span[1] <= b for a, b in lines)
        ]
        if remaining:
            kept[indicator_id] = remaining
    return kept


def _in_stretch_of_its_language(span: tuple[int, int, str], stretches: list[Stretch]) -> bool:
    start, end, language = span
    return any(stretch.language == language and stretch.holds(start, end) for stretch in stretches)


def _default_identifier(languages: frozenset[str]) -> Identify:
    identifier = LanguageIdentifier(languages=sorted(languages))
    return lambda text: identifier.identify(text)[0]


def _without_excluded(
    found: dict[str, list[tuple[int, int, str]]], excluded: dict[str, list[tuple[int, int, str]]]
) -> dict[str, list[tuple[int, int, str]]]:
    """Drop matches that overlap one of the same indicator's `excludes` ("escort vehicle")."""
    kept: dict[str, list[tuple[int, int, str]]] = {}
    for indicator_id, spans in found.items():
        blocked = excluded.get(indicator_id, [])
        remaining = [
            span
            for span in spans
            if not any(span[0] < other[1] and other[0] < span[1] for other in blocked)
        ]
        if remaining:
            kept[indicator_id] = remaining
    return kept


def _negated(doc: Doc, start: int) -> bool:
    for token in reversed(doc[max(0, start - NEGATION_WINDOW) : start]):
        if token.norm_ in SENTENCE_BREAKS or token.is_punct:
            return False
        if token.norm_ in NEGATIONS:
            return True
    return False


def _merge_overlapping(spans: Iterable[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    """One span per stretch of overlapping matches of the same indicator."""
    current: tuple[int, int, str] | None = None
    for start, end, language in sorted(spans):
        if current is not None and start < current[1]:
            current = (current[0], max(current[1], end), current[2])
            continue
        if current is not None:
            yield current
        current = (start, end, language)
    if current is not None:
        yield current


def parse_taxonomy(
    text: str,
    source: str = "taxonomy",
    pipelines: LanguagePipelines | None = None,
    identify: Identify | None = None,
) -> Taxonomy:
    """Validate and compile a taxonomy from YAML text; `source` names it in error messages."""
    read = read_taxonomy_text(text, source)
    return Taxonomy(read.version, list(read.indicators), pipelines, identify, read.board_chrome)


def load_taxonomy(
    path: Path | None = None,
    pipelines: LanguagePipelines | None = None,
    identify: Identify | None = None,
) -> Taxonomy:
    """The taxonomy at `path`, or the one shipped with track4tip, ready to match."""
    read = read_taxonomy_file(path)
    return Taxonomy(read.version, list(read.indicators), pipelines, identify, read.board_chrome)
