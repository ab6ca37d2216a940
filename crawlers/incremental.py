"""Incremental re-crawls: what the previous crawls saw, so the next one fetches only changes.

`CrawlState` (SQLite, `<data_dir>/crawl_state.sqlite`) keeps, per source and canonical URL, the
ETag, Last-Modified and SHA-256 of the last good response, when it was last seen, and which
spider callback read it. With `TRACK4TIP_INCREMENTAL=true`, `IncrementalMiddleware`:

- asks for a known page with `If-None-Match` / `If-Modified-Since`; a 304, or a 200 whose body
  hashes as before, is counted as `unchanged` and not parsed again (`NotModified`, which is
  not an error);
- records every other good response, but only once the page is handled: the response carries
  a `PendingPage` (`PENDING_META`), and `IncrementalSpiderMiddleware` records it when the
  callback has finished without an exception and every Document it yielded is spooled
  (`item_scraped`). A page whose parse raises or whose Document the spool refuses
  (`item_error`) is recorded as to be retried (no hash, no validators), so the next crawl
  re-requests it at start, fetches it whole and parses it again instead of skipping it for
  ever as unchanged (or never reaching it behind an unchanged listing);
- flags a known ad or article page (its recorded callback is one of `RECHECKED_CALLBACKS`)
  that now answers 404 or 410 (`GONE_META`, carrying when it was last seen) so the spider
  spools a taken_down Document for it instead of counting an error. A listing page, feed or
  sitemap that vanishes is an error, never a take-down: it is no ad;
- parses a page whose request says `ALWAYS_PARSE_META` even when it is unchanged (listing
  pages of card boards: the cards on them are the ads, and their absences are counted by
  crawlers/takedowns.py only over a fully parsed listing).

Spiders re-request the known ad and article pages of their source at start (`known_pages`),
so an ad that is no longer linked from any listing is still found gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawlers.middlewares import SITE_META
from crawlers.rejections import site_key
from crawlers.state_database import StateDatabase
from crawlers.urls import canonical_url
from index.document import Document, utc_now

STATE_PATH_SETTING = "TRACK4TIP_STATE_PATH"
GONE_META = "track4tip_gone_last_seen"
PENDING_META = "track4tip_pending_page"
ALWAYS_PARSE_META = "track4tip_always_parse"
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


@dataclass
class PendingPage:
    """A good response not yet recorded: recorded once its callback has finished (`parsed`)
    and each Document it yielded is spooled (`outstanding` back at 0), never after a failure."""

    site: str
    url: str
    response: Response
    callback: str | None
    outstanding: int = 0
    parsed: bool = False
    failed: bool = False
    recorded: bool = False

    def ready(self) -> bool:
        return self.parsed and not self.outstanding and not self.failed and not self.recorded


@dataclass(frozen=True)
class KnownPage:
    etag: str | None
    last_modified: str | None
    sha256: str
    last_seen: datetime
    gone: bool


class CrawlState(StateDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

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

    def record_pending(self, pending: PendingPage) -> None:
        if pending.ready():
            self.record(pending.site, pending.url, pending.response, pending.callback)
            pending.recorded = True

    def record_failed(self, pending: PendingPage) -> None:
        """A page that could not be parsed or spooled: known, but never unchanged."""
        if pending.recorded:
            return
        pending.recorded = True
        with self._db() as conn:
            conn.execute(
                "INSERT INTO pages VALUES (?, ?, NULL, NULL, '', ?, ?, NULL) "
                "ON CONFLICT (site, url) DO UPDATE SET etag = NULL, last_modified = NULL, "
                "sha256 = '', callback = excluded.callback, gone_at = NULL",
                (pending.site, pending.url, utc_now().isoformat(), pending.callback),
            )

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

    def callback_of(self, site: str, url: str) -> str | None:
        with self._db() as conn:
            row = conn.execute(
                "SELECT callback FROM pages WHERE site = ? AND url = ?", (site, url)
            ).fetchone()
        return row[0] if row else None


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
        # A page parsed in any case asks for the body: a 304 would leave nothing to parse.
        if known is None or known.gone or request.meta.get(ALWAYS_PARSE_META):
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
        unchanged = response.status == 304 or (
            response.status == 200
            and known is not None
            and known.sha256 == hashlib.sha256(response.body).hexdigest()
        )
        if unchanged and not (response.status == 200 and request.meta.get(ALWAYS_PARSE_META)):
            self.state.touch(site, url)
            self._count(site, "unchanged")
            raise NotModified(f"unchanged since the last crawl: {url}")
        if response.status == 200:
            request.meta[PENDING_META] = PendingPage(site, url, response, _callback_name(request))
        elif (
            known is not None
            and response.status in GONE_STATUSES
            and self._is_known_ad(site, url, known)
        ):
            self.state.mark_gone(site, url)
            request.meta[GONE_META] = known.last_seen.isoformat()
        return response

    def _is_known_ad(self, site: str, url: str, known: KnownPage) -> bool:
        """Only an ad or article page seen before is taken down; a listing page is no ad."""
        if known.gone:
            return False
        return self.state.callback_of(site, url) in RECHECKED_CALLBACKS

    def _count(self, site: str, counter: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(site_key(site, counter))


class IncrementalSpiderMiddleware:
    """Records a `PendingPage` once its page is handled (see the module docstring).

    A spider middleware, because only here is it known that a callback has run to its end;
    the spool's verdict on each Document comes through the item signals."""

    def __init__(self, state: CrawlState) -> None:
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get(STATE_PATH_SETTING)
        if not path:
            raise NotConfigured("incremental crawling is off")
        middleware = cls(CrawlState(Path(path)))
        crawler.signals.connect(middleware.item_spooled, signal=signals.item_scraped)
        crawler.signals.connect(middleware.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(middleware.item_failed, signal=signals.item_error)
        return middleware

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        pending = _pending(response)
        try:
            async for item in result:
                if pending is not None and isinstance(item, Document):
                    pending.outstanding += 1
                yield item
        except Exception:
            # The callback raised part-way: Scrapy may hand the exception only to the
            # middlewares nearer the engine, so it is noted here before it goes on.
            self._failed(response)
            raise
        if pending is not None:
            pending.parsed = True
            self.state.record_pending(pending)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._failed(response)

    def item_spooled(self, item: Any, response: Response) -> None:
        pending = _pending(response)
        if pending is not None and isinstance(item, Document):
            pending.outstanding -= 1
            self.state.record_pending(pending)

    def item_dropped(self, item: Any, response: Response) -> None:
        # Dropped on purpose (a duplicate of a page spooled this crawl): handled, not failed.
        self.item_spooled(item, response)

    def item_failed(self, item: Any, response: Response) -> None:
        self._failed(response)

    def _failed(self, response: Response) -> None:
        pending = _pending(response)
        if pending is not None:
            pending.failed = True
            self.state.record_failed(pending)


def _pending(response: Any) -> PendingPage | None:
    meta = getattr(response, "meta", None) if isinstance(response, Response) else None
    pending = meta.get(PENDING_META) if meta else None
    return pending if isinstance(pending, PendingPage) else None


def known_page_requests(state_path: str | None, site: str) -> list[tuple[str, str]]:
    """The pages a spider re-checks at start (none when incremental crawling is off)."""
    return CrawlState(Path(state_path)).known_pages(site) if state_path else []
