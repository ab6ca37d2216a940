"""A full crawl of the demo web (tests/site) through real Scrapy crawlers against DemoSite,
checked against tests/site/expected.json; then a second crawl into the same spool."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile, load_profiles
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Document
from track4tip.demo_site import DemoSite, site_root

pytestmark = pytest.mark.e2e

# expected.json outcome -> the reason the crawlers count it under
REASONS = {
    "http_404": "http_404",
    "truncated": "truncated_html",
    "not_html": "not_html",
    "redirect_loop": "redirect_loop",
    "robots_disallowed": "robots_disallowed",
    "needs_javascript": "needs_javascript",
}
# "rendered": a document once Chromium has run the page's scripts.
DOCUMENT_OUTCOMES = {"document", "rendered"}
# The home page is no source; this profile follows only its link to /privado/ so that the
# crawl meets robots.txt's Disallow.
PORTADA = SourceProfile(
    name="Directorio (robots check)",
    site="portada",
    kind="classifieds",
    spider="listing",
    start_urls=["/"],
    links={"detail": 'a[href^="/privado"]'},
    fields={"title": "h1", "description": "div.ad-body"},
)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads((site_root() / "expected.json").read_text(encoding="utf-8"))


def _crawl(data_dir: Path, base_url: str) -> CrawlReport:
    config = CrawlerSettings(data_dir=data_dir, download_delay=0, autothrottle=False)
    return run_crawl_in_subprocess([*load_profiles(), PORTADA], config, base_url)


@pytest.fixture(scope="module")
def demo_site() -> Iterator[DemoSite]:
    # One server for both crawls: the same URLs give the same document ids on a rerun.
    with DemoSite() as site:
        yield site


@pytest.fixture(scope="module")
def crawl(
    tmp_path_factory: pytest.TempPathFactory, demo_site: DemoSite
) -> tuple[CrawlReport, list[Document], Path]:
    data_dir = tmp_path_factory.mktemp("data")
    report = _crawl(data_dir, demo_site.base_url)
    return report, list(iter_all(data_dir / "spool.sqlite")), data_dir


def _expected_documents(expected: dict[str, Any]) -> dict[str, dict[str, Any]]:
    pages = {
        page["path"]: page
        for page in expected["pages"]
        if page["outcome"] in DOCUMENT_OUTCOMES and page["content"] and page["site"]
    }
    posts = {post["url_path"]: post for post in expected["posts"] if post["outcome"] == "document"}
    return pages | posts


def _linked_paths(expected: dict[str, Any]) -> set[str]:
    return {link for page in expected["pages"] for link in page.get("links") or []}


def _expected_errors(expected: dict[str, Any]) -> Counter[str]:
    """One error per page a crawler is led to (a two-page redirect loop is one loop)."""
    linked = _linked_paths(expected)
    return Counter(
        REASONS[page["outcome"]]
        for page in expected["pages"]
        if page["outcome"] in REASONS and page["path"] in linked
    )


def test_exactly_the_expected_pages_become_documents(crawl, expected) -> None:
    _, documents, _ = crawl
    found = {urlsplit(document.url).path: document for document in documents}
    wanted = _expected_documents(expected)
    assert sorted(found) == sorted(wanted)
    assert len(documents) == len(found), "no page is spooled twice"
    for path, document in found.items():
        assert document.source.site == wanted[path]["site"]
        assert document.text, path


def test_titles_dates_and_sources_match_the_ground_truth(crawl, expected) -> None:
    _, documents, _ = crawl
    wanted = _expected_documents(expected)
    sites = expected["sites"]
    for document in documents:
        truth = wanted[urlsplit(document.url).path]
        if truth.get("title"):
            assert document.title == truth["title"]
        published = truth["published"]
        assert document.published_at is not None
        stamp = document.published_at.isoformat()
        assert stamp.startswith(published) if len(published) == 10 else stamp == published
        assert document.source.kind == sites[document.source.site]["kind"]
        assert document.source.country == sites[document.source.site]["country"]


def test_error_counts_by_reason(crawl, expected) -> None:
    report, _, _ = crawl
    assert Counter(report.totals.errors) == _expected_errors(expected)
    assert report.source("clasificados").errors == {
        "not_html": 1,
        "redirect_loop": 1,
        "truncated_html": 1,
    }
    assert report.source("empleosya").errors == {"http_404": 1}
    assert report.source("empleosya").rendered == 1  # only the page that needs JavaScript


def test_private_page_is_never_fetched(crawl) -> None:
    report, documents, _ = crawl
    portada = report.source("portada")
    assert portada.errors == {"robots_disallowed": 1}
    assert portada.robots_forbidden == 1
    assert portada.pages_fetched == 1, "only the home page: /privado/ was not requested"
    assert not any("/privado" in document.url for document in documents)


def test_report_counts_pages_documents_and_bytes(crawl, expected) -> None:
    report, documents, data_dir = crawl
    assert report.totals.documents == len(documents)
    assert all(source.finish_reason == "finished" for source in report.sources)
    assert report.source("ofertas_exterior").pages_fetched == 2
    assert report.source("ofertas_exterior").documents == 8
    assert report.totals.bytes > 0
    assert [path.name for path in (data_dir / "crawls").iterdir()] == [
        Path(report.report_file or "").name
    ]


def test_a_second_crawl_into_the_same_spool(crawl, demo_site: DemoSite) -> None:
    first_report, first_documents, data_dir = crawl
    second_report = _crawl(data_dir, demo_site.base_url)
    spooled = list(iter_all(data_dir / "spool.sqlite"))
    assert second_report.totals.documents == first_report.totals.documents
    assert len(spooled) == 2 * len(first_documents)
    assert Counter(d.id for d in spooled) == Counter({d.id: 2 for d in first_documents})
    assert len(list((data_dir / "crawls").iterdir())) == 2
