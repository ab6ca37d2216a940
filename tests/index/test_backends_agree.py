"""Both backends give the same answers: hit sets, totals, sorted pages, facets and highlights.

The contract suite checks each backend against expectations; this checks them against each
other on a larger corpus, query by query, so a difference in translation shows up even where no
expectation was written down. Relevance scores differ in detail between engines, so relevance
order is compared as a set; every other order must be identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from index.base import IndexBackend
from index.document import Document, SourceKind
from index.queries import (
    DateField,
    Histogram,
    Interval,
    SearchQuery,
    SearchResults,
    Sort,
    SplitField,
)
from tests.factories import BASE_TIME, make_document
from tests.index.conftest import corpus
from tests.index_backends import open_backend

_TITLES = [
    "Se buscan trabajadoras para hotel en Curaçao",
    "Vagas para acompanhantes em Manaus",
    "Recruiters needed: hostesses for Aruba",
    "Anfitrionas con pasaje pagado a Curazao",
    "Damas de compañía, pago diario",
    "Ayudante de cocina en Quito",
    "Modelos para eventos en Lima, sin experiencia",
]
_TEXTS = [
    "Pasaporte tramitado por la agencia, alojamiento incluido.",
    "Moradia e passagem inclusa, sem experiência.",
    "Passport held by the employer until the debt is paid.",
    "Trabajo en el exterior; la empresa paga el pasaje y la visa.",
]


def _mixed_corpus() -> list[Document]:
    documents = list(corpus().values())
    for number in range(42):
        language = ("es", "pt", "en")[number % 3]
        documents.append(
            make_document(
                title=_TITLES[number % len(_TITLES)],
                text=_TEXTS[number % len(_TEXTS)],
                language=language,
                country=("PE", "EC", "BR", "CW", "AW", "TT")[number % 6],
                kind=(SourceKind.JOB_BOARD, SourceKind.CLASSIFIEDS, SourceKind.SOCIAL)[number % 3],
                site=f"site{number % 5}.example.org",
                risk_score=round((number * 37 % 100) / 100, 2),
                indicator_ids=(("travel_paid",), ("no_experience",), ())[number % 3],
                fetched_at=BASE_TIME + timedelta(hours=number * 7),
            )
        )
    return documents


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, IndexBackend]]:
    documents = _mixed_corpus()
    with ExitStack() as stack:
        backends = {}
        for kind in ("embedded", "elasticsearch"):
            path: Path = tmp_path_factory.mktemp(kind)
            backends[kind] = open_backend(kind, path, stack)
            backends[kind].upsert(documents)
        yield backends


QUERIES = [
    SearchQuery(q="trabajadoras", size=100),
    SearchQuery(q="curazao", size=100),
    SearchQuery(q="acompanhantes OR recruiters", size=100),
    SearchQuery(q='"damas de compañía" -cocina', size=100),
    SearchQuery(q="pasaje", country=["PE", "EC", "CW"], size=100),
    SearchQuery(q="experiencia", risk_min=0.2, risk_max=0.8, size=100),
    SearchQuery(indicator=["travel_paid"], language=["es", "pt"], size=100),
    SearchQuery(sort=Sort.RISK, size=10, page=2),
    SearchQuery(sort=Sort.FETCHED, size=7, page=3),
    SearchQuery(q="pasaporte OR passport", sort=Sort.PUBLISHED, size=5, page=2),
    SearchQuery(published_from=BASE_TIME + timedelta(days=2), sort=Sort.PUBLISHED, size=100),
    SearchQuery(q="pasaje", histogram=Histogram(interval=Interval.DAY, split_by=tuple(SplitField))),
    SearchQuery(
        histogram=Histogram(
            interval=Interval.WEEK, field=DateField.FETCHED, split_by=(SplitField.SITE,)
        ),
        size=100,
    ),
    SearchQuery(
        histogram=Histogram(interval=Interval.MONTH, split_by=(SplitField.COUNTRY,)), size=100
    ),
]


def _comparable(results: SearchResults, sort: Sort) -> dict[str, object]:
    ids = [hit.document.id for hit in results.hits]
    return {
        "total": results.total,
        "ids": sorted(ids) if sort == Sort.RELEVANCE else ids,
        "highlights": {hit.document.id: hit.highlights for hit in results.hits},
        "facets": results.facets,
        "histogram": results.histogram,
        "series": results.series,
    }


def _name(query: SearchQuery) -> str:
    if query.histogram is not None:
        return f"{query.q}histogram-{query.histogram.interval}"
    return query.q or str(query.sort)


@pytest.mark.parametrize("query", QUERIES, ids=_name)
def test_backends_give_the_same_results(pair: dict[str, IndexBackend], query: SearchQuery):
    embedded = _comparable(pair["embedded"].search(query), query.sort)
    elastic = _comparable(pair["elasticsearch"].search(query), query.sort)
    assert embedded["total"] > 0
    assert bool(embedded["histogram"]) == (query.histogram is not None)
    assert elastic == embedded


def test_relevance_puts_the_same_document_first(pair: dict[str, IndexBackend]):
    # Words that one title holds and many texts repeat: the title match must win in both.
    for q in ("pasaporte", "moradia", "nurses"):
        tops = {
            kind: backend.search(SearchQuery(q=q)).hits[0].document.title
            for kind, backend in pair.items()
        }
        assert tops["embedded"] == tops["elasticsearch"], q
