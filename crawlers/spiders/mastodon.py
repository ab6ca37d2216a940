"""Mastodon public timelines through the REST API (no login): one Document per status.

Start URLs are API endpoints of one instance: a hashtag timeline
(`/api/v1/timelines/tag/<tag>?limit=40`), or an account looked up by handle
(`/api/v1/accounts/lookup?acct=<user>`), whose answer (an Account) leads to its statuses
(`/api/v1/accounts/<id>/statuses`). Older pages are in the `Link: <...>; rel="next"` header,
followed until a page is empty or has no next link. A boost is read as the status it boosts.
Each status gives its URL, author handle (`acct`), date, text (HTML `content`, with any
content warning first) and links (not the mention and hashtag links Mastodon adds). A body that
is not the JSON expected is counted as `broken_json`, an unusable status as `malformed_post`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawlers.dates import parse_date
from crawlers.spiders.base import ProfileSpider
from crawlers.spiders.reddit import BROKEN_JSON, MALFORMED_POST
from crawlers.text import html_to_text
from index.document import Document

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_TITLE_LENGTH = 120


def next_link(header: str) -> str | None:
    """The `rel="next"` target of an HTTP Link header, or None."""
    for target, params in _LINK.findall(header):
        rels = re.findall(r'rel\s*=\s*"?([^";]+)"?', params)
        if any("next" in rel.split() for rel in rels):
            return target
    return None


def status_links(content: str) -> list[str]:
    """The links a status's HTML content carries, without Mastodon's mention/hashtag links."""
    links = []
    for anchor in Selector(text=content or "<p></p>").css("a[href]"):
        classes = (anchor.attrib.get("class") or "").split()
        rel = (anchor.attrib.get("rel") or "").split()
        if {"mention", "hashtag"} & set(classes) or "tag" in rel:
            continue
        links.append(anchor.attrib["href"])
    return links


def usable_status(status: Any) -> dict[str, Any] | None:
    if not isinstance(status, dict):
        return None
    if isinstance(status.get("reblog"), dict):
        status = status["reblog"]
    account = status.get("account")
    url = status.get("url") or status.get("uri")
    if not isinstance(account, dict) or not isinstance(account.get("acct"), str):
        return None
    if not isinstance(url, str) or parse_date(str(status.get("created_at") or "")) is None:
        return None
    return status


class MastodonSpider(ProfileSpider):
    name = "mastodon"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            data = json.loads(response.body)
        except ValueError as error:
            self.reject(response, BROKEN_JSON, str(error))
            return
        if isinstance(data, dict) and isinstance(data.get("id"), str) and "acct" in data:
            statuses = response.urljoin(f"/api/v1/accounts/{data['id']}/statuses")
            request = self.follow_url(statuses, self.parse)
            if request is not None:
                yield request
            return
        if not isinstance(data, list):
            self.reject(response, BROKEN_JSON, "neither a list of statuses nor an account")
            return
        yield from self._statuses(response, data)
        header = (response.headers.get(b"Link") or b"").decode("latin-1")
        target = next_link(header)
        if data and target:
            request = self.follow_url(response.urljoin(target), self.parse)
            if request is not None:
                yield request

    def _statuses(self, response: Response, data: list[Any]) -> Iterator[Document]:
        for item in data:
            status = usable_status(item)
            if status is None:
                self.reject(response, MALFORMED_POST, str(item)[:80])
                continue
            text = "\n\n".join(
                part
                for part in (
                    str(status.get("spoiler_text") or ""),
                    html_to_text(str(status.get("content") or "")),
                )
                if part
            )
            if not text:
                self.reject(response, "empty_post", str(status.get("url")))
                continue
            yield self.document(
                response,
                url=status.get("url") or status["uri"],
                title=_title(text),
                text=text,
                published_at=parse_date(status["created_at"]),
                author=status["account"]["acct"],
                links=status_links(str(status.get("content") or "")),
                attributes={"language": status["language"]} if status.get("language") else {},
            )


def _title(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    if len(first_line) <= _TITLE_LENGTH:
        return first_line
    return first_line[: _TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
