"""GET /api/trends: weekly counts by indicator, country and site over the known corpus."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.accounts.users import Role
from tests.api.conftest import Accounts


def _counts(buckets: list[dict]) -> dict[str, int]:
    return {bucket["start"][:10]: bucket["count"] for bucket in buckets if bucket["count"]}


def test_weekly_counts_split_three_ways(client: TestClient, accounts: Accounts) -> None:
    # An analyst's exact counts: a researcher's counts this small are suppressed
    # (tests/api/test_research_privacy.py).
    response = client.get("/api/trends", headers=accounts.headers(Role.ANALYST))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["interval"], body["field"], body["total"]) == ("week", "published", 5)
    assert body["min_group_size"] is None
    assert _counts(body["overall"]) == {
        "2024-01-15": 1,
        "2024-01-29": 1,
        "2024-02-26": 1,
        "2024-03-04": 1,
    }
    assert len(body["overall"]) == 8  # empty weeks between are there too
    assert set(body["series"]) == {"indicator", "country", "site"}
    assert _counts(body["series"]["indicator"]["travel_paid"]) == {"2024-01-15": 1, "2024-02-26": 1}
    assert _counts(body["series"]["country"]["EC"]) == {"2024-02-26": 1}
    assert _counts(body["series"]["site"]["jobs.example"]) == {"2024-03-04": 1}
    assert "hits" not in body


def test_filters_and_interval_apply(client: TestClient) -> None:
    body = client.get(
        "/api/trends", params={"q": "pasaje", "histogram": "month", "histogram_split": "country"}
    ).json()
    assert body["interval"] == "month" and body["total"] == 2
    assert _counts(body["overall"]) == {"2024-01-01": 1, "2024-03-01": 1}
    assert set(body["series"]) == {"country"}


def test_bad_trend_parameters_are_422(client: TestClient) -> None:
    response = client.get("/api/trends", params={"histogram": "fortnight"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "histogram"]
