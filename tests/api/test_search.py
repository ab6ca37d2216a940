"""GET /api/search against a real embedded index holding the corpus of conftest.py."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from index.document import Document


def _search(client: TestClient, params: Any = None) -> dict[str, Any]:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _titles(body: dict[str, Any]) -> list[str]:
    return [hit["title"] for hit in body["hits"]]


def _facet(body: dict[str, Any], field: str) -> dict[str, int]:
    return {bucket["value"]: bucket["count"] for bucket in body["facets"][field]}


def test_no_parameters_returns_everything_with_exact_total(client: TestClient) -> None:
    body = _search(client)
    assert body["total"] == 5
    assert (body["page"], body["size"]) == (1, 20)
    assert len(body["hits"]) == 5


def test_query_words_are_stemmed_and_highlighted(client: TestClient) -> None:
    body = _search(client, {"q": "modelo"})
    assert sorted(_titles(body)) == [
        "Anfitrionas y modelos, viaje a Panamá",
        "Desarticulan red que captaba modelos con falsas ofertas",
        "Se buscan modelos para trabajar en el exterior",
    ]
    assert body["total"] == 3
    marked = {hit["title"]: hit["highlights"]["title"] for hit in body["hits"]}
    assert marked["Se buscan modelos para trabajar en el exterior"] == [
        "Se buscan <mark>modelos</mark> para trabajar en el exterior"
    ]


def test_hit_carries_the_summary_fields(client: TestClient, documents: dict[str, Document]) -> None:
    body = _search(client, {"q": "cocinero"})
    (hit,) = body["hits"]
    expected = documents["cocinero"]
    assert hit["id"] == expected.id
    assert hit["url"] == expected.url
    assert hit["source"] == {"kind": "job_board", "site": "empleos.example", "country": "PE"}
    assert hit["language"] == "es"
    assert hit["published_at"] == "2024-02-01T12:00:00Z"
    assert hit["status"] == "active"
    assert hit["risk"] == {"score": 0.2, "label": "low"}
    assert hit["indicators"] == ["no_experience"]
    assert set(hit) == {
        "id", "title", "url", "source", "language", "published_at", "fetched_at",
        "status", "risk", "topic", "indicators", "flags", "highlights",
    }  # fmt: skip


def test_facet_counts_are_exact(client: TestClient) -> None:
    body = _search(client)
    assert _facet(body, "language") == {"es": 4, "en": 1}
    assert _facet(body, "source_kind") == {"job_board": 2, "classifieds": 1, "social": 1, "news": 1}
    assert _facet(body, "indicator") == {"travel_paid": 2, "body_photo": 1, "no_experience": 1}
    assert _facet(body, "risk_label") == {"high": 1, "medium": 2, "low": 1, "none": 1}
    assert sum(_facet(body, "country").values()) == 5


def test_facets_can_be_switched_off(client: TestClient) -> None:
    assert _search(client, {"facets": "false"})["facets"] == {}


def test_repeated_filter_values_are_alternatives(client: TestClient) -> None:
    body = _search(client, [("country", "EC"), ("country", "PE")])
    assert body["total"] == 2
    assert {hit["source"]["country"] for hit in body["hits"]} == {"EC", "PE"}


def test_different_filters_must_all_hold(client: TestClient) -> None:
    body = _search(client, {"q": "pasaje", "source_kind": "social", "indicator": "travel_paid"})
    assert _titles(body) == ["Anfitrionas y modelos, viaje a Panamá"]
    assert _facet(body, "source_kind") == {"social": 1}


def test_risk_range_and_label_filters(client: TestClient) -> None:
    assert _search(client, {"risk_min": 0.5, "risk_max": 0.6})["total"] == 2
    assert _titles(_search(client, {"risk_label": "high"})) == [
        "Se buscan modelos para trabajar en el exterior"
    ]


def test_published_range_accepts_dates_and_naive_datetimes(client: TestClient) -> None:
    # A bare date ending the range covers the whole day: the 2024-03-01 12:00 ad is in.
    by_date = _search(client, {"published_from": "2024-02-01", "published_to": "2024-03-01"})
    assert by_date["total"] == 2
    # A naive datetime is UTC: 12:00:01 on 2024-03-01 is after that ad.
    naive = _search(client, {"published_from": "2024-03-01T12:00:01"})
    assert _titles(naive) == ["Nurses wanted abroad, visa provided"]
    aware = _search(client, {"published_to": "2024-01-15T13:00:00+02:00"})
    assert aware["total"] == 0


def test_sort_by_risk_and_by_published(client: TestClient) -> None:
    by_risk = _search(client, {"sort": "risk"})
    assert [hit["risk"]["score"] for hit in by_risk["hits"]] == [0.9, 0.6, 0.5, 0.2, 0.0]
    by_date = _search(client, {"sort": "published", "published_from": "2024-01-01"})
    assert [hit["published_at"][:10] for hit in by_date["hits"]] == [
        "2024-03-10", "2024-03-01", "2024-02-01", "2024-01-15",
    ]  # fmt: skip


def test_pagination_splits_the_results_without_overlap(client: TestClient) -> None:
    pages = [_search(client, {"sort": "risk", "size": 2, "page": n}) for n in (1, 2, 3, 4)]
    assert [len(page["hits"]) for page in pages] == [2, 2, 1, 0]
    assert {page["total"] for page in pages} == {5}
    ids = [hit["id"] for page in pages for hit in page["hits"]]
    assert len(set(ids)) == 5
    assert pages[1]["page"] == 2 and pages[1]["size"] == 2


def test_excluded_word_and_phrase(client: TestClient) -> None:
    assert _search(client, {"q": "modelos -panamá"})["total"] == 2
    assert _titles(_search(client, {"q": '"pasaje pagado y alojamiento"'})) == [
        "Anfitrionas y modelos, viaje a Panamá"
    ]


def _buckets(buckets: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(bucket["start"][:10], bucket["count"]) for bucket in buckets]


def test_monthly_histogram_with_a_series_per_country(client: TestClient) -> None:
    body = _search(client, {"histogram": "month", "histogram_split": ["country", "indicator"]})
    # The undated news item is counted in `total` but in no month.
    assert body["total"] == 5
    assert _buckets(body["histogram"]) == [("2024-01-01", 1), ("2024-02-01", 1), ("2024-03-01", 2)]
    countries = {value: _buckets(line) for value, line in body["series"]["country"].items()}
    assert list(countries) == ["CO", "EC", "PE", "TT"]
    assert [count for _, count in countries["EC"]] == [0, 0, 1]
    assert [bucket["count"] for bucket in body["series"]["indicator"]["travel_paid"]] == [1, 0, 1]
    assert body["histogram"][0]["start"] == "2024-01-01T00:00:00Z"


def test_histogram_of_fetch_dates_follows_the_filters(client: TestClient) -> None:
    params = {"histogram": "week", "histogram_field": "fetched", "country": ["EC", "PE"]}
    body = _search(client, params)
    assert _buckets(body["histogram"]) == [("2024-04-29", 2)]
    assert body["series"] == {}


def test_no_histogram_unless_asked(client: TestClient) -> None:
    body = _search(client)
    assert (body["histogram"], body["series"]) == ([], {})
