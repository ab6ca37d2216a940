"""A real Scrapy crawl (child process, real HTTP on 127.0.0.1) of a small synthetic web."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import load_profiles
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Document
from tests.crawlers.local_server import serve
from tests.crawlers.synthetic_site import DOCUMENT_PATHS, ERRORS, REDIRECTS, TYPES, build_site

pytestmark = pytest.mark.e2e


def _config(data_dir: Path, **overrides: object) -> CrawlerSettings:
    return CrawlerSettings(data_dir=data_dir, download_delay=0, autothrottle=False, **overrides)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlReport, list[Document]]:
    site = build_site(tmp_path_factory.mktemp("site"))
    config = _config(tmp_path_factory.mktemp("data"))
    with serve(site, REDIRECTS, TYPES) as base_url:
        report = run_crawl_in_subprocess(load_profiles(), config, base_url)
    return report, list(iter_all(config.spool_path))


def test_exactly_the_usable_pages_become_documents(crawled) -> None:
    _, documents = crawled
    by_site: dict[str, set[str]] = {}
    for document in documents:
        by_site.setdefault(document.source.site, set()).add(urlsplit(document.url).path)
    assert by_site == DOCUMENT_PATHS
    assert len(documents) == sum(len(paths) for paths in DOCUMENT_PATHS.values())


def test_every_bad_page_is_counted_by_reason(crawled) -> None:
    report, _ = crawled
    assert {source.site: source.errors for source in report.sources} == ERRORS
    assert report.source("empleosya").robots_forbidden == 1
    assert report.totals.errors["redirect_loop"] == 1


def test_jsonld_wins_and_selectors_complete_it(crawled) -> None:
    _, documents = crawled
    cook = next(d for d in documents if d.url.endswith("/cocinero.html"))
    assert cook.title == "Cocinero"
    assert cook.text == "Se busca cocinero\ncon experiencia."
    assert cook.attributes == {
        "company": "Restaurante Ejemplo",
        "location": "Bogotá, CO",
        "salary": "COP 2500000 / MONTH",
        "contact": "+57 310 555 0199",
    }
    assert (
        cook.published_at is not None
        and cook.published_at.isoformat() == "2024-05-02T00:00:00+00:00"
    )
    assert cook.source.country == "CO" and cook.capture is not None


def test_channel_posts_and_feed_articles(crawled) -> None:
    _, documents = crawled
    post = next(d for d in documents if d.url.endswith("/ofertas_exterior/106"))
    assert post.author == "Ofertas Exterior"
    assert post.links == ["https://wa.me/584125550147"]
    assert post.attributes == {"contact": "https://wa.me/584125550147"}
    article = next(d for d in documents if d.source.site == "noticias")
    assert article.title == "Red de trata desmantelada"
    assert article.text == "Primer párrafo.\n\nSegundo párrafo."
    assert article.published_at is not None and article.published_at.utcoffset() is not None


def test_report_is_written_as_json(crawled) -> None:
    report, _ = crawled
    assert report.report_file is not None
    written = json.loads(Path(report.report_file).read_text(encoding="utf-8"))
    assert written["totals"]["documents"] == report.totals.documents == 6
    assert Path(report.report_file).parent.name == "crawls"


def test_page_limit_stops_each_source_early(tmp_path: Path) -> None:
    site = build_site(tmp_path / "site")
    config = _config(tmp_path / "data", page_limit=2)
    with serve(site, REDIRECTS, TYPES) as base_url:
        report = run_crawl_in_subprocess(load_profiles()[:1], config, base_url)
    assert report.sources[0].finish_reason == "closespider_pagecount"
    assert report.sources[0].pages_fetched <= 2
