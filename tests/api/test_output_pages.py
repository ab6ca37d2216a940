"""The console's report builder, alert page and export page, driven as a browser would: a
session login, forms posted with the CSRF token, redirects followed, Spanish and English."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.embedded import EmbeddedIndex
from tests.api.conftest import HTML, Accounts, log_in
from tests.factories import make_document

KEY = "pages-pseudonymisation-key-0123456789"


@pytest.fixture(scope="module")
def flagged() -> list:
    return [
        make_document(title="Modelos para Panamá", flags=["deceptive_recruitment"]),
        make_document(title="Anfitrionas en Aruba", flags=["sector_entertainment"]),
        make_document(title="Cocinero en Lima"),
    ]


@pytest.fixture(scope="module")
def pages_app(tmp_path_factory, accounts: Accounts, flagged):
    index = EmbeddedIndex(tmp_path_factory.mktemp("pages-index"))
    index.setup()
    index.upsert(flagged)
    # Three documents: below the default minimum a researcher may export (issue 13).
    settings = ApiSettings(pseudonymisation_key=KEY, research_min_group_size=1)
    yield create_app(settings, index, accounts.database)
    index.close()


@pytest.fixture
def browser(pages_app) -> Iterator[TestClient]:
    with TestClient(pages_app, headers=HTML) as client:
        yield client


def _username(accounts: Accounts, role: Role) -> str:
    return accounts.users[role].username


def test_analyst_builds_a_report_and_downloads_its_pdf(browser, accounts, flagged):
    token = log_in(browser, _username(accounts, Role.ANALYST))
    page = browser.get("/reports").text
    assert "Modelos para Panamá" in page and "Anfitrionas en Aruba" in page
    assert "Cocinero en Lima" not in page  # not flagged
    posted = browser.post(
        "/reports",
        data={
            "csrf_token": token,
            "title": "Captación hacia Panamá",
            "language": "es",
            "template": "standard",
            "narrative": "Dos anuncios marcados.",
            "section_heading": ["Contexto", ""],
            "section_body": ["Rutas por Colombia.", ""],
            "document_id": [flagged[0].id, flagged[1].id],
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    report_page = browser.get(posted.headers["location"]).text
    assert "Captación hacia Panamá" in report_page and "Contexto" in report_page
    link = re.search(r'href="([^"]+format=pdf)"', report_page)[1].replace("&amp;", "&")
    pdf = browser.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = browser.post(
        posted.headers["location"],
        data={"csrf_token": token, "title": "Captación v2", "document_id": [flagged[0].id]},
        follow_redirects=False,
    )
    assert again.status_code == 303
    browser.cookies.set("lang", "es")
    assert "Versión 2" in browser.get(again.headers["location"]).text


def test_report_form_refusals(browser, accounts, flagged):
    token = log_in(browser, _username(accounts, Role.ANALYST))
    before = browser.get("/reports").text.count('href="/reports/')
    no_token = browser.post(
        "/reports", data={"title": "x", "document_id": [flagged[0].id]}, follow_redirects=False
    )
    assert no_token.status_code == 403
    empty = browser.post("/reports", data={"csrf_token": token, "title": "Sin documentos"})
    assert empty.status_code == 422 and "document_ids" in empty.text
    unknown = browser.post(
        "/reports", data={"csrf_token": token, "title": "x", "other_ids": "nope, nada"}
    )
    assert unknown.status_code == 422 and "no document with id" in unknown.text
    assert browser.get("/reports").text.count('href="/reports/') == before


def test_investigator_makes_a_rule_and_sees_the_live_feed(browser, accounts):
    token = log_in(browser, _username(accounts, Role.INVESTIGATOR))
    browser.cookies.set("lang", "es")
    page = browser.get("/alerts").text
    assert "Alertas en vivo" in page and "/static/alerts.js" in page
    browser.cookies.set("lang", "en")
    posted = browser.post(
        "/alerts/rules",
        data={
            "csrf_token": token,
            "name": "Panamá alto riesgo",
            "q": "modelos",
            "risk_threshold": "0.8",
            "countries": "ec, pe",
            "channels": ["console"],
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    page = browser.get("/alerts").text
    assert "Panamá alto riesgo" in page and "country=EC,PE" in page
    rule_id = re.search(r'action="/alerts/rules/(\d+)/enabled"', page)[1]
    disabled = browser.post(
        f"/alerts/rules/{rule_id}/enabled", data={"csrf_token": token, "enabled": "false"}
    )
    assert disabled.status_code == 200 and "Enable" in disabled.text
    assert "EventSource" in browser.get("/static/alerts.js").text


def test_broken_rule_form_is_refused(browser, accounts):
    token = log_in(browser, _username(accounts, Role.INVESTIGATOR))
    response = browser.post(
        "/alerts/rules",
        data={"csrf_token": token, "name": "sin canal", "channels": ["email"]},
    )
    assert response.status_code == 422 and "needs at least one address" in response.text


def test_researcher_export_form_leads_to_the_api(browser, accounts):
    log_in(browser, _username(accounts, Role.RESEARCHER))
    page = browser.get("/exports").text
    assert 'name="raw"' not in page and "Modus operandi" in page
    # No free-text box: the API refuses a researcher's `q` (it could name a person).
    assert 'name="q"' not in page
    response = browser.get(
        "/exports/download",
        params={"table": "documents", "format": "csv", "country": "EC", "site": "", "q": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/api/exports/documents?format=csv&country=EC"
    exported = browser.get(response.headers["location"])
    assert exported.status_code == 200 and exported.text.startswith("id,version,site")


def test_pages_refuse_other_roles(browser, accounts):
    log_in(browser, _username(accounts, Role.RESEARCHER))
    assert browser.get("/reports").status_code == 403
    assert browser.get("/alerts").status_code == 403
    log_in(browser, _username(accounts, Role.ANALYST))
    assert browser.get("/exports").status_code == 403
