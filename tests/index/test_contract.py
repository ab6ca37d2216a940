"""The index contract (index/base.py), run against every backend by the `backend` fixture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from index.base import IndexBackend
from index.document import SCHEMA_VERSION, Document, Status
from index.errors import DocumentFormatError, InvalidQuery, SchemaVersionMismatch
from index.queries import DateField, Histogram, Interval, SearchQuery, Sort, SplitField
from nlp.types import RiskLabel
from tests.factories import BASE_TIME, make_document, make_risk


def ids_of(backend: IndexBackend, **query: object) -> list[str]:
    return [hit.document.id for hit in backend.search(SearchQuery(**query)).hits]


def ids_for(backend: IndexBackend, q: str) -> set[str]:
    return set(ids_of(backend, q=q, size=100))


# --- writing --------------------------------------------------------------------------------


def test_upsert_reports_created_then_unchanged(backend: IndexBackend, docs: dict[str, Document]):
    first = backend.upsert(docs.values())
    again = backend.upsert(docs.values())
    assert (first.created, first.updated, first.unchanged) == (6, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert backend.count() == 6
    assert all(len(backend.versions(doc.id)) == 1 for doc in docs.values())


def test_changed_content_becomes_a_new_version(backend: IndexBackend):
    original = make_document(canonical_url="https://ads.example.org/1", text="Mesera, sueldo fijo.")
    later = original.fetched_at + timedelta(days=3)
    edited = make_document(
        canonical_url="https://ads.example.org/1",
        text="Mesera para el exterior, pasaje pagado.",
        fetched_at=later,
    )
    backend.upsert([original])
    report = backend.upsert([edited])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    latest = backend.get(original.id)
    assert latest is not None
    assert latest.version == 2
    assert latest.text == edited.text
    assert latest.first_seen == original.first_seen
    assert latest.last_seen == later
    assert [v.text for v in backend.versions(original.id)] == [original.text, edited.text]
    assert [v.version for v in backend.versions(original.id)] == [1, 2]
    assert ids_for(backend, "exterior") == {original.id}
    assert ids_for(backend, "fijo") == set()


def test_unchanged_recrawl_refreshes_last_seen_and_annotations(backend: IndexBackend):
    original = make_document(canonical_url="https://ads.example.org/2", risk_score=0.2)
    recrawl = make_document(
        canonical_url="https://ads.example.org/2",
        fetched_at=original.fetched_at + timedelta(days=1),
        risk_score=0.9,
    )
    backend.upsert([original])
    backend.upsert([recrawl])
    latest = backend.get(original.id)
    assert latest is not None
    assert latest.version == 1
    assert latest.last_seen == recrawl.last_seen
    assert latest.fetched_at == original.fetched_at
    assert latest.risk == make_risk(0.9)
    assert ids_of(backend, risk_label=[RiskLabel.HIGH]) == [original.id]


def test_unannotated_recrawl_keeps_the_annotations(backend: IndexBackend):
    original = make_document(canonical_url="https://ads.example.org/3")
    bare = original.model_copy(update={"risk": None, "indicators": [], "entities": []})
    backend.upsert([original])
    backend.upsert([bare])
    latest = backend.get(original.id)
    assert latest is not None
    assert latest.risk == original.risk
    assert latest.indicators == original.indicators


def test_ids_are_stable_across_crawls(backend: IndexBackend):
    url = "https://ads.example.org/stable"
    one, two = make_document(canonical_url=url), make_document(canonical_url=url)
    assert one.id == two.id
    report = backend.upsert([one, two])
    assert report.created == 1
    assert backend.count() == 1


def test_taken_down_documents_stay_searchable(loaded: IndexBackend, docs: dict[str, Document]):
    gone = docs["escort_es"]
    at = BASE_TIME + timedelta(days=10)
    assert loaded.mark_taken_down([gone.id, "no-such-id"], at) == 1
    assert loaded.mark_taken_down([gone.id], at) == 0
    stored = loaded.get(gone.id)
    assert stored is not None
    assert (stored.status, stored.taken_down_at) == (Status.TAKEN_DOWN, at)
    assert ids_for(loaded, "damas") == {gone.id}
    assert ids_of(loaded, status=[Status.TAKEN_DOWN]) == [gone.id]
    assert gone.id not in ids_of(loaded, status=[Status.ACTIVE], size=100)
    assert loaded.count() == 6


def test_taken_down_document_seen_again_is_active(loaded: IndexBackend, docs: dict[str, Document]):
    gone = docs["kitchen_es"]
    loaded.mark_taken_down([gone.id], BASE_TIME + timedelta(days=10))
    loaded.upsert([gone])
    stored = loaded.get(gone.id)
    assert stored is not None
    assert (stored.status, stored.taken_down_at) == (Status.ACTIVE, None)
    assert ids_of(loaded, status=[Status.TAKEN_DOWN]) == []


def test_get_of_an_unknown_id_is_none(loaded: IndexBackend):
    assert loaded.get("0" * 24) is None
    assert loaded.versions("0" * 24) == []


def test_upsert_refuses_something_that_is_not_a_document(backend: IndexBackend):
    good = make_document()
    with pytest.raises(DocumentFormatError, match="Document objects, got dict"):
        backend.upsert([good, good.to_index()])  # type: ignore[list-item]
    assert backend.count() == 0


def test_upsert_refuses_a_document_of_another_schema_version(backend: IndexBackend):
    future = make_document(schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(SchemaVersionMismatch, match="track4tip migrate"):
        backend.upsert([make_document(), future])
    assert backend.count() == 0


def _edits_of_one_ad(count: int) -> list[Document]:
    url = "https://ads.example.org/edited"
    return [
        make_document(
            canonical_url=url, text=f"Mesera, edición {n}.", fetched_at=BASE_TIME + timedelta(n)
        )
        for n in range(count)
    ]


def test_an_ad_edited_across_batches_keeps_every_version(backend: IndexBackend):
    # Batches of two: each edit of the ad is written while the next batch is being prepared.
    backend.batch_size = 2  # type: ignore[attr-defined]
    edits = _edits_of_one_ad(3)
    others = [make_document() for _ in range(3)]
    report = backend.upsert([edits[0], others[0], edits[1], others[1], edits[2], others[2]])
    assert (report.created, report.updated, report.unchanged) == (4, 2, 0)
    assert [v.text for v in backend.versions(edits[0].id)] == [e.text for e in edits]
    assert backend.count() == 4


def test_a_broken_later_batch_keeps_the_batches_before_it(backend: IndexBackend):
    backend.batch_size = 2  # type: ignore[attr-defined]
    written = [make_document(), make_document()]
    with pytest.raises(DocumentFormatError, match="Document objects, got str"):
        backend.upsert([*written, make_document(), "not a document"])  # type: ignore[list-item]
    assert backend.count() == 2
    assert all(backend.get(document.id) is not None for document in written)


def test_mark_taken_down_refuses_a_naive_time(loaded: IndexBackend, docs: dict[str, Document]):
    with pytest.raises(DocumentFormatError, match="time zone"):
        loaded.mark_taken_down([docs["kitchen_es"].id], BASE_TIME.replace(tzinfo=None))
    stored = loaded.get(docs["kitchen_es"].id)
    assert stored is not None and stored.status == Status.ACTIVE


# --- query syntax ---------------------------------------------------------------------------


def test_words_are_all_required(loaded: IndexBackend, docs: dict[str, Document]):
    assert ids_for(loaded, "pasaporte visa") == {docs["passport_es"].id}
    assert ids_for(loaded, "pasaporte cocina") == set()


def test_phrase_matches_words_in_order(loaded: IndexBackend, docs: dict[str, Document]):
    assert ids_for(loaded, '"damas de compañía"') == {docs["escort_es"].id}
    assert ids_for(loaded, '"ayudante de cocina"') == {docs["kitchen_es"].id}
    assert ids_for(loaded, '"cocina ayudante"') == set()


def test_a_phrase_keeps_the_place_of_its_stop_words(
    loaded: IndexBackend, docs: dict[str, Document]
):
    # "de" is not searched for, but a phrase still needs exactly one word in its place.
    assert ids_for(loaded, '"damas compañía"') == set()
    assert ids_for(loaded, '"pasaje pagado"') == {docs["passport_es"].id}
    assert ids_for(loaded, '"pasaje muy pagado"') == set()


def test_or_matches_either_word(loaded: IndexBackend, docs: dict[str, Document]):
    expected = {docs["escort_es"].id, docs["hostess_es"].id}
    assert ids_for(loaded, "modelos OR anfitrionas") == expected


def test_minus_excludes_a_word_or_phrase(loaded: IndexBackend, docs: dict[str, Document]):
    assert ids_for(loaded, "experiencia -cocina") == {
        docs["hostess_es"].id,
        docs["workers_pt"].id,
    }
    assert docs["escort_es"].id not in ids_for(loaded, '-"damas de compañía"')
    assert len(ids_for(loaded, '-"damas de compañía"')) == 5


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("pasaportes", "passport_es"),
        ("compania", "escort_es"),
        ("COMPAÑÍAS", "escort_es"),
        ("trabalhadores", "workers_pt"),
        ("moradía", "workers_pt"),
        ("nurse", "nurse_en"),
        ("hired", "nurse_en"),
    ],
)
def test_accents_and_stemming_across_languages(loaded, docs, q: str, key: str):
    assert docs[key].id in ids_for(loaded, q)


def test_empty_query_matches_everything(loaded: IndexBackend):
    results = loaded.search(SearchQuery(q=""))
    assert results.total == 6
    assert all(hit.highlights == {} for hit in results.hits)


def test_unbalanced_quote_is_an_invalid_query(loaded: IndexBackend):
    with pytest.raises(InvalidQuery, match="unbalanced quote"):
        loaded.search(SearchQuery(q='"damas de compañía'))


def test_search_refuses_something_that_is_not_a_query(loaded: IndexBackend):
    with pytest.raises(InvalidQuery, match="SearchQuery"):
        loaded.search({"q": "damas"})  # type: ignore[arg-type]


def test_no_match_gives_empty_results(loaded: IndexBackend):
    results = loaded.search(SearchQuery(q="helicoptero"))
    assert (results.total, results.hits) == (0, [])
    assert all(buckets == [] for buckets in results.facets.values())


# --- filters and ranges ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "keys"),
    [
        ({"language": ["pt", "en"]}, {"workers_pt", "nurse_en"}),
        ({"country": ["PE"]}, {"escort_es", "kitchen_es", "hostess_es"}),
        ({"source_kind": ["classifieds"]}, {"passport_es", "escort_es"}),
        ({"site": ["empleos.example.pe"]}, {"kitchen_es", "hostess_es"}),
        ({"indicator": ["travel_paid"]}, {"passport_es", "workers_pt"}),
        ({"risk_label": ["high"]}, {"passport_es", "escort_es"}),
        ({"country": ["PE"], "risk_label": ["medium"]}, {"hostess_es"}),
        (
            {"status": ["active"]},
            {"passport_es", "escort_es", "kitchen_es", "hostess_es", "workers_pt", "nurse_en"},
        ),
    ],
)
def test_keyword_filters(loaded, docs, filters: dict[str, list[str]], keys: set[str]):
    assert set(ids_of(loaded, size=100, **filters)) == {docs[key].id for key in keys}


def test_filters_combine_with_words(loaded: IndexBackend, docs: dict[str, Document]):
    assert set(ids_of(loaded, q="experiencia", country=["PE"])) == {
        docs["kitchen_es"].id,
        docs["hostess_es"].id,
    }


def test_published_range_leaves_out_undated_documents(loaded, docs):
    found = ids_of(
        loaded,
        published_from=BASE_TIME + timedelta(days=2),
        published_to=BASE_TIME + timedelta(days=4),
        size=100,
    )
    assert set(found) == {docs["kitchen_es"].id, docs["hostess_es"].id}


def test_risk_range_is_inclusive(loaded: IndexBackend, docs: dict[str, Document]):
    found = ids_of(loaded, risk_min=0.48, risk_max=0.81, size=100)
    assert set(found) == {docs[k].id for k in ("passport_es", "hostess_es", "workers_pt")}


# --- sorting, pagination, facets, highlights ------------------------------------------------


def test_sort_by_published_puts_undated_last(loaded: IndexBackend, docs: dict[str, Document]):
    order = ["workers_pt", "hostess_es", "kitchen_es", "escort_es", "passport_es", "nurse_en"]
    assert ids_of(loaded, sort=Sort.PUBLISHED) == [docs[key].id for key in order]


def test_sort_by_fetched_is_newest_first(loaded: IndexBackend, docs: dict[str, Document]):
    order = ["nurse_en", "workers_pt", "hostess_es", "kitchen_es", "escort_es", "passport_es"]
    assert ids_of(loaded, sort=Sort.FETCHED) == [docs[key].id for key in order]


def test_sort_by_risk_is_highest_first(loaded: IndexBackend, docs: dict[str, Document]):
    order = ["escort_es", "passport_es", "hostess_es", "workers_pt", "kitchen_es", "nurse_en"]
    hits = loaded.search(SearchQuery(sort=Sort.RISK)).hits
    assert [hit.document.id for hit in hits] == [docs[key].id for key in order]
    assert all(hit.score is None for hit in hits)


def test_relevance_ranks_a_title_match_first(backend: IndexBackend):
    in_title = make_document(title="Cuidadora de ancianos", text="Trabajo estable en Quito.")
    in_body = make_document(title="Trabajo estable", text="Se busca cuidadora para una señora.")
    backend.upsert([in_body, in_title])
    hits = backend.search(SearchQuery(q="cuidadora")).hits
    assert [hit.document.id for hit in hits] == [in_title.id, in_body.id]
    assert hits[0].score is not None and hits[1].score is not None
    assert hits[0].score > hits[1].score


def test_pagination_walks_every_result_once(loaded: IndexBackend):
    pages = [loaded.search(SearchQuery(sort=Sort.FETCHED, size=4, page=p)) for p in (1, 2, 3)]
    assert [page.total for page in pages] == [6, 6, 6]
    assert [len(page.hits) for page in pages] == [4, 2, 0]
    walked = [hit.document.id for page in pages for hit in page.hits]
    assert walked == ids_of(loaded, sort=Sort.FETCHED, size=100)


def test_facet_counts_follow_the_query_and_filters(loaded: IndexBackend):
    results = loaded.search(SearchQuery(country=["PE", "EC"]))
    as_pairs = {
        name: [(b.value, b.count) for b in buckets] for name, buckets in results.facets.items()
    }
    assert as_pairs["country"] == [("PE", 3), ("EC", 1)]
    assert as_pairs["language"] == [("es", 4)]
    assert as_pairs["source_kind"] == [("classifieds", 2), ("job_board", 2)]
    assert as_pairs["risk_label"] == [("high", 2), ("low", 1), ("medium", 1)]
    assert ("travel_paid", 1) in as_pairs["indicator"]
    assert as_pairs["site"][0] == ("empleos.example.pe", 2)


def test_facets_can_be_left_out(loaded: IndexBackend):
    assert loaded.search(SearchQuery(facets=False)).facets == {}


# --- date histograms -----------------------------------------------------------------------


def _day(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _counts(buckets: list) -> list[tuple[str, int]]:
    return [(bucket.start.date().isoformat(), bucket.count) for bucket in buckets]


def _histogram(backend: IndexBackend, **query: object) -> list[tuple[str, int]]:
    return _counts(backend.search(SearchQuery(**query)).histogram)


def test_weekly_histogram_counts_publication_dates_from_monday(loaded: IndexBackend):
    # Published Thu 2 .. Mon 6 May 2024; the English ad has no publication date.
    weekly = Histogram(interval=Interval.WEEK, field=DateField.PUBLISHED)
    assert _histogram(loaded, histogram=weekly) == [("2024-04-29", 4), ("2024-05-06", 1)]


def test_daily_histogram_of_fetch_dates(loaded: IndexBackend):
    daily = Histogram(interval=Interval.DAY, field=DateField.FETCHED)
    expected = [(f"2024-05-0{day}", 1) for day in range(2, 8)]
    assert _histogram(loaded, histogram=daily, facets=False) == expected


def test_histogram_follows_the_query_and_filters(loaded: IndexBackend):
    weekly = Histogram(interval=Interval.WEEK)
    assert _histogram(loaded, histogram=weekly, country=["PE"]) == [("2024-04-29", 3)]
    assert _histogram(loaded, histogram=weekly, q="moradia") == [("2024-05-06", 1)]
    assert _histogram(loaded, histogram=weekly, q="nurses") == []


def test_monthly_histogram_fills_empty_months_at_utc_boundaries(backend: IndexBackend):
    dates = ["2024-01-31T23:59:59", "2024-02-01T00:00:00", "2024-04-15T12:00:00"]
    backend.upsert(make_document(published_at=_day(day)) for day in dates)
    monthly = Histogram(interval=Interval.MONTH)
    expected = [("2024-01-01", 1), ("2024-02-01", 1), ("2024-03-01", 0), ("2024-04-01", 1)]
    assert _histogram(backend, histogram=monthly) == expected


def test_weekly_histogram_splits_sunday_night_from_monday_morning(backend: IndexBackend):
    dates = ["2024-03-03T23:59:59", "2024-03-04T00:00:00", "2024-03-11T08:00:00", "2024-03-27"]
    backend.upsert(make_document(published_at=_day(day)) for day in dates)
    expected = [("2024-02-26", 1), ("2024-03-04", 1), ("2024-03-11", 1), ("2024-03-18", 0)]
    expected.append(("2024-03-25", 1))
    assert _histogram(backend, histogram=Histogram(interval=Interval.WEEK)) == expected


def test_histogram_series_per_indicator_and_country(loaded: IndexBackend):
    split = Histogram(split_by=(SplitField.INDICATOR, SplitField.COUNTRY, SplitField.INDICATOR))
    results = loaded.search(SearchQuery(histogram=split))
    series = {
        field: {value: [count for _, count in _counts(buckets)] for value, buckets in lines.items()}
        for field, lines in results.series.items()
    }
    # Every line spans the same weeks; the undated ad (TT, no indicator) draws no line.
    assert series == {
        "indicator": {
            "travel_paid": [1, 1],
            "document_help": [1, 0],
            "escort_wording": [1, 0],
            "no_experience": [1, 0],
        },
        "country": {"PE": [3, 0], "BR": [0, 1], "EC": [1, 0]},
    }
    assert list(series["country"]) == ["PE", "BR", "EC"]
    assert next(iter(series["indicator"])) == "travel_paid"


def test_no_histogram_unless_asked(loaded: IndexBackend):
    results = loaded.search(SearchQuery())
    assert (results.histogram, results.series) == ([], {})


def test_highlights_mark_the_matching_words(loaded: IndexBackend):
    hit = loaded.search(SearchQuery(q="pasaportes")).hits[0]
    assert hit.highlights["title"] == ["Tramitamos <mark>pasaporte</mark> y visa de trabajo"]
    assert "<mark>pasaporte</mark>" in hit.highlights["text"][0]


def test_highlights_escape_html(backend: IndexBackend):
    tricky = make_document(title="<b>Modelos</b> & más", text="Modelos <script>x</script> aquí")
    backend.upsert([tricky])
    hit = backend.search(SearchQuery(q="modelo")).hits[0]
    assert hit.highlights["title"] == ["&lt;b&gt;<mark>Modelos</mark>&lt;/b&gt; &amp; más"]
    assert "<script>" not in hit.highlights["text"][0]


@pytest.mark.parametrize(
    ("q", "title", "language"),
    [
        ("trabajadoras", "Se busca trabajadora doméstica", "es"),
        ("acompanhantes", "Vaga para acompanhante de idosos", "pt"),
        ("recruiters", "Recruiter wanted for overseas placements", "en"),
        ("curazao", "Trabajo en Curaçao con pasaje pagado", "es"),
        ("Curaçao", "Trabajo en Curazao con pasaje pagado", "es"),
        ("korsou", "Trabou na Curaçao", "und"),
    ],
)
def test_inflections_and_place_spellings_match(
    backend: IndexBackend, q: str, title: str, language: str
):
    wanted = make_document(title=title, text="Detalles por mensaje.", language=language)
    other = make_document(title="Ayudante de cocina", text="Restaurante en Lima.")
    backend.upsert([wanted, other])
    hits = backend.search(SearchQuery(q=q)).hits
    assert [hit.document.id for hit in hits] == [wanted.id]
    assert "<mark>" in hits[0].highlights["title"][0]
