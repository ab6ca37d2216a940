"""Texts of the real web captures in ../shared/realweb, labelled with their language.

The label of a capture comes from its MANIFEST row ("what it is": a tag such as "es-CO" or
"pt-BR", or a word such as "English", "Papiamento"); a row naming none falls back to the
language of the site's country (by top-level domain). Skipped: negative fixtures (block and
challenge pages, an unused Telegram handle), the truncated page, the WARC examples, and the
Facebook social-wall export, whose per-post language tags are wrong (English posts tagged
"no", French ones "fi") and whose posts mix English, French and Chinese.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import trafilatura

from nlp.language.evaluation import LabelledText

_ROW = re.compile(r"^\| `([^`]+)` \|(.*)\|\s*$")
_REGION_TAG = re.compile(r"\b(es|pt|en)-[A-Z]{2}\b")
_BARE_TAG = re.compile(r"(?<![\w\"=-])(es|pt|en)(?![\w\"-])")
_WORDS = {"Papiamento": "pap", "German": "de", "English": "en", "Spanish": "es"}
_COUNTRY_LANGUAGE = {"br": "pt", "pe": "es", "co": "es", "ve": "es", "do": "es", "tt": "en"}
_SKIPPED = ("Negative fixture", "negative fixture", "TRUNCATED", "per-post language tags")
_ITEM = re.compile(r"<(item|entry)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_ITEM_TEXT = re.compile(
    r"<(title|description|summary|content)\b[^>]*>(.*?)</\1>", re.DOTALL | re.IGNORECASE
)
_TAGS = re.compile(r"<[^>]+>")
MIN_SNIPPET = 40


def manifest_languages(root: Path) -> dict[str, str]:
    """File (relative to root) -> expected language, for the captures worth identifying."""
    languages = {}
    for line in (root / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if not match or match.group(1).startswith("warc/"):
            continue
        name, description = match.group(1), match.group(2).split("|")[-1]
        if any(marker in description for marker in _SKIPPED):
            continue
        language = _language_of(description) or _country_language(name)
        if language:
            languages[name] = language
    return languages


def _language_of(description: str) -> str | None:
    for word, code in _WORDS.items():
        if word in description:
            return code
    # A tag with a region ("es-PE") first: a bare "en" may be the Spanish word ("software en Lima").
    tag = _REGION_TAG.search(description) or _BARE_TAG.search(description)
    return tag.group(1) if tag else None


def _country_language(name: str) -> str | None:
    top_level = name.split("/")[0].rsplit(".", 1)[-1]
    return _COUNTRY_LANGUAGE.get(top_level)


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # the malformed UOL feed is ISO-8859-1


def _clean(markup: str) -> str:
    text = markup.replace("<![CDATA[", "").replace("]]>", "")
    return " ".join(html.unescape(_TAGS.sub(" ", html.unescape(text))).split())


def _feed_items(raw: str) -> list[str]:
    items = []
    for item in _ITEM.finditer(raw):
        parts = [_clean(match.group(2)) for match in _ITEM_TEXT.finditer(item.group(0))]
        items.append(" ".join(part for part in parts if part))
    return items


def _reddit_items(raw: str) -> list[str]:
    children = json.loads(raw)["data"]["children"]
    return [
        f"{c['data'].get('title', '')} {c['data'].get('selftext', '')}".strip() for c in children
    ]


def capture_texts(path: Path) -> list[str]:
    """The texts of one capture: its paragraphs (HTML) or its items (feeds, Reddit JSON)."""
    raw = _read(path)
    if path.suffix == ".json":
        return _reddit_items(raw)
    if path.suffix in {".rss", ".atom", ".xml"}:
        return _feed_items(raw)
    extracted = trafilatura.extract(raw) or ""
    return [line for line in extracted.splitlines() if line.strip()]


def realweb_samples(root: Path) -> tuple[list[LabelledText], list[LabelledText]]:
    """(one text per capture, one per paragraph or item of 40+ characters)."""
    pages, snippets = [], []
    for name, language in sorted(manifest_languages(root).items()):
        texts = capture_texts(root / name)
        if not texts:
            continue
        pages.append(LabelledText(id=name, language=language, text="\n".join(texts)))
        snippets.extend(
            LabelledText(id=f"{name}#{n}", language=language, text=text)
            for n, text in enumerate(texts)
            if len(text) >= MIN_SNIPPET
        )
    return pages, snippets
