"""Channel previews: parsing the real t.me/s/durov capture, and crawling it over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import run_crawl_in_subprocess
from crawlers.spiders.channel import parse_channel_page
from crawlers.spool import iter_all
from tests.crawlers.local_server import serve

TELEGRAM = Path(__file__).resolve().parents[3] / "shared" / "realweb" / "telegram"


def _response(url: str) -> HtmlResponse:
    body = (TELEGRAM / "channel_feed.html").read_bytes()
    return HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def test_real_capture_gives_twenty_posts_with_dates_and_text() -> None:
    posts = parse_channel_page(_response("http://127.0.0.1:9/s/durov"))
    assert len(posts) == 20
    assert [post.number for post in posts][:3] == [519, 520, 521]
    assert {post.channel for post in posts} == {"durov"}
    assert {post.author for post in posts} == {"Pavel Durov"}
    assert posts[0].url == "http://127.0.0.1:9/durov/519"
    assert posts[0].published_at == datetime(2026, 5, 20, 15, 38, 10, tzinfo=UTC)
    assert all(post.published_at is not None for post in posts)
    assert posts[0].text.startswith("🤖 Your Telegram inbox can now run itself.")
    assert posts[3].text == ""  # 522 is a video without a caption
    assert sum(1 for post in posts if post.text) == 19
    assert all(len(post.title) <= 120 for post in posts)


def test_links_inside_the_post_text_are_kept() -> None:
    posts = parse_channel_page(_response("http://127.0.0.1:9/s/durov"))
    linked = [post for post in posts if post.links]
    assert linked, "the capture has posts with links"
    assert all(link.startswith(("http://", "https://")) for post in linked for link in post.links)


@pytest.mark.e2e
def test_crawl_of_the_real_capture(tmp_path: Path) -> None:
    profile = SourceProfile(
        name="Durov (capture)",
        site="durov",
        kind="social",
        spider="channel",
        start_urls=["/channel_feed.html"],
    )
    config = CrawlerSettings(data_dir=tmp_path, download_delay=0, autothrottle=False)
    with serve(TELEGRAM) as base_url:
        report = run_crawl_in_subprocess([profile], config, base_url)
    documents = list(iter_all(config.spool_path))
    assert len(documents) == report.totals.documents == 19
    # The "more" link (?before=519) points at a page the capture does not have.
    assert report.source("durov").errors == {"empty_post": 1, "http_404": 1}
    assert {document.author for document in documents} == {"Pavel Durov"}
    assert documents[0].url.startswith(f"{base_url}/durov/5")
