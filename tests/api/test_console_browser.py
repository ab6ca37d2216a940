"""The console in a real browser (issue 6): headless Chromium (Debian's, through Playwright)
drives a real uvicorn on loopback over the demo data, as `track4tip demo` leaves it.

One analyst task from end to end — log in, search, open a document, flag it with a note,
build a report from the flagged document, download its PDF and read its text — then an
investigator who sees a new alert arrive in the live feed, a researcher who downloads an
export and finds it pseudonymised, and an admin who reads what `track4tip watch` recorded.
Every step waits for what it needs on the page (no sleeps) and leaves a screenshot in
`test-output/console/` (git-ignored; the path is printed).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pydantic import SecretStr
from pypdf import PdfReader

from api.accounts.users import Role, UserStore
from api.alerting.engine import build_alert_engine
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from index.embedded import EmbeddedIndex
from index.queries import SearchQuery, Sort
from index.source_runs import DEFAULT_FILE_NAME, RunRecord, SourceRunStore
from nlp.types import EntityKind
from tests.demo_run import run_demo
from tests.factories import make_document
from tests.live_server import live_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "console"
CHROMIUM = Path(os.environ.get("TRACK4TIP_CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
PASSWORD = "browser test password"
NOTE = "Oferta engañosa: pasaje pagado y fotos de cuerpo entero (prueba E2E)"
REPORT_TITLE = "Informe E2E: captación en el Caribe"
NARRATIVE = "Anuncios de alto riesgo que ofrecen viajes pagados al Caribe."
# Playwright's own waits: generous for a loaded CI machine, yet far below the test timeout.
WAIT_MS = 20_000
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Console:
    url: str
    index: EmbeddedIndex
    settings: ApiSettings
    database: ConsoleDatabase


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a fresh `track4tip demo` leaves: the index, linking store and WARC captures."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    result = run_demo(data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    return data_dir / "demo"


@pytest.fixture(scope="module")
def console(demo_dir: Path) -> Iterator[Console]:
    database = ConsoleDatabase(demo_dir / "console.sqlite3")
    users = UserStore(database)
    for role in (Role.ADMIN, Role.ANALYST, Role.INVESTIGATOR, Role.RESEARCHER):
        users.create(f"e2e-{role.value}", PASSWORD, role)
    settings = ApiSettings(
        evidence_dir=demo_dir / "warc",
        linking_path=demo_dir / "linking.sqlite3",
        pseudonymisation_key=SecretStr("browser-test-pseudonymisation-key"),
    )
    with (
        EmbeddedIndex(demo_dir / "index") as index,
        live_server(create_app(settings, index, database)) as url,
    ):
        yield Console(url, index, settings, database)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {OUTPUT}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh browser context (no cookies) per user, in Spanish like most analysts."""
    context = browser.new_context(
        base_url=console.url, accept_downloads=True, locale="es-VE", viewport=VIEWPORT
    )
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def log_in(page: Page, role: Role) -> None:
    page.goto("/login")
    page.fill("input[name=username]", f"e2e-{role.value}")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("header .who")).to_contain_text(f"e2e-{role.value}")


def test_an_analyst_searches_flags_and_reports(page: Page, console: Console) -> None:
    log_in(page, Role.ANALYST)
    _shot(page, "01-analyst-logged-in")

    # Search: facets, highlighted words and risk on every hit.
    page.fill("form.searchbox input[name=q]", "pasaje")
    page.click("form.searchbox button[type=submit]")
    hits = page.locator("article.hit")
    expect(hits.first).to_be_visible()
    expect(page.locator("article.hit mark").first).to_be_visible()
    expect(page.locator("aside.facets h3").first).to_be_visible()
    _shot(page, "02-search-results")

    # Open the riskiest hit: its indicator evidence is highlighted in place.
    page.select_option("form.searchbox select[name=sort]", "risk")
    page.click("form.searchbox button[type=submit]")
    first = hits.first.locator("h2 a")
    title = first.inner_text().strip()
    first.click()
    expect(page.locator("article.document h1")).to_have_text(title)
    expect(page.locator("ul.evidence mark").first).to_be_visible()
    doc_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    _shot(page, "03-document")

    # Flag it with a note.
    form = page.locator("form.flag-form")
    form.locator("select[name=category]").select_option(index=0)
    form.locator("input[name=confidence]").fill("0.9")
    form.locator("textarea[name=note]").fill(NOTE)
    form.locator("button[type=submit]").click()
    expect(page.locator("#flags blockquote")).to_have_text(NOTE)
    expect(page.locator("#flags strong.flag").first).to_be_visible()
    _shot(page, "04-flagged")

    # Build a report from the flagged documents; the builder lists the one just flagged.
    page.goto("/reports")
    builder = page.locator("#report-builder")
    builder.locator("input[name=title]").fill(REPORT_TITLE)
    builder.locator("textarea[name=narrative]").fill(NARRATIVE)
    builder.locator(f"#doc-{doc_id}").check()
    builder.locator("button[type=submit]").click()
    expect(page.locator("section.report h1")).to_have_text(REPORT_TITLE)
    expect(page.locator("iframe.report-preview")).to_be_visible()
    _shot(page, "05-report")

    # Download its PDF and read it.
    with page.expect_download() as waiting:
        page.click("#download-pdf")
    download = waiting.value
    pdf_path = OUTPUT / "report.pdf"
    download.save_as(pdf_path)
    text = " ".join(page_.extract_text() for page_ in PdfReader(pdf_path).pages)
    flat = re.sub(r"\s+", " ", text)
    assert REPORT_TITLE in flat
    assert NARRATIVE in flat
    squeezed = flat.replace(" ", "")
    assert title.replace(" ", "")[:30] in squeezed
    document = console.index.get(doc_id)
    assert document is not None and document.capture is not None
    assert document.capture.sha256 in squeezed


def test_the_analyst_follows_a_network(page: Page, console: Console) -> None:
    """From the search facets to a network page (issue 7): documents, contacts, timeline."""
    log_in(page, Role.ANALYST)
    page.goto("/")
    opener = page.locator("a.open-group").first
    expect(opener).to_be_visible()
    opener.click()
    expect(page.locator("article.network h1")).to_be_visible()
    expect(page.locator("#identifiers td code").first).to_be_visible()
    expect(page.locator("article.network svg.trend")).to_be_visible()
    expect(page.locator("table.group-documents a").first).to_be_visible()
    _shot(page, "06-network")
    page.goto("/networks")
    expect(page.locator("#network-list a").first).to_be_visible()
    _shot(page, "07-networks")


def test_an_investigator_sees_a_new_alert_live(page: Page, console: Console) -> None:
    log_in(page, Role.INVESTIGATOR)
    page.goto("/alerts")
    rule = page.locator("#rule-form")
    rule.locator("input[name=name]").fill("Caribe, alto riesgo")
    rule.locator("input[name=q]").fill("Aruba")
    rule.locator("input[name=risk_threshold]").fill("0.5")
    with page.expect_response(lambda response: "/api/alerts/stream" in response.url):
        rule.locator("button[type=submit]").click()
    expect(page.locator("section.alerts table").first).to_contain_text("Caribe, alto riesgo")

    # The indexer writes a new batch and evaluates the rules, as `track4tip index` does.
    new_ad = make_document(
        canonical_url="https://clasificados.example/anuncio/e2e-aruba",
        site="clasificados.example",
        country="AW",
        title="Se buscan bailarinas para Aruba, pasaje pagado",
        risk_score=0.91,
    )
    console.index.upsert([new_ad])
    engine = build_alert_engine(console.settings, console.index, console.database)
    assert engine.evaluate([new_ad]) == 1
    expect(page.locator("#alert-feed li a")).to_have_text(new_ad.title)
    _shot(page, "08-live-alert")


def test_a_researcher_downloads_a_pseudonymised_export(page: Page, console: Console) -> None:
    log_in(page, Role.RESEARCHER)
    page.goto("/exports")
    form = page.locator("#export-form")
    form.locator("input[name=table][value=documents]").check()
    form.locator("input[name=format][value=csv]").check()
    _shot(page, "09-exports")
    with page.expect_download() as waiting:
        form.locator("button[type=submit]").click()
    download = waiting.value
    export_path = OUTPUT / "export.csv"
    download.save_as(export_path)
    rows = list(csv.DictReader(io.StringIO(export_path.read_text(encoding="utf-8"))))
    assert len(rows) == console.index.search(SearchQuery(size=1)).total
    phones = {
        entity.value
        for hit in console.index.search(SearchQuery(size=100, sort=Sort.RISK)).hits
        for entity in hit.document.entities
        if entity.kind is EntityKind.PHONE
    }
    assert phones, "the demo data has phone numbers to hide"
    raw = export_path.read_text(encoding="utf-8")
    for phone in phones:
        assert phone not in raw and phone.removeprefix("+") not in raw
    hashed = [token for row in rows for token in re.findall(r"[0-9a-f]{64}", row["phones"])]
    assert hashed, "phones are exported as keyed hashes"


def test_an_admin_reads_the_sources_status(page: Page, console: Console) -> None:
    """/status (issue 14) over the run history `track4tip watch` writes beside the console's
    database: one source fine, one backing off after failures."""
    runs = SourceRunStore(console.database.path.parent / DEFAULT_FILE_NAME)
    now = datetime.now(UTC)
    ran = {"started_at": now - timedelta(seconds=40), "finished_at": now}
    runs.add_run(
        RunRecord(site="clasificados", outcome="ok", pages=12, documents=9, **ran).model_copy(
            update={"errors": {"http_404": 1}}
        )
    )
    runs.add_run(RunRecord(site="noticias", outcome="failed", message="timeout", **ran))
    runs.set_state(
        "noticias",
        consecutive_failures=2,
        backoff_until=now + timedelta(minutes=5),
        last_error="network_TimeoutError",
        blocked=False,
        starved=False,
    )
    log_in(page, Role.ADMIN)
    page.goto("/status")
    expect(page.locator("section.status h1")).to_have_text("Fuentes")
    expect(page.locator("tr.state-ok")).to_contain_text("clasificados")
    expect(page.locator("tr.state-ok")).to_contain_text("http_404: 1")
    expect(page.locator("tr.state-backing-off")).to_contain_text("network_TimeoutError")
    expect(page.locator("tr.state-backing-off")).to_contain_text("en pausa tras fallos (hasta")
    _shot(page, "10-status")
