"""Research exports through the API over a real embedded index: CSV, JSONL and Parquet parsed
back, personal data replaced by keyed hashes (and absent from every byte), keyed ids, free text
left out (redacted only in an admin's opt-in), raw data for admins only, streaming past the
index's page size, and clear refusals. The researcher's minimum group size is 2 here: the
corpus holds two ads (tests/api/test_research_privacy.py tests the default)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterator

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.annotations.audit import AuditFilter, AuditLog
from api.config import ApiSettings
from api.exporting.datasets import DOCUMENT_COLUMNS, MODUS_OPERANDI_COLUMNS
from api.main import create_app
from index.document import Capture
from index.embedded import EmbeddedIndex
from nlp.types import Entity, EntityKind, IndicatorHit, Strength
from tests.api.conftest import Accounts
from tests.factories import make_document

KEY = "test-pseudonymisation-key-0123456789"
TEXT = (
    "Buscamos anfitrionas para bar en Madrid, pasaje pagado. Contacto: Ana Pérez, WhatsApp "
    "+58 412 555 0101, correo ana.perez@example.org, telegram @empleos_ya. "
    "Otro número: 0414-555.0199 o rrhh (at) ejemplo (dot) org. Sueldo 1.500.000 COP."
)
# What must never leave in a pseudonymised export, in any format.
PERSONAL = [
    "555 0101",
    "+584125550101",
    "ana.perez@example.org",
    "Ana Pérez",
    "0414-555.0199",
    "rrhh (at) ejemplo",
    "empleos_ya",
    "reclutador_mx",
]


def _entity(kind: EntityKind, text: str, value: str, country: str | None = None) -> Entity:
    start = TEXT.index(text)
    return Entity(
        field="text",
        start=start,
        end=start + len(text),
        kind=kind,
        text=text,
        value=value,
        country=country,
    )


ENTITIES = [
    _entity(EntityKind.PERSON, "Ana Pérez", "Ana Pérez"),
    _entity(EntityKind.PHONE, "+58 412 555 0101", "+584125550101"),
    _entity(EntityKind.EMAIL, "ana.perez@example.org", "ana.perez@example.org"),
    _entity(EntityKind.HANDLE, "@empleos_ya", "telegram:empleos_ya"),
    _entity(EntityKind.LOCATION, "Madrid", "Madrid", country="ES"),
    _entity(EntityKind.MONEY, "1.500.000 COP", "1500000.00 COP"),
]
SECTOR_HIT = IndicatorHit(
    field="text",
    start=TEXT.index("anfitrionas para bar"),
    end=TEXT.index("anfitrionas para bar") + len("anfitrionas para bar"),
    indicator="hostess_model_role",
    category="sector_entertainment",
    strength=Strength.MEDIUM,
    evidence="anfitrionas para bar",
    language="es",
)


def _token(kind: str, value: str) -> str:
    return hmac.new(KEY.encode(), f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def _keyed_id(prefix: str, kind: str, real_id: str) -> str:
    return prefix + _token(f"id:{kind}", real_id)[:32]


# The captured page's digest: anyone holding the page can hash it, so researchers never get it.
CAPTURE_DIGEST = "ab" * 32


def _ad(number: int, **overrides):
    return make_document(
        capture=Capture(
            sha256=CAPTURE_DIGEST, warc_file="crawl-1.warc.gz", record_id=f"<r{number}>"
        ),
        canonical_url=f"https://clasificados.example/anuncio/{number}",
        site="clasificados.example",
        country="VE",
        text=TEXT,
        author="reclutador_mx",
        entities=ENTITIES,
        indicators=[SECTOR_HIT],
        cluster_ids=["c-001"],
        **overrides,
    )


@pytest.fixture(scope="module")
def export_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedIndex]:
    backend = EmbeddedIndex(tmp_path_factory.mktemp("export-index"))
    backend.setup()
    backend.upsert([_ad(1), _ad(2), make_document(canonical_url="https://empleos.example/x")])
    yield backend
    backend.close()


def _client(index: EmbeddedIndex, accounts: Accounts, role: Role, **settings) -> TestClient:
    app = create_app(ApiSettings(**settings), index, accounts.database)
    return TestClient(app, headers=accounts.headers(role))


@pytest.fixture(scope="module")
def researcher(export_index: EmbeddedIndex, accounts: Accounts) -> Iterator[TestClient]:
    with _client(
        export_index,
        accounts,
        Role.RESEARCHER,
        pseudonymisation_key=KEY,
        research_min_group_size=2,
    ) as client:
        yield client


def _export(client: TestClient, table: str, fmt: str, **params) -> bytes:
    response = client.get(f"/api/exports/{table}", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    return response.content


def _assert_nothing_personal(content: bytes) -> None:
    for secret in PERSONAL:
        assert secret.encode() not in content, secret


def test_jsonl_export_is_pseudonymised_with_keyed_hashes(researcher: TestClient):
    content = _export(researcher, "documents", "jsonl", site="clasificados.example")
    _assert_nothing_personal(content)
    rows = [json.loads(line) for line in content.decode().splitlines()]
    assert len(rows) == 2
    row = rows[0]
    assert list(row) == [column.name for column in DOCUMENT_COLUMNS]
    assert row["phones"] == [_token("phone", "+584125550101")]
    assert row["emails"] == [_token("email", "ana.perez@example.org")]
    assert row["handles"] == [_token("handle", "telegram:empleos_ya")]
    assert row["author"] == _token("author", "reclutador_mx")
    # The same phone gives the same token in every document: ads stay linkable.
    assert rows[1]["phones"] == row["phones"]
    # Free text cannot be made safe (a name the extractor missed): it is left out.
    assert row["text"] is None and row["title"] is None
    real_ids = {_ad(1).id, _ad(2).id}
    assert {r["id"] for r in rows} == {_keyed_id("doc-k", "document", i) for i in real_ids}
    assert row["cluster_ids"] == [_keyed_id("dup-k", "cluster", "c-001")]
    assert row["locations"] == ["Madrid"]
    assert row["capture_sha256"] is None and CAPTURE_DIGEST not in content.decode()


def test_an_admin_may_approve_redacted_free_text(export_index: EmbeddedIndex, accounts: Accounts):
    with _client(export_index, accounts, Role.ADMIN, pseudonymisation_key=KEY) as admin:
        content = _export(admin, "documents", "jsonl", site="clasificados.example", free_text="1")
    _assert_nothing_personal(content)
    row = json.loads(content.decode().splitlines()[0])
    short = _token("phone", "+584125550101")[:8]
    assert f"[PHONE:{short}]" in row["text"]
    assert "[PERSON]" in row["text"] and "[PHONE]" in row["text"] and "[EMAIL]" in row["text"]
    assert "1.500.000 COP" in row["text"]  # money is kept as written


def test_csv_export_parses_back_without_personal_data(researcher: TestClient):
    content = _export(researcher, "documents", "csv", site="clasificados.example")
    _assert_nothing_personal(content)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert len(rows) == 2
    assert rows[0]["phones"] == _token("phone", "+584125550101")
    assert rows[0]["indicators"] == "hostess_model_role"


def test_parquet_export_has_typed_columns_and_no_personal_data(researcher: TestClient):
    content = _export(researcher, "documents", "parquet", site="clasificados.example")
    table = pq.read_table(io.BytesIO(content))
    assert table.num_rows == 2
    assert table.column_names == [column.name for column in DOCUMENT_COLUMNS]
    assert str(table.schema.field("phones").type) == "list<element: string>"
    assert str(table.schema.field("fetched_at").type) == "timestamp[us, tz=UTC]"
    every_value = json.dumps(table.to_pylist(), default=str, ensure_ascii=False).encode()
    _assert_nothing_personal(every_value)
    _assert_nothing_personal(content)


def test_modus_operandi_table(researcher: TestClient):
    content = _export(researcher, "modus_operandi", "jsonl", site="clasificados.example")
    _assert_nothing_personal(content)
    row = json.loads(content.decode().splitlines()[0])
    assert list(row) == [column.name for column in MODUS_OPERANDI_COLUMNS]
    assert row["sectors"] == ["entertainment"]
    assert row["contact_methods"] == ["email", "phone", "telegram", "whatsapp"]
    assert row["destination_countries"] == ["ES"]
    assert row["recruitment_channel"] == "job_board"
    assert row["cluster_ids"] == [_keyed_id("dup-k", "cluster", "c-001")]
    assert row["week"] <= row["published_at"][:10]


def test_admin_may_export_raw_personal_data(export_index: EmbeddedIndex, accounts: Accounts):
    with _client(export_index, accounts, Role.ADMIN) as admin:
        content = _export(admin, "documents", "jsonl", site="clasificados.example", raw="true")
    row = json.loads(content.decode().splitlines()[0])
    assert row["phones"] == ["+584125550101"]
    assert "Ana Pérez" in row["text"]
    assert row["capture_sha256"] == CAPTURE_DIGEST


def test_exports_are_audited(researcher: TestClient, accounts: Accounts):
    _export(researcher, "modus_operandi", "csv", country="VE")
    entries = AuditLog(accounts.database).query(AuditFilter(action="export"))
    assert entries[0].username == accounts.users[Role.RESEARCHER].username
    assert entries[0].target == "modus_operandi"
    assert entries[0].details["format"] == "csv" and entries[0].details["raw"] is False
    assert entries[0].details["country"] == ["VE"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"format": "xml"}, 422, "format"),
        ({}, 422, "format"),
        ({"format": "csv", "q": "inexistentewordzz"}, 403, "may not filter by q"),
        ({"format": "csv", "country": "PE"}, 403, "fewer than 2 documents"),
        ({"format": "csv", "raw": "true"}, 403, "raw personal data"),
        ({"format": "csv", "free_text": "true"}, 403, "free text"),
        ({"format": "csv", "q": '"unbalanced'}, 422, "quote"),
    ],
)
def test_bad_exports_are_refused_clearly(researcher, params, status, message):
    response = researcher.get("/api/exports/documents", params=params)
    assert response.status_code == status
    assert message in response.text


def test_unknown_table_is_refused(researcher: TestClient):
    response = researcher.get("/api/exports/people", params={"format": "csv"})
    assert response.status_code == 422
    assert "modus_operandi" in response.text


def test_wrong_roles_may_not_export(export_index: EmbeddedIndex, accounts: Accounts):
    for role in (Role.ANALYST, Role.INVESTIGATOR):
        with _client(export_index, accounts, role, pseudonymisation_key=KEY) as client:
            response = client.get("/api/exports/documents", params={"format": "csv"})
            assert response.status_code == 403


def test_exports_need_a_pseudonymisation_key(export_index: EmbeddedIndex, accounts: Accounts):
    with _client(export_index, accounts, Role.RESEARCHER) as client:
        response = client.get("/api/exports/documents", params={"format": "csv"})
    assert response.status_code == 503
    assert "TRACK4TIP_API_PSEUDONYMISATION_KEY" in response.json()["detail"]


def test_columns_are_documented(researcher: TestClient):
    columns = researcher.get("/api/exports/columns").json()
    assert {column["name"] for column in columns["documents"]} >= {"phones", "text", "url"}
    assert all(column["description"] for column in columns["modus_operandi"])


def test_export_streams_every_document_past_one_index_page(fresh_index, accounts):
    fresh_index.upsert(_ad(number) for number in range(1, 1202))
    client = _client(fresh_index, accounts, Role.RESEARCHER, pseudonymisation_key=KEY)
    params = {"format": "jsonl"}
    with client, client.stream("GET", "/api/exports/modus_operandi", params=params) as response:
        assert response.status_code == 200
        chunks = list(response.iter_bytes())
    ids = [json.loads(line)["id"] for line in b"".join(chunks).decode().splitlines()]
    assert len(ids) == 1201 == len(set(ids))
