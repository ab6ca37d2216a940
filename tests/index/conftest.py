"""Fixtures shared by the index tests: a small corpus (`backend` is in tests/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from index.base import IndexBackend
from index.document import Document, SourceKind
from tests.factories import BASE_TIME, make_document


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
