"""A whole analyst task in a real headless Chromium (Playwright, Debian's chromium) against a
real uvicorn on loopback: log in, search, open a document, flag it, build a report from it,
download the report's PDF and read its text back. A screenshot of every step is written to
`var/test-output/browser/` (or $TRACK4TIP_TEST_OUTPUT/browser/), for a person to look at.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright
from pypdf import PdfReader

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.document import Capture
from index.embedded import EmbeddedIndex
from tests.api.conftest import TEST_PASSWORD, Accounts
from tests.factories import make_document
from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("TRACK4TIP_CHROMIUM_PATH", "/usr/bin/chromium"))
SHA = "5" * 64


def _output_dir() -> Path:
    base = Path(os.environ.get("TRACK4TIP_TEST_OUTPUT", ROOT / "var" / "test-output"))
    folder = base / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (Debian's chromium package; scripts/setup)"
        if os.environ.get("TRACK4TIP_ALLOW_MISSING_SERVICES") == "1":
            pytest.skip(message)
        pytest.fail(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@dataclass
class Console:
    url: str
    app: FastAPI
    index: EmbeddedIndex


@pytest.fixture
def console(tmp_path: Path, accounts: Accounts) -> Iterator[Console]:
    ad = make_document(
        title="Se buscan modelos para Panamá",
        text="Agencia busca modelos jóvenes. Pasaje pagado. Enviar foto de cuerpo entero.",
        indicator_ids=("travel_paid", "body_photo"),
        capture=Capture(sha256=SHA, warc_file="demo-00001.warc.gz", record_id="<urn:uuid:1>"),
    )
    with EmbeddedIndex(tmp_path / "index") as index:
        index.setup()
        index.upsert([ad, make_document(title="Cocinero en Lima", text="Restaurante contrata.")])
        app = create_app(ApiSettings(), index, accounts.database)
        with live_server(app) as url:
            yield Console(url, app, index)


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(_output_dir() / f"{name}.png"), full_page=True)


def _log_in(page: Page, console: Console, accounts: Accounts, role: Role, start: str) -> None:
    page.goto(f"{console.url}{start}")  # not logged in: the login form, then back
    page.fill("input[name=username]", accounts.users[role].username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")


def test_analyst_searches_flags_reports_and_downloads_the_pdf(
    browser: Browser, console: Console, accounts: Accounts
):
    context = browser.new_context(accept_downloads=True, locale="es-VE")
    page = context.new_page()
    page.goto(f"{console.url}/reports")
    _shot(page, "01-login")
    _log_in(page, console, accounts, Role.ANALYST, "/reports")

    page.goto(console.url)
    page.fill("input[name=q]", "modelos")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("article.hit")
    _shot(page, "02-search")
    page.click("article.hit h2 a")
    page.wait_for_selector("#flags")
    _shot(page, "03-document")

    page.fill(".flag-form textarea[name=note]", "Mismo patrón que la red de Panamá")
    page.click(".flag-form button[type=submit]")
    page.wait_for_selector("strong.flag")
    _shot(page, "04-flagged")

    page.click("nav.menu a[href='/reports']")
    page.fill("#report-builder input[name=title]", "Captación de modelos hacia Panamá")
    page.fill("#report-builder textarea[name=narrative]", "Un anuncio marcado ofrece pasaje.")
    page.check("#report-builder input[name=document_id]")
    _shot(page, "05-report-builder")
    page.click("#report-builder button[type=submit]")
    page.wait_for_selector("#download-pdf")
    _shot(page, "06-report")

    with page.expect_download() as download_info:
        page.click("#download-pdf")
    pdf = Path(download_info.value.path()).read_bytes()
    (_output_dir() / "report.pdf").write_bytes(pdf)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Captación de modelos hacia Panamá" in text
    assert "Un anuncio marcado ofrece pasaje." in text
    assert "Anexo: cadena de custodia" in text and SHA in text
    context.close()


def test_investigator_sees_alerts_arrive_live(
    browser: Browser, console: Console, accounts: Accounts
):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    _log_in(page, console, accounts, Role.INVESTIGATOR, "/alerts")
    page.wait_for_selector("#rule-form")
    page.fill("#rule-form input[name=name]", "Modelos, riesgo alto")
    page.fill("#rule-form input[name=q]", "modelos")
    page.fill("#rule-form input[name=risk_threshold]", "0.8")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("text=Modelos, riesgo alto")
    page.wait_for_timeout(1000)  # the page's EventSource is connected by now
    ad = make_document(
        title="Nuevas modelos para Aruba", text="Modelos, pasaje pagado.", risk_score=0.93
    )
    console.index.upsert([ad])
    assert console.app.state.alerts.evaluate([ad]) == 1
    page.wait_for_selector("#alert-feed a:has-text('Nuevas modelos para Aruba')", timeout=10_000)
    _shot(page, "07-live-alert")
    context.close()
