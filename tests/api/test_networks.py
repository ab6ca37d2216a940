"""Networks and near-duplicate clusters through the API and the console (issue 7).

A real embedded index and a real linking store, built as `track4tip index` builds them
(linking.step): three copies of one ad text with different phones form a cluster,
and two of them share a phone with a differently worded ad, forming a network.

    key      text                        phone            site                  country
    copy_a   hostess template, Aruba     +5804121111111   anuncios.example      AW
    copy_b   hostess template, Curaçao   +5804122222222   clasificados.example  CW
    copy_c   hostess template, Trinidad  +5804123333333   anuncios.example      TT
    other    a different text            +5804121111111   red.example           AW
    alone    a cook's ad                 (none)           empleos.example       PE
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.accounts.pseudonymise import Pseudonymiser
from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.document import Document
from index.embedded import EmbeddedIndex
from linking.config import LinkingSettings
from linking.step import LINKING_FILE, LinkingStep
from nlp.config import NlpSettings
from nlp.types import Entity, EntityKind
from tests.api.conftest import HTML, Accounts
from tests.api.test_roles import ROUTES
from tests.factories import make_document

KEY = SecretStr("a-test-pseudonymisation-key")
TEMPLATE = (
    "Agencia internacional busca anfitrionas jóvenes para eventos exclusivos en {place}. "
    "Pasaje pagado y alojamiento incluido, no se necesita experiencia. Ganancias de 2000 "
    "dólares por mes. Escribir por WhatsApp al {phone} y enviar foto de cuerpo entero."
)
OTHER = (
    "Se necesitan meseras para un bar nuevo, trabajo inmediato y buen ambiente de trabajo. "
    "Preguntar por la encargada al {phone} cualquier día de la semana."
)


def _with_phone(text: str, phone: str) -> list[Entity]:
    start = text.index(phone)
    return [
        Entity(
            field="text",
            start=start,
            end=start + len(phone),
            kind=EntityKind.PHONE,
            text=phone,
            value="+58" + phone.replace(" ", "")[1:],
        )
    ]


def _ad(key: str, text: str, phone: str | None, site: str, country: str, day: int) -> Document:
    return make_document(
        canonical_url=f"https://{site}/ad/{key}",
        site=site,
        country=country,
        title=f"Anuncio {key}",
        text=text,
        entities=_with_phone(text, phone) if phone else [],
        published_at=datetime(2024, 4, day, 10, tzinfo=UTC),
    )


def linked_corpus() -> dict[str, Document]:
    phones = {"a": "04121111111", "b": "04122222222", "c": "04123333333"}
    places = {"a": "Aruba", "b": "Curazao", "c": "Trinidad"}
    sites = {"a": "anuncios.example", "b": "clasificados.example", "c": "anuncios.example"}
    countries = {"a": "AW", "b": "CW", "c": "TT"}
    ads = {
        f"copy_{n}": _ad(
            f"copy_{n}",
            TEMPLATE.format(place=places[n], phone=phones[n]),
            phones[n],
            sites[n],
            countries[n],
            day,
        )
        for day, n in enumerate("abc", start=1)
    }
    other = OTHER.format(phone=phones["a"])
    ads["other"] = _ad("other", other, phones["a"], "red.example", "AW", 9)
    cook = "Restaurante en Lima contrata cocinero con contrato formal y seguro."
    ads["alone"] = _ad("alone", cook, None, "empleos.example", "PE", 5)
    return ads


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedIndex, Path]]:
    folder = tmp_path_factory.mktemp("linked")
    step = LinkingStep.open(folder, LinkingSettings(), NlpSettings())
    backend = EmbeddedIndex(folder / "index")
    backend.setup()
    try:
        for document in linked_corpus().values():  # one batch each, as a crawl trickles in
            backend.upsert(step.link([document], backend))
    finally:
        step.close()
    yield backend, folder / LINKING_FILE
    backend.close()


@pytest.fixture(scope="module")
def app_client(linked, accounts: Accounts) -> Iterator[TestClient]:
    backend, linking = linked
    # The groups here are a handful of documents: the researchers' minimum group size is
    # lowered so that their views can be checked (its effect: tests/api/test_research_privacy).
    settings = ApiSettings(
        linking_path=linking, pseudonymisation_key=KEY, research_min_group_size=1
    )
    app = create_app(settings, backend, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as client:
        yield client


def _ids(backend: EmbeddedIndex) -> dict[str, Document]:
    return {key: backend.get(document.id) for key, document in linked_corpus().items()}


def _network_and_cluster(linked) -> tuple[str, str]:
    documents = _ids(linked[0])
    (network,) = documents["other"].network_ids
    (cluster,) = documents["copy_a"].cluster_ids
    return network, cluster


def test_the_corpus_links_as_designed(linked) -> None:
    documents = _ids(linked[0])
    network, cluster = _network_and_cluster(linked)
    assert documents["copy_a"].network_ids == [network]
    assert documents["copy_b"].network_ids == [] and documents["alone"].network_ids == []
    assert {key for key, doc in documents.items() if doc.cluster_ids == [cluster]} == {
        "copy_a",
        "copy_b",
        "copy_c",
    }


def _keyed(group_id: str) -> str:
    return Pseudonymiser(KEY.get_secret_value().encode()).group_id(group_id)


def test_the_largest_groups(app_client: TestClient, accounts: Accounts, linked) -> None:
    for role in Role:
        network, cluster = _network_and_cluster(linked)
        if role is Role.RESEARCHER:  # researchers get keyed ids (test_research_privacy.py)
            network, cluster = _keyed(network), _keyed(cluster)
        response = app_client.get("/api/networks", headers=accounts.headers(role))
        assert response.status_code == 200, (role, response.text)
        body = response.json()
        assert body["linked"] is True
        assert [group["id"] for group in body["networks"]] == [network]
        assert body["networks"][0] | {"first_seen": None, "last_seen": None} == {
            "id": network,
            "documents": 2,
            "indexed": 2,
            "countries": ["AW"],
            "sites": ["anuncios.example", "red.example"],
            "first_seen": None,
            "last_seen": None,
        }
        (summary,) = body["clusters"]
        assert (summary["id"], summary["documents"]) == (cluster, 3)
        assert summary["countries"] == ["AW", "CW", "TT"]


def test_a_network_for_an_analyst(app_client: TestClient, accounts: Accounts, linked) -> None:
    network, _ = _network_and_cluster(linked)
    body = app_client.get(f"/api/networks/{network}", headers=accounts.headers(Role.ANALYST))
    assert body.status_code == 200, body.text
    view = body.json()
    assert view["documents_total"] == 2 and view["pseudonymised"] is False
    assert {doc["title"] for doc in view["documents"]} == {"Anuncio copy_a", "Anuncio other"}
    assert all(doc["indexed"] and doc["risk_label"] for doc in view["documents"])
    assert view["identifiers"] == [
        {"kind": "phone", "value": "+584121111111", "documents": 2, "too_common": False}
    ]
    assert view["timeline"] == [
        {"day": "2024-04-01", "count": 1},
        {"day": "2024-04-09", "count": 1},
    ]
    assert view["countries"] == {"AW": 2}
    assert view["sites"] == {"anuncios.example": 1, "red.example": 1}
    assert (view["first_seen"][:10], view["last_seen"][:10]) == ("2024-04-01", "2024-04-09")


def test_researchers_get_hashed_contacts_and_no_titles(
    app_client: TestClient, accounts: Accounts, linked
) -> None:
    network, cluster = (_keyed(group) for group in _network_and_cluster(linked))
    researcher = accounts.headers(Role.RESEARCHER)
    view = app_client.get(f"/api/networks/{network}", headers=researcher).json()
    assert view["pseudonymised"] is True and view["id"] == network
    (identifier,) = view["identifiers"]
    assert len(identifier["value"]) == 64 and "4121111111" not in identifier["value"]
    assert all(doc["title"] is None and doc["url"] is None for doc in view["documents"])
    members = app_client.get(f"/api/clusters/{cluster}", headers=researcher).json()
    text = str(members)
    for phone in ("4121111111", "4122222222", "4123333333"):
        assert phone not in text
    graph = app_client.get(f"/api/networks/{network}.gexf", headers=researcher)
    assert graph.status_code == 200 and "4121111111" not in graph.text
    assert f"phone:{identifier['value']}" in graph.text


def test_a_cluster_and_its_template(app_client: TestClient, linked) -> None:
    _, cluster = _network_and_cluster(linked)
    view = app_client.get(f"/api/clusters/{cluster}").json()
    assert view["members_total"] == 3
    assert [member["title"] for member in view["members"]] == [
        "Anuncio copy_a",
        "Anuncio copy_b",
        "Anuncio copy_c",
    ]
    template = view["template"]
    assert "Pasaje pagado y alojamiento incluido" in template["text"]
    assert "[phone]" in template["text"]
    values = {value for slot in template["slots"] for value in slot["values"]}
    assert {"+584121111111", "+584122222222", "+584123333333"} <= values
    assert template["templated"] is True and template["compression"] < 1


@pytest.mark.parametrize(
    ("suffix", "root", "namespace"),
    [
        (".gexf", "gexf", "{http://gexf.net/1.3}"),
        (".graphml", "graphml", "{http://graphml.graphdrawing.org/xmlns}"),
    ],
)
def test_graph_downloads_for_gephi(
    app_client: TestClient, linked, suffix: str, root: str, namespace: str
) -> None:
    network, _ = _network_and_cluster(linked)
    response = app_client.get(f"/api/networks/{network}{suffix}")
    assert response.status_code == 200, response.text
    assert f'filename="{network}{suffix}"' in response.headers["content-disposition"]
    tree = ElementTree.fromstring(response.content)
    assert tree.tag == f"{namespace}{root}"
    assert len(list(tree.iter(f"{namespace}node"))) == 3  # two documents, one phone
    assert len(list(tree.iter(f"{namespace}edge"))) == 2
    assert "+584121111111" in response.text


def test_views_and_downloads_are_audited(
    app_client: TestClient, accounts: Accounts, linked
) -> None:
    network, _ = _network_and_cluster(linked)
    app_client.get(f"/api/networks/{network}.graphml")
    admin = accounts.headers(Role.ADMIN)
    entries = app_client.get("/api/audit", params={"action": "export_graph"}, headers=admin)
    assert entries.status_code == 200, entries.text
    assert network in entries.text and "graphml" in entries.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/networks/net-nosuchdocument", 404),
        ("/api/clusters/dup-nosuchdocument", 404),
        ("/api/networks/net-nosuchdocument.gexf", 404),
        ("/api/networks/net-nosuchdocument.svg", 422),
        ("/api/networks/dup-wrongprefix", 422),
        ("/api/clusters/<script>alert(1)<script>", 422),
        ("/api/networks/net-" + "x" * 300, 422),
        ("/api/networks?limit=0", 422),
        ("/api/networks?limit=51", 422),
        ("/networks/net-nosuchdocument", 404),
    ],
)
def test_bad_ids_get_clear_errors(app_client: TestClient, path: str, status: int) -> None:
    response = app_client.get(path)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_a_missing_linking_store_means_empty_lists(
    fresh_index: EmbeddedIndex, accounts: Accounts, tmp_path: Path
) -> None:
    settings = ApiSettings(linking_path=tmp_path / "not-there.sqlite3")
    with TestClient(create_app(settings, fresh_index, accounts.database)) as client:
        client.headers.update(accounts.headers(Role.ANALYST))
        assert client.get("/api/networks").json() == {
            "linked": False,
            "networks": [],
            "clusters": [],
            "min_group_size": None,
        }
        missing = client.get("/api/networks/net-abc")
        assert missing.status_code == 404 and "nothing linked yet" in missing.json()["detail"]
        page = client.get("/networks", headers=HTML)
        assert page.status_code == 200 and 'id="nothing-linked"' in page.text
    assert not (tmp_path / "not-there.sqlite3").exists(), "a reader must not create the store"


def test_a_damaged_linking_store_is_a_503(
    fresh_index: EmbeddedIndex, accounts: Accounts, tmp_path: Path
) -> None:
    damaged = tmp_path / "linking.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    settings = ApiSettings(linking_path=damaged)
    with TestClient(create_app(settings, fresh_index, accounts.database)) as client:
        response = client.get("/api/networks", headers=accounts.headers(Role.ANALYST))
    assert response.status_code == 503
    assert str(damaged) in response.json()["detail"]
    assert damaged.read_bytes() == b"this is not a database" * 100


def test_researchers_without_a_key_are_told_why(linked, accounts: Accounts, tmp_path: Path) -> None:
    backend, linking = linked
    network, _ = _network_and_cluster(linked)
    settings = ApiSettings(linking_path=linking)
    with TestClient(create_app(settings, backend, accounts.database)) as client:
        response = client.get(f"/api/networks/{network}", headers=accounts.headers(Role.RESEARCHER))
    assert response.status_code == 503
    assert "TRACK4TIP_API_PSEUDONYMISATION_KEY" in response.json()["detail"]


# --- the console -----------------------------------------------------------------------------


def test_console_network_page(app_client: TestClient, accounts: Accounts, linked) -> None:
    network, cluster = _network_and_cluster(linked)
    page = app_client.get(
        f"/networks/{network}", headers={**HTML, **accounts.headers(Role.INVESTIGATOR)}
    )
    assert page.status_code == 200, page.text
    assert "<svg" in page.text and "2024-04-09" in page.text
    assert "+584121111111" in page.text and "Anuncio other" in page.text
    assert f"/api/networks/{network}.gexf" in page.text
    listing = app_client.get("/networks", headers=HTML).text
    assert f'href="/networks/{network}"' in listing and f'href="/clusters/{cluster}"' in listing


def test_console_cluster_page_highlights_slots(app_client: TestClient, linked) -> None:
    _, cluster = _network_and_cluster(linked)
    page = app_client.get(f"/clusters/{cluster}", headers={**HTML, "cookie": "lang=es"})
    assert page.status_code == 200, page.text
    assert '<mark class="slot slot-phone"' in page.text
    assert "Plantilla" in page.text and "+584123333333" in page.text


def test_document_page_and_facets_link_to_groups(app_client: TestClient, linked) -> None:
    network, cluster = _network_and_cluster(linked)
    copy_a = _ids(linked[0])["copy_a"]
    page = app_client.get(f"/documents/{copy_a.id}", headers=HTML).text
    assert f'href="/networks/{network}"' in page and f'href="/clusters/{cluster}"' in page
    search = app_client.get("/", params={"q": "anfitrionas"}, headers=HTML).text
    assert f'href="/clusters/{cluster}"' in search and f'href="/networks/{network}"' in search


def test_researcher_console_page_hides_contacts(
    app_client: TestClient, accounts: Accounts, linked
) -> None:
    network, cluster = _network_and_cluster(linked)
    researcher = {**HTML, **accounts.headers(Role.RESEARCHER)}
    page = app_client.get(f"/networks/{_keyed(network)}", headers=researcher)
    assert page.status_code == 200
    assert "4121111111" not in page.text and "Anuncio other" not in page.text
    # The list shows keyed ids only, and a real id (an unkeyed URL hash) finds nothing.
    listing = app_client.get("/networks", headers=researcher).text
    assert _keyed(network) in listing and network not in listing and cluster not in listing
    assert app_client.get(f"/networks/{network}", headers=researcher).status_code == 404
    assert app_client.get(f"/clusters/{cluster}", headers=researcher).status_code == 404
    assert app_client.get(f"/clusters/{_keyed(cluster)}", headers=researcher).status_code == 200


def test_the_role_walk_covers_the_network_routes() -> None:
    paths = {path for _, path, _ in ROUTES}
    assert {
        "/api/networks",
        "/api/networks/{network_id}",
        "/api/networks/{network_id}.{graph_format}",
        "/api/clusters/{cluster_id}",
        "/networks",
        "/networks/{network_id}",
        "/clusters/{cluster_id}",
    } <= paths
