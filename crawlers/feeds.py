"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds, read tolerantly.

Real feeds are often not well-formed XML: UOL's has no XML declaration, ISO-8859-1 bytes and
Portuguese day names. So the bytes are decoded first (XML declaration, then the HTTP charset,
then UTF-8, then Windows-1252 as the last resort that never fails), and lxml parses with
`recover=True`. Element names are matched without their namespace. A document with no feed
root or no entries raises `FeedError`, which the feed spider counts as `broken_feed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from crawlers.dates import parse_date
from crawlers.text import html_to_text

_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding=[\"']([\w.:-]+)[\"'][^>]*\?>", re.I)
_ANY_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENTRY_NAMES = frozenset({"item", "entry"})


class FeedError(ValueError):
    """The bytes are not a feed we can read."""


@dataclass(frozen=True)
class FeedEntry:
    title: str
    link: str | None
    published: datetime | None
    summary: str
    guid: str | None = None


def decode_feed(body: bytes, http_charset: str | None = None) -> str:
    declared = _XML_DECLARATION.match(body)
    candidates = [declared.group(1).decode("ascii") if declared else None, http_charset, "utf-8"]
    for encoding in filter(None, candidates):
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str:
    for child in element:
        if _local(child.tag) in names:
            return "".join(child.itertext()).strip()
    return ""


def _link(element: etree._Element) -> str | None:
    for child in element:
        if _local(child.tag) != "link":
            continue
        href = child.get("href")
        if href and child.get("rel", "alternate") == "alternate":
            return href.strip()
        text = "".join(child.itertext()).strip()
        if text:
            return text
    guid = _child_text(element, "guid")
    return guid if guid.startswith(("http://", "https://")) else None


def _entry(element: etree._Element) -> FeedEntry:
    published = _child_text(element, "pubdate", "published", "updated", "date", "issued")
    return FeedEntry(
        title=html_to_text(_child_text(element, "title")),
        link=_link(element),
        published=parse_date(published),
        summary=html_to_text(_child_text(element, "description", "summary", "content")),
        guid=_child_text(element, "guid", "id") or None,
    )


def parse_feed(body: bytes, http_charset: str | None = None) -> list[FeedEntry]:
    """The entries of an RSS or Atom feed, in document order."""
    text = _ANY_DECLARATION.sub("", decode_feed(body, http_charset), count=1)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(text.encode("utf-8"), parser=parser) if text.strip() else None
    if root is None or _local(root.tag) not in {"rss", "rdf", "feed"}:
        raise FeedError("no <rss>, <rdf:RDF> or <feed> root element")
    entries = [_entry(element) for element in root.iter() if _local(element.tag) in _ENTRY_NAMES]
    if not entries:
        raise FeedError("the feed has no <item> or <entry>")
    return entries
