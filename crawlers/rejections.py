"""Why a fetched (or attempted) page did not become a Document, and where that is counted.

Every bad input is logged with its reason and counted under one prefix in the crawler's stats:
``track4tip/errors/<reason>`` and, per source, ``track4tip/<site>/errors/<reason>``. The crawl
always goes on. Reasons:

    http_<status>     the server answered with an error status (404, 500, ...)
    truncated_html    the document stops before its end (no </html>, ends inside a tag)
    not_html          binary bytes served as text/html (NUL bytes, undecodable)
    redirect_loop     a redirect back to a URL already in the redirect chain
    robots_disallowed robots.txt forbids the URL (Scrapy also counts robotstxt/forbidden)
    needs_javascript  the main content is empty but the page has scripts (render it later)
    empty_page        the main content is empty and nothing would fill it
    broken_feed       a feed that cannot be read as RSS or Atom
    broken_json       an API answer (Reddit, Mastodon) that is not the JSON expected
    malformed_post    a post in such an answer that lacks what a Document needs
    broken_sitemap    a sitemap that cannot be read (not XML, no <urlset>, a gzip bomb)
    challenge_page    a bot challenge instead of content (Cloudflare "Just a moment...")
    blocked_page      a refusal or browser error page instead of content (see blocks.py)
    internal_address  the host resolves to a loopback, private, link-local or other
                      non-public address (crawlers/egress.py; allowed networks are
                      TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS)
    too_large         the body (or its decompressed form) passes TRACK4TIP_DOWNLOAD_MAX_BYTES
    network_<error>   the request failed below HTTP (timeout, refused connection, DNS, ...)

Downloader middlewares raise `PageRejected` (an IgnoreRequest, so Scrapy drops the response);
the spider's errback counts it with `record_rejection`, so each reason is counted exactly once.

Links a spider found but did not follow are counted per source under
``track4tip/<site>/links_dropped/<reason>`` (`record_dropped_link`):

    off_site          the link goes to another host than the source's (or its mirror's)
    not_http          mailto:, tel:, javascript: and other links that are no web page

The runner adds the drops Scrapy counts itself: `duplicate` (a page already requested in this
crawl), `robots_disallowed` (also an error above) and, for a crawl stopped early, the requests
left unfetched (`page_limit`, `starved`, `stopped`).

Warnings are counted per source under ``track4tip/<site>/warnings/<warning>`` and do not stop
anything: `no_match:<selector>` is a listing or card selector of the profile that matched
nothing on a fetched listing page (a changed site, or a profile that never fitted it).
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

STATS_PREFIX = "track4tip"

HTTP_ERROR = "http_{status}"
TRUNCATED_HTML = "truncated_html"
NOT_HTML = "not_html"
REDIRECT_LOOP = "redirect_loop"
ROBOTS_DISALLOWED = "robots_disallowed"
NEEDS_JAVASCRIPT = "needs_javascript"
EMPTY_PAGE = "empty_page"
BROKEN_FEED = "broken_feed"
BROKEN_SITEMAP = "broken_sitemap"

OFF_SITE = "off_site"
NOT_HTTP = "not_http"


class PageRejected(IgnoreRequest):
    """A response (or request) that cannot give a usable page, with the reason why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def error_key(reason: str, site: str | None = None) -> str:
    if site is None:
        return f"{STATS_PREFIX}/errors/{reason}"
    return f"{STATS_PREFIX}/{site}/errors/{reason}"


def site_key(site: str, counter: str) -> str:
    """Per-source counters: pages_fetched, bytes, documents, dropped/<reason>."""
    return f"{STATS_PREFIX}/{site}/{counter}"


def record_rejection(
    stats: StatsCollector, site: str, reason: str, url: str, detail: str = ""
) -> None:
    logger.warning("rejected %s (%s)%s", url, reason, f": {detail}" if detail else "")
    stats.inc_value(error_key(reason))
    stats.inc_value(error_key(reason, site))


def reason_for_failure(failure: Failure) -> tuple[str, str]:
    """The counted reason and a human detail for a failed request."""
    error = failure.value
    if isinstance(error, PageRejected):
        return error.reason, error.detail
    if isinstance(error, HttpError):
        return HTTP_ERROR.format(status=error.response.status), ""
    if isinstance(error, IgnoreRequest):
        return "ignored", str(error)
    return f"network_{type(error).__name__}", str(error)


def record_dropped_link(stats: StatsCollector, site: str, reason: str, url: str) -> None:
    # Debug, not warning: a page may link to dozens of other sites, and the counts say enough.
    logger.debug("link not followed %s (%s)", url, reason)
    stats.inc_value(site_key(site, f"links_dropped/{reason}"))


def record_warning(stats: StatsCollector, site: str, warning: str, url: str, detail: str) -> None:
    logger.warning("%s on %s: %s", warning, url, detail)
    stats.inc_value(site_key(site, f"warnings/{warning}"))
