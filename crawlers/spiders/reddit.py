"""Reddit listings (`/r/<sub>/new.json`, `/user/<name>/submitted.json`): one Document per post.

Public listing JSON needs no login. A listing is `{"kind": "Listing", "data": {"children":
[{"kind": "t3", "data": {...}}], "after": "t3_..."}}`; each t3 child is a post with its author
handle, permalink, `created_utc`, title, `selftext` and the `url` it links to (the post itself
for a text post). The next page is the same URL with `?after=<after>`, followed until `after`
is null. Posts reappear on the next page when the listing moves; each is kept once. A body that
is not a listing is counted as `broken_json`, a child that is not a usable post as
`malformed_post`, and the crawl goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Response

from crawlers.spiders.base import ProfileSpider
from index.document import Document

BROKEN_JSON = "broken_json"
MALFORMED_POST = "malformed_post"
_TITLE_LENGTH = 300


def listing_children(body: bytes) -> tuple[list[Any], str | None]:
    """The children and the `after` cursor of a Reddit listing; ValueError when it is none."""
    data = json.loads(body)
    if not isinstance(data, dict) or data.get("kind") != "Listing":
        raise ValueError("not a Reddit Listing object")
    listing = data.get("data")
    if not isinstance(listing, dict) or not isinstance(listing.get("children"), list):
        raise ValueError("the listing has no data.children list")
    after = listing.get("after")
    return listing["children"], after if isinstance(after, str) and after else None


def with_after(url: str, after: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "after"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("after", after)])))


def post_fields(child: Any) -> dict[str, Any] | None:
    """A t3 child's data when it has what a Document needs, else None."""
    if not isinstance(child, dict) or child.get("kind") != "t3":
        return None
    post = child.get("data")
    if not isinstance(post, dict):
        return None
    needed = (post.get("name"), post.get("permalink"), post.get("title"), post.get("author"))
    if not all(isinstance(value, str) and value for value in needed):
        return None
    if not isinstance(post.get("created_utc"), int | float):
        return None
    return post


class RedditSpider(ProfileSpider):
    name = "reddit"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen: set[str] = set()

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            children, after = listing_children(response.body)
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            self.reject(response, BROKEN_JSON, str(error))
            return
        for child in children:
            post = post_fields(child)
            if post is None:
                self.reject(response, MALFORMED_POST, str(child)[:80])
            elif post["name"] not in self._seen:
                self._seen.add(post["name"])
                yield self._document(response, post)
        if after:
            request = self.follow_url(with_after(response.url, after), self.parse)
            if request is not None:
                yield request

    def _document(self, response: Response, post: dict[str, Any]) -> Document:
        selftext = str(post.get("selftext") or "").strip()
        linked = str(post.get("url") or "")
        permalink = response.urljoin(post["permalink"])
        external = linked if linked.startswith(("http://", "https://")) else ""
        attributes = {
            "subreddit": str(post.get("subreddit") or ""),
            "domain": str(post.get("domain") or ""),
        }
        return self.document(
            response,
            url=permalink,
            title=post["title"][:_TITLE_LENGTH],
            text="\n\n".join(part for part in (post["title"], selftext) if part),
            published_at=datetime.fromtimestamp(post["created_utc"], tz=UTC),
            author=post["author"],
            links=[external] if external and not post.get("is_self") else [],
            attributes={key: value for key, value in attributes.items() if value},
        )
