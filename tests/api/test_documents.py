"""GET /api/documents/{id} and /versions."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from index.document import Document
from index.embedded import EmbeddedIndex
from tests.factories import make_document


def test_document_view_has_every_field(client: TestClient, documents: dict[str, Document]) -> None:
    expected = documents["modelos"]
    response = client.get(f"/api/documents/{expected.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == expected.id
    assert body["title"] == expected.title and body["text"] == expected.text
    assert body["canonical_url"] == expected.canonical_url
    assert body["versions"] == 1 and body["version"] == 1
    assert body["risk"] == {
        "score": 0.9,
        "label": "high",
        "explanation": ["score 0.90"],
        "contributions": [],
    }
    assert body["source"] == {"kind": "classifieds", "site": "anuncios.example", "country": "EC"}
    evidence = {hit["indicator"]: hit for hit in body["indicators"]}
    body_photo = evidence["body_photo"]
    assert body_photo["evidence"] == "foto de cuerpo entero"
    assert expected.text[body_photo["start"] : body_photo["end"]] == "foto de cuerpo entero"
    assert body_photo["field"] == "text"
    assert body["content_hash"] == expected.content_hash
    assert body["language_confidence"] == 0.98


def test_document_view_lists_entities(fresh_client: TestClient, fresh_index: EmbeddedIndex) -> None:
    document = make_document()  # the default text holds an invented phone number
    fresh_index.upsert([document])
    body = fresh_client.get(f"/api/documents/{document.id}").json()
    assert body["entities"] == [
        {
            "kind": "phone",
            "text": "+593 99 000 0000",
            "value": "+593990000000",
            "field": "text",
            "start": document.text.find("+593"),
            "end": document.text.find("+593") + len("+593 99 000 0000"),
        }
    ]


def test_unknown_document_is_a_404_with_a_clear_detail(client: TestClient) -> None:
    for path in ("/api/documents/doesnotexist", "/api/documents/doesnotexist/versions"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "no document with id 'doesnotexist'"}


def test_changed_ad_shows_both_versions(
    fresh_client: TestClient, fresh_index: EmbeddedIndex
) -> None:
    first = make_document(canonical_url="https://anuncios.example/ad/1", text="Pasaje pagado.")
    changed = make_document(
        canonical_url="https://anuncios.example/ad/1",
        text="Pasaje pagado. Ahora también alojamiento.",
        fetched_at=first.fetched_at + timedelta(days=2),
    )
    fresh_index.upsert([first])
    fresh_index.upsert([changed])

    body = fresh_client.get(f"/api/documents/{first.id}/versions").json()
    assert body["id"] == first.id and body["total"] == 2
    assert [v["text"] for v in body["versions"]] == [first.text, changed.text]
    assert [v["version"] for v in body["versions"]] == [1, 2]
    latest = fresh_client.get(f"/api/documents/{first.id}").json()
    assert latest["versions"] == 2 and latest["text"] == changed.text
