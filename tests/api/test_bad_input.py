"""Broken input gets a clear 4xx and leaves nothing half-written: malformed and oversized
bodies, unknown ids, injection strings in search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.embedded import EmbeddedIndex
from tests.api.conftest import HTML, Accounts
from tests.live_server import live_server

LIMIT = 4096


@pytest.fixture(scope="module")
def small(index: EmbeddedIndex, accounts: Accounts) -> Iterator[TestClient]:
    """The app with a 4 KiB body limit."""
    app = create_app(ApiSettings(max_body_bytes=LIMIT), index, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ADMIN)) as client:
        yield client


def _count(accounts: Accounts, table: str) -> int:
    with sqlite3.connect(accounts.database.path) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"name": ', "JSON decode error"),
        (b"[1, 2]", "Input should be a valid dictionary"),
        (b'{"name": 5}', "Input should be a valid string"),
        (b"\xff\xfe", "JSON decode error"),
    ],
)
def test_malformed_bodies_are_422(
    small: TestClient, accounts: Accounts, content: bytes, message: str
) -> None:
    before = _count(accounts, "saved_searches")
    response = small.post(
        "/api/saved-searches", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert message in str(response.json()["detail"])
    assert _count(accounts, "saved_searches") == before


def test_oversized_bodies_are_413_before_anything_is_read(
    small: TestClient, accounts: Accounts
) -> None:
    before = _count(accounts, "users")
    body = {"username": "huge", "password": "x" * (LIMIT + 1), "role": "analyst"}
    response = small.post("/api/users", json=body)
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body larger than {LIMIT} bytes"}
    assert _count(accounts, "users") == before


def test_a_chunked_body_over_the_limit_is_cut_off(index: EmbeddedIndex, accounts: Accounts) -> None:
    """No Content-Length: the limit counts the bytes as they arrive, on a real server."""
    app = create_app(ApiSettings(max_body_bytes=LIMIT), index, accounts.database)

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(50):
            yield b"x" * 1024
        yield b'"}'

    with live_server(app) as url:
        response = httpx.post(
            f"{url}/api/saved-searches",
            content=chunks(),
            headers={**accounts.headers(Role.ANALYST), "content-type": "application/json"},
            timeout=10.0,
        )
    assert response.status_code == 413
    assert "larger than 4096 bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/nope",
        "/api/documents/nope/related",
        "/api/documents/nope/screenshot",
        "/api/saved-searches/999999",
        "/api/users/999999/keys",
    ],
)
def test_unknown_ids_are_404(small: TestClient, path: str) -> None:
    response = small.get(path)
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", "99999999999999999999999"])
def test_ids_that_are_not_ids_are_422(small: TestClient, bad_id: str) -> None:
    assert small.get(f"/api/saved-searches/{bad_id}").status_code == 422


INJECTIONS = [
    "<script>alert(1)</script>",
    "title:modelos OR 1=1",
    "modelos AND (pasaje OR",
    "*",
    "' OR ''='",
    "modelos\\",
    '{"query": {"match_all": {}}}',
    "%00",
    "pasaje -",
]


@pytest.mark.parametrize("q", INJECTIONS)
def test_injection_strings_in_search_are_words_or_a_4xx(small: TestClient, q: str) -> None:
    response = small.get("/api/search", params={"q": q})
    assert response.status_code in (200, 422), response.text
    page = small.get("/", params={"q": q}, headers=HTML)
    assert page.status_code in (200, 422)
    assert "<script>alert(1)" not in page.text


def test_a_search_for_a_script_tag_is_escaped_in_the_page(small: TestClient) -> None:
    page = small.get("/", params={"q": "<script>alert(1)</script>"}, headers=HTML)
    assert page.status_code == 200
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/users", '{"username": "sur", "password": "\\ud800xxxxxxxxxxx", "role": "analyst"}'),
        ("/api/saved-searches", '{"name": "\\ud800", "query": {"q": "pasaje"}}'),
        ("/api/auth/keys", '{"name": "\\udfff"}'),
    ],
)
def test_lone_surrogates_are_422_and_nothing_is_written(
    small: TestClient, accounts: Accounts, path: str, body: str
) -> None:
    tables = ("users", "saved_searches", "api_keys")
    before = [_count(accounts, table) for table in tables]
    response = small.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "lone surrogate" in response.json()["detail"][0]["msg"]
    assert [_count(accounts, table) for table in tables] == before
