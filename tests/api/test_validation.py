"""Every invalid search parameter gives a 422 in FastAPI's shape whose loc names it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

INVALID = [
    ("size=0", "size", "greater than or equal to 1"),
    ("size=1000", "size", "less than or equal to 100"),
    ("size=ten", "size", "valid integer"),
    ("page=0", "page", "greater than or equal to 1"),
    ("page=501&size=20", "page", "page * size must not exceed 10000"),
    ("risk_min=2", "risk_min", "less than or equal to 1"),
    ("risk_max=-0.1", "risk_max", "greater than or equal to 0"),
    ("risk_min=0.8&risk_max=0.2", "risk_min", "risk_min must not be greater than risk_max"),
    ("published_from=yesterday", "published_from", "must be a date"),
    ("published_to=2024-02-30", "published_to", "must be a date"),
    ("published_from=2024-05-01&published_to=2024-01-01", "published_from", "must not be after"),
    ("sort=oldest", "sort", "'relevance', 'published', 'fetched' or 'risk'"),
    ("source_kind=forum", "source_kind", "'job_board', 'classifieds', 'social' or 'news'"),
    ("risk_label=extreme", "risk_label", "'none', 'low', 'medium' or 'high'"),
    ("status=deleted", "status", "'active' or 'taken_down'"),
    ("facets=maybe", "facets", "valid boolean"),
    ("q=%22damas+de+compa%C3%B1%C3%ADa", "q", "unbalanced quote"),
    ("q=" + "x" * 1001, "q", "at most 1000 characters"),
    ("histogram=year", "histogram", "'day', 'week' or 'month'"),
    ("histogram=week&histogram_field=seen", "histogram_field", "'published' or 'fetched'"),
    ("histogram=week&histogram_split=language", "histogram_split", "'indicator', 'country'"),
    ("histogram_field=fetched", "histogram_field", "needs histogram=day, week or month"),
    ("histogram_split=site", "histogram_split", "needs histogram=day, week or month"),
]


@pytest.mark.parametrize(
    ("query", "parameter", "reason"), INVALID, ids=[case[0][:40] for case in INVALID]
)
def test_invalid_parameter_is_named_in_a_422(
    client: TestClient, query: str, parameter: str, reason: str
) -> None:
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"][:2] == ["query", parameter]
    assert reason in error["msg"]


def test_list_parameter_error_points_at_the_bad_value(client: TestClient) -> None:
    response = client.get("/api/search?source_kind=news&source_kind=forum")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "source_kind", 1]


def test_valid_parameters_next_to_an_invalid_one_are_not_run(client: TestClient) -> None:
    response = client.get("/api/search?q=modelos&size=0")
    assert response.status_code == 422
    assert "hits" not in response.json()
