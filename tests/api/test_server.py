"""The app served by a real uvicorn on 127.0.0.1, queried over the network with httpx."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.document import Document
from index.embedded import EmbeddedIndex
from tests.api.conftest import Accounts
from tests.live_server import live_server


@pytest.fixture
def server_url(index: EmbeddedIndex, accounts: Accounts) -> Iterator[str]:
    settings = ApiSettings(cors_origins=["https://console.example"])
    with live_server(create_app(settings, index, accounts.database)) as url:
        yield url


def test_real_server_answers_search_documents_and_health(
    server_url: str, documents: dict[str, Document], accounts: Accounts
) -> None:
    headers = accounts.headers(Role.ANALYST)
    with httpx.Client(base_url=server_url, timeout=10.0, headers=headers) as client:
        search = client.get(
            "/api/search",
            params={"q": "pasaje", "sort": "risk"},
            headers={"origin": "https://console.example"},
        )
        assert search.status_code == 200
        assert search.headers["access-control-allow-origin"] == "https://console.example"
        assert [hit["id"] for hit in search.json()["hits"]] == [
            documents["modelos"].id,
            documents["anfitrion"].id,
        ]
        document = client.get(f"/api/documents/{documents['nurses'].id}")
        assert document.json()["title"] == "Nurses wanted abroad, visa provided"
        assert client.get("/api/search", params={"size": 0}).status_code == 422
        assert client.get("/healthz").json()["documents"] == 5
        assert "<mark>pasaje</mark>" in client.get("/", params={"q": "pasaje"}).text.lower()
