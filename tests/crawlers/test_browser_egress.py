"""Chromium's own requests go through the egress guard: a rendered page (real Chromium through
scrapy-playwright) whose image, frame and script fetch aim at an internal service on
127.0.0.1, by address and by `localhost`, gets its text rendered and none of those requests
sent. The same crawl with loopback allowed shows that the page does reach the service.

A redirect Chromium follows itself (a public page answering 302 to the internal service) is
not routed through Playwright's request handler, but its hop goes through the checking proxy
Chromium is launched behind (crawlers/egress_proxy.py), so it is refused there too: the
internal service never receives it, and the refused page is neither captured nor spooled."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.egress import EgressPolicy
from crawlers.egress_proxy import EgressProxy
from crawlers.profiles import SourceProfile
from crawlers.rendering import chromium_launch_options, proxied_launch_options
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from tests.crawlers.hostile_web import Route, serving

pytestmark = pytest.mark.e2e

SITE_HOST = "127.0.0.3"
PROFILE = SourceProfile(
    name="Aviso hostil",
    site="hostil",
    kind="job_board",
    spider="listing",
    start_urls=["/"],
    render=True,
    links={"detail": "a.oferta"},
    fields={"title": "h1", "description": "div.cuerpo"},
)


def _hostile_ad(internal: str) -> bytes:
    named = internal.replace("127.0.0.1", "localhost")
    return f"""<!doctype html><html><body><h1>Oferta</h1>
<div class="cuerpo">Se busca personal.</div>
<img src="{internal}/pixel.png"><iframe src="{internal}/frame"></iframe>
<script>fetch("{named}/_cat/indices").catch(() => {{}});
fetch("{internal}/_cluster/health", {{mode: "no-cors"}}).catch(() => {{}});</script>
</body></html>""".encode()


def _crawl(tmp_path: Path, allowed: list[str]) -> tuple[CrawlReport, list[str], list[str], bytes]:
    config = CrawlerSettings(
        data_dir=tmp_path,
        download_delay=0,
        autothrottle=False,
        obey_robots=False,
        crawl_allowed_private_networks=allowed,
    )
    with serving("127.0.0.1") as internal, serving(SITE_HOST) as site:
        links = '<a class="oferta" href="/1">1</a><a class="oferta" href="/2">2</a>'
        site.routes["/"] = Route(f"<html><body>{links}</body></html>".encode())
        site.routes["/1"] = Route(_hostile_ad(internal.base_url))
        site.routes["/2"] = Route(status=302, headers={"Location": f"{internal.base_url}/panel"})
        internal.routes["/panel"] = Route(b"<html><body><h1>Panel</h1><div class='cuerpo'>x")
        report = run_crawl_in_subprocess([PROFILE], config, site.base_url)
    titles = sorted(document.title for document in iter_all(config.spool_path))
    return report, titles, sorted(internal.hits), _captured(config.warc_dir)


def _captured(warc_dir: Path) -> bytes:
    return b"".join(gzip.decompress(path.read_bytes()) for path in warc_dir.glob("*.warc.gz"))


def test_a_rendered_page_cannot_make_chromium_fetch_internal_addresses(tmp_path: Path) -> None:
    report, titles, internal_hits, captured = _crawl(tmp_path, [f"{SITE_HOST}/32"])
    assert titles == ["Oferta"]
    assert internal_hits == [], "not even the hop of Chromium's own redirect got through"
    assert report.source("hostil").errors.get("internal_address") == 1
    assert b"<h1>Panel</h1>" not in captured


def test_without_the_guard_chromium_fetches_them(tmp_path: Path) -> None:
    _, titles, internal_hits, captured = _crawl(tmp_path, ["127.0.0.0/8"])
    assert b"<h1>Panel</h1>" in captured
    assert {"/pixel.png", "/frame", "/_cat/indices", "/_cluster/health"} <= set(internal_hits)
    assert titles == ["Oferta", "Panel"]


async def _render_behind_proxy(config: CrawlerSettings, url: str, proxy_url: str) -> str:
    from playwright.async_api import async_playwright

    options = proxied_launch_options(chromium_launch_options(config), proxy_url)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**options)
        page = await browser.new_page()
        await page.goto(url, wait_until="networkidle")
        text = await page.inner_text("h1")
        await browser.close()
    return text


def _internal_hits_behind_proxy(tmp_path: Path, allowed: list[str]) -> list[str]:
    config = CrawlerSettings(data_dir=tmp_path)
    proxy = EgressProxy(EgressPolicy.from_entries(allowed)).start()
    try:
        with serving("127.0.0.1") as internal, serving(SITE_HOST) as site:
            site.routes["/1"] = Route(_hostile_ad(internal.base_url))
            title = asyncio.run(_render_behind_proxy(config, f"{site.base_url}/1", proxy.url))
    finally:
        proxy.stop()
    assert title == "Oferta"
    return sorted(internal.hits)


def test_the_proxy_alone_refuses_what_the_page_loads(tmp_path: Path) -> None:
    """Plain Playwright, no abort predicate: Chromium's image, frame and fetch requests to the
    internal service die at the proxy (loopback included: `<-loopback>` works)."""
    assert _internal_hits_behind_proxy(tmp_path, [f"{SITE_HOST}/32"]) == []


def test_the_proxy_forwards_what_the_policy_allows(tmp_path: Path) -> None:
    hits = _internal_hits_behind_proxy(tmp_path, ["127.0.0.0/8"])
    assert {"/pixel.png", "/frame", "/_cluster/health"} <= set(hits)
