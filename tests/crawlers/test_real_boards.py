"""The shipped real-board profiles (crawlers/sources/boards.yaml) against the real captures in
../shared/realweb, served as they are on 127.0.0.1 and crawled by real Scrapy crawlers.

Each profile's start URLs are pointed at the capture files; every other setting is the shipped
one, except that Bumeran's capture is already the DOM Chromium rendered (its scripts would
fetch from bumeran.com.ar, which a test cannot reach), so it is served and read without
rendering. Relative card dates ("Hace 4 horas") are checked against the document's fetch time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile, load_profiles
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.document import Document
from tests.crawlers.local_server import serve

pytestmark = pytest.mark.e2e

REALWEB = Path(__file__).resolve().parents[3] / "shared" / "realweb"
BOARDS = Path(__file__).resolve().parents[2] / "crawlers" / "sources" / "boards.yaml"
CT_CO_LISTING = (
    "computrabajo/Trabajo de practicante en Bogotá, D.C., Bogotá, D.C. _ Bolsa de Empleo.html"
)
CT_CO_DETAIL = (
    "computrabajo/Empleo de Líder educativo de Negocios Internacionales en CUN - Bogotá, D.C..html"
)
CAPTURES = {
    "computrabajo_co": [CT_CO_LISTING, CT_CO_DETAIL, "computrabajo/test_ct.html"],
    "computrabajo_pe": ["computrabajo/search-lima.html"],
    "bumeran_ar": ["bumeran/page_source.html"],
    "elempleo_co": ["elempleo/1.html", "elempleo/67.html"],
    "indeed_mx": [
        "indeed/debug_indeed_page_1.html",
        "indeed/debug_indeed_page_1.blocked-7deb6a57.html",
        "indeed/debug_indeed_page_27.html",
    ],
}


def _local(profile: SourceProfile) -> SourceProfile:
    update = {"start_urls": ["/" + quote(path) for path in CAPTURES[profile.site]]}
    if profile.site == "bumeran_ar":
        update |= {"render": False, "page_actions": []}
    return SourceProfile.model_validate({**profile.model_dump(), **update})


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlReport, list[Document], str]:
    data_dir = tmp_path_factory.mktemp("boards")
    config = CrawlerSettings(data_dir=data_dir, download_delay=0, autothrottle=False)
    profiles = [_local(profile) for profile in load_profiles(BOARDS)]
    with serve(REALWEB) as base_url:
        report = run_crawl_in_subprocess(profiles, config, base_url)
    return report, list(iter_all(config.spool_path)), base_url


def _documents(crawl, site: str) -> list[Document]:
    return [document for document in crawl[1] if document.source.site == site]


def _one(crawl, site: str, url_part: str) -> Document:
    (document,) = [d for d in _documents(crawl, site) if url_part in d.url]
    return document


def _age(document: Document) -> timedelta:
    assert document.published_at is not None
    return document.fetched_at - document.published_at


def test_the_boards_file_ships_five_real_boards() -> None:
    profiles = {profile.site: profile for profile in load_profiles(BOARDS)}
    assert set(profiles) == set(CAPTURES)
    assert {profile.source.country for profile in profiles.values()} == {"CO", "PE", "AR", "MX"}
    assert profiles["bumeran_ar"].render and profiles["bumeran_ar"].page_actions
    assert all(profile.base_url.startswith("https://") for profile in profiles.values())


def test_every_card_of_every_capture_becomes_a_document(crawl) -> None:
    report, documents, _ = crawl
    counts = {site: len(_documents(crawl, site)) for site in CAPTURES}
    # Computrabajo Colombia: 20 cards + the detail page; elempleo: 100 + the last page's 5.
    assert counts == {
        "computrabajo_co": 21,
        "computrabajo_pe": 20,
        "bumeran_ar": 11,
        "elempleo_co": 105,
        "indeed_mx": 15,
    }
    assert report.totals.documents == len(documents) == 172
    assert all(document.title and document.text for document in documents)
    assert all(document.capture and document.capture.warc_file for document in documents)


def test_block_and_truncated_captures_are_counted_not_indexed(crawl) -> None:
    report, _, _ = crawl
    assert report.source("indeed_mx").errors == {"blocked_page": 1, "challenge_page": 1}
    assert report.source("indeed_mx").blocked == 2
    assert report.source("computrabajo_co").errors == {"truncated_html": 1, "http_404": 1}
    assert all(source.finish_reason == "finished" for source in report.sources)


def test_computrabajo_absolute_next_page_links_lead_into_the_mirror(crawl) -> None:
    # The captures' "Siguiente" is absolute (data-path="https://co.computrabajo.com/...?p=2").
    # Served from 127.0.0.1, the profile's own host is this mirror: the link is followed here
    # (not dropped as off-site), and answers 404 because no second page was captured.
    report, _, _ = crawl
    for site in ("computrabajo_co", "computrabajo_pe"):
        source = report.source(site)
        assert source.errors.get("http_404") == 1, site
        assert "off_site" not in source.links_dropped, site


def test_the_shipped_selectors_fit_every_captured_listing(crawl) -> None:
    report, _, _ = crawl
    assert {source.site: source.warnings for source in report.sources} == {
        site: {} for site in CAPTURES
    }


def test_computrabajo_colombia_listing_card(crawl) -> None:
    first = _one(crawl, "computrabajo_co", "85883EB7F0C9105A61373E686DCF3405")
    assert first.title == "Practicante Universitario de Marketing"
    assert first.url == (
        "https://co.computrabajo.com/ofertas-de-trabajo/oferta-de-trabajo-de-practicante-"
        "universitario-de-marketing-en-bogota-dc-85883EB7F0C9105A61373E686DCF3405"
        "#lc=ListOffers-Score6-0"
    )
    assert first.canonical_url == first.url.split("#")[0]
    assert first.attributes == {
        "company": "Confidencial",
        "location": "Bogotá, D.C., Bogotá, D.C.",
        "salary": "$ 1.750.904,00 (Mensual)",
        "posted": "Hace 4 horas",
    }
    assert _age(first) == timedelta(hours=4)
    assert len(first.text) == 189
    assert first.source.country == "CO"


def test_computrabajo_detail_page_is_read_from_its_jsonld(crawl) -> None:
    detail = _one(crawl, "computrabajo_co", "Empleo%20de")
    assert detail.title == "Líder educativo de Negocios Internacionales"
    assert detail.published_at == datetime(2026, 3, 4, tzinfo=UTC)
    assert detail.attributes == {
        "company": "CUN",
        "location": "Bogotá, D.C., Colombia",
        "employment_type": "FULL_TIME",
        "valid_through": "2026-05-03",
    }
    assert len(detail.text) == 2139
    assert detail.text.startswith("Buscamos a quien lidere la innovación educativa")


def test_computrabajo_peru_listing_card(crawl) -> None:
    documents = _documents(crawl, "computrabajo_pe")
    first, second, last = documents[0], documents[1], documents[-1]
    assert first.title == "Arquitecto de Software"
    assert first.attributes == {
        "company": "EDPYME INVERSIONES LA CRUZ",
        "location": "San Isidro, Lima",
        "posted": "Hace 2 horas",
    }
    assert _age(first) == timedelta(hours=2)
    assert len(first.text) == 197
    assert second.attributes["salary"] == "S/. 4.000,00 (Mensual)"
    assert last.title == "Programador / Desarrollador / Junior / Helpdesk Software"
    assert _age(last) == timedelta(days=6)
    assert first.url.startswith(crawl[2] + "/ofertas-de-trabajo/oferta-de-trabajo-de-arquitecto")


def test_bumeran_rendered_listing_card(crawl) -> None:
    documents = _documents(crawl, "bumeran_ar")
    first, last = documents[0], documents[-1]
    assert first.title == "Analista Programador/a Visual FoxPro"
    assert (
        first.url
        == f"{crawl[2]}/empleos/analista-programador-a-visual-foxpro-prestigio-1117248510.html"
    )
    assert first.attributes == {
        "company": "PRESTIGIO",
        "location": "Capital Federal, Buenos Aires",
        "posted": "Publicado hace 3 días",
    }
    assert _age(first) == timedelta(days=3)
    assert len(first.text) == 1716
    assert first.text.startswith("Prestigio es la empresa líder en asesoramiento")
    assert last.attributes["posted"] == "Actualizado hace más de 15 días"
    assert _age(last) == timedelta(days=15)
    assert {d.attributes["company"] for d in documents} >= {"Confidencial", "LS&D", "EUDA"}


def test_elempleo_listing_card_and_last_page(crawl) -> None:
    documents = _documents(crawl, "elempleo_co")
    first = _one(crawl, "elempleo_co", "/1884655844?")
    assert first.title == "Programador / desarrollador"
    assert first.attributes == {
        "company": "ADECCO COLOMBIA S A",
        "location": "Medellín",
        "salary": "$4 a $4,5 millones",
        "posted": "Publicado 11 Dic 2020",
    }
    assert first.published_at == datetime(2020, 12, 11, tzinfo=UTC)
    assert first.canonical_url.startswith(
        "https://www.elempleo.com/co/ofertas-trabajo/programador-desarrollador/1884655844?"
    )
    assert len(first.text) == 141
    assert sum(1 for d in documents if d.attributes.get("salary") == "Salario a convenir") > 0
    assert all(d.published_at and d.published_at.year == 2020 for d in documents)


def test_indeed_listing_card(crawl) -> None:
    documents = _documents(crawl, "indeed_mx")
    first = documents[0]
    assert first.title == "Ingeniero de Proceso"
    assert first.url == f"{crawl[2]}/viewjob?jk=a4111f086c71b42e"
    assert first.attributes == {
        "company": "Decoplas, S.A. de C.V.",
        "location": "54730, Cuautitlán Izcalli, Méx.",
    }
    assert first.published_at is None  # Indeed's cards here show no date
    assert (
        first.text
        == "Ingeniero de Proceso\n\nDecoplas, S.A. de C.V.\n\n54730, Cuautitlán Izcalli, Méx."
    )
    assert len({d.id for d in documents}) == 15
