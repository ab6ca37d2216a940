"""Stretches of a parsed text in another language than the text's own: where it quotes or mixes.

A document is matched with the patterns of its own language. Another language's patterns run
only on the stretches that are in that language — a Spanish ad quoted in an English article,
an English paragraph in a Portuguese LinkedIn post — never on the whole text: folded words are
shared across languages ("urge", "night", "modelos") and a pattern written for one language
fires on ordinary words of another.

A stretch is a sentence, a line, or a quotation: the text is cut at sentence starts, at line
breaks and at quotation marks, since a quoted ad is often one clause inside a sentence ("One of
them read: “Se buscan damas de compañía”."). Each stretch with enough letters is identified on
its own; shorter ones say too little about their language and are left to the document's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span

# Quotation marks that open or close a quoted ad inside a sentence.
QUOTATION_MARKS = frozenset({'"', "“", "”", "„", "‟", "«", "»", "‹", "›", "「", "」"})
# Fewer letters than this and a language identifier mostly guesses (a two-word line of an ad is
# Spanish, Portuguese or Papiamento alike); such a stretch keeps the document's language.
MIN_LETTERS = 20

Identify = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Stretch:
    """Character offsets of a stretch of the text and the language identified for it."""

    start: int
    end: int
    language: str

    def holds(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


def foreign_stretches(doc: Doc, own_language: str, identify: Identify) -> list[Stretch]:
    """The stretches of `doc` that `identify` places in a language other than `own_language`."""
    found = []
    for span in _stretches(doc):
        text = span.text
        if sum(char.isalpha() for char in text) < MIN_LETTERS:
            continue
        language = identify(text)
        if language != own_language:
            found.append(Stretch(span.start_char, span.end_char, language))
    return found


def _stretches(doc: Doc) -> Iterator[Span]:
    """Sentences, lines and quotations of `doc`, without the breaks and marks between them."""
    start = 0
    for token in doc:
        if token.text in QUOTATION_MARKS or "\n" in token.text:
            if token.i > start:
                yield doc[start : token.i]
            start = token.i + 1
        elif token.is_sent_start and token.i > start:
            yield doc[start : token.i]
            start = token.i
    if start < len(doc):
        yield doc[start:]
