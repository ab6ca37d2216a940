"""News feeds: RSS/Atom -> article pages -> one Document per article.

The feed gives each article's link, title, date and summary; the article page gives the full
text: through the profile's selectors (`title`, `description` for the body paragraphs, `date`)
where the profile declares them, else through trafilatura and htmldate (real news sites).
The page wins where it has a value, the feed fills the gaps. A feed that cannot be read is
counted as `broken_feed` and the crawl goes on; an entry without a link is skipped and counted.

The feed item itself becomes the Document (its title, summary, date and link, the feed's
capture as evidence) when its page is not to be fetched or cannot be: the profile says
`feed.fetch_items: false`, the link is on a host that is neither the profile's nor one of its
`feed.item_hosts`, or the fetch fails (404, refused connection, robots.txt). Each such Document
is counted under `feed_items/<why>` (`not_fetched`, `off_site`, `http_404`, ...), so a Reddit
feed whose items all point elsewhere gives its posts, not 0 documents and no error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.articles import Article, extract_article
from crawlers.feeds import FeedEntry, FeedError, parse_feed
from crawlers.incremental import GONE_META, NotModified
from crawlers.middlewares import CAPTURE_META
from crawlers.rejections import BROKEN_FEED, OFF_SITE, reason_for_failure, site_key
from crawlers.spiders.base import ProfileSpider, field_date, field_text
from crawlers.text import html_to_text
from crawlers.urls import canonical_url
from index.document import Capture, Document

FEED_CAPTURE_META = "track4tip_feed_capture"
NOT_FETCHED = "not_fetched"


def http_charset(response: Response) -> str | None:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"'")
    return None


# An article re-checked by an incremental crawl comes from no feed entry.
NO_ENTRY = FeedEntry(title="", link=None, published=None, summary="")


class FeedSpider(ProfileSpider):
    name = "feed"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            entries = parse_feed(response.body, http_charset(response))
        except FeedError as error:
            self.reject(response, BROKEN_FEED, str(error))
            return
        capture = self._capture(response)
        for entry in entries:
            if not entry.link:
                self.reject(response, "feed_entry_without_link", entry.title)
                continue
            link = response.urljoin(entry.link)
            if not self.profile.feed.fetch_items:
                yield self.entry_document(entry, link, capture, NOT_FETCHED)
                continue
            request = self.follow_url(link, self.parse_article, entry=entry)
            if request is None:
                if link.startswith(("http://", "https://")):
                    yield self.entry_document(entry, link, capture, OFF_SITE)
                continue
            request.meta[FEED_CAPTURE_META] = capture
            yield request

    def _capture(self, response: Response) -> Capture:
        return response.meta.get(CAPTURE_META) or Capture(
            sha256=hashlib.sha256(response.body).hexdigest()
        )

    def entry_document(self, entry: FeedEntry, link: str, capture: Capture, why: str) -> Document:
        """The feed item as the Document: its page is not fetched, or could not be."""
        self.crawler.stats.inc_value(site_key(self.site, f"feed_items/{why}"))
        summary = html_to_text(entry.summary)
        return Document.collected(
            source=self.profile.source,
            url=link,
            canonical_url=canonical_url(link),
            title=entry.title,
            text=summary or entry.title,
            published_at=entry.published,
            capture=capture,
            attributes={"from_feed": why},
        )

    def on_error(self, failure: Failure) -> list[Document]:
        """An item page that cannot be fetched gives the feed item instead (not a known
        article now gone: that is a take-down; not one unchanged: nothing to do)."""
        request = getattr(failure, "request", None)
        entry = request.cb_kwargs.get("entry") if request is not None else None
        capture = request.meta.get(FEED_CAPTURE_META) if request is not None else None
        response = getattr(failure.value, "response", None)
        gone = response is not None and response.meta.get(GONE_META)
        if entry is None or capture is None or gone or failure.check(NotModified):
            return super().on_error(failure)
        reason, _ = reason_for_failure(failure)
        return [self.entry_document(entry, request.url, capture, reason)]

    def parse_article(self, response: Response, entry: FeedEntry = NO_ENTRY) -> Iterator[Any]:
        """The article page: the profile's selectors where it declares a body selector, else
        trafilatura's main text and metadata and htmldate's date (crawlers/articles.py)."""
        fields = self.profile.fields
        if fields.description:
            article = Article(
                title=field_text(response, fields.title),
                text=field_text(response, fields.description),
                published_at=field_date(response, fields.date),
            )
        else:
            article = extract_article(response.body, response.url)
        text = article.text or html_to_text(entry.summary)
        if not text:
            yield from self.reject_empty(response)
            return
        yield self.document(
            response,
            title=article.title or entry.title,
            text=text,
            published_at=article.published_at or entry.published,
            author=article.author,
            attributes=article.attributes,
        )
