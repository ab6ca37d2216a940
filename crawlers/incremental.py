"""Incremental re-crawls: what the previous crawls saw, so the next one fetches only changes.

`CrawlState` (SQLite, `<data_dir>/crawl_state.sqlite`) keeps, per source and canonical URL, the
ETag, Last-Modified and SHA-256 of the last good response, when it was last seen, and which
spider callback read it. With `TRACK4TIP_INCREMENTAL=true`, `IncrementalMiddleware`:

- asks for a known page with `If-None-Match` / `If-Modified-Since`; a 304, or a 200 whose body
  hashes as before, is counted as `unchanged` and not parsed again (`NotModified`, which is
  not an error);
- records every other good response;
- flags a known page that now answers 404 or 410 (`GONE_META`, carrying when it was last seen)
  so the spider spools a taken_down Document for it instead of counting an error.

Spiders re-request the known ad and article pages of their source at start (`known_pages`),
so an ad that is no longer linked from any listing is still found gone.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawlers.middlewares import SITE_META
from crawlers.rejections import site_key
from crawlers.urls import canonical_url
from index.document import utc_now

STATE_PATH_SETTING = "TRACK4TIP_STATE_PATH"
GONE_META = "track4tip_gone_last_seen"
GONE_STATUSES = frozenset({404, 410})
# Callbacks whose pages are ads or articles (re-checked at start); listings are not.
RECHECKED_CALLBACKS = frozenset({"parse_detail", "parse_article"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    site TEXT NOT NULL, url TEXT NOT NULL, etag TEXT, last_modified TEXT, sha256 TEXT NOT NULL,
    last_seen TEXT NOT NULL, callback TEXT, gone_at TEXT, PRIMARY KEY (site, url)
)
"""


class NotModified(IgnoreRequest):
    """The page is as the previous crawl saw it: nothing to parse, nothing wrong."""


@dataclass(frozen=True)
class KnownPage:
    etag: str | None
    last_modified: str | None
    sha256: str
    last_seen: datetime
    gone: bool


class CrawlState:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as conn:
            conn.execute(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn, conn:
            yield conn

    def get(self, site: str, url: str) -> KnownPage | None:
        with self._db() as conn:
            row = conn.execute(
                "SELECT etag, last_modified, sha256, last_seen, gone_at FROM pages "
                "WHERE site = ? AND url = ?",
                (site, url),
            ).fetchone()
        if row is None:
            return None
        etag, modified, sha, seen, gone = row
        return KnownPage(etag, modified, sha, datetime.fromisoformat(seen), gone is not None)

    def record(self, site: str, url: str, response: Response, callback: str | None) -> None:
        header = response.headers.get
        with self._db() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    site,
                    url,
                    (header(b"ETag") or b"").decode("latin-1") or None,
                    (header(b"Last-Modified") or b"").decode("latin-1") or None,
                    hashlib.sha256(response.body).hexdigest(),
                    utc_now().isoformat(),
                    callback,
                ),
            )

    def touch(self, site: str, url: str) -> None:
        with self._db() as conn:
            conn.execute(
                "UPDATE pages SET last_seen = ? WHERE site = ? AND url = ?",
                (utc_now().isoformat(), site, url),
            )

    def mark_gone(self, site: str, url: str) -> None:
        with self._db() as conn:
            conn.execute(
                "UPDATE pages SET gone_at = ? WHERE site = ? AND url = ?",
                (utc_now().isoformat(), site, url),
            )

    def known_pages(self, site: str) -> list[tuple[str, str]]:
        """(url, callback) of the source's ad and article pages not yet found gone."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT url, callback FROM pages WHERE site = ? AND gone_at IS NULL ORDER BY url",
                (site,),
            ).fetchall()
        return [(url, callback) for url, callback in rows if callback in RECHECKED_CALLBACKS]


def _callback_name(request: Request) -> str | None:
    return getattr(request.callback, "__name__", None)


class IncrementalMiddleware:
    """Conditional requests and change detection (see the module docstring)."""

    def __init__(self, state: CrawlState, crawler: Crawler) -> None:
        self.state = state
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get(STATE_PATH_SETTING)
        if not path:
            raise NotConfigured("incremental crawling is off")
        return cls(CrawlState(Path(path)), crawler)

    def process_request(self, request: Request) -> None:
        site = request.meta.get(SITE_META)
        known = self.state.get(site, canonical_url(request.url)) if site else None
        if known is None or known.gone:
            return
        if known.etag:
            request.headers.setdefault(b"If-None-Match", known.etag.encode("latin-1"))
        if known.last_modified:
            request.headers.setdefault(b"If-Modified-Since", known.last_modified.encode("latin-1"))

    def process_response(self, request: Request, response: Response) -> Response:
        site = request.meta.get(SITE_META)
        if not site:
            return response
        url = canonical_url(request.url)
        known = self.state.get(site, url)
        if response.status == 304 or (
            response.status == 200
            and known is not None
            and known.sha256 == hashlib.sha256(response.body).hexdigest()
        ):
            self.state.touch(site, url)
            self._count(site, "unchanged")
            raise NotModified(f"unchanged since the last crawl: {url}")
        if response.status == 200:
            self.state.record(site, url, response, _callback_name(request))
        elif response.status in GONE_STATUSES and known is not None and not known.gone:
            self.state.mark_gone(site, url)
            request.meta[GONE_META] = known.last_seen.isoformat()
        return response

    def _count(self, site: str, counter: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(site_key(site, counter))


def known_page_requests(state_path: str | None, site: str) -> list[tuple[str, str]]:
    """The pages a spider re-checks at start (none when incremental crawling is off)."""
    return CrawlState(Path(state_path)).known_pages(site) if state_path else []
