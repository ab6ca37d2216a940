"""News articles: main text and metadata with trafilatura, the published date with htmldate.

A news page is mostly not the article: menus, teasers, comments, cookie banners. trafilatura
finds the main text and reads title, author, site name and description from the page's
metadata; htmldate finds the original publication date (JSON-LD, meta tags, URL, visible
dates; `original_date` prefers it over "updated" dates). Both are imported when first used:
they are heavy, and most crawls never read an article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time


@dataclass(frozen=True)
class Article:
    title: str = ""
    text: str = ""
    published_at: datetime | None = None
    author: str | None = None
    site_name: str | None = None
    description: str | None = None
    language: str | None = None

    @property
    def attributes(self) -> dict[str, str]:
        found = {"site_name": self.site_name, "description": self.description}
        return {name: value for name, value in found.items() if value}


def published_date(html: bytes | str, url: str | None = None) -> datetime | None:
    """The article's original publication day (midnight UTC), or None when there is none."""
    from htmldate import find_date

    found = find_date(html, url=url, original_date=True, extensive_search=True)
    if not found:
        return None
    return datetime.combine(datetime.fromisoformat(found).date(), time(), tzinfo=UTC)


def extract_article(html: bytes | str, url: str | None = None) -> Article:
    """The main text and metadata of a news page; an empty Article when it has no main text."""
    from trafilatura import bare_extraction

    extracted = bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if extracted is None or not (extracted.text or "").strip():
        return Article()
    return Article(
        title=(extracted.title or "").strip(),
        text=extracted.text.strip(),
        published_at=published_date(html, url),
        author=extracted.author or None,
        site_name=extracted.sitename or None,
        description=extracted.description or None,
        language=extracted.language or None,
    )
