"""Flags, related documents, trends and saved searches over both index backends: the embedded
index and the real Elasticsearch node (scripts/es-node; see tests/elasticsearch_node.py).
They go through the index contract only (`set_flags`, the flag/identifier/cluster filters,
histograms), so both must give the same answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.base import IndexBackend
from nlp.indicators.matching import load_taxonomy
from tests.api.conftest import Accounts
from tests.factories import make_document


@pytest.fixture
def analyst(backend: IndexBackend, accounts: Accounts) -> Iterator[TestClient]:
    app = create_app(ApiSettings(), backend, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as client:
        yield client


def test_flags_facet_related_and_trends(analyst: TestClient, backend: IndexBackend) -> None:
    category = sorted({item.category for item in load_taxonomy().indicators})[0]
    first = make_document(cluster_ids=["dup-1"], canonical_url="https://a.example/1")
    twin = make_document(cluster_ids=["dup-1"], canonical_url="https://a.example/2")
    other = make_document(text="Sin contacto.", canonical_url="https://b.example/3", country="PE")
    backend.upsert([first, twin, other])

    assert (
        analyst.post(
            f"/api/documents/{first.id}/flags", json={"category": category, "confidence": 0.9}
        ).status_code
        == 201
    )
    flagged = analyst.get("/api/search", params={"flag": category}).json()
    assert [hit["id"] for hit in flagged["hits"]] == [first.id]
    assert flagged["facets"]["flag"] == [{"value": category, "count": 1}]

    related = analyst.get(f"/api/documents/{first.id}/related").json()
    assert [hit["id"] for hit in related["same_phone"][0]["hits"]] == [twin.id]
    assert [hit["id"] for hit in related["near_duplicate"][0]["hits"]] == [twin.id]

    trends = analyst.get(
        "/api/trends", params={"histogram": "week", "histogram_split": "country"}
    ).json()
    assert trends["total"] == 3
    assert set(trends["series"]["country"]) == {"EC", "PE"}

    saved = analyst.post(
        "/api/saved-searches",
        json={"name": f"flagged {id(backend)}", "query": {"flag": [category]}},
    ).json()
    run = analyst.get(f"/api/saved-searches/{saved['id']}/run").json()
    assert [hit["id"] for hit in run["hits"]] == [first.id]
    assert analyst.delete(f"/api/documents/{first.id}/flags/{category}").status_code == 200
    assert analyst.get("/api/search", params={"flag": category}).json()["total"] == 0
