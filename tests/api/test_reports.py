"""Intelligence reports through the API over a real embedded index: stored and versioned,
rendered as HTML, Markdown and a real PDF (WeasyPrint, text read back with pypdf), with the
chain of custody of every capture, and refused whole when a template or a document is wrong."""

from __future__ import annotations

import base64
import hashlib
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.accounts.users import Role
from api.annotations.audit import AuditFilter, AuditLog
from api.config import ApiSettings
from api.main import create_app
from index.document import Capture, Document
from index.embedded import EmbeddedIndex
from tests.api.conftest import Accounts
from tests.factories import make_document

# A 1x1 PNG, the screenshot of every capture here.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SCREENSHOT = f"screenshots/{hashlib.sha256(PNG).hexdigest()}.png"


def _captured(number: int, **overrides) -> Document:
    sha = hashlib.sha256(f"capture {number}".encode()).hexdigest()
    fields = {"title": f"Modelos para el exterior {number}", **overrides}
    return make_document(
        canonical_url=f"https://anuncios.example/ad/{number}",
        capture=Capture(
            sha256=sha,
            warc_file=f"track4tip-{number:05d}.warc.gz",
            record_id=f"<urn:uuid:0000-{number}>",
            screenshot=SCREENSHOT,
        ),
        flags=["deceptive_recruitment"],
        **fields,
    )


@pytest.fixture(scope="module")
def report_documents() -> list[Document]:
    return [_captured(1), _captured(2), _captured(3, title="Pasaje <script>x()</script> pagado")]


@pytest.fixture(scope="module")
def evidence_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("warc")
    (folder / "screenshots").mkdir()
    (folder / SCREENSHOT).write_bytes(PNG)
    return folder


@pytest.fixture(scope="module")
def report_index(tmp_path_factory, report_documents) -> Iterator[EmbeddedIndex]:
    backend = EmbeddedIndex(tmp_path_factory.mktemp("report-index"))
    backend.setup()
    backend.upsert(report_documents)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def analyst(report_index, accounts: Accounts, evidence_dir: Path) -> Iterator[TestClient]:
    app = create_app(ApiSettings(evidence_dir=evidence_dir), report_index, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as client:
        yield client


def _body(documents: list[Document], **overrides) -> dict:
    return {
        "title": "Red de captación «modelos» en Quito",
        "language": "es",
        "narrative": "Tres anuncios con el mismo teléfono ofrecen pasaje pagado.",
        "sections": [{"heading": "Modus operandi", "body": "Captación por WhatsApp."}],
        "document_ids": [document.id for document in documents],
        **overrides,
    }


@pytest.fixture(scope="module")
def report(analyst: TestClient, report_documents) -> dict:
    response = analyst.post("/api/reports", json=_body(report_documents))
    assert response.status_code == 201, response.text
    return response.json()


def _download(client: TestClient, report_id: int, fmt: str, **params) -> bytes:
    response = client.get(f"/api/reports/{report_id}/download", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response.content


def _report_count(accounts: Accounts) -> int:
    with sqlite3.connect(accounts.database.path) as connection:
        return connection.execute("SELECT count(*) FROM report_versions").fetchone()[0]


def test_report_pins_document_versions(report: dict, report_documents):
    assert report["version"] == 1 and report["versions"] == 1
    assert report["body"]["document_versions"] == {d.id: 1 for d in report_documents}


def test_html_report_has_evidence_screenshot_and_chain_of_custody(
    analyst, report, report_documents
):
    html = _download(analyst, report["id"], "html").decode()
    for document in report_documents:
        assert document.capture.sha256 in html
        assert document.url in html
        assert document.capture.warc_file in html
    assert "Anexo: cadena de custodia" in html
    assert "data:image/png;base64," in html  # the screenshot, embedded
    assert "<mark>Pasaje pagado</mark>" in html  # indicator evidence
    assert "<svg" in html  # the trend chart
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html


def test_markdown_report_lists_every_capture(analyst, report, report_documents):
    markdown = _download(analyst, report["id"], "md").decode()
    assert markdown.startswith("# Red de captación «modelos» en Quito")
    for document in report_documents:
        assert f"`{document.capture.sha256}`" in markdown
    assert "travel\\_paid" in markdown
    assert "<script>" not in markdown


def test_pdf_report_text(analyst, report, report_documents):
    content = _download(analyst, report["id"], "pdf")
    assert content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Red de captación «modelos» en Quito" in text
    assert "Tres anuncios con el mismo teléfono" in text
    assert "Anexo: cadena de custodia" in text
    for document in report_documents:
        assert document.capture.sha256 in text


def test_downloads_are_audited(analyst, report, accounts: Accounts):
    _download(analyst, report["id"], "md")
    entry = AuditLog(accounts.database).query(AuditFilter(action="report_download"))[0]
    assert entry.target == str(report["id"]) and entry.details["format"] == "md"


def test_saving_again_makes_a_new_version(analyst, report, report_documents):
    body = _body(report_documents[:1], title="Versión corregida", template="brief")
    saved = analyst.put(f"/api/reports/{report['id']}", json=body).json()
    assert saved["version"] == 2 and saved["title"] == "Versión corregida"
    first = analyst.get(f"/api/reports/{report['id']}", params={"version": 1}).json()
    assert first["title"] == report["title"] and first["versions"] == 2
    listed = analyst.get("/api/reports").json()
    assert listed[0]["id"] == report["id"] and listed[0]["version"] == 2
    brief = _download(analyst, report["id"], "html").decode()
    assert "Versión corregida" in brief and "data:image/png" not in brief


def test_custom_template_renders_in_the_sandbox(analyst, report_documents):
    layout = (
        '{% extends "_base.html" %}{% block body %}<p id="n">{{ report.documents | length }}'
        " docs</p>{% endblock %}"
    )
    created = analyst.post("/api/reports", json=_body(report_documents, custom_template=layout))
    assert created.status_code == 201, created.text
    html = _download(analyst, created.json()["id"], "html").decode()
    assert '<p id="n">3 docs</p>' in html and "cadena de custodia" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"template": "fancy"}, "unknown report template 'fancy'"),
        ({"template": "../base"}, "template"),
        ({"custom_template": "{% for x in %}"}, "custom_template line 1"),
        ({"custom_template": "{{ report.nothing_here }}"}, "custom_template cannot be rendered"),
        ({"custom_template": "{{ ''.__class__.__mro__ }}"}, "custom_template cannot be rendered"),
        ({"custom_template": "{{ 'x' * 10000000 }}"}, "too long"),
        ({"custom_template": '{% include "/etc/passwd" %}'}, "custom_template"),
        ({"document_ids": ["no-such-document"]}, "no document with id 'no-such-document'"),
        ({"document_ids": []}, "document_ids"),
        ({"title": ""}, "title"),
        ({"language": "fr"}, "language"),
        ({"sections": [{"heading": "x", "colour": "red"}]}, "colour"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_stored(
    analyst, report, report_documents, accounts, overrides, message
):
    before = _report_count(accounts)
    response = analyst.post("/api/reports", json=_body(report_documents, **overrides))
    assert response.status_code == 422
    assert message in response.text
    saved = analyst.put(f"/api/reports/{report['id']}", json=_body(report_documents, **overrides))
    assert saved.status_code == 422
    assert _report_count(accounts) == before


def test_unknown_reports_and_formats(analyst, report):
    assert analyst.get("/api/reports/999999").status_code == 404
    assert analyst.get(f"/api/reports/{report['id']}", params={"version": 99}).status_code == 404
    missing = analyst.get("/api/reports/999999/download", params={"format": "pdf"})
    assert missing.status_code == 404
    wrong = analyst.get(f"/api/reports/{report['id']}/download", params={"format": "docx"})
    assert wrong.status_code == 422
    assert analyst.put("/api/reports/999999", json={"title": "x"}).status_code == 422
    assert analyst.get("/api/reports/templates").json() == ["brief", "standard"]


def test_reports_need_the_report_permission(report_index, accounts, report):
    app = create_app(ApiSettings(), report_index, accounts.database)
    for role in (Role.INVESTIGATOR, Role.RESEARCHER):
        with TestClient(app, headers=accounts.headers(role)) as client:
            assert client.get(f"/api/reports/{report['id']}").status_code == 403
            url = f"/api/reports/{report['id']}/download"
            assert client.get(url, params={"format": "md"}).status_code == 403
