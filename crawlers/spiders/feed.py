"""News feeds: RSS/Atom -> article pages -> one Document per article.

The feed gives each article's link, title, date and summary; the article page gives the full
text through the profile's selectors (`title`, `description` for the body paragraphs, `date`).
The page wins where it has a value, the feed fills the gaps. A feed that cannot be read is
counted as `broken_feed` and the crawl goes on; an entry without a link is skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.feeds import FeedEntry, FeedError, parse_feed
from crawlers.rejections import BROKEN_FEED
from crawlers.spiders.base import ProfileSpider, field_date, field_text
from crawlers.text import html_to_text
from index.document import Document


def http_charset(response: Response) -> str | None:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"'")
    return None


class FeedSpider(ProfileSpider):
    name = "feed"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            entries = parse_feed(response.body, http_charset(response))
        except FeedError as error:
            self.reject(response, BROKEN_FEED, str(error))
            return
        for entry in entries:
            if not entry.link:
                self.reject(response, "feed_entry_without_link", entry.title)
                continue
            request = self.follow_url(response.urljoin(entry.link), self.parse_article, entry=entry)
            if request is not None:
                yield request

    def parse_article(self, response: Response, entry: FeedEntry) -> Iterator[Document]:
        fields = self.profile.fields
        text = field_text(response, fields.description) or html_to_text(entry.summary)
        if not text:
            self.reject_empty(response)
            return
        yield self.document(
            response,
            title=field_text(response, fields.title) or entry.title,
            text=text,
            published_at=field_date(response, fields.date) or entry.published,
        )
