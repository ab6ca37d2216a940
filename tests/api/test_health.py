"""GET /healthz: ok with the backend and count, 503 when the index cannot answer."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.embedded import EmbeddedIndex
from tests.api.conftest import Accounts


def test_healthz_reports_backend_and_document_count(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "backend": "embedded", "documents": 5}


def test_healthz_is_503_when_the_index_is_missing(tmp_path: Path, accounts: Accounts) -> None:
    never_set_up = EmbeddedIndex(tmp_path / "missing")
    app = create_app(ApiSettings(), never_set_up, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert "no embedded index" in response.json()["detail"]
        # Any other route on a broken index answers the same JSON shape, not a traceback.
        search = client.get("/api/search")
        assert search.status_code == 503
        assert "no embedded index" in search.json()["detail"]


def test_openapi_documents_every_route_and_parameter(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/search", "/api/documents/{doc_id}", "/healthz"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert parameters == {
        "q", "language", "country", "source_kind", "site", "indicator", "risk_label", "topic",
        "status", "cluster", "network", "flag", "identifier",
        "published_from", "published_to", "risk_min", "risk_max", "sort", "page", "size", "facets",
        "histogram", "histogram_field", "histogram_split",
    }  # fmt: skip
    assert "/" not in schema["paths"]  # the console pages stay out of the API docs
    assert client.get("/docs").status_code == 200
