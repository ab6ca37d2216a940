"""XML sitemaps, sitemap indexes and Google News sitemaps, read tolerantly.

A `<urlset>` lists pages (`<loc>`, `<lastmod>`); a news sitemap adds `<news:news>` with the
article's `<news:title>` and `<news:publication_date>`, which fill what the article page lacks.
A `<sitemapindex>` lists further sitemaps. Gzipped sitemaps (`sitemap.xml.gz`, served without
Content-Encoding) are unpacked up to a size limit, so a gzip bomb is refused, not unpacked.
Anything else raises `SitemapError`, which the sitemap spider counts as `broken_sitemap`.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from crawlers.dates import parse_date
from crawlers.feeds import decode_feed

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed file
_GZIP_MAGIC = b"\x1f\x8b"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


class SitemapError(ValueError):
    """The bytes are not a sitemap we can read."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    title: str = ""
    published: datetime | None = None


@dataclass(frozen=True)
class Sitemap:
    is_index: bool
    entries: list[SitemapEntry]


def _gunzip(body: bytes, limit: int) -> bytes:
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = unpacker.decompress(body, limit + 1)
    except zlib.error as error:
        raise SitemapError(f"not valid gzip: {error}") from error
    if len(data) > limit:
        raise SitemapError(f"unpacks to more than {limit} bytes")
    if not unpacker.eof:
        raise SitemapError("not valid gzip: the stream stops before its end")
    return data


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _find_text(element: etree._Element, name: str) -> str:
    for child in element.iter():
        if child is not element and _local(child.tag) == name:
            return "".join(child.itertext()).strip()
    return ""


def _entry(element: etree._Element) -> SitemapEntry | None:
    loc = _find_text(element, "loc")
    if not loc:
        return None
    return SitemapEntry(
        loc=loc,
        lastmod=parse_date(_find_text(element, "lastmod")),
        title=_find_text(element, "title"),
        published=parse_date(_find_text(element, "publication_date")),
    )


def parse_sitemap(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> Sitemap:
    """The pages (or, for an index, the sitemaps) a sitemap lists, in document order."""
    if body.startswith(_GZIP_MAGIC):
        body = _gunzip(body, limit)
    elif len(body) > limit:
        raise SitemapError(f"larger than {limit} bytes")
    text = _XML_DECLARATION.sub("", decode_feed(body), count=1)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(text.encode("utf-8"), parser=parser) if text.strip() else None
    if root is None or _local(root.tag) not in {"urlset", "sitemapindex"}:
        raise SitemapError("no <urlset> or <sitemapindex> root element")
    is_index = _local(root.tag) == "sitemapindex"
    wanted = "sitemap" if is_index else "url"
    entries = [_entry(element) for element in root if _local(element.tag) == wanted]
    found = [entry for entry in entries if entry is not None]
    if not found:
        raise SitemapError(f"the sitemap lists no <{wanted}> with a <loc>")
    return Sitemap(is_index=is_index, entries=found)
