"""News sitemaps: `<urlset>` (Google News extensions included) -> article pages -> Documents.

A sitemap index is followed to its sitemaps; every listed page is read as an article, exactly as
the feed spider reads one (crawlers/spiders/feed.py), with the news sitemap's title and
publication date filling what the page lacks. A sitemap that cannot be read is counted as
`broken_sitemap` and the crawl goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.feeds import FeedEntry
from crawlers.rejections import BROKEN_SITEMAP
from crawlers.sitemaps import SitemapError, parse_sitemap
from crawlers.spiders.feed import FeedSpider


class SitemapSpider(FeedSpider):
    name = "sitemap"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            sitemap = parse_sitemap(response.body)
        except SitemapError as error:
            self.reject(response, BROKEN_SITEMAP, str(error))
            return
        for entry in sitemap.entries:
            url = response.urljoin(entry.loc)
            if sitemap.is_index:
                request = self.follow_url(url, self.parse)
            else:
                article = FeedEntry(
                    title=entry.title, link=url, published=entry.published, summary=""
                )
                request = self.follow_url(url, self.parse_article, entry=article)
            if request is not None:
                yield request
