"""News: article pages through trafilatura + htmldate (real captures in ../shared/realweb), and
sitemaps (news sitemaps, indexes, gzip) crawled over HTTP from a synthetic sitemap that lists
those captures."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.articles import extract_article
from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import run_crawl_in_subprocess
from crawlers.sitemaps import SitemapError, parse_sitemap
from crawlers.spool import iter_all
from tests.crawlers.local_server import serve

REALWEB = Path(__file__).resolve().parents[3] / "shared" / "realweb"

# capture -> (exact title, published day, start of the main text)
ARTICLES = {
    "elespectador.com/elespectador.com-orion.html": (
        "Operación Orión, tomas guerrilleras de pueblos y más hechos que investigará la JEP",
        datetime(2022, 5, 5, tzinfo=UTC),
        "La Jurisdicción Especial para la Paz (JEP) ya le ha dicho al",
    ),
    "campograndenews.com.br/campograndenews.com.br-adolescente.html": (
        "Adolescente encontrada morta em vala estava grávida de 3 meses, confirma irmã",
        datetime(2022, 5, 3, tzinfo=UTC),
        "Adolescente encontrada morta em vala estava grávida de 3 mes",
    ),
    "elcaribe.com.do/elcaribe.com-familiares.html": (
        "Familiares de varios desaparecidos narran son tratados con apatía - Periódico El Caribe",
        datetime(2022, 4, 22, tzinfo=UTC),
        "Parientes coincidieron al decir que reciben malos tratos al",
    ),
    "infobae.com/infobae.com-ucrania.html": (
        "El Nobel de la Paz ruso, Dmitry Muratov, advirtió que el régimen de Vladimir Putin "
        "podría utilizar armas nucleares en Ucrania",
        datetime(2022, 5, 3, tzinfo=UTC),
        "El periodista ruso laureado con el último premio Nobel de la",
    ),
    "trinidadexpress.com/trinidadexpress.com-melissa.html": (
        "Melissa charged with killing her mom",
        datetime(2022, 4, 28, tzinfo=UTC),
        "A 35-year-old woman of Clarkia Drive, Wellington Road, Debe",
    ),
}


@pytest.mark.parametrize("capture", sorted(ARTICLES))
def test_real_articles_title_date_and_main_text(capture: str) -> None:
    title, published, prefix = ARTICLES[capture]
    article = extract_article((REALWEB / capture).read_bytes())
    assert article.title == title
    assert article.published_at == published
    assert article.text.startswith(prefix)
    assert len(article.text) > 1000


def test_article_metadata_author_and_site() -> None:
    article = extract_article(
        (REALWEB / "elespectador.com/elespectador.com-orion.html").read_bytes()
    )
    assert article.author == "El Espectador; Felipe Morales Sierra"
    assert article.attributes["site_name"]


@pytest.mark.parametrize(
    "page", [b"", b"<html><body><script>fill()</script></body></html>", b"\x00\xff" * 50]
)
def test_pages_without_main_text_give_an_empty_article(page: bytes) -> None:
    assert extract_article(page).text == ""


NEWS_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _news_sitemap(paths: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>/{path}</loc><news:news><news:publication>"
        f"<news:name>X</news:name><news:language>es</news:language></news:publication>"
        f"<news:publication_date>2022-06-0{n + 1}T10:00:00-05:00</news:publication_date>"
        f"<news:title>Sitemap title {n}</news:title></news:news></url>"
        for n, path in enumerate(paths)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NEWS_NS}>{urls}</urlset>'.encode()


def test_news_sitemap_entries() -> None:
    sitemap = parse_sitemap(_news_sitemap(["a.html", "b.html"]))
    assert not sitemap.is_index
    assert [entry.loc for entry in sitemap.entries] == ["/a.html", "/b.html"]
    assert sitemap.entries[1].title == "Sitemap title 1"
    assert sitemap.entries[1].published == datetime(2022, 6, 2, 15, 0, tzinfo=UTC)


def test_index_plain_and_gzipped_sitemaps() -> None:
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/n.xml</loc><lastmod>2022-05-01</lastmod></sitemap></sitemapindex>'
    parsed = parse_sitemap(gzip.compress(index))
    assert parsed.is_index and parsed.entries[0].loc == "/n.xml"
    assert parsed.entries[0].lastmod == datetime(2022, 5, 1, tzinfo=UTC)
    plain = (
        b"<urlset><url><loc>https://x.test/a</loc></url><url><lastmod>2020</lastmod></url></urlset>"
    )
    assert [entry.loc for entry in parse_sitemap(plain).entries] == ["https://x.test/a"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "no <urlset>"),
        (b"<html><body>not a sitemap</body></html>", "no <urlset>"),
        (b"<urlset><url><lastmod>2020</lastmod></url></urlset>", "lists no <url>"),
        (b"\x1f\x8b\x08\x00garbage", "not valid gzip"),
        (gzip.compress(b"<urlset>" + b" " * 4096 + b"</urlset>"), "unpacks to more than 1024"),
        (b"<urlset>" + b" " * 2048 + b"</urlset>", "larger than 1024"),
    ],
)
def test_broken_sitemaps_raise_sitemap_error(body: bytes, message: str) -> None:
    with pytest.raises(SitemapError, match=message):
        parse_sitemap(body, limit=1024)


@pytest.mark.e2e
def test_crawl_of_a_news_sitemap_index_over_real_captures(tmp_path: Path) -> None:
    paths = sorted(ARTICLES)
    pages = {
        "/sitemap_index.xml": b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/news.xml</loc></sitemap><sitemap><loc>/broken.xml</loc></sitemap></sitemapindex>',
        "/news.xml": _news_sitemap(paths),
        "/broken.xml": b"<html>oops</html>",
    }
    profile = SourceProfile(
        name="News sitemap (captures)",
        site="noticias_sitemap",
        kind="news",
        spider="sitemap",
        country="CO",
        start_urls=["/sitemap_index.xml"],
    )
    config = CrawlerSettings(data_dir=tmp_path, download_delay=0, autothrottle=False)
    with serve(REALWEB, pages=pages) as base_url:
        report = run_crawl_in_subprocess([profile], config, base_url)
    documents = {doc.url.removeprefix(base_url + "/"): doc for doc in iter_all(config.spool_path)}
    assert sorted(documents) == paths
    assert report.source("noticias_sitemap").errors == {"broken_sitemap": 1}
    for path, (title, published, prefix) in ARTICLES.items():
        assert documents[path].title == title  # the page's title wins over the sitemap's
        assert documents[path].published_at == published
        assert documents[path].text.startswith(prefix)
        assert documents[path].capture and documents[path].capture.warc_file
