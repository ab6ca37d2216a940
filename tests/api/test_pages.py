"""The server-rendered console: search page at / and a page per document."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from index.document import Document, SourceKind
from index.embedded import EmbeddedIndex
from nlp.types import Topic, TopicLabel
from tests.factories import make_document

HTML = {"accept": "text/html,application/xhtml+xml"}
SCRIPT_TITLE = "<script>alert('x')</script> Trabajo de modelos"


def test_search_page_lists_hits_with_highlights(
    client: TestClient, documents: dict[str, Document]
) -> None:
    response = client.get("/", params={"q": "modelos"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "3 results" in page
    assert f'href="/documents/{documents["modelos"].id}"' in page
    assert "Se buscan <mark>modelos</mark> para trabajar en el exterior" in page


def test_facet_values_are_links_that_toggle_the_filter(client: TestClient) -> None:
    page = client.get("/", params={"q": "modelos"}).text
    assert re.search(
        r'href="/\?q=modelos&amp;country=EC">EC</a> <span class="count">1</span>', page
    )
    filtered = client.get("/", params={"q": "modelos", "country": "EC"}).text
    assert "1 result<" in filtered
    # The ticked value links back to the unfiltered search, and the form keeps the filter.
    assert re.search(r'<li class=selected>\s*<a href="/\?q=modelos">EC</a>', filtered)
    assert '<input type="hidden" name="country" value="EC">' in filtered


def test_pagination_links_keep_the_query(client: TestClient) -> None:
    first = client.get("/", params={"sort": "risk", "size": 2}).text
    assert "page 1 of 3" in first
    assert 'href="/?sort=risk&amp;size=2&amp;page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    last = client.get("/", params={"sort": "risk", "size": 2, "page": 3}).text
    assert 'href="/?sort=risk&amp;size=2&amp;page=2" rel="prev"' in last
    assert 'rel="next"' not in last


def test_titles_and_texts_are_escaped(fresh_client: TestClient, fresh_index: EmbeddedIndex) -> None:
    document = make_document(title=SCRIPT_TITLE, text="Texto con <b>etiquetas</b> y modelos.")
    fresh_index.upsert([document])
    for path, params in (("/", {"q": "modelos"}), ("/", {}), (f"/documents/{document.id}", {})):
        page = fresh_client.get(path, params=params).text
        assert "<script>alert" not in page, path
        assert "<b>etiquetas" not in page, path
        assert "&lt;script&gt;alert(" in page, path
    highlighted = fresh_client.get("/", params={"q": "modelos"}).text
    assert "&lt;/script&gt; Trabajo de <mark>modelos</mark>" in highlighted


def test_trafficking_news_is_marked_and_filtered_by_its_topic(
    fresh_client: TestClient, fresh_index: EmbeddedIndex
) -> None:
    news = make_document(
        kind=SourceKind.NEWS,
        title="Desarticulan red de trata que captaba migrantes",
        text="La fiscalía desarticuló una red que captaba migrantes con ofertas falsas.",
        indicator_ids=[],
        risk_score=0.0,
        topic=Topic(score=0.91, label=TopicLabel.TRAFFICKING, model="test"),
    )
    ad = make_document(topic=Topic(score=0.02, label=TopicLabel.OTHER, model="test"))
    fresh_index.upsert([news, ad])
    page = fresh_client.get("/").text
    assert "Trafficking topic</h3>" in page
    assert re.search(
        r'href="/\?topic=trafficking">trafficking</a> <span class="count">1</span>', page
    )
    filtered = fresh_client.get("/", params={"topic": "trafficking"}).text
    assert "1 result<" in filtered and f"/documents/{news.id}" in filtered
    assert '<span class="topic" title="Trafficking topic 0.91">about trafficking</span>' in filtered
    assert f"/documents/{ad.id}" not in filtered


def test_only_web_urls_become_links(fresh_client: TestClient, fresh_index: EmbeddedIndex) -> None:
    hostile = make_document(url="javascript:alert(1)")
    web = make_document()
    fresh_index.upsert([hostile, web])
    assert 'href="javascript:' not in fresh_client.get(f"/documents/{hostile.id}").text
    assert f'<a href="{web.url}"' in fresh_client.get(f"/documents/{web.id}").text


def test_document_page_shows_risk_evidence_and_entities(
    fresh_client: TestClient, fresh_index: EmbeddedIndex
) -> None:
    document = make_document(indicator_ids=("body_photo",), risk_score=0.8)
    fresh_index.upsert([document])
    page = fresh_client.get(f"/documents/{document.id}").text
    assert f"<h1>{document.title}</h1>" in page
    assert "empleos.example.org" in page
    assert "score 0.80" in page  # the risk explanation
    assert "enviar <mark>foto de cuerpo entero</mark>." in page
    assert "<td>phone</td><td>+593 99 000 0000</td><td>+593990000000</td>" in page


def test_page_errors_are_html_for_browsers(client: TestClient) -> None:
    missing = client.get("/documents/nope", headers=HTML)
    assert missing.status_code == 404
    assert "no document with id &#39;nope&#39;" in missing.text
    bad_query = client.get("/", params={"q": '"open'}, headers=HTML)
    assert bad_query.status_code == 422
    assert "q: unbalanced quote" in bad_query.text
    bad_size = client.get("/", params={"size": "0"}, headers=HTML)
    assert "size: Input should be greater than or equal to 1" in bad_size.text
    # The API keeps answering JSON even to a browser.
    api = client.get("/api/documents/nope", headers=HTML)
    assert api.json() == {"detail": "no document with id 'nope'"}


def test_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "mark {" in response.text
