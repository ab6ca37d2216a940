"""Fixtures shared by the index tests: a set-up backend of each kind, and a small corpus."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from index.base import IndexBackend
from index.document import Document, SourceKind
from index.embedded import EmbeddedIndex
from tests.elasticsearch_node import elasticsearch_url, fresh_index
from tests.factories import BASE_TIME, make_document

BACKENDS = ["embedded", "elasticsearch"]


def open_backend(kind: str, tmp_path: Path, stack: ExitStack) -> IndexBackend:
    """A set-up backend of `kind`, empty, released when `stack` closes."""
    if kind == "embedded":
        index = stack.enter_context(EmbeddedIndex(tmp_path / "index"))
        index.setup()
        return index
    if kind == "elasticsearch":
        return stack.enter_context(fresh_index(elasticsearch_url(), tmp_path))
    raise AssertionError(f"unknown backend kind {kind}")  # pragma: no cover


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    with ExitStack() as stack:
        yield open_backend(request.param, tmp_path, stack)


def _day(days: int) -> dict[str, object]:
    fetched = BASE_TIME + timedelta(days=days)
    return {"fetched_at": fetched, "published_at": fetched - timedelta(hours=6)}


def corpus() -> dict[str, Document]:
    """Six invented ads in three languages, with distinct dates, risks, sites and countries."""
    return {
        "passport_es": make_document(
            title="Tramitamos pasaporte y visa de trabajo",
            text="Agencia ofrece pasaporte y visa para trabajar en el exterior. Pasaje pagado.",
            site="clasificados.example.ec",
            kind=SourceKind.CLASSIFIEDS,
            country="EC",
            risk_score=0.81,
            indicator_ids=("travel_paid", "document_help"),
            **_day(1),
        ),
        "escort_es": make_document(
            title="Damas de compañía para eventos",
            text="Buscamos damas de compañía y modelos, buena presencia, pago diario en efectivo.",
            site="anuncios.example.pe",
            kind=SourceKind.CLASSIFIEDS,
            country="PE",
            risk_score=0.93,
            indicator_ids=("escort_wording",),
            **_day(2),
        ),
        "kitchen_es": make_document(
            title="Ayudante de cocina en restaurante",
            text="Restaurante en Lima contrata ayudante de cocina con experiencia. Contrato fijo.",
            site="empleos.example.pe",
            country="PE",
            risk_score=0.05,
            indicator_ids=(),
            **_day(3),
        ),
        "hostess_es": make_document(
            title="Anfitrionas para discoteca",
            text="Se buscan anfitrionas jóvenes, no se necesita experiencia, alojamiento incluido.",
            site="empleos.example.pe",
            country="PE",
            risk_score=0.55,
            indicator_ids=("no_experience",),
            **_day(4),
        ),
        "workers_pt": make_document(
            title="Trabalhador rural com moradia",
            text="Fazenda contrata trabalhador rural, moradia e passagem inclusa, sem experiência.",
            site="vagas.example.br",
            country="BR",
            language="pt",
            risk_score=0.48,
            indicator_ids=("travel_paid",),
            **_day(5),
        ),
        "nurse_en": make_document(
            title="Nurses wanted in Port of Spain",
            text="Hospital hiring registered nurses. Passport required; visa sponsorship offered.",
            site="jobs.example.tt",
            kind=SourceKind.NEWS,
            country="TT",
            language="en",
            risk_score=0.0,
            indicator_ids=(),
            published_at=None,
            fetched_at=BASE_TIME + timedelta(days=6),
        ),
    }


@pytest.fixture
def docs() -> dict[str, Document]:
    return corpus()


@pytest.fixture
def loaded(backend: IndexBackend, docs: dict[str, Document]) -> IndexBackend:
    backend.upsert(docs.values())
    return backend
