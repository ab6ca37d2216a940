"""What every track4tip spider shares: one source profile, canonical requests, counted errors.

A spider instance crawls exactly one source (its profile), so per-source stats live in its own
crawler. Requests go to canonical URLs (crawlers.urls), stay on the profile's host, carry the
site id for the middlewares, and share one errback that counts every failure by reason. A link
that is not followed is counted by reason (crawlers/rejections.py): `off_site`, `not_http`.
When the profile points at a mirror (`--base-url`), absolute links to the host the profile was
written for lead into the mirror. A feed profile's `feed.item_hosts` are followed as well.

With incremental crawling, `IncrementalSpiderMiddleware` (switched on here, for these spiders
only) records a page's state once it is parsed and its Documents spooled; a known ad or article
that now answers 404/410 is spooled as taken_down, and nothing else is (a vanished listing page
is an error, not an ad).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.dates import parse_date, parse_relative_date
from crawlers.incremental import (
    GONE_META,
    RECHECKED_CALLBACKS,
    STATE_PATH_SETTING,
    NotModified,
    known_page_requests,
)
from crawlers.middlewares import CAPTURE_META, SITE_META
from crawlers.profiles import SourceProfile
from crawlers.rejections import (
    EMPTY_PAGE,
    NEEDS_JAVASCRIPT,
    NOT_HTTP,
    OFF_SITE,
    reason_for_failure,
    record_dropped_link,
    record_rejection,
    record_warning,
    site_key,
)
from crawlers.rendering import render_meta
from crawlers.selectors import FieldSpec, Scope, first_attribute, first_text
from crawlers.urls import canonical_url, site_host
from index.document import Capture, Document, Status, utc_now


def field_text(scope: Scope, spec: FieldSpec) -> str:
    """The visible text a profile's field selector finds ("" without one)."""
    return first_text(scope, spec)


def field_date(scope: Scope, spec: FieldSpec, now: datetime | None = None) -> datetime | None:
    """A date from the matched element's `datetime` attribute, else from its text: absolute,
    or relative to `now` ("Hace 2 horas") when the caller gives the fetch time."""
    if not spec:
        return None
    text = field_text(scope, spec)
    absolute = parse_date(first_attribute(scope, spec, "datetime")) or parse_date(text)
    return absolute or (parse_relative_date(text, now) if now else None)


def has_scripts(response: Response) -> bool:
    """Executable scripts (JSON-LD and other data blocks do not fill a page)."""
    types = response.css("script::attr(type)").getall()
    scripts = response.css("script")
    executable = [t for t in types if "javascript" in t.lower() or t.lower() == "module"]
    return bool(executable) or len(scripts) > len(types)


class ProfileSpider(scrapy.Spider):
    name = "profile"
    # Scrapy's settings carry no SPIDER_MIDDLEWARES of ours, so nothing else is replaced here;
    # Scrapy reads this from the class before any instance exists.
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012
        "SPIDER_MIDDLEWARES": {"crawlers.incremental.IncrementalSpiderMiddleware": 950},
    }

    def __init__(self, profile: SourceProfile, **kwargs: Any) -> None:
        super().__init__(name=f"{self.name}:{profile.site}", **kwargs)
        self.profile = profile
        self.site = profile.site
        start = urlsplit(profile.absolute_start_urls()[0])
        self._host = site_host(start.geturl())
        self._origin = (start.scheme, start.netloc)
        self._mirrored_host = site_host(profile.mirror_of) if profile.mirror_of else None
        self._other_hosts = frozenset(profile.feed.item_hosts)

    async def start(self) -> Any:
        for url in self.profile.absolute_start_urls():
            request = self.follow_url(url, self.parse)
            if request is not None:
                yield request
        # Incremental re-crawl: the ads and articles seen before, to find the ones now gone.
        state_path = self.settings.get(STATE_PATH_SETTING)
        for url, callback in known_page_requests(state_path, self.site):
            if hasattr(self, callback):
                request = self.follow_url(url, getattr(self, callback))
                if request is not None:
                    yield request

    def follow_url(
        self, url: str, callback: Callable[..., Any], render: bool = False, **cb_kwargs: Any
    ) -> scrapy.Request | None:
        """A request for a page of this source, or None for a link to another host.

        `render` (or the profile's `render: true`) sends it through Chromium."""
        target = self.on_this_site(canonical_url(url))
        if target is None:
            return None
        meta: dict[str, Any] = {SITE_META: self.site, **self.request_meta(callback)}
        if render or self.profile.render:
            meta |= self._render_meta()
        return scrapy.Request(
            target, callback=callback, errback=self.on_error, cb_kwargs=cb_kwargs, meta=meta
        )

    def request_meta(self, callback: Callable[..., Any]) -> dict[str, Any]:
        """Extra meta for a request to `callback` (a spider that needs some overrides it)."""
        return {}

    def on_this_site(self, url: str) -> str | None:
        """`url` when it is a page of this source (moved onto the mirror when it names the
        mirrored host), else None, counted by why it is not followed."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            record_dropped_link(self.crawler.stats, self.site, NOT_HTTP, url)
            return None
        host = site_host(url)
        if host == self._host or host in self._other_hosts:
            return url
        if host == self._mirrored_host:
            return urlunsplit((*self._origin, parts.path, parts.query, ""))
        record_dropped_link(self.crawler.stats, self.site, OFF_SITE, url)
        return None

    def _render_meta(self) -> dict[str, Any]:
        self.crawler.stats.inc_value(site_key(self.site, "rendered"))
        return render_meta(self.profile.page_actions)

    def render_again(self, response: Response) -> scrapy.Request | None:
        """The same request through Chromium, when the profile renders pages that need it
        and this response was not rendered already."""
        if self.profile.render_when != "needs_javascript" or response.meta.get("playwright"):
            return None
        meta = {SITE_META: self.site, **self._render_meta()}
        return response.request.replace(meta=meta, dont_filter=True) if response.request else None

    def follow_links(
        self,
        response: Response,
        css: str,
        callback: Callable[..., Any],
        must_match: str | None = None,
    ) -> Iterator[scrapy.Request]:
        """Requests for the `href` of every element the selector matches, on this host (or
        for the attribute the selector names: `span[title=Siguiente]::attr(data-path)`).

        `must_match` names the profile field of a selector that should match on every page
        it is used on; matching nothing is then a counted warning."""
        hrefs = self.link_values(response, css)
        if not hrefs and must_match:
            self.warn_no_match(response, must_match, css)
        for href in hrefs:
            request = self.follow_url(response.urljoin(href), callback)
            if request is not None:
                yield request

    def link_values(self, response: Response, css: str) -> list[str]:
        """What a link selector finds: each element's `href`, or the attribute it names."""
        query = css if "::attr(" in css else f"{css}::attr(href)"
        return response.css(query).getall()

    def warn_no_match(self, response: Response, selector_field: str, selector: str) -> None:
        """A listing or card selector that matched nothing on a fetched listing page: the site
        changed, or the profile never fitted it; the crawl goes on, the report says so."""
        detail = f"{selector_field} {selector!r} matched nothing"
        record_warning(
            self.crawler.stats, self.site, f"no_match:{selector_field}", response.url, detail
        )

    def on_error(self, failure: Failure) -> list[Document]:
        """Count a failure by reason; a known ad now gone (404/410) is spooled as taken_down
        instead, and a page unchanged since the last crawl is no failure at all."""
        if failure.check(NotModified):
            return []
        response = getattr(failure.value, "response", None)
        if isinstance(failure.value, HttpError) and response is not None:
            last_seen = response.meta.get(GONE_META)
            if last_seen and self.is_recheck(failure):
                self.crawler.stats.inc_value(site_key(self.site, "taken_down"))
                return [self.taken_down(response, datetime.fromisoformat(last_seen))]
        reason, detail = reason_for_failure(failure)
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        record_rejection(self.crawler.stats, self.site, reason, url, detail)
        return []

    def is_recheck(self, failure: Failure) -> bool:
        """Whether the failed request read an ad or article (never a listing page)."""
        request = getattr(failure, "request", None)
        return getattr(getattr(request, "callback", None), "__name__", None) in RECHECKED_CALLBACKS

    def taken_down(self, response: Response, last_seen: datetime) -> Document:
        """A vanished ad: no content (the index keeps what it stored), gone now, last seen
        when the previous crawl fetched it; the 404/410 answer is its capture."""
        gone = self.document(
            response, title="", text="", status=Status.TAKEN_DOWN, taken_down_at=utc_now()
        )
        return gone.model_copy(update={"first_seen": last_seen, "last_seen": last_seen})

    def reject(self, response: Response, reason: str, detail: str = "") -> None:
        self.reject_url(response.url, reason, detail)

    def reject_url(self, url: str, reason: str, detail: str = "") -> None:
        record_rejection(self.crawler.stats, self.site, reason, url, detail)

    def reject_empty(self, response: Response) -> Iterator[scrapy.Request]:
        """An empty main content: JavaScript may fill it (render it, if the profile says so,
        else count it), or nothing will."""
        if not has_scripts(response):
            self.reject(response, EMPTY_PAGE, "main content is empty")
            return
        rendered = self.render_again(response)
        if rendered is not None:
            yield rendered
        else:
            self.reject(response, NEEDS_JAVASCRIPT, "main content is empty, page has scripts")

    def document(
        self,
        response: Response,
        *,
        title: str,
        text: str,
        url: str | None = None,
        published_at: datetime | None = None,
        **optional: Any,
    ) -> Document:
        page_url = url or response.url
        capture = response.meta.get(CAPTURE_META) or Capture(
            sha256=hashlib.sha256(response.body).hexdigest()
        )
        return Document.collected(
            source=self.profile.source,
            url=page_url,
            canonical_url=canonical_url(page_url),
            title=title,
            text=text,
            published_at=published_at,
            capture=capture,
            **optional,
        )
