"""A real crawl of a hostile board: redirects into internal services and oversized bodies.

The board (on 127.0.0.3, the one address the crawl allows) links to pages that redirect to an
"internal" service on 127.0.0.1, by address and by the name `localhost`, and to the cloud
metadata address; and to a gzip bomb, a page larger than the cap and one that streams past it
without a Content-Length. The same crawl with loopback allowed shows that the redirects do
reach the internal service when nothing stops them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from tests.crawlers.hostile_web import Route, Server, gzip_bomb, serving

pytestmark = pytest.mark.e2e

SITE_HOST = "127.0.0.3"
CAP = 1024 * 1024
BOARD = SourceProfile(
    name="Bolsa hostil",
    site="hostil",
    kind="job_board",
    spider="listing",
    country="PE",
    base_url="https://hostil.example.com",
    start_urls=["/lista/"],
    links={"detail": "a.oferta"},
    fields={"title": "h1", "description": "div.cuerpo"},
)
LINKS = [
    "/ofertas/1.html",
    "/salta/loopback",
    "/salta/nombre",
    "/salta/metadatos",
    "/ofertas/bomba.html",
    "/ofertas/grande.html",
    "/ofertas/chorro.html",
]


def _page(body: str) -> bytes:
    return f"<!doctype html><html><body>{body}</body></html>".encode()


def _board(internal: Server) -> dict[str, Route]:
    port = internal.base_url.rsplit(":", 1)[1]
    big = _page("<h1>Grande</h1><div class='cuerpo'>" + "x" * (3 * CAP) + "</div>")
    offers = "".join(f'<a class="oferta" href="{href}">o</a>' for href in LINKS)
    return {
        "/lista/": Route(_page(offers)),
        "/ofertas/1.html": Route(_page("<h1>Oferta 1</h1><div class='cuerpo'>Se busca.</div>")),
        "/salta/loopback": _redirect(f"http://127.0.0.1:{port}/_cluster/health"),
        "/salta/nombre": _redirect(f"http://localhost:{port}/_cat/indices"),
        "/salta/metadatos": _redirect("http://169.254.169.254/latest/meta-data/"),
        "/ofertas/bomba.html": Route(gzip_bomb(200 * CAP), headers={"Content-Encoding": "gzip"}),
        "/ofertas/grande.html": Route(big),
        "/ofertas/chorro.html": Route(big, streamed=True),
    }


def _redirect(location: str) -> Route:
    return Route(status=302, headers={"Location": location})


def _crawl(tmp_path: Path, allowed: list[str]) -> tuple[CrawlReport, list[str], list[str]]:
    config = CrawlerSettings(
        data_dir=tmp_path,
        download_delay=0,
        autothrottle=False,
        obey_robots=False,
        download_max_bytes=CAP,
        crawl_allowed_private_networks=allowed,
    )
    with serving("127.0.0.1") as internal, serving(SITE_HOST) as site:
        for path, title in (("/_cluster/health", "green"), ("/_cat/indices", "indices")):
            internal.routes[path] = Route(_page(f"<h1>{title}</h1><div class='cuerpo'>x</div>"))
        site.routes.update(_board(internal))
        report = run_crawl_in_subprocess([BOARD], config, site.base_url)
    titles = sorted(document.title for document in iter_all(config.spool_path))
    return report, titles, internal.hits


def test_redirects_to_internal_addresses_and_oversized_bodies_are_refused(
    tmp_path: Path,
) -> None:
    report, titles, internal_hits = _crawl(tmp_path, [f"{SITE_HOST}/32"])
    assert internal_hits == [], "no request reached the internal service"
    assert titles == ["Oferta 1"]
    errors = report.source("hostil").errors
    assert errors.get("internal_address") == 3, errors  # loopback, localhost, 169.254.169.254
    assert errors.get("too_large") == 3, errors  # the bomb, the large page, the stream


def test_without_the_guard_the_redirects_reach_the_internal_service(tmp_path: Path) -> None:
    report, titles, internal_hits = _crawl(tmp_path, ["127.0.0.0/8"])
    assert sorted(internal_hits) == ["/_cat/indices", "/_cluster/health"]
    assert titles == ["Oferta 1", "green", "indices"]
    assert report.source("hostil").errors.get("internal_address") == 1  # metadata: not allowed
