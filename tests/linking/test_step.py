"""Linking wired into indexing: a later batch that shares a contact relinks the earlier ads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embedded import EmbeddedIndex
from index.queries import SearchQuery
from linking.config import LinkingSettings
from linking.step import LINKING_FILE, LinkingStep
from nlp.config import NlpSettings
from tests.factories import make_document

PHONE = "+593 99 000 0000"


@pytest.fixture
def index(tmp_path: Path) -> Iterator[EmbeddedIndex]:
    with EmbeddedIndex(tmp_path / "index") as backend:
        backend.setup()
        yield backend


@pytest.fixture
def linking(tmp_path: Path) -> Iterator[LinkingStep]:
    step = LinkingStep.open(tmp_path, LinkingSettings(), NlpSettings())
    yield step
    step.close()


def test_a_shared_phone_across_batches_forms_one_network(index, linking, tmp_path: Path):
    first = make_document(
        title="Meseras para bar en Aruba",
        text=f"Buscamos meseras jóvenes, pasaje pagado. Escribir al {PHONE} hoy mismo.",
        country="AW",
    )
    written = linking.link([first], index)
    index.upsert(written)
    assert written[0].network_ids == []
    second = make_document(
        title="Modelos para eventos en Curazao",
        text=f"Agencia contrata modelos para eventos privados, alojamiento incluido. {PHONE}",
        country="CW",
        site="clasificados.example.cw",
    )
    index.upsert(linking.link([second], index))
    both = index.search(SearchQuery(identifier=["+593990000000"])).hits
    networks = {tuple(hit.document.network_ids) for hit in both}
    assert len(both) == 2 and len(networks) == 1
    (network_ids,) = networks
    assert len(network_ids) == 1 and network_ids[0].startswith("net-")
    relinked = index.get(first.id)
    assert relinked is not None and relinked.version == 1
    assert relinked.risk is not None and first.risk is not None
    assert any(c.source == "network" for c in relinked.risk.contributions)
    assert (tmp_path / LINKING_FILE).exists()


def test_linking_the_same_batch_twice_changes_nothing(index, linking):
    document = make_document(text=f"Trabajo en hotel, contacto {PHONE}.")
    once = linking.link([document], index)
    twice = linking.link([document], index)
    assert once == twice


def test_an_unannotated_document_keeps_no_risk(index, linking):
    bare = make_document(risk=None, indicators=[], entities=[])
    (linked,) = linking.link([bare], index)
    assert linked.risk is None
