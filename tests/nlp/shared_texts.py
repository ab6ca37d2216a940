"""Reading real texts from ../shared at test time, so that none is copied into the repository.

../shared/data/realtext holds job ads and news (JSON lines, one item per id), ../shared/realweb
captured pages. Both are test data CI always has: a test that needs them fails when they are
missing, and skips only when TRACK4TIP_ALLOW_MISSING_SERVICES=1 asks for it.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from functools import cache
from pathlib import Path

import lxml.html
import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
REALTEXT = SHARED / "data" / "realtext"
REALWEB = SHARED / "realweb"


def require_shared() -> None:
    """Fail (or skip, on request) when the shared real texts are not there."""
    if REALTEXT.is_dir() and REALWEB.is_dir():
        return
    message = f"the real texts are not at {SHARED} (../shared/data/realtext, ../shared/realweb)"
    if os.environ.get("TRACK4TIP_ALLOW_MISSING_SERVICES") == "1":
        pytest.skip(message)
    pytest.fail(message)


@cache
def _rows(file: str) -> dict[str, dict]:
    with (REALTEXT / file).open(encoding="utf-8") as lines:
        return {str(row["id"]): row for row in map(json.loads, lines)}


def realtext_row(file: str, item_id: str) -> dict:
    """One item of a realtext file, whole."""
    return _rows(file)[item_id]


def realtext(file: str, item_id: str, field: str = "text") -> str:
    """One field of one item of a realtext file ("" when the source had no value)."""
    return _rows(file)[item_id][field] or ""


def realtext_country(file: str, item_id: str) -> str | None:
    return _rows(file)[item_id].get("country")


def page_text(path: Path) -> str:
    """A page as a reader sees it: HTML without scripts and styles, feeds with entities decoded."""
    raw = path.read_bytes()
    if path.suffix in {".rss", ".atom"}:
        return html.unescape(raw.decode("utf-8", errors="replace"))
    if path.suffix != ".html":
        return raw.decode("utf-8", errors="replace")
    root = lxml.html.fromstring(raw)
    for hidden in root.xpath("//script | //style | //noscript | //template"):
        hidden.drop_tree()
    return root.text_content()


def phone_digest(e164: str) -> str:
    """How labels name a real phone number without writing it down."""
    return "sha256:" + hashlib.sha256(e164.encode()).hexdigest()
