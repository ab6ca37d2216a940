"""Highlighted fragments of a document for a query, shared by every backend.

Pure Python, no engine: the title and text are re-analysed with `nlp.search_text.analyze`, the
same analysis the index used, and a token is marked when its stem is one of a query word's
stems or its folded form equals the word's folded form. So "pasaportes" marks "Pasaporte" and
"compania" marks "compañía", exactly as they matched. Output is HTML-escaped with <mark> tags.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from index.document import Document
from index.queries import ParsedQuery
from nlp.search_text import analyze

FRAGMENT_CHARS = 160
MAX_FRAGMENTS = 3
# How much text to show before the first mark of a fragment.
_LEAD_CHARS = 40
ELLIPSIS = "…"

Span = tuple[int, int]


def highlight(document: Document, parsed: ParsedQuery) -> dict[str, list[str]]:
    """Fragments by field ("title" whole, "text" up to three ~160-character fragments)."""
    words = parsed.positive_words()
    if not words:
        return {}
    stems = {stem for word in words for stem in word.stems}
    exacts = {word.exact for word in words}

    def spans(text: str) -> list[Span]:
        tokens = analyze(text, document.language)
        return [(t.start, t.end) for t in tokens if t.exact in exacts or t.stem in stems]

    found: dict[str, list[str]] = {}
    title_spans = spans(document.title)
    if title_spans:
        found["title"] = [mark(document.title, title_spans, 0, len(document.title))]
    text_spans = spans(document.text)
    if text_spans:
        found["text"] = fragments(document.text, text_spans)
    return found


def mark(text: str, spans: Sequence[Span], start: int, end: int) -> str:
    """text[start:end], escaped, with every span inside it wrapped in <mark>."""
    pieces: list[str] = []
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    return "".join(pieces)


def fragments(text: str, spans: Sequence[Span]) -> list[str]:
    """Up to MAX_FRAGMENTS windows of about FRAGMENT_CHARS, each around the next mark."""
    found: list[str] = []
    index = 0
    while index < len(spans) and len(found) < MAX_FRAGMENTS:
        start, end = _window(text, spans[index])
        inside = [span for span in spans[index:] if span[1] <= end]
        body = mark(text, inside, start, end).strip()
        prefix = ELLIPSIS if start > 0 else ""
        suffix = ELLIPSIS if end < len(text) else ""
        found.append(f"{prefix}{body}{suffix}")
        index += max(len(inside), 1)
    return found


def _window(text: str, first: Span) -> Span:
    """A window that starts a little before `first`, cut at spaces so no word is split."""
    start = max(0, first[0] - _LEAD_CHARS)
    if start > 0:
        space = text.find(" ", start, first[0])
        start = space + 1 if space != -1 else first[0]
    end = min(len(text), max(start + FRAGMENT_CHARS, first[1]))
    if end < len(text):
        space = text.rfind(" ", first[1], end)
        end = space if space != -1 else max(end, first[1])
    return start, end
