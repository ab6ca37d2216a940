"""The taxonomy's compact token-pattern syntax, compiled to spaCy Matcher patterns.

A pattern is a space-separated sequence of slots, each matching one token:

    word            the token's folded text (lower case, no accents) is `word`
    [a|b|c]         ... is one of these words
    <a|b>           the token's lemma is one of these (as written, lower-cased or folded)
    [a|<b>|c]       words and lemmas mixed in one slot
    #               a number ("18", "2.000", "dos")
    _               any token except a negation or a sentence break
    SLOT?           the slot is optional
    SLOT{m,n}       the slot repeats m to n times, e.g. `_{0,3}` for a gap of up to 3 tokens

Words are folded when compiled, so `compañía` and `compania` are the same word. A slot mixing
words and lemmas becomes one Matcher pattern per combination (spaCy has no "or" across token
attributes); a pattern may hold at most MAX_EXPANSIONS combinations.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from nlp.language.folding import fold_token_text

# Tokens a gap may not cross: "el pasaje no está incluido" is not "pasaje ... incluido".
NEGATIONS = frozenset(
    {"no", "ni", "nunca", "jamas", "sin", "not", "never", "without", "nao", "sem", "nem"}
    | {"niet", "geen", "zonder", "nooit", "n't", "nada", "nenhum", "nenhuma", "ningun"}
)
SENTENCE_BREAKS = frozenset({".", "!", "?", ";", "\n", "\n\n", "|", "•"})
MAX_EXPANSIONS = 16

_SLOT = re.compile(
    r"^(?P<atom>\[[^\]]+\]|<[^>]+>|#|_|[^\s\[\]<>{}?#|]+)(?P<quant>\?|\{\d+,\d+\})?$"
)
_WORD = re.compile(r"^[^\s\[\]<>{}|]+$")


class PatternSyntaxError(ValueError):
    """A pattern breaks the mini-syntax; the message says which slot and why."""


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """The Matcher patterns of one written pattern, and the words every match must contain.

    `required` lists, for each slot that is not optional, the folded words and the lemmas of
    which the text must hold at least one, so a matcher runs only on texts that could match.
    """

    source: str
    matcher_patterns: tuple[tuple[dict[str, Any], ...], ...]
    required: tuple[tuple[frozenset[str], frozenset[str]], ...]


def compile_pattern(pattern: str) -> CompiledPattern:
    """Compile one written pattern; `PatternSyntaxError` when it is malformed."""
    slots = pattern.split()
    if not slots:
        raise PatternSyntaxError("empty pattern")
    alternatives: list[list[dict[str, Any]]] = []
    required: list[tuple[frozenset[str], frozenset[str]]] = []
    for slot in slots:
        specs, quantifier, words, lemmas = _compile_slot(slot)
        if quantifier:
            specs = [{**spec, "OP": quantifier} for spec in specs]
        elif words or lemmas:
            required.append((words, lemmas))
        alternatives.append(specs)
    if all(_is_optional(specs[0]) for specs in alternatives):
        raise PatternSyntaxError("every slot is optional: the pattern would match nothing")
    if not required:
        raise PatternSyntaxError("at least one slot must name a word or lemma and be required")
    combinations = list(itertools.product(*alternatives))
    if len(combinations) > MAX_EXPANSIONS:
        raise PatternSyntaxError(
            f"mixing words and lemmas gives {len(combinations)} combinations "
            f"(at most {MAX_EXPANSIONS}); split the pattern"
        )
    return CompiledPattern(
        source=pattern,
        matcher_patterns=tuple(tuple(combination) for combination in combinations),
        required=tuple(required),
    )


def _is_optional(spec: dict[str, Any]) -> bool:
    op = spec.get("OP", "")
    return op in ("?", "*") or (op.startswith("{") and op[1:].startswith("0"))


def _compile_slot(
    slot: str,
) -> tuple[list[dict[str, Any]], str, frozenset[str], frozenset[str]]:
    match = _SLOT.match(slot)
    if match is None:
        raise PatternSyntaxError(f"slot {slot!r} is not a word, [words], <lemmas>, # or _")
    atom, quantifier = match["atom"], match["quant"] or ""
    _check_quantifier(slot, quantifier)
    if atom == "_":
        gap = {"NORM": {"NOT_IN": sorted(NEGATIONS | SENTENCE_BREAKS)}, "IS_SPACE": False}
        return [gap], quantifier, frozenset(), frozenset()
    if atom == "#":
        return [{"LIKE_NUM": True}], quantifier, frozenset(), frozenset()
    words, lemmas = _alternatives(slot, atom)
    specs: list[dict[str, Any]] = []
    if words:
        specs.append({"NORM": {"IN": sorted(words)}})
    if lemmas:
        specs.append({"LEMMA": {"IN": sorted(_lemma_variants(lemmas))}})
    return specs, quantifier, words, frozenset(_lemma_variants(lemmas))


def _check_quantifier(slot: str, quantifier: str) -> None:
    if quantifier.startswith("{"):
        low, high = (int(part) for part in quantifier[1:-1].split(","))
        if low > high:
            raise PatternSyntaxError(f"slot {slot!r}: repeat {quantifier} has min above max")


def _alternatives(slot: str, atom: str) -> tuple[frozenset[str], frozenset[str]]:
    if atom.startswith("<"):
        inner, everything_lemma = atom[1:-1], True
    elif atom.startswith("["):
        inner, everything_lemma = atom[1:-1], False
    else:
        inner, everything_lemma = atom, False
    words: set[str] = set()
    lemmas: set[str] = set()
    for option in inner.split("|"):
        option = option.strip()
        is_lemma = everything_lemma or (option.startswith("<") and option.endswith(">"))
        value = option.strip("<>") if is_lemma else option
        if not value or not _WORD.match(value):
            raise PatternSyntaxError(f"slot {slot!r}: {option!r} is not a word")
        (lemmas if is_lemma else words).add(value)
    folded = {fold_token_text(word) for word in words}
    if "" in folded:
        raise PatternSyntaxError(f"slot {slot!r}: a word folds to nothing")
    return frozenset(folded), frozenset(lemmas)


def _lemma_variants(lemmas: frozenset[str]) -> set[str]:
    """A lemma as written, lower-cased and folded: the lemmatizer keeps accents, text may not."""
    return {
        variant
        for lemma in lemmas
        for variant in (lemma, lemma.lower(), fold_token_text(lemma))
        if variant
    }


def compile_term(term: str) -> str:
    """A fixed expression for the PhraseMatcher, checked to hold at least one letter or digit."""
    folded = " ".join(fold_token_text(term).split())
    if not any(char.isalnum() for char in folded):
        raise PatternSyntaxError(f"term {term!r} has no letters or digits")
    return folded
