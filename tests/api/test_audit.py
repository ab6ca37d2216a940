"""The audit log: searches, views and flags recorded; admins query and export it; rows can be
neither changed nor deleted."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from index.document import Document
from index.embedded import EmbeddedIndex
from tests.api.conftest import HTML, Accounts, make_accounts


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Accounts:
    """Accounts in a database of this module's own, so the log holds only its rows."""
    folder = tmp_path_factory.mktemp("audit")
    return make_accounts(ConsoleDatabase(folder / "console.sqlite3"))


@pytest.fixture(scope="module")
def audited(index: EmbeddedIndex, own: Accounts) -> Iterator[TestClient]:
    with TestClient(create_app(ApiSettings(), index, own.database)) as test_client:
        yield test_client


def _entries(client: TestClient, own: Accounts, **filters: str) -> list[dict]:
    response = client.get("/api/audit", params=filters, headers=own.headers(Role.ADMIN))
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_search_and_view_are_recorded_with_who_and_what(
    audited: TestClient, own: Accounts, documents: dict[str, Document]
) -> None:
    analyst = own.headers(Role.ANALYST)
    audited.get("/api/search", params={"q": "modelos", "country": "EC"}, headers=analyst)
    audited.get("/", params={"q": "pasaje"}, headers=analyst | HTML)
    doc_id = documents["nurses"].id
    audited.get(f"/api/documents/{doc_id}", headers=own.headers(Role.INVESTIGATOR))
    audited.get(f"/documents/{doc_id}", headers=analyst | HTML)

    searches = _entries(audited, own, action="search", username="analyst-one")
    assert [(entry["target"], entry["details"]) for entry in searches] == [
        ("pasaje", {"total": 2}),
        ("modelos", {"country": ["EC"], "total": 1}),
    ]
    assert searches[0]["role"] == "analyst"
    views = _entries(audited, own, action="view", target=doc_id)
    assert [(v["username"], v["details"]["via"]) for v in views] == [
        ("analyst-one", "console"),
        ("investigator-one", "api"),
    ]


def test_refused_calls_are_not_recorded_as_done(audited: TestClient, own: Accounts) -> None:
    before = len(_entries(audited, own, action="search", username="researcher-one"))
    researcher = own.headers(Role.RESEARCHER)
    assert audited.get("/api/search", params={"q": "x"}, headers=researcher).status_code == 403
    assert len(_entries(audited, own, action="search", username="researcher-one")) == before


def test_admins_export_csv_and_jsonl(audited: TestClient, own: Accounts) -> None:
    analyst = own.headers(Role.ANALYST)
    audited.get("/api/search", params={"q": "exportable"}, headers=analyst)
    admin = own.headers(Role.ADMIN)
    exported = audited.get("/api/audit/export", params={"action": "search"}, headers=admin)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and all(row["action"] == "search" for row in rows)
    assert "exportable" in {row["target"] for row in rows}
    assert json.loads(rows[0]["details"]) is not None
    lines = audited.get(
        "/api/audit/export", params={"format": "jsonl", "username": "analyst-one"}, headers=admin
    ).text.splitlines()
    assert all(json.loads(line)["username"] == "analyst-one" for line in lines)
    # The export itself is an audited action.
    assert _entries(audited, own, action="export")[0]["target"] == "audit"


def test_audit_page_lists_entries_for_admins(audited: TestClient, own: Accounts) -> None:
    page = audited.get("/audit", params={"action": "search"}, headers=own.headers(Role.ADMIN))
    assert page.status_code == 200
    assert "<td>search</td>" in page.text and "analyst-one" in page.text
    assert 'href="/api/audit/export?action=search&amp;format=csv"' in page.text


def test_the_log_is_append_only(own: Accounts) -> None:
    with sqlite3.connect(own.database.path) as connection:
        for statement in ("UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                connection.execute(statement)


@pytest.mark.parametrize(
    ("params", "location"),
    [({"since": "yesterday"}, "since"), ({"limit": "0"}, "limit"), ({"format": "xml"}, "format")],
)
def test_bad_audit_queries_are_422(
    audited: TestClient, own: Accounts, params: dict, location: str
) -> None:
    path = "/api/audit/export" if "format" in params else "/api/audit"
    response = audited.get(path, params=params, headers=own.headers(Role.ADMIN))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", location]
