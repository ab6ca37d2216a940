"""Feed items whose pages are elsewhere or gone (issue 14): the item itself is the Document.

Two loopback servers: the feed's own host, with one article page present and one missing, and
another host. The same feed is crawled by three profiles at once: one that fetches item pages
on its own host only, one that also allows the other host (and a closed port), and one that
never fetches item pages. A real Reddit feed capture is read through the catalogue's Reddit
profile the same way."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SOURCES_DIR, SourceProfile, load_profiles
from crawlers.runner import run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Document
from tests.crawlers.local_server import serve

pytestmark = pytest.mark.e2e

REDDIT_FEED = Path(__file__).resolve().parents[3] / "shared" / "realweb" / "reddit"
_ARTICLE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    + "<p>Las autoridades alertan sobre ofertas de empleo falsas en el extranjero. " * 6
    + "</p></article></body></html>"
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _item(title: str, link: str) -> str:
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description>Resumen de {title}</description>"
        "<pubDate>Mon, 03 Mar 2025 10:00:00 -0500</pubDate></item>"
    )


def _feed(own: str, other: str, closed: str) -> bytes:
    items = [
        _item("presente", f"{own}/articles/ok.html"),
        _item("borrado", f"{own}/articles/missing.html"),
        _item("ajeno", f"{other}/post.html"),
        _item("caido", f"{closed}/post.html"),
    ]
    return f"<rss version='2.0'><channel>{''.join(items)}</channel></rss>".encode()


def _profile(site: str, **feed: object) -> SourceProfile:
    return SourceProfile(
        name=site, site=site, kind="news", spider="feed", start_urls=["/feed.xml"], feed=feed
    )


def _by_site(documents: list[Document], site: str) -> dict[str, Document]:
    return {
        d.url.rsplit("/", 2)[-2] + "/" + d.url.rsplit("/", 1)[-1]: d
        for d in documents
        if d.source.site == site
    }


def test_items_off_host_or_unfetchable_become_documents_from_the_feed(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{_closed_port()}"
    other_pages = {"/post.html": _ARTICLE.format(title="Nota ajena").encode()}
    with serve(tmp_path, pages=other_pages) as other:
        own_pages = {"/articles/ok.html": _ARTICLE.format(title="Nota presente").encode()}
        with serve(tmp_path, pages=own_pages) as own:
            own_pages["/feed.xml"] = _feed(own, other, closed)
            hosts = [other.removeprefix("http://"), closed.removeprefix("http://")]
            profiles = [
                _profile("own_host_only"),
                _profile("other_host_allowed", item_hosts=hosts),
                _profile("feed_only", fetch_items=False),
            ]
            config = CrawlerSettings(
                data_dir=tmp_path, download_delay=0, autothrottle=False, obey_robots=False
            )
            report = run_crawl_in_subprocess(profiles, config, own)
    documents = list(iter_all(config.spool_path))
    own_only = _by_site(documents, "own_host_only")
    assert {key: d.attributes.get("from_feed") for key, d in own_only.items()} == {
        "articles/ok.html": None,
        "articles/missing.html": "http_404",
        "127.0.0.1:" + other.rsplit(":", 1)[-1] + "/post.html": "off_site",
        "127.0.0.1:" + closed.rsplit(":", 1)[-1] + "/post.html": "off_site",
    }
    assert own_only["articles/ok.html"].title == "Nota presente"
    gone = own_only["articles/missing.html"]
    assert (gone.title, gone.text) == ("borrado", "Resumen de borrado")
    assert gone.published_at is not None and gone.capture is not None
    allowed = _by_site(documents, "other_host_allowed").values()
    origins = {(d.url.startswith(other), d.attributes.get("from_feed", "")) for d in allowed}
    assert (True, "") in origins, "the page on an allowed host is fetched"
    assert (False, "network_DownloadConnectionRefusedError") in origins, "refused: from the feed"
    feed_only = _by_site(documents, "feed_only")
    assert {d.attributes.get("from_feed") for d in feed_only.values()} == {"not_fetched"}
    assert len(feed_only) == 4
    assert report.source("own_host_only").errors == {}, "an item kept from its feed is no error"


def test_the_catalogue_reddit_profile_reads_a_real_reddit_feed(tmp_path: Path) -> None:
    catalogue = load_profiles(SOURCES_DIR, include_disabled=True)
    reddit = next(p for p in catalogue if p.site == "reddit_vzla")
    feed = (REDDIT_FEED / "reddit-home.rss").read_bytes()  # Atom, 24 entries
    path = "/r/vzla/new/.rss"  # Reddit's own path, and its Content-Type (no suffix to guess)
    with serve(tmp_path, pages={path: feed}, types={path: "application/atom+xml"}) as base_url:
        config = CrawlerSettings(
            data_dir=tmp_path, download_delay=0, autothrottle=False, obey_robots=False
        )
        report = run_crawl_in_subprocess([reddit.with_base_url(base_url)], config)
    documents = list(iter_all(config.spool_path))
    assert report.source("reddit_vzla").documents == len(documents) == 24
    assert all(d.title and d.text and d.published_at for d in documents)
    assert all("/comments/" in d.url for d in documents), "each post's own link"
