"""The contract's in-place changes and bulk reads (index/base.py), against every backend:
analysts' flags, linking's clusters and networks, contact identifiers and exports."""

from __future__ import annotations

import pytest

from index.base import IndexBackend, LinkUpdate
from index.document import Document
from index.errors import InvalidQuery
from index.queries import SearchQuery
from tests.factories import make_document, make_risk


def ids_of(backend: IndexBackend, **query: object) -> set[str]:
    return {hit.document.id for hit in backend.search(SearchQuery(size=100, **query)).hits}


def test_flags_are_set_in_place_and_searchable(loaded: IndexBackend, docs: dict[str, Document]):
    target = docs["escort_es"]
    assert loaded.set_flags(target.id, ["sexual_exploitation", "deceptive_recruitment"])
    flagged = loaded.get(target.id)
    assert flagged is not None
    assert flagged.flags == ["deceptive_recruitment", "sexual_exploitation"]
    assert [v.version for v in loaded.versions(target.id)] == [1]
    assert ids_of(loaded, flag=["sexual_exploitation"]) == {target.id}
    facet = loaded.search(SearchQuery()).facets["flag"]
    assert {(bucket.value, bucket.count) for bucket in facet} == {
        ("deceptive_recruitment", 1),
        ("sexual_exploitation", 1),
    }


def test_unflagging_clears_the_facet(loaded: IndexBackend, docs: dict[str, Document]):
    target = docs["escort_es"].id
    loaded.set_flags(target, ["sexual_exploitation"])
    loaded.set_flags(target, [])
    assert ids_of(loaded, flag=["sexual_exploitation"]) == set()


def test_flagging_an_unknown_document_is_false(loaded: IndexBackend):
    assert loaded.set_flags("no-such-document", ["x"]) is False


def test_flags_survive_a_new_version_of_the_ad(backend: IndexBackend):
    first = make_document(title="Anfitrionas para crucero")
    backend.upsert([first])
    backend.set_flags(first.id, ["deceptive_recruitment"])
    edited = make_document(
        canonical_url=first.canonical_url, title="Anfitrionas para crucero, urgente"
    )
    assert backend.upsert([edited]).updated == 1
    latest = backend.get(first.id)
    assert latest is not None and latest.version == 2
    assert latest.flags == ["deceptive_recruitment"]


def test_relink_sets_clusters_networks_and_risk(loaded: IndexBackend, docs: dict[str, Document]):
    a, b = docs["kitchen_es"].id, docs["hostess_es"].id
    changed = loaded.relink(
        [
            LinkUpdate(a, ["dup-1"], ["net-7"], make_risk(0.9)),
            LinkUpdate(b, ["dup-1"], ["net-7"]),
            LinkUpdate("unknown-document", ["dup-1"], []),
        ]
    )
    assert changed == 2
    assert ids_of(loaded, cluster=["dup-1"]) == {a, b}
    assert ids_of(loaded, network=["net-7"]) == {a, b}
    relinked = loaded.get(a)
    assert relinked is not None and relinked.risk is not None
    assert relinked.risk.score == pytest.approx(0.9)
    assert relinked.version == 1
    # The same links again change nothing.
    assert loaded.relink([LinkUpdate(b, ["dup-1"], ["net-7"])]) == 0


def test_documents_are_found_by_contact_identifier(backend: IndexBackend):
    with_phone = make_document(title="Meseras para bar")
    backend.upsert([with_phone, make_document(title="Cocinero", text="Sin contacto.")])
    phones = [e.value for e in with_phone.entities if e.kind == "phone"]
    assert phones
    assert ids_of(backend, identifier=phones) == {with_phone.id}


def test_ids_filter_restricts_a_search(loaded: IndexBackend, docs: dict[str, Document]):
    chosen = {docs["nurse_en"].id, docs["escort_es"].id}
    assert ids_of(loaded, ids=sorted(chosen)) == chosen
    assert ids_of(loaded, ids=sorted(chosen), language=["en"]) == {docs["nurse_en"].id}


def test_export_walks_every_match_once_past_a_page(backend: IndexBackend):
    documents = [
        make_document(title=f"Anuncio {n}", country="PE" if n % 3 else "CO") for n in range(45)
    ]
    backend.upsert(documents)
    everything = [d.id for d in backend.export(SearchQuery(), page_size=7)]
    assert sorted(everything) == sorted(d.id for d in documents)
    peruvian = [d.id for d in backend.export(SearchQuery(country=["PE"]), page_size=7)]
    assert sorted(peruvian) == sorted(d.id for d in documents if d.source.country == "PE")
    assert list(backend.export(SearchQuery(q="helicoptero"), page_size=7)) == []
    chosen = sorted(d.id for d in documents[:10])
    by_ids = [d.id for d in backend.export(SearchQuery(ids=chosen, country=["PE"]), page_size=7)]
    assert sorted(by_ids) == sorted(d.id for d in documents[:10] if d.source.country == "PE")


def test_export_of_an_invalid_query_fails_before_any_document(loaded: IndexBackend):
    with pytest.raises(InvalidQuery):
        list(loaded.export(SearchQuery(q='"sin cerrar')))
