"""Which links a crawl follows and how it counts the rest, through real Scrapy crawlers against
a real server on 127.0.0.1: absolute "next page" links (same host, and the host a mirror
serves, as a Computrabajo capture has them), links dropped by reason in the report and its
JSON file, and requests a page limit leaves unfetched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from tests.crawlers.local_server import serve

pytestmark = pytest.mark.e2e

# The site as the profile was written for it; the test serves it on 127.0.0.1 as a mirror.
HOME = "https://bolsa.example.com"
BOARD = SourceProfile(
    name="Bolsa de ejemplo",
    site="bolsa",
    kind="job_board",
    spider="listing",
    country="CO",
    base_url=HOME,
    start_urls=["/lista/"],
    links={"detail": "a.oferta", "next_page": "a.siguiente"},
    fields={"title": "h1", "description": "div.cuerpo"},
)


def _page(body: str) -> bytes:
    return f"<!doctype html><html><body>{body}</body></html>".encode()


def _offer(number: int) -> bytes:
    return _page(f"<h1>Oferta {number}</h1><div class='cuerpo'>Se busca personal {number}.</div>")


def _links(*hrefs: str, next_page: str | None = None) -> bytes:
    offers = "".join(f'<a class="oferta" href="{href}">oferta</a>' for href in hrefs)
    more = f'<a class="siguiente" href="{next_page}">Siguiente</a>' if next_page else ""
    return _page(offers + more)


def _site(base_url: str) -> dict[str, bytes]:
    """Three listing pages chained by absolute next links: the first to this server itself,
    the second to the host the profile names (the mirror stands in for it)."""
    return {
        "/lista/": _links(
            "/ofertas/1.html",
            "/ofertas/1.html?utm_source=boletin",  # the same page once canonical: duplicate
            "https://otro.example.org/oferta.html",  # another site
            "mailto:rrhh@example.org",  # no web page
            "/privado/oferta.html",  # robots.txt forbids it
            next_page=f"{base_url}/lista/2",
        ),
        "/lista/2": _links("/ofertas/2.html", next_page=f"{HOME}/lista/3"),
        "/lista/3": _links("/ofertas/3.html"),
        **{f"/ofertas/{number}.html": _offer(number) for number in (1, 2, 3)},
        "/privado/oferta.html": _offer(9),
    }


def _crawl(tmp_path: Path, **settings: object) -> tuple[CrawlReport, list[str]]:
    config = CrawlerSettings(data_dir=tmp_path, download_delay=0, autothrottle=False, **settings)
    # The server reads `pages` on every request, so pages naming its own URL can be added
    # once it listens.
    pages = {"/robots.txt": b"User-agent: *\nDisallow: /privado/\n"}
    with serve(tmp_path, pages=pages) as base_url:
        pages |= _site(base_url)
        report = run_crawl_in_subprocess([BOARD], config, base_url)
    titles = sorted(document.title for document in iter_all(config.spool_path))
    return report, titles


def test_absolute_next_links_are_followed_and_dropped_links_counted_by_reason(
    tmp_path: Path,
) -> None:
    report, titles = _crawl(tmp_path)
    assert titles == ["Oferta 1", "Oferta 2", "Oferta 3"], "all three listing pages were read"
    source = report.source("bolsa")
    assert source.links_dropped == {
        "duplicate": 1,
        "not_http": 1,
        "off_site": 1,
        "robots_disallowed": 1,
    }
    assert source.errors == {"robots_disallowed": 1}
    assert source.warnings == {}
    assert report.report_file is not None
    written = json.loads(Path(report.report_file).read_text(encoding="utf-8"))
    assert written["sources"][0]["links_dropped"] == source.links_dropped
    assert written["totals"]["links_dropped"] == source.links_dropped


def test_requests_a_page_limit_leaves_unfetched_are_counted(tmp_path: Path) -> None:
    many = [f"/ofertas/{number}.html" for number in range(40)]
    config = CrawlerSettings(data_dir=tmp_path, download_delay=0, autothrottle=False, page_limit=3)
    pages = {"/robots.txt": b"User-agent: *\n"}
    with serve(tmp_path, pages=pages) as base_url:
        pages |= {"/lista/": _links(*many)} | {path: _offer(1) for path in many}
        report = run_crawl_in_subprocess([BOARD], config, base_url)
    source = report.source("bolsa")
    assert source.finish_reason == "closespider_pagecount"
    # Scrapy fetches up to its concurrency at once and lets those finish, so more than three
    # pages are fetched; every other link stayed queued and is counted.
    unfetched = source.links_dropped["page_limit"]
    assert unfetched > 0
    assert source.pages_fetched + unfetched == 1 + len(many)
