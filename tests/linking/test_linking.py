"""Linking: near-duplicate clusters and shared-identifier networks, incremental and persistent."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linking.config import LinkingSettings
from linking.errors import LinkingError
from linking.linker import Linker, LinkInput
from nlp.types import Entity, EntityKind
from tests.nlp.demo_documents import expected_networks, page_inputs, post_inputs

TEMPLATE = (
    "Se buscan señoritas de 18 a 25 años para trabajar en {city} como anfitrionas de un club "
    "privado. Pasaje pagado y alojamiento incluido, no necesitas experiencia. Sueldo de {price} "
    "dólares por semana. Escribir a {name} al {phone}."
)
CITIES = ["Curazao", "Aruba", "Trinidad", "Lima", "Quito", "Cúcuta"]
NAMES = ["María", "Ana Lucía", "Rosa", "Yenny", "Paola", "Luisa"]


def phone_entity(text: str, written: str, e164: str) -> Entity:
    start = text.index(written)
    return Entity(
        kind=EntityKind.PHONE,
        field="text",
        start=start,
        end=start + len(written),
        text=written,
        value=e164,
    )


def templated(number: int, *, phone_suffix: int | None = None, **overrides) -> LinkInput:
    suffix = number if phone_suffix is None else phone_suffix
    written = f"+58 412 555 {1000 + suffix}"
    text = TEMPLATE.format(
        city=CITIES[number % len(CITIES)],
        price=500 + 100 * number,
        name=NAMES[number % len(NAMES)],
        phone=written,
    )
    values = {
        "doc_id": f"ad-{number}",
        "fields": {"text": text},
        "entities": [phone_entity(text, written, f"+58412555{1000 + suffix}")],
        "site": "empleosya",
        "country": "CO",
        "date": datetime(2025, 3, 1 + number, tzinfo=UTC),
        "risky": True,
    }
    values.update(overrides)
    return LinkInput(**values)


def unrelated(doc_id: str, text: str, **overrides) -> LinkInput:
    return LinkInput(doc_id=doc_id, fields={"text": text}, **overrides)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "linking.sqlite3"


def test_templated_copies_form_one_cluster_named_after_the_first(store):
    with Linker.open(store) as linker:
        result = linker.link([templated(0), templated(1), templated(2)])
        assert [links.cluster_ids for links in result.documents] == [["dup-ad-0"]] * 3
        assert result.by_id["ad-2"].evidence.cluster_size == 3
        other = linker.link(
            [unrelated("x", "Vendo moto Honda 2021 en buen estado, papeles al día.")]
        )
        assert other.documents[0].cluster_ids == []
        assert other.documents[0].evidence.cluster_size == 1


def test_new_documents_join_stored_clusters_after_reopening(store):
    with Linker.open(store) as linker:
        linker.link([templated(0), templated(1)])
    with Linker.open(store) as linker:
        result = linker.link([templated(2)])
    by_id = result.by_id
    assert by_id["ad-2"].cluster_ids == ["dup-ad-0"]
    # The older members' evidence changed (size 2 -> 3), so they are reported too.
    assert set(by_id) == {"ad-0", "ad-1", "ad-2"}
    assert all(links.evidence.cluster_size == 3 for links in result.documents)


def test_a_bridge_document_merges_clusters_into_the_older_id(store):
    words = [f"palabra{chr(97 + number // 26)}{chr(97 + number % 26)}" for number in range(40)]
    first, second, bridge = words[0:30], words[10:40], words[5:35]  # A~C and B~C, not A~B
    with Linker.open(store) as linker:
        linker.link([unrelated("a", " ".join(first)), unrelated("a2", " ".join(first[:-1]))])
        linker.link([unrelated("b", " ".join(second)), unrelated("b2", " ".join(second[1:]))])
        assert linker.cluster_ids() == ["dup-a", "dup-b"]
        result = linker.link([unrelated("c", " ".join(bridge))]).by_id
        assert linker.cluster_ids() == ["dup-a"]
    assert set(result) == {"a", "a2", "b", "b2", "c"}
    assert {links.cluster_ids[0] for links in result.values()} == {"dup-a"}
    assert result["b"].evidence.cluster_size == 5


def test_benign_and_risky_near_duplicates_never_merge(store):
    with Linker.open(store) as linker:
        risky = [templated(number) for number in range(3)]
        benign = [
            templated(number + 10, risky=False, doc_id=f"benign-{number}") for number in range(3)
        ]
        result = linker.link([*risky, *benign]).by_id
    assert {tuple(result[f"ad-{n}"].cluster_ids) for n in range(3)} == {("dup-ad-0",)}
    assert {tuple(result[f"benign-{n}"].cluster_ids) for n in range(3)} == {("dup-benign-0",)}


def test_shared_phone_links_documents_across_sites_and_countries(store):
    with Linker.open(store) as linker:
        result = linker.link(
            [
                templated(0, phone_suffix=7),
                unrelated(
                    "peru",
                    "Trabajo en Lima, llamar al +58 412 555 1007",
                    entities=[
                        phone_entity(
                            "Trabajo en Lima, llamar al +58 412 555 1007",
                            "+58 412 555 1007",
                            "+584125551007",
                        )
                    ],
                    site="clasificados",
                    country="PE",
                ),
            ]
        ).by_id
        assert result["peru"].network_ids == ["net-ad-0"]
        assert result["peru"].evidence.network_size == 2
        assert result["peru"].evidence.countries == 2 and result["peru"].evidence.sites == 2
        view = linker.network("net-ad-0")
    assert [member.doc_id for member in view.documents] == ["ad-0", "peru"]
    assert [(item.kind, item.value, item.documents) for item in view.identifiers] == [
        ("phone", "+584125551007", 2)
    ]
    assert view.countries == {"CO": 1, "PE": 1}
    assert view.timeline == [("2025-03-01", 1)]


def test_links_to_the_own_site_are_not_identifiers(store):
    own = Entity(
        kind=EntityKind.URL,
        field="text",
        start=0,
        end=5,
        text="x",
        value="https://board.example/help",
    )
    items = [
        unrelated(
            f"d{n}",
            f"Anuncio número {n} distinto",
            entities=[own],
            url=f"https://board.example/ad/{n}",
        )
        for n in range(2)
    ]
    with Linker.open(store) as linker:
        result = linker.link(items)
    assert all(links.network_ids == [] for links in result.documents)


def test_an_identifier_that_becomes_too_common_stops_linking_and_splits(store):
    settings = LinkingSettings(max_identifier_degree=3)
    common = Entity(
        kind=EntityKind.EMAIL, field="text", start=0, end=1, text="x", value="help@board.example"
    )

    def item(number: int, *extra: Entity) -> LinkInput:
        return unrelated(
            f"d{number}", f"texto {number} " * 3 + "x" * number, entities=[common, *extra]
        )

    with Linker.open(store, settings) as linker:
        first = linker.link([item(0), item(1), item(2)]).by_id
        assert first["d2"].network_ids == ["net-d0"]
        split = linker.link([item(3)]).by_id
    assert set(split) == {"d0", "d1", "d2", "d3"}
    assert all(links.network_ids == [] for links in split.values())


def test_a_known_document_keeps_its_links_and_gains_new_contacts(store):
    with Linker.open(store) as linker:
        linker.link([templated(0, phone_suffix=1), templated(5, phone_suffix=2, risky=False)])
        again = templated(0, phone_suffix=2)
        result = linker.link([again]).by_id
    assert result["ad-0"].network_ids == ["net-ad-0"]
    assert result["ad-5"].network_ids == ["net-ad-0"]


def test_demo_web_networks_are_recovered_exactly(store):
    with Linker.open(store) as linker:
        result = linker.link([*page_inputs(), *post_inputs()])
    found: dict[str, set[str]] = {}
    for links in result.documents:
        for network_id in links.network_ids:
            found.setdefault(network_id, set()).add(links.doc_id)
    assert sorted(map(sorted, found.values())) == sorted(map(sorted, expected_networks().values()))


def test_cluster_view_gives_members_and_template(store):
    with Linker.open(store) as linker:
        linker.link([templated(number) for number in range(4)])
        view = linker.cluster("dup-ad-0")
    assert [member.doc_id for member in view.members] == ["ad-0", "ad-1", "ad-2", "ad-3"]
    assert view.template.templated
    assert "[phone]" in view.template.text and "Pasaje pagado" in view.template.text
    phones = next(slot for slot in view.template.slots if slot.kind == "phone")
    assert sorted(phones.values) == [f"+58412555{1000 + n}" for n in range(4)]


@pytest.mark.parametrize("bad_id", ["dup-nobody", "net-ad-0", "cluster-ad-0", ""])
def test_unknown_groups_are_a_clear_error(store, bad_id):
    with Linker.open(store) as linker:
        linker.link([templated(0)])
        with pytest.raises(LinkingError, match=r"no |not an id"):
            if bad_id.startswith("net-"):
                linker.network(bad_id)
            else:
                linker.cluster(bad_id)


def test_broken_batches_are_refused_and_nothing_is_stored(store):
    with Linker.open(store) as linker:
        with pytest.raises(LinkingError, match="same document twice"):
            linker.link([templated(0), templated(0)])
        with pytest.raises(LinkingError, match="empty doc_id"):
            linker.link([templated(0, doc_id="")])
        assert linker.links_of(["ad-0"]) == []


def test_a_store_built_with_other_settings_is_refused(store):
    with Linker.open(store):
        pass
    with pytest.raises(LinkingError, match="built with"):
        Linker.open(store, LinkingSettings(shingle_size=5))


def test_inconsistent_settings_and_damaged_stores_are_clear_errors(store, tmp_path):
    with pytest.raises(LinkingError, match="multiple of bands"):
        Linker.open(store, LinkingSettings(num_perm=100, bands=32))
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LinkingError, match="cannot open the linking store"):
        Linker.open(damaged)
    assert isinstance(sqlite3.sqlite_version, str)
