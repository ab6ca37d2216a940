"""Social sources through their public JSON: a real Reddit listing (../shared/realweb/reddit)
and a Mastodon instance's REST API (a synthetic fixture shaped like the real API), both served
on 127.0.0.1 and crawled by real Scrapy crawlers, with `after` and Link-header paging."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spiders.mastodon import next_link, status_links, usable_status
from crawlers.spiders.reddit import listing_children, post_fields, with_after
from crawlers.spool import iter_all
from index.document import Document
from tests.crawlers.local_server import serve

REALWEB = Path(__file__).resolve().parents[3] / "shared" / "realweb"
REDDIT = (REALWEB / "reddit" / "reddit.json").read_bytes()
AFTER = "t3_7xm3fw"

REDDIT_PAGE_2 = json.dumps(
    {
        "kind": "Listing",
        "data": {
            "after": None,
            "children": [
                # the last post of page 1 again (listings move), a new one, and two broken ones
                json.loads(REDDIT)["data"]["children"][-1],
                {"kind": "t3", "data": {"name": "t3_new1", "author": "ana_r", "title": "Se busca",
                 "selftext": "Trabajo en el exterior", "permalink": "/r/empleo/comments/new1/x/",
                 "created_utc": 1518700000, "url": "https://www.reddit.com/r/empleo/comments/new1/x/",
                 "is_self": True, "subreddit": "empleo", "domain": "self.empleo"}},
                {"kind": "t3", "data": {"name": "t3_bad", "title": "no author"}},
                "not an object",
            ],
        },
    }
).encode()  # fmt: skip


def _crawl(
    tmp_path: Path, profile: SourceProfile, **server: object
) -> tuple[CrawlReport, list[Document]]:
    config = CrawlerSettings(data_dir=tmp_path, download_delay=0, autothrottle=False)
    pages: dict[str, bytes] = server["pages"]  # type: ignore[assignment]
    # The real APIs answer application/json (the HTML checks do not apply to it).
    types = {path.split("?")[0]: "application/json; charset=utf-8" for path in pages}
    with serve(tmp_path, types=types, **server) as base_url:  # type: ignore[arg-type]
        report = run_crawl_in_subprocess([profile], config, base_url)
    return report, list(iter_all(config.spool_path))


def _profile(site: str, spider: str, start: str) -> SourceProfile:
    return SourceProfile(name=site, site=site, kind="social", spider=spider, start_urls=[start])


def test_real_reddit_listing_parses_to_25_posts() -> None:
    children, after = listing_children(REDDIT)
    posts = [post_fields(child) for child in children]
    assert len(posts) == 25 and all(posts)
    assert after == AFTER


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[]", b'{"kind": "t3"}', b'{"kind": "Listing", "data": {"children": 3}}'],
)
def test_bodies_that_are_no_listing_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        listing_children(body)


def test_after_replaces_the_cursor() -> None:
    assert (
        with_after("http://h/r/x.json?limit=5&after=t3_a", "t3_b")
        == "http://h/r/x.json?limit=5&after=t3_b"
    )


@pytest.mark.e2e
def test_crawl_of_the_real_reddit_listing_with_paging(tmp_path: Path) -> None:
    pages = {"/r/front.json": REDDIT, f"/r/front.json?after={AFTER}": REDDIT_PAGE_2}
    report, documents = _crawl(
        tmp_path, _profile("reddit_front", "reddit", "/r/front.json"), pages=pages
    )
    assert len(documents) == report.totals.documents == 26  # 25 + 1 new; the repeat is kept once
    assert report.source("reddit_front").errors == {"malformed_post": 2}
    assert report.source("reddit_front").pages_fetched == 2
    first = documents[0]
    assert first.author == "DemiFiendRSA"
    assert first.title == first.text == "Incredibles 2 - Olympics Sneak Peek"
    assert first.url.endswith("/r/movies/comments/7xnroa/incredibles_2_olympics_sneak_peek/")
    assert first.published_at == datetime.fromtimestamp(1518665708, tz=UTC)
    assert first.links == ["https://www.youtube.com/watch?v=YBpdL9hSac4"]
    assert first.attributes == {"subreddit": "movies", "domain": "youtube.com"}
    assert [d.author for d in documents[:3]] == ["DemiFiendRSA", "IronPhi", "angryku"]
    assert len({d.author for d in documents}) == 26
    assert sum(1 for d in documents if d.links) == 22  # link posts; text posts link nowhere else
    (tifu,) = [d for d in documents if d.author == "Osoguineapig"]
    assert tifu.text.startswith("TIFU by being alone on Valentine's Day\n\nAt the checkout area")
    assert len(tifu.text) == len("TIFU by being alone on Valentine's Day") + 2 + 1687
    assert tifu.published_at == datetime(2018, 2, 15, 0, 0, 26, tzinfo=UTC)
    assert (
        documents[-1].author == "ana_r"
        and documents[-1].text == "Se busca\n\nTrabajo en el exterior"
    )


def _status(n: int, acct: str, content: str, **extra: object) -> dict[str, object]:
    """A status as Mastodon's API serves it (fields trimmed to those a client commonly reads)."""
    return {
        "id": str(110000 + n),
        "created_at": f"2024-03-0{n}T12:30:00.000Z",
        "in_reply_to_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "es",
        "uri": f"https://social.example/users/{acct}/statuses/{110000 + n}",
        "url": f"https://social.example/@{acct}/{110000 + n}",
        "replies_count": 0,
        "reblogs_count": 1,
        "favourites_count": 2,
        "content": content,
        "reblog": None,
        "account": {"id": str(n), "username": acct, "acct": acct, "display_name": acct.title(),
                    "url": f"https://social.example/@{acct}"},
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": "trata", "url": "https://social.example/tags/trata"}],
        **extra,
    }  # fmt: skip


HASHTAG = (
    '<a href="https://social.example/tags/trata" class="mention hashtag" rel="tag">'
    "#<span>trata</span></a>"
)
OFFER = '<a href="https://ofertas.example/x" rel="nofollow noopener">ofertas.example/x</a>'
TAG_PAGE_1 = [
    _status(
        1,
        "ana",
        f"<p>Oferta falsa de empleo en Madrid {HASHTAG}</p><p>Ver {OFFER}</p>",
    ),
    _status(
        2,
        "luis@other.example",
        "<p>Alerta: piden pasaporte<br>por WhatsApp</p>",
        spoiler_text="CW: trata",
    ),
]
TAG_PAGE_2 = [
    {**_status(3, "booster", ""), "reblog": _status(4, "ong_alerta", f"<p>Denuncia {HASHTAG}</p>")},
    {"id": "9", "content": "<p>no account</p>"},
]
API = "/api/v1/timelines/tag/trata"


@pytest.mark.e2e
def test_crawl_of_a_mastodon_hashtag_timeline_with_link_paging(tmp_path: Path) -> None:
    pages = {
        API: json.dumps(TAG_PAGE_1).encode(),
        f"{API}?max_id=110002": json.dumps(TAG_PAGE_2).encode(),
        f"{API}?max_id=110003": b"[]",
    }
    headers = {
        API: {"Link": f'<{API}?max_id=110002>; rel="next", <{API}?min_id=110001>; rel="prev"'},
        f"{API}?max_id=110002": {"Link": f'<{API}?max_id=110003>; rel="next"'},
    }
    report, documents = _crawl(
        tmp_path, _profile("mastodon_trata", "mastodon", API), pages=pages, headers=headers
    )
    assert [d.author for d in documents] == ["ana", "luis@other.example", "ong_alerta"]
    assert report.source("mastodon_trata").errors == {"malformed_post": 1}
    assert report.source("mastodon_trata").pages_fetched == 3
    ana, luis, boosted = documents
    assert ana.url == "https://social.example/@ana/110001"
    assert ana.text == "Oferta falsa de empleo en Madrid #trata\n\nVer ofertas.example/x"
    assert ana.links == ["https://ofertas.example/x"]  # not the hashtag link
    assert ana.published_at == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    assert ana.attributes == {"language": "es"}
    assert luis.text == "CW: trata\n\nAlerta: piden pasaporte\npor WhatsApp"
    assert boosted.url == "https://social.example/@ong_alerta/110004"


@pytest.mark.e2e
def test_crawl_of_a_mastodon_account_by_handle(tmp_path: Path) -> None:
    lookup = "/api/v1/accounts/lookup?acct=ana"
    pages = {
        lookup: json.dumps({"id": "1", "username": "ana", "acct": "ana"}).encode(),
        "/api/v1/accounts/1/statuses": json.dumps(TAG_PAGE_1[:1]).encode(),
        "/api/v1/broken": b"<html>not json</html>",
    }
    profile = SourceProfile(name="a", site="mastodon_ana", kind="social", spider="mastodon",
                            start_urls=[lookup, "/api/v1/broken"])  # fmt: skip
    report, documents = _crawl(tmp_path, profile, pages=pages)
    assert [d.author for d in documents] == ["ana"]
    assert report.source("mastodon_ana").errors == {"broken_json": 1}


@pytest.mark.parametrize(
    ("header", "target"),
    [
        (
            '<https://m.example/api?max_id=5>; rel="next", '
            '<https://m.example/api?min_id=9>; rel="prev"',
            "https://m.example/api?max_id=5",
        ),
        ('<https://m.example/api?min_id=9>; rel="prev"', None),
        ("", None),
        ("garbage; rel=next", None),
        ("</a?max_id=1>; rel=next", "/a?max_id=1"),
    ],
)
def test_link_header(header: str, target: str | None) -> None:
    assert next_link(header) == target


@pytest.mark.parametrize(
    "status",
    [None, [], {}, {"account": {"acct": "a"}, "url": "u"},
     {"account": "x", "url": "u", "created_at": "2024-01-01"},
     {"account": {"acct": "a"}, "url": "u", "created_at": "yesterday"}],
)  # fmt: skip
def test_unusable_statuses(status: object) -> None:
    assert usable_status(status) is None


def test_status_links_skip_mentions_and_hashtags() -> None:
    assert status_links(
        '<p><a class="u-url mention" href="https://m/@x">@x</a> <a href="https://e/1">e</a></p>'
    ) == ["https://e/1"]
    assert status_links("") == []
