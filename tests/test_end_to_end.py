"""The whole pipeline, as a user runs it: `track4tip demo` crawls the demo web through Scrapy,
analyses and indexes it; the API, served by a real uvicorn, must then return exactly what the
demo web's ground truth (tests/site/expected.json) says.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from api.accounts.users import UserStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from index.embedded import EmbeddedIndex
from tests.demo_run import run_demo
from tests.live_server import live_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "tests" / "site"
EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))


def _expected_documents() -> list[dict[str, Any]]:
    """Pages and posts that must become documents, keyed by the path of their URL."""
    pages = [
        {**page, "url_path": page["path"]}
        for page in EXPECTED["pages"]
        if page["outcome"] in {"document", "rendered"} and page["content"]
    ]
    posts = [post for post in EXPECTED["posts"] if post["outcome"] == "document"]
    return pages + posts


DOCUMENTS = _expected_documents()


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    result = run_demo(data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"indexed {len(DOCUMENTS)} documents" in result.stdout, result.stdout
    assert "Demo users (passwords shown once)" in result.stdout, result.stdout
    return data_dir / "demo"


@pytest.fixture(scope="module")
def api(demo_data: Path) -> Iterator[httpx.Client]:
    # The demo made one user per role in its console database; the API needs an analyst's key.
    database = ConsoleDatabase(demo_data / "console.sqlite3")
    users = UserStore(database)
    _, key = users.create_key(users.by_username("analyst").id, "end-to-end test")
    with (
        EmbeddedIndex(demo_data / "index") as index,
        live_server(create_app(ApiSettings(), index, database)) as url,
        httpx.Client(base_url=url, timeout=30.0, headers={"X-API-Key": key}) as client,
    ):
        yield client


def _search(api: httpx.Client, **params: Any) -> dict[str, Any]:
    response = api.get("/api/search", params={"size": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _paths(body: dict[str, Any]) -> set[str]:
    return {urlsplit(hit["url"]).path for hit in body["hits"]}


def _facet(body: dict[str, Any], name: str) -> dict[str, int]:
    return {bucket["value"]: bucket["count"] for bucket in body["facets"][name]}


def test_exactly_the_content_pages_are_indexed(api: httpx.Client) -> None:
    body = _search(api)
    assert body["total"] == len(DOCUMENTS)
    assert _paths(body) == {document["url_path"] for document in DOCUMENTS}


def test_broken_disallowed_and_script_only_pages_are_not_indexed(api: httpx.Client) -> None:
    refused = {
        page["path"]
        for page in EXPECTED["pages"]
        if page["outcome"] not in {"document", "rendered"}
    }
    assert {"/privado/index.html", "/clasificados/foto-anuncio.html"} & refused
    assert not _paths(_search(api)) & refused


def test_facet_counts_match_the_ground_truth(api: httpx.Client) -> None:
    body = _search(api)
    sites = EXPECTED["sites"]
    assert _facet(body, "site") == dict(Counter(doc["site"] for doc in DOCUMENTS))
    assert _facet(body, "source_kind") == dict(
        Counter(sites[doc["site"]]["kind"] for doc in DOCUMENTS)
    )
    assert _facet(body, "country") == dict(
        Counter(sites[doc["site"]]["country"] for doc in DOCUMENTS)
    )
    languages = (doc["language"] for doc in DOCUMENTS)
    assert _facet(body, "language") == dict(Counter(languages))


def test_indicator_facet_counts_match_the_ground_truth(api: httpx.Client) -> None:
    expected = Counter(indicator for doc in DOCUMENTS for indicator in doc["indicators"])
    # The ground truth names the first release's 14 indicators; later ones (sector tags...)
    # may add facet values of their own.
    first_release = {entry["id"] for entry in EXPECTED["taxonomy"]}
    facet = _facet(_search(api), "indicator")
    assert {key: count for key, count in facet.items() if key in first_release} == dict(expected)


@pytest.mark.parametrize("indicator", ["document_retention", "debt_bondage", "escort_role"])
def test_filtering_by_a_strong_indicator_finds_exactly_its_documents(
    api: httpx.Client, indicator: str
) -> None:
    body = _search(api, indicator=indicator, sort="risk")
    expected = {doc["url_path"] for doc in DOCUMENTS if indicator in doc["indicators"]}
    assert expected
    assert _paths(body) == expected
    scores = [hit["risk"]["score"] for hit in body["hits"]]
    assert scores == sorted(scores, reverse=True)


def _page_text(relative_file: str, rendered: bool = False) -> str:
    """The visible text; a rendered page's text is in the script that writes it."""
    html = (SITE / relative_file).read_text(encoding="utf-8")
    hidden = r"<style.*?</style>" if rendered else r"<script.*?</script>|<style.*?</style>"
    body = re.sub(hidden, " ", html, flags=re.DOTALL)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def test_a_phrase_query_finds_exactly_the_pages_that_contain_it(api: httpx.Client) -> None:
    phrase = "damas de compañía"
    pages = [doc for doc in DOCUMENTS if "file" in doc]
    expected = {
        doc["url_path"]
        for doc in pages
        if phrase
        in re.sub(r"\s+", " ", _page_text(doc["file"], doc["outcome"] == "rendered")).casefold()
    }
    assert expected
    body = _search(api, q=f'"{phrase}"', site=sorted({doc["site"] for doc in pages}))
    assert _paths(body) == expected
    for hit in body["hits"]:
        marked = " ".join(
            fragment for fragments in hit["highlights"].values() for fragment in fragments
        )
        assert "<mark>damas</mark>" in marked.casefold()


def test_shared_phone_numbers_are_extracted_from_every_network_member(api: httpx.Client) -> None:
    network = next(net for net in EXPECTED["networks"] if net["id"] == "A")
    for member in network["members"]:
        path = f"/{member['post']}" if "post" in member else member["path"]
        [hit] = [hit for hit in _search(api)["hits"] if urlsplit(hit["url"]).path == path]
        document = api.get(f"/api/documents/{hit['id']}").json()
        phones = {entity["value"] for entity in document["entities"] if entity["kind"] == "phone"}
        assert network["value"] in phones, (path, phones)


def test_the_search_page_shows_highlighted_hits(api: httpx.Client) -> None:
    page = api.get("/", params={"q": "pasaporte"})
    assert page.status_code == 200
    assert "<mark>pasaporte</mark>" in page.text.casefold()


def test_health_reports_the_indexed_documents(api: httpx.Client) -> None:
    health = api.get("/healthz").json()
    assert health["documents"] == len(DOCUMENTS)
