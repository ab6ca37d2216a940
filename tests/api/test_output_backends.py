"""Alerts, exports and reports over both index backends: the embedded index and the real
Elasticsearch node (scripts/es-node; see tests/elasticsearch_node.py). They use only the
index contract — `export`, the `ids` filter, histograms — so they must behave the same."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.base import IndexBackend
from tests.api.conftest import Accounts
from tests.factories import make_document

KEY = "backend-pseudonymisation-key-0123456789"


@pytest.fixture
def app(backend: IndexBackend, accounts: Accounts):
    settings = ApiSettings(pseudonymisation_key=KEY)
    return create_app(settings, backend, accounts.database)


def _ads(count: int, prefix: str = "ad", **overrides) -> list:
    return [
        make_document(canonical_url=f"https://ads.example/{prefix}/{number}", **overrides)
        for number in range(count)
    ]


def test_exports_stream_every_match(app, backend: IndexBackend, accounts: Accounts):
    backend.upsert([*_ads(620, country="EC"), *_ads(3, "pe", country="PE", title="Lima")])
    client = TestClient(app, headers=accounts.headers(Role.RESEARCHER))
    params = {"format": "jsonl", "country": "EC"}
    with client:
        lines = client.get("/api/exports/documents", params=params).text.splitlines()
        parquet = client.get("/api/exports/modus_operandi", params={"format": "parquet"})
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 620 == len({row["id"] for row in rows})
    assert all(row["source_country"] == "EC" for row in rows)
    assert "+593 99 000 0000" not in "\n".join(lines)
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == 623


def test_alert_rules_match_only_the_new_batch(app, backend: IndexBackend, accounts: Accounts):
    old = make_document(canonical_url="https://ads.example/old", risk_score=0.9)
    backend.upsert([old])
    client = TestClient(app, headers=accounts.headers(Role.INVESTIGATOR))
    with client:
        rule = {"name": "alto", "risk_threshold": 0.8, "channels": ["console"]}
        assert client.post("/api/alerts/rules", json=rule).status_code == 201
        batch = [
            make_document(canonical_url="https://ads.example/new-high", risk_score=0.95),
            make_document(canonical_url="https://ads.example/new-low", risk_score=0.2),
        ]
        backend.upsert(batch)
        assert app.state.alerts.evaluate(batch) == 1
        alerted = {d["doc_id"] for d in client.get("/api/alerts/deliveries").json()}
    assert alerted == {batch[0].id}


def test_report_trend_and_custody(app, backend: IndexBackend, accounts: Accounts):
    documents = _ads(4)
    backend.upsert(documents)
    client = TestClient(app, headers=accounts.headers(Role.ANALYST))
    with client:
        body = {"title": "Tendencia", "document_ids": [d.id for d in documents]}
        created = client.post("/api/reports", json=body)
        assert created.status_code == 201, created.text
        url = f"/api/reports/{created.json()['id']}/download"
        html = client.get(url, params={"format": "html"}).text
    assert html.count("<rect") == 1  # one week: all four were published the same week
    assert all(document.url in html for document in documents)
