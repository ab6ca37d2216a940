"""Board chrome: a job board's own words around the ads, which never count as indicators.

A listing page read whole carries the board's badges ("Se precisa Urgente", "Empleo
destacado"), buttons and filter facets ("Sin Experiencia" above its count, 316) on lines of
their own. They describe the board's search form, not an offer: "Sin Experiencia" there is a
filter every Computrabajo page shows. Two rules find such lines:

- a line that is, folded, one of the taxonomy's `board_chrome` labels;
- a filter facet: a short line directly followed by a line holding only a count.

An ad's own line that happens to read like a label is lost with them; the labels are the
boards' exact wording, so that is rare, and the facet rule needs the count line below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlp.language.folding import fold_token_text

# A facet's label is a few words ("Sin Experiencia", "Más de 10 años"), never a sentence.
MAX_FACET_WORDS = 6
_LINE = re.compile(r"[^\n]+")
# "316", "1.186", "(42)": the number of ads a filter would leave.
_COUNT = re.compile(r"\(?\d{1,3}(?:[.,\u00a0 ]\d{3})*\)?")


def chrome_lines(text: str, labels: frozenset[str]) -> list[tuple[int, int]]:
    """Character offsets of the lines of `text` that are board chrome."""
    lines = list(_lines(text))
    chrome = []
    for position, (start, end, line) in enumerate(lines):
        following = lines[position + 1][2] if position + 1 < len(lines) else ""
        if _folded(line) in labels or _is_facet(line, following):
            chrome.append((start, end))
    return chrome


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _LINE.finditer(text):
        line = match.group()
        if line.strip():
            yield match.start(), match.end(), line.strip()


def _folded(line: str) -> str:
    return " ".join(fold_token_text(line).split())


def _is_facet(line: str, following: str) -> bool:
    return len(line.split()) <= MAX_FACET_WORDS and _COUNT.fullmatch(following) is not None
