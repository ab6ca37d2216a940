"""Flags: flag, flag again (a new version), unflag, history, the search facet — and refusals
that leave nothing written."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from index.embedded import EmbeddedIndex
from nlp.indicators.matching import load_taxonomy
from tests.api.conftest import Accounts, log_in
from tests.factories import make_document


@pytest.fixture(scope="module")
def categories() -> list[str]:
    """Two categories of the bundled taxonomy (whatever they are called today)."""
    return sorted({indicator.category for indicator in load_taxonomy().indicators})[:2]


def _flag(client: TestClient, doc_id: str, category: str, **extra: object):
    return client.post(f"/api/documents/{doc_id}/flags", json={"category": category, **extra})


def test_flag_reflag_unflag_keeps_a_versioned_history(
    fresh_client: TestClient, fresh_index: EmbeddedIndex, categories: list[str]
) -> None:
    document = make_document()
    fresh_index.upsert([document])
    first, second = categories
    made = _flag(fresh_client, document.id, first, confidence=0.6, note="pasaje pagado")
    assert made.status_code == 201, made.text
    assert made.json() | {"at": None} == {
        "doc_id": document.id,
        "category": first,
        "version": 1,
        "confidence": 0.6,
        "note": "pasaje pagado",
        "username": "analyst-one",
        "at": None,
    }
    again = _flag(fresh_client, document.id, first, confidence=0.9, note="confirmado")
    assert again.json()["version"] == 2
    assert _flag(fresh_client, document.id, second).status_code == 201
    assert fresh_index.get(document.id).flags == sorted([first, second])

    removed = fresh_client.delete(f"/api/documents/{document.id}/flags/{first}")
    assert removed.status_code == 200
    assert removed.json()["action"] == "unflag"
    assert removed.json()["previous"]["note"] == "confirmado"
    assert fresh_index.get(document.id).flags == [second]

    body = fresh_client.get(f"/api/documents/{document.id}/flags").json()
    assert [flag["category"] for flag in body["flags"]] == [second]
    history = [(e["action"], e["category"], e["version"]) for e in body["history"]]
    assert history == [
        ("flag", first, 1),
        ("flag", first, 2),
        ("flag", second, 1),
        ("unflag", first, 3),
    ]
    assert body["history"][1]["previous"]["confidence"] == 0.6
    assert body["history"][0]["previous"] is None


def test_flags_are_a_search_facet_and_filter(
    fresh_client: TestClient, fresh_index: EmbeddedIndex, categories: list[str]
) -> None:
    flagged, other = make_document(), make_document(canonical_url="https://x.example/2")
    fresh_index.upsert([flagged, other])
    _flag(fresh_client, flagged.id, categories[0])
    search = fresh_client.get("/api/search").json()
    assert {"value": categories[0], "count": 1} in search["facets"]["flag"]
    only = fresh_client.get("/api/search", params={"flag": categories[0]}).json()
    assert [hit["id"] for hit in only["hits"]] == [flagged.id]
    assert only["hits"][0]["flags"] == [categories[0]]
    listed = fresh_client.get("/api/flags", params={"category": categories[0]}).json()
    assert listed["total"] >= 1 and listed["flags"][0]["doc_id"] == flagged.id


def _flag_rows(accounts: Accounts, doc_id: str) -> int:
    with sqlite3.connect(accounts.database.path) as connection:
        return connection.execute(
            "SELECT (SELECT COUNT(*) FROM flags WHERE doc_id = ?)"
            " + (SELECT COUNT(*) FROM flag_events WHERE doc_id = ?)"
            " + (SELECT COUNT(*) FROM audit_log WHERE target = ? AND action = 'flag')",
            (doc_id, doc_id, doc_id),
        ).fetchone()[0]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"category": "no_such_category"}, 422, "no flag category 'no_such_category'"),
        ({"category": "CATEGORY", "confidence": 1.5}, 422, "less than or equal to 1"),
        ({"category": "CATEGORY", "note": "x" * 5001}, 422, "at most 5000 characters"),
        ({"category": "CATEGORY", "colour": "red"}, 422, "Extra inputs are not permitted"),
        ({}, 422, "Field required"),
    ],
)
def test_bad_flags_are_refused_and_nothing_is_written(
    fresh_client: TestClient,
    fresh_index: EmbeddedIndex,
    accounts: Accounts,
    categories: list[str],
    body: dict,
    status: int,
    message: str,
) -> None:
    document = make_document()
    fresh_index.upsert([document])
    if body.get("category") == "CATEGORY":
        body = {**body, "category": categories[0]}
    response = fresh_client.post(f"/api/documents/{document.id}/flags", json=body)
    assert response.status_code == status
    assert message in str(response.json()["detail"])
    assert _flag_rows(accounts, document.id) == 0
    assert fresh_index.get(document.id).flags == []


def test_unknown_document_or_flag_is_a_404_and_nothing_is_written(
    fresh_client: TestClient, accounts: Accounts, categories: list[str]
) -> None:
    response = _flag(fresh_client, "no-such-document", categories[0])
    assert response.status_code == 404
    assert response.json() == {"detail": "no document with id 'no-such-document'"}
    assert _flag_rows(accounts, "no-such-document") == 0
    missing = fresh_client.delete(f"/api/documents/no-such-document/flags/{categories[0]}")
    assert missing.status_code == 404


def test_console_flag_form_with_csrf(
    fresh_client: TestClient, fresh_index: EmbeddedIndex, accounts: Accounts, categories: list[str]
) -> None:
    document = make_document()
    fresh_index.upsert([document])
    with TestClient(fresh_client.app) as browser:
        token = log_in(browser, accounts.users[Role.ANALYST].username)
        page = browser.get(f"/documents/{document.id}").text
        assert f'<option value="{categories[0]}">' in page
        posted = browser.post(
            f"/documents/{document.id}/flags",
            data={
                "category": categories[0],
                "confidence": "0.7",
                "note": "<b>ojo</b>",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert posted.status_code == 303
        page = browser.get(posted.headers["location"]).text
        assert f"⚑ {categories[0]}" in page and "&lt;b&gt;ojo&lt;/b&gt;" in page
        unflag = browser.post(
            f"/documents/{document.id}/flags/{categories[0]}/delete",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert unflag.status_code == 303
    assert fresh_index.get(document.id).flags == []
