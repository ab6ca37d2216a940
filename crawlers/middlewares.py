"""Downloader middlewares that turn bad input into counted rejections (see rejections.py).

- `ResponseCheckMiddleware` counts pages and bytes per source and refuses block and challenge
  pages (`blocked_page`, `challenge_page`, also counted as `blocked`; see blocks.py), binary
  bodies served as HTML (`not_html`) and documents cut off before their end (`truncated_html`).
- `LoopAwareRedirectMiddleware` replaces Scrapy's RedirectMiddleware: a redirect back to a URL
  already in the chain is a `redirect_loop`, not a silent duplicate-filter drop.
- `CaptureMiddleware` writes every response (rejected ones too: a block page or a truncated
  transfer is evidence as well) to WARC files (crawlers.capture) before any check runs, and
  leaves the Capture in `request.meta["track4tip_capture"]` for the spider's Document.
- `SizeCapMiddleware` replaces Scrapy's HttpCompressionMiddleware, and gives a body over
  DOWNLOAD_MAXSIZE the `too_large` reason: one sent that large (the download is cancelled as
  the bytes arrive, never held whole) and one that grows past it while being decompressed
  (a gzip bomb: decompression stops at the cap).
- `RobotsRejectionMiddleware` replaces Scrapy's RobotsTxtMiddleware so a forbidden URL carries
  the `robots_disallowed` reason (Scrapy's own `robotstxt/forbidden` stat is still counted).

Requests carry their source's site id in `request.meta["track4tip_site"]`; requests without it
(robots.txt itself) are not counted as pages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.robotstxt import RobotParser

from crawlers.blocks import detect_block
from crawlers.capture import WarcStore
from crawlers.rejections import (
    NOT_HTML,
    REDIRECT_LOOP,
    ROBOTS_DISALLOWED,
    TRUNCATED_HTML,
    PageRejected,
    site_key,
)
from crawlers.urls import canonical_url

SITE_META = "track4tip_site"
CAPTURE_META = "track4tip_capture"
WARC_DIR_SETTING = "TRACK4TIP_WARC_DIR"
WARC_MAX_BYTES_SETTING = "TRACK4TIP_WARC_MAX_BYTES"
TOO_LARGE = "too_large"

# Share of U+FFFD replacement characters above which a "text" body is really binary.
_MAX_REPLACEMENT_SHARE = 0.02
_SNIFF_BYTES = 64 * 1024
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def is_html(response: Response) -> bool:
    content_type = response.headers.get(b"Content-Type", b"") or b""
    return b"html" in content_type.lower()


def looks_binary(response: Response) -> bool:
    """NUL bytes or a body that does not decode as text in any declared encoding."""
    head = response.body[:_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    if not isinstance(response, TextResponse) or not head:
        return False
    text = response.text[:_SNIFF_BYTES]
    return text.count("\ufffd") > _MAX_REPLACEMENT_SHARE * len(text)


def looks_truncated(body: bytes) -> bool:
    """No </html>, and the text stops inside a tag or before </body>.

    HTML allows leaving out </body> and </html>, but real pages almost never do; a capture that
    stops mid-tag or mid-document is a broken transfer, and indexing half a page would mislead.
    """
    if _HTML_END.search(body[-_SNIFF_BYTES:]):
        return False
    tail = body.rstrip()[-_SNIFF_BYTES:]
    ends_inside_tag = tail.rfind(b"<") > tail.rfind(b">")
    return ends_inside_tag or not _BODY_END.search(tail)


class ResponseCheckMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        site = request.meta.get(SITE_META)
        if site is None:
            return response
        self.stats.inc_value(site_key(site, "pages_fetched"))
        self.stats.inc_value(site_key(site, "bytes"), len(response.body))
        if not is_html(response):
            return response
        block = detect_block(response.body)  # whatever the status: challenges come as 403/503
        if block is not None:
            self.stats.inc_value(site_key(site, "blocked"))
            raise PageRejected(block.reason, block.detail)
        if not 200 <= response.status < 300:
            return response
        if looks_binary(response):
            raise PageRejected(NOT_HTML, f"{len(response.body)} bytes that are not text")
        if looks_truncated(response.body):
            raise PageRejected(TRUNCATED_HTML, "the document stops before </html>")
        return response


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        seen = {canonical_url(url) for url in chain}
        if canonical_url(redirected.url) in seen:
            raise PageRejected(REDIRECT_LOOP, " -> ".join([*chain, redirected.url]))
        return super()._redirect(redirected, request, reason)


class SizeCapMiddleware(HttpCompressionMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except PageRejected:
            raise
        except IgnoreRequest as error:  # the only one it raises: decompressed past the cap
            raise PageRejected(TOO_LARGE, str(error)) from error

    def process_exception(self, request: Request, exception: Exception) -> None:
        # The download handler cancels a body past DOWNLOAD_MAXSIZE: announced by its
        # Content-Length (DownloadCancelledError) or counted as it streams (CancelledError).
        from twisted.internet.defer import CancelledError

        if isinstance(exception, DownloadCancelledError | CancelledError):
            limit = request.meta.get("download_maxsize", self._max_size)
            detail = str(exception) or f"received more than DOWNLOAD_MAXSIZE ({limit} B)"
            raise PageRejected(TOO_LARGE, detail) from exception


class RobotsRejectionMiddleware(RobotsTxtMiddleware):
    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as error:
            raise PageRejected(ROBOTS_DISALLOWED, str(error)) from error


def _request_headers(request: Request) -> list[tuple[str, str]]:
    pairs = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in request.headers.items()
        for value in values
    ]
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", urlsplit(request.url).netloc))
    return pairs


def _response_headers(response: Response) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items()
        if name.lower() != b"transfer-encoding"  # the stored body is no longer chunked
        for value in values
    ]


def _screenshot(request: Request) -> bytes | None:
    """The PNG a `screenshot` page method took of a rendered page, if one did."""
    for method in request.meta.get("playwright_page_methods") or []:
        if getattr(method, "method", None) == "screenshot" and isinstance(method.result, bytes):
            return method.result
    return None


class CaptureMiddleware:
    def __init__(self, store: WarcStore, crawler: Crawler) -> None:
        self.store = store
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        directory = crawler.settings.get(WARC_DIR_SETTING)
        if not directory:
            raise NotConfigured(f"{WARC_DIR_SETTING} is not set")
        store = WarcStore(Path(directory), crawler.settings.getint(WARC_MAX_BYTES_SETTING))
        middleware = cls(store, crawler)
        crawler.signals.connect(store.close, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("playwright"):
            capture = self.store.write_rendered(response.url, response.body, _screenshot(request))
        else:
            parts = urlsplit(request.url)
            target = parts.path or "/"
            capture = self.store.write_exchange(
                response.url,
                (request.method, f"{target}?{parts.query}" if parts.query else target),
                _request_headers(request),
                response.status,
                _response_headers(response),
                response.body,
                response.protocol or "HTTP/1.1",
            )
        request.meta[CAPTURE_META] = capture
        site = request.meta.get(SITE_META)
        if site is not None:
            self.stats.inc_value(site_key(site, "captures"))
        return response
