"""What the console and reports show as evidence: a hit's words in place, a screenshot.

An indicator hit is shown with up to `EVIDENCE_CONTEXT_CHARS` characters either side of its
span, cut with "…" where the field goes on (`hit_in_context`), on document pages and in reports
alike.

A capture names its screenshot relative to the WARC folder, `screenshots/<sha256>.png`, where
the name is the digest of the bytes. Only names of exactly that shape are served (nothing
outside the folder can be reached through a crafted capture), and the bytes are re-hashed
before they are served: a file that no longer matches its name is not evidence any more.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from index.document import Capture, Document
from nlp.types import IndicatorHit

EVIDENCE_CONTEXT_CHARS = 80

SCREENSHOT_NAME = re.compile(r"^screenshots/(?P<digest>[0-9a-f]{64})\.png$")


def screenshot_url(doc_id: str, capture: Capture | None) -> str | None:
    """Where the API serves the document's screenshot, if it has one."""
    if capture is None or capture.screenshot is None:
        return None
    return f"/api/documents/{doc_id}/screenshot"


def screenshot_file(evidence_dir: Path, capture: Capture | None) -> Path | None:
    """The screenshot file, if it exists and still matches its digest; else None."""
    if capture is None or capture.screenshot is None:
        return None
    match = SCREENSHOT_NAME.match(capture.screenshot)
    if match is None:
        return None
    path = evidence_dir / capture.screenshot
    if not path.is_file():
        return None
    if hashlib.sha256(path.read_bytes()).hexdigest() != match["digest"]:
        return None
    return path


@dataclass(frozen=True)
class Evidence:
    """An indicator hit with the words around its span, to show the span in place."""

    hit: IndicatorHit
    before: str
    span: str
    after: str


def hit_in_context(document: Document, hit: IndicatorHit) -> Evidence:
    text = document.analysed_fields.get(hit.field, "")
    start = max(0, hit.start - EVIDENCE_CONTEXT_CHARS)
    before = ("…" if start else "") + text[start : hit.start]
    after = text[hit.end : hit.end + EVIDENCE_CONTEXT_CHARS]
    after += "…" if hit.end + EVIDENCE_CONTEXT_CHARS < len(text) else ""
    return Evidence(hit=hit, before=before, span=text[hit.start : hit.end], after=after)
