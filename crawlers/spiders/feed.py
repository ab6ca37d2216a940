"""News feeds: RSS/Atom -> article pages -> one Document per article.

The feed gives each article's link, title, date and summary; the article page gives the full
text: through the profile's selectors (`title`, `description` for the body paragraphs, `date`)
where the profile declares them, else through trafilatura and htmldate (real news sites).
The page wins where it has a value, the feed fills the gaps. A feed that cannot be read is
counted as `broken_feed` and the crawl goes on; an entry without a link is skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.articles import Article, extract_article
from crawlers.feeds import FeedEntry, FeedError, parse_feed
from crawlers.rejections import BROKEN_FEED
from crawlers.spiders.base import ProfileSpider, field_date, field_text
from crawlers.text import html_to_text


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
        for entry in entries:
            if not entry.link:
                self.reject(response, "feed_entry_without_link", entry.title)
                continue
            request = self.follow_url(response.urljoin(entry.link), self.parse_article, entry=entry)
            if request is not None:
                yield request

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
