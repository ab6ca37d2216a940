"""Public channel previews shaped like Telegram's t.me/s/<channel>: one Document per post.

Each `div.tgme_widget_message[data-post="<channel>/<n>"]` is a post: its URL is
`<base>/<channel>/<n>`, its author the owner name, its date the `time[datetime]` inside the
date link, its text `div.tgme_widget_message_text` (not the quoted text of a reply), its links
the anchors in that text. Older posts load through `a.tme_messages_more[data-before]`
(`?before=N`), which the spider follows. A post with neither text nor links (a bare photo or
video) gives nothing to analyse and is counted as `empty_post`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawlers.dates import parse_date
from crawlers.spiders.base import ProfileSpider
from crawlers.text import selected_text
from index.document import Document

_MESSAGE_TEXT = (
    './/div[contains(concat(" ", normalize-space(@class), " "), " tgme_widget_message_text ")]'
    '[not(ancestor::*[contains(@class, "tgme_widget_message_reply")])]'
)
_POST_DATE = "a.tgme_widget_message_date time::attr(datetime)"
_CONTACT_PREFIXES = ("https://wa.me/", "http://wa.me/", "https://t.me/", "mailto:", "tel:")
_TITLE_LENGTH = 120


@dataclass(frozen=True)
class ChannelPost:
    channel: str
    number: int
    url: str
    author: str
    published_at: datetime | None
    text: str
    links: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        first_line = self.text.split("\n", 1)[0]
        if len(first_line) <= _TITLE_LENGTH:
            return first_line
        return first_line[: _TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"

    @property
    def contact_links(self) -> list[str]:
        return [link for link in self.links if link.startswith(_CONTACT_PREFIXES)]


def _post(message: Selector, page: Response) -> ChannelPost | None:
    channel, _, number = (message.attrib.get("data-post") or "").partition("/")
    if not channel or not number.isdigit():
        return None
    body = message.xpath(_MESSAGE_TEXT)[:1]
    hrefs = body.css("a::attr(href)").getall()
    return ChannelPost(
        channel=channel,
        number=int(number),
        url=page.urljoin(f"/{channel}/{number}"),
        author=selected_text(message.css("a.tgme_widget_message_owner_name")),
        published_at=parse_date(message.css(_POST_DATE).get()),
        text=selected_text(body),
        links=[page.urljoin(href) for href in hrefs],
    )


def parse_channel_page(page: Response) -> list[ChannelPost]:
    """The posts of one preview page, in page order (oldest first on Telegram)."""
    posts = (_post(message, page) for message in page.css("div.tgme_widget_message"))
    return [post for post in posts if post is not None]


class ChannelSpider(ProfileSpider):
    name = "channel"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        for post in parse_channel_page(response):
            if post.text or post.links:
                yield self._document(response, post)
            else:
                self.reject(response, "empty_post", post.url)
        yield from self.follow_links(response, "a.tme_messages_more[data-before]", self.parse)

    def _document(self, response: Response, post: ChannelPost) -> Document:
        contacts = post.contact_links
        return self.document(
            response,
            url=post.url,
            title=post.title,
            text=post.text,
            published_at=post.published_at,
            author=post.author or None,
            links=post.links,
            attributes={"contact": " ".join(contacts)} if contacts else {},
        )
