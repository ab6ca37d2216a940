"""What every track4tip spider shares: one source profile, canonical requests, counted errors.

A spider instance crawls exactly one source (its profile), so per-source stats live in its own
crawler. Requests go to canonical URLs (crawlers.urls), stay on the profile's host, carry the
site id for the middlewares, and share one errback that counts every failure by reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.dates import parse_date
from crawlers.middlewares import SITE_META
from crawlers.profiles import SourceProfile
from crawlers.rejections import (
    EMPTY_PAGE,
    NEEDS_JAVASCRIPT,
    reason_for_failure,
    record_rejection,
)
from crawlers.text import selected_text
from crawlers.urls import canonical_url
from index.document import Capture, Document


def field_text(response: Response, css: str | None) -> str:
    """The visible text of every element a profile's selector matches ("" without one)."""
    return selected_text(response.css(css)) if css else ""


def field_date(response: Response, css: str | None) -> datetime | None:
    """A date from the matched element's `datetime` attribute, or else from its text."""
    if not css:
        return None
    element = response.css(css)
    return parse_date(element.attrib.get("datetime")) or parse_date(field_text(response, css))


def has_scripts(response: Response) -> bool:
    """Executable scripts (JSON-LD and other data blocks do not fill a page)."""
    types = response.css("script::attr(type)").getall()
    scripts = response.css("script")
    executable = [t for t in types if "javascript" in t.lower() or t.lower() == "module"]
    return bool(executable) or len(scripts) > len(types)


class ProfileSpider(scrapy.Spider):
    name = "profile"

    def __init__(self, profile: SourceProfile, **kwargs: Any) -> None:
        super().__init__(name=f"{self.name}:{profile.site}", **kwargs)
        self.profile = profile
        self.site = profile.site
        self._host = urlsplit(profile.absolute_start_urls()[0]).netloc

    async def start(self) -> Any:
        for url in self.profile.absolute_start_urls():
            request = self.follow_url(url, self.parse)
            if request is not None:
                yield request

    def follow_url(
        self, url: str, callback: Callable[..., Any], **cb_kwargs: Any
    ) -> scrapy.Request | None:
        """A request for a page of this source, or None for a link to another host."""
        target = canonical_url(url)
        if urlsplit(target).netloc != self._host:
            return None
        return scrapy.Request(
            target,
            callback=callback,
            errback=self.on_error,
            cb_kwargs=cb_kwargs,
            meta={SITE_META: self.site},
        )

    def follow_links(
        self, response: Response, css: str, callback: Callable[..., Any]
    ) -> Iterator[scrapy.Request]:
        """Requests for the `href` of every element the selector matches, on this host."""
        for href in response.css(f"{css}::attr(href)").getall():
            request = self.follow_url(response.urljoin(href), callback)
            if request is not None:
                yield request

    def on_error(self, failure: Failure) -> None:
        reason, detail = reason_for_failure(failure)
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        record_rejection(self.crawler.stats, self.site, reason, url, detail)

    def reject(self, response: Response, reason: str, detail: str = "") -> None:
        record_rejection(self.crawler.stats, self.site, reason, response.url, detail)

    def reject_empty(self, response: Response) -> None:
        """An empty main content: JavaScript may fill it (render later), or nothing will."""
        if has_scripts(response):
            self.reject(response, NEEDS_JAVASCRIPT, "main content is empty, page has scripts")
        else:
            self.reject(response, EMPTY_PAGE, "main content is empty")

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
        return Document.collected(
            source=self.profile.source,
            url=page_url,
            canonical_url=canonical_url(page_url),
            title=title,
            text=text,
            published_at=published_at,
            capture=Capture(sha256=hashlib.sha256(response.body).hexdigest()),
            **optional,
        )
