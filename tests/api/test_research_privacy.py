"""Researchers cannot re-identify people (issue 13): each inference the audit found is tried
against the real app, over a real embedded index and a real linking store, and must fail.

    probe                                             now
    /api/trends?identifier=<phone>: is it in the data?  403 for present and absent alike, audited
    q=, cluster=, network= naming one person           403, audited
    dates to the minute (differencing two totals)       403: whole days only
    export filtered by identifier=<guess>               403, audited
    sha256(candidate URL) among exported ids           keyed ids (doc-k…, dup-k…, net-k…) only
    net-/dup- ids, GEXF/GraphML nodes                  keyed; a real id answers 404 like none
    a trend or an export of one ad                     count suppressed; export refused (403)
    obfuscated contacts through redaction              revealed first, then redacted
    names the extractor missed                         free text left out of research data

Analysts keep their exact counts and filters (checked beside each attack).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.accounts.pseudonymise import Pseudonymiser, scrub
from api.accounts.users import Role
from api.annotations.audit import AuditFilter, AuditLog
from api.config import ApiSettings
from api.main import create_app
from api.research_access import REFUSED_ACTION
from index.document import Document, SourceKind, stable_id
from index.embedded import EmbeddedIndex
from linking.config import LinkingSettings
from linking.step import LINKING_FILE, LinkingStep
from nlp.config import NlpSettings
from nlp.types import Entity, EntityKind
from tests.api.conftest import Accounts
from tests.api.test_networks import linked_corpus
from tests.factories import make_document

KEY = "privacy-test-pseudonymisation-key-0123"
TARGET_PHONE = "+593991234567"
ABSENT_PHONE = "+593997654321"
TARGET_NAME = "Rosa Elvira Quispe"  # a name no extractor tagged
# Obfuscated contacts as ads write them, and a piece of each that must not survive.
OBFUSCATED = {
    "04I2-I23-45-67": "I23-45-67",
    "cuatro uno dos cinco cinco cinco cero uno cero uno": "cinco cinco cero",
    "maria_vip (arroba) gmail punto com": "maria_vip",
    "rrhh [at] ejemplo [dot] org": "rrhh",
    "t.me/mariavip": "mariavip",
    "@rosa_modelos": "rosa_modelos",
    "https://wa.me/593991234567?text=hola": "991234567",
    "wa.me/593991234567": "91234567",
    "0 9 9 1 2 3 4 5 6 7": "1 2 3 4 5",
    "+58 4I2 555 O147": "555 O147",
    "0991\u200b234\u200b567": "234\u200b567",
    "０９９１２３４５６７": "１２３４５",
}
TARGET_TEXT = (
    f"Se buscan chicas para Aruba. Preguntar por {TARGET_NAME}. Llamar al +593 99 123 4567. "
    + " o ".join(OBFUSCATED)
)
COMMON = 12  # more than the default minimum group size (10)


def _target() -> Document:
    phone = "+593 99 123 4567"
    start = TARGET_TEXT.index(phone)
    entity = Entity(
        field="text",
        start=start,
        end=start + len(phone),
        kind=EntityKind.PHONE,
        text=phone,
        value=TARGET_PHONE,
    )
    return make_document(
        canonical_url="https://anuncios-aw.example/ad/rosa",
        kind=SourceKind.CLASSIFIEDS,
        site="anuncios-aw.example",
        country="AW",
        title=f"Modelos en Aruba, pregunta por {TARGET_NAME}",
        text=TARGET_TEXT,
        entities=[entity],
    )


def _common(number: int) -> Document:
    url = f"https://empleos.example.org/aviso/{number}"
    group = stable_id("https://empleos.example.org/aviso/0")
    return make_document(
        canonical_url=url, cluster_ids=[f"dup-{group}"], network_ids=[f"net-{group}"]
    )


def _corpus() -> list[Document]:
    return [*(_common(number) for number in range(COMMON)), _target()]


def _candidates(urls: list[str]) -> set[str]:
    """What an attacker computes from URLs found on the sites: ids, and net-/dup- ids."""
    ids = {stable_id(url) for url in urls}
    return ids | {f"{prefix}{doc_id}" for doc_id in ids for prefix in ("net-", "dup-")}


@pytest.fixture(scope="module")
def privacy_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedIndex]:
    backend = EmbeddedIndex(tmp_path_factory.mktemp("privacy-index"))
    backend.setup()
    backend.upsert(_corpus())
    yield backend
    backend.close()


def _client(index: EmbeddedIndex, accounts: Accounts, role: Role, **settings) -> TestClient:
    app = create_app(
        ApiSettings(**{"pseudonymisation_key": KEY} | settings), index, accounts.database
    )
    return TestClient(app, headers=accounts.headers(role))


@pytest.fixture(scope="module")
def researcher(privacy_index: EmbeddedIndex, accounts: Accounts) -> Iterator[TestClient]:
    with _client(privacy_index, accounts, Role.RESEARCHER) as client:
        yield client


@pytest.fixture(scope="module")
def analyst(privacy_index: EmbeddedIndex, accounts: Accounts) -> Iterator[TestClient]:
    with _client(privacy_index, accounts, Role.ANALYST) as client:
        yield client


def _refusals(accounts: Accounts) -> list:
    return AuditLog(accounts.database).query(AuditFilter(action=REFUSED_ACTION))


# --- probing for one person ----------------------------------------------------------------


def test_an_identifier_probe_via_trends_is_refused(researcher, analyst, accounts) -> None:
    # The oracle: analysts (who may search anyway) see whether the phone is in the data.
    assert analyst.get("/api/trends", params={"identifier": TARGET_PHONE}).json()["total"] == 1
    present = researcher.get("/api/trends", params={"identifier": TARGET_PHONE})
    absent = researcher.get("/api/trends", params={"identifier": ABSENT_PHONE})
    assert present.status_code == absent.status_code == 403
    assert present.json() == absent.json()  # nothing tells the two apart
    assert "identifier" in present.json()["detail"]
    logged = [entry.details for entry in _refusals(accounts)]
    assert {"identifier": [TARGET_PHONE]} in logged and {"identifier": [ABSENT_PHONE]} in logged


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("q", "593991234567"),
        ("q", "Rosa Elvira"),
        ("cluster", "dup-" + stable_id("https://empleos.example.org/aviso/0")),
        ("network", "net-" + stable_id("https://empleos.example.org/aviso/0")),
    ],
)
def test_filters_naming_a_person_are_refused(researcher, accounts, name, value) -> None:
    response = researcher.get("/api/trends", params={name: value})
    assert response.status_code == 403
    assert f"may not filter by {name}" in response.json()["detail"]
    assert "country" in response.json()["detail"]  # what they may filter by instead
    assert _refusals(accounts)[0].details == {name: [value] if name != "q" else value}


def test_dates_finer_than_a_day_are_refused(researcher, analyst, accounts) -> None:
    # Two totals a minute apart would date one ad to the minute (and, with its site, find it).
    minute = {"published_from": "2024-05-01T11:59:00Z", "published_to": "2024-05-01T12:00:00Z"}
    assert analyst.get("/api/trends", params=minute).status_code == 200
    response = researcher.get("/api/trends", params=minute)
    assert response.status_code == 403 and "whole days" in response.json()["detail"]
    assert set(_refusals(accounts)[0].details) == {"published_from", "published_to"}
    days = {"published_from": "2024-04-01", "published_to": "2024-05-31"}
    assert researcher.get("/api/trends", params=days).status_code == 200


def test_an_export_filtered_by_a_guessed_identifier_is_refused(researcher, accounts) -> None:
    params = {"format": "jsonl", "identifier": TARGET_PHONE}
    response = researcher.get("/api/exports/documents", params=params)
    guess = researcher.get("/api/exports/documents", params=params | {"identifier": ABSENT_PHONE})
    assert response.status_code == guess.status_code == 403
    assert response.json() == guess.json() and "identifier" in response.json()["detail"]
    guessed, first = _refusals(accounts)[:2]  # newest first
    assert first.target == guessed.target == "/api/exports/documents"
    assert first.details == {"identifier": [TARGET_PHONE]}


# --- small groups --------------------------------------------------------------------------


def test_a_trend_of_one_ad_is_suppressed(researcher, analyst) -> None:
    params = {"country": "AW"}
    exact = analyst.get("/api/trends", params=params).json()
    assert exact["total"] == 1 and exact["min_group_size"] is None
    body = researcher.get("/api/trends", params=params).json()
    assert body["total"] is None and body["min_group_size"] == 10
    shown = [bucket for bucket in body["overall"] if bucket["count"]]
    assert shown == []
    assert [bucket["suppressed"] for bucket in body["overall"]].count(True) == 1
    series = body["series"]["site"]["anuncios-aw.example"]
    assert all(bucket["count"] in (None, 0) for bucket in series)
    # Large enough counts are still given.
    everything = researcher.get("/api/trends", params={"country": "EC"}).json()
    assert everything["total"] == COMMON
    assert max(bucket["count"] or 0 for bucket in everything["overall"]) >= 10


def test_a_small_export_is_refused_alike_for_none_and_a_few(researcher) -> None:
    one = researcher.get("/api/exports/documents", params={"format": "csv", "country": "AW"})
    none = researcher.get("/api/exports/documents", params={"format": "csv", "country": "BR"})
    assert one.status_code == none.status_code == 403
    assert one.json() == none.json() and "fewer than 10" in one.json()["detail"]
    enough = researcher.get("/api/exports/documents", params={"format": "csv", "country": "EC"})
    assert enough.status_code == 200


# --- hashing candidate URLs ----------------------------------------------------------------


def _jsonl(client: TestClient, table: str, **params) -> list[dict]:
    response = client.get(f"/api/exports/{table}", params={"format": "jsonl", **params})
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def test_hashing_candidate_urls_finds_no_exported_id(researcher, privacy_index, accounts) -> None:
    candidates = _candidates([document.canonical_url for document in _corpus()])
    for table in ("documents", "modus_operandi"):
        rows = _jsonl(researcher, table, country="EC")
        exported = json.dumps(rows)
        assert not [candidate for candidate in candidates if candidate in exported], table
        assert all(row["id"].startswith("doc-k") for row in rows)
        assert {tuple(row["network_ids"]) for row in rows} == {(rows[0]["network_ids"][0],)}
        assert rows[0]["network_ids"][0].startswith("net-k")
    # Stable within a key (two exports join up), different under another key.
    again = {row["id"] for row in _jsonl(researcher, "modus_operandi", country="EC")}
    assert again == {row["id"] for row in _jsonl(researcher, "documents", country="EC")}
    other_key = {"pseudonymisation_key": "another-pseudonymisation-key-987654"}
    with _client(privacy_index, accounts, Role.RESEARCHER, **other_key) as other:
        assert again.isdisjoint(row["id"] for row in _jsonl(other, "documents", country="EC"))


def test_the_minute_an_ad_was_seen_does_not_point_at_it(researcher, privacy_index) -> None:
    # A site and the exact minute of publication would find the ad on the site itself.
    exact = {document.published_at.isoformat() for document in _corpus()}
    rows = _jsonl(researcher, "documents", country="EC")
    assert exact.isdisjoint(row["published_at"] for row in rows)
    for row in rows:
        for name in ("published_at", "fetched_at", "first_seen", "last_seen"):
            assert row[name].endswith("T00:00:00+00:00"), (name, row[name])


def test_free_text_and_names_stay_out_of_research_exports(researcher, privacy_index) -> None:
    content = researcher.get("/api/exports/documents", params={"format": "jsonl"}).text
    rows = [json.loads(line) for line in content.splitlines()]
    assert len(rows) == COMMON + 1
    assert all(row["text"] is None and row["title"] is None for row in rows)
    for secret in (TARGET_NAME, "Rosa Elvira", *OBFUSCATED.values(), TARGET_PHONE):
        assert secret not in content, secret


# --- redaction -----------------------------------------------------------------------------


@pytest.mark.parametrize(("sample", "secret"), OBFUSCATED.items())
def test_obfuscated_contacts_do_not_survive_redaction(sample: str, secret: str) -> None:
    text = f"Interesadas escribir a {sample} hoy mismo"
    redacted = Pseudonymiser(KEY.encode()).redact(text, [])
    assert secret not in redacted and secret not in scrub(text), redacted
    assert redacted.startswith("Interesadas escribir a [") and redacted.endswith("] hoy mismo")


def test_an_admin_approved_free_text_export_is_redacted(privacy_index, accounts) -> None:
    with _client(privacy_index, accounts, Role.ADMIN) as admin:
        params = {"format": "jsonl", "country": "AW", "free_text": "true"}
        (row,) = _jsonl(admin, "documents", **params)
    for secret in (*OBFUSCATED.values(), "123 4567"):
        assert secret not in row["text"], secret
    assert row["text"].count("[PHONE") >= 6 and "[EMAIL]" in row["text"]


# --- networks, clusters and their graphs ---------------------------------------------------


@pytest.fixture(scope="module")
def linked_app(tmp_path_factory, accounts: Accounts) -> Iterator[tuple[TestClient, list[str]]]:
    folder: Path = tmp_path_factory.mktemp("privacy-linked")
    step = LinkingStep.open(folder, LinkingSettings(), NlpSettings())
    backend = EmbeddedIndex(folder / "index")
    backend.setup()
    corpus = linked_corpus()
    try:
        for document in corpus.values():
            backend.upsert(step.link([document], backend))
    finally:
        step.close()
    # Five documents: the minimum group size is lowered so that they can be exported here.
    settings = ApiSettings(
        linking_path=folder / LINKING_FILE,
        pseudonymisation_key=SecretStr(KEY),
        research_min_group_size=1,
    )
    app = create_app(settings, backend, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.RESEARCHER)) as client:
        yield client, [document.canonical_url for document in corpus.values()]
    backend.close()


def test_hashing_candidate_urls_finds_no_group_or_graph_node(linked_app) -> None:
    client, urls = linked_app
    candidates = _candidates(urls)
    groups = client.get("/api/networks").json()
    (network,) = groups["networks"]
    (cluster,) = groups["clusters"]
    answers = [
        groups,
        view := client.get(f"/api/networks/{network['id']}").json(),
        client.get(f"/api/clusters/{cluster['id']}").json(),
    ]
    gexf = client.get(f"/api/networks/{network['id']}.gexf")
    graphml = client.get(f"/api/networks/{network['id']}.graphml")
    assert gexf.status_code == graphml.status_code == 200
    everything = json.dumps(answers) + gexf.text + graphml.text
    assert not [candidate for candidate in candidates if candidate in everything]
    assert network["id"].startswith("net-k") and cluster["id"].startswith("dup-k")
    # The graph's document nodes are the view's documents: analyses still join up.
    for document in view["documents"]:
        assert f'"doc:{document["id"]}"' in gexf.text
        assert len(document["date"]) == len("2024-04-01")


def test_keyed_ids_join_exports_networks_and_graphs(linked_app) -> None:
    client, _ = linked_app
    groups = client.get("/api/networks").json()
    (network,), (cluster,) = groups["networks"], groups["clusters"]
    members = {
        doc["id"] for doc in client.get(f"/api/networks/{network['id']}").json()["documents"]
    }
    rows = _jsonl(client, "modus_operandi")
    assert {row["id"] for row in rows if network["id"] in row["network_ids"]} == members
    assert sum(cluster["id"] in row["cluster_ids"] for row in rows) == cluster["documents"]


def test_a_real_group_id_is_answered_as_if_there_were_none(linked_app) -> None:
    client, urls = linked_app
    real_ids = sorted(_candidates(urls) - {stable_id(url) for url in urls})
    answers = {}
    for real_id in real_ids:
        path = "/api/clusters/" if real_id.startswith("dup-") else "/api/networks/"
        for suffix in ("", ".gexf") if path == "/api/networks/" else ("",):
            response = client.get(f"{path}{real_id}{suffix}")
            answers[response.status_code] = response.json()["detail"].replace(real_id, "ID")
    assert list(answers) == [404]
    assert answers[404] in ("no network 'ID'", "no near-duplicate cluster 'ID'")


def test_cluster_templates_and_text_slots_are_withheld(linked_app) -> None:
    client, _ = linked_app
    (cluster,) = client.get("/api/networks").json()["clusters"]
    template = client.get(f"/api/clusters/{cluster['id']}").json()["template"]
    assert template["withheld"] is True and template["text"] == ""
    for slot in template["slots"]:
        hashed = slot["kind"] in ("phone", "email", "handle", "url")
        assert all(len(value) == 64 for value in slot["values"]) if hashed else not slot["values"]
    assert "Aruba" not in json.dumps(template) and "4121111111" not in json.dumps(template)


@pytest.fixture(scope="module")
def small_groups(tmp_path_factory, accounts: Accounts) -> Iterator[tuple[TestClient, TestClient]]:
    """The linked corpus (one network of five documents, one cluster) under the default
    minimum group size (10): a researcher client and an analyst client of one app."""
    folder: Path = tmp_path_factory.mktemp("privacy-small-groups")
    step = LinkingStep.open(folder, LinkingSettings(), NlpSettings())
    backend = EmbeddedIndex(folder / "index")
    backend.setup()
    try:
        for document in linked_corpus().values():
            backend.upsert(step.link([document], backend))
    finally:
        step.close()
    settings = ApiSettings(linking_path=folder / LINKING_FILE, pseudonymisation_key=SecretStr(KEY))
    app = create_app(settings, backend, accounts.database)
    with (
        TestClient(app, headers=accounts.headers(Role.RESEARCHER)) as researcher,
        TestClient(app, headers=accounts.headers(Role.ANALYST)) as analyst,
    ):
        yield researcher, analyst
    backend.close()


def test_small_groups_are_not_listed_to_researchers(small_groups) -> None:
    researcher, analyst = small_groups
    seen = analyst.get("/api/networks").json()
    assert len(seen["networks"]) == 1 and len(seen["clusters"]) == 1
    assert seen["networks"][0]["documents"] < 10 and seen["min_group_size"] is None
    for limit in (1, 20, 50):  # no page size lets one through
        listed = researcher.get("/api/networks", params={"limit": limit}).json()
        assert listed["networks"] == [] and listed["clusters"] == []
        assert listed["min_group_size"] == 10
    page = researcher.get("/networks")
    assert page.status_code == 200
    assert 'id="small-groups-withheld"' in page.text and "/networks/net-" not in page.text
    assert 'id="small-groups-withheld"' not in analyst.get("/networks").text


def test_a_small_group_opened_by_its_keyed_id_is_answered_as_unknown(small_groups) -> None:
    researcher, analyst = small_groups
    seen = analyst.get("/api/networks").json()
    network, cluster = seen["networks"][0]["id"], seen["clusters"][0]["id"]
    assert analyst.get(f"/api/networks/{network}").status_code == 200
    assert analyst.get(f"/api/clusters/{cluster}").status_code == 200
    keyed = Pseudonymiser(KEY.encode())
    unknown = {"net": "net-k" + "0" * 32, "dup": "dup-k" + "0" * 32}
    asked = [
        (f"/api/networks/{keyed.group_id(network)}", unknown["net"], "/api/networks/"),
        (f"/api/networks/{keyed.group_id(network)}.gexf", unknown["net"], "/api/networks/"),
        (f"/networks/{keyed.group_id(network)}", unknown["net"], "/networks/"),
        (f"/api/clusters/{keyed.group_id(cluster)}", unknown["dup"], "/api/clusters/"),
        (f"/clusters/{keyed.group_id(cluster)}", unknown["dup"], "/clusters/"),
    ]
    for path, unknown_id, prefix in asked:
        small = researcher.get(path)
        suffix = ".gexf" if path.endswith(".gexf") else ""
        none = researcher.get(f"{prefix}{unknown_id}{suffix}")
        assert small.status_code == none.status_code == 404, path
        if prefix.startswith("/api/"):
            group_id = path.removeprefix(prefix).removesuffix(suffix)
            detail = small.json()["detail"].replace(group_id, "ID")
            assert detail == none.json()["detail"].replace(unknown_id, "ID")
