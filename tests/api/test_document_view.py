"""The document view: related documents, the screenshot (re-hashed before it is served), risk
contributions, classifier scores, network ids and flags."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.config import ApiSettings
from api.main import create_app
from index.document import Capture
from index.embedded import EmbeddedIndex
from nlp.types import ClassifierScores, Entity, EntityKind, Risk, RiskContribution, RiskLabel
from tests.api.conftest import HTML, Accounts
from tests.factories import DEFAULT_TEXT, make_document

PNG = b"\x89PNG\r\n\x1a\n" + b"synthetic screenshot bytes"


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "warc"
    (folder / "screenshots").mkdir(parents=True)
    return folder


@pytest.fixture
def viewer(fresh_index: EmbeddedIndex, accounts: Accounts, evidence: Path) -> Iterator[TestClient]:
    app = create_app(ApiSettings(evidence_dir=evidence), fresh_index, accounts.database)
    with TestClient(app, headers=accounts.headers(Role.ANALYST)) as client:
        yield client


def _email(text: str, address: str) -> Entity:
    start = text.index(address)
    return Entity(
        field="text",
        start=start,
        end=start + len(address),
        kind=EntityKind.EMAIL,
        text=address,
        value=address,
        country=None,
        admin_area=None,
    )


def test_related_documents_share_phone_email_or_cluster(
    viewer: TestClient, fresh_index: EmbeddedIndex
) -> None:
    address = "reclutamiento@agencia.example"
    mail_text = f"Escribir a {address} para viajar."
    one_text = f"{DEFAULT_TEXT} O escribir a {address}."
    one = make_document(text=one_text, cluster_ids=["c1"])  # the factory's phone, and a mail
    one = one.model_copy(update={"entities": [*one.entities, _email(one_text, address)]})
    same_phone = make_document(risk_score=0.9)
    same_mail = make_document(text=mail_text, cluster_ids=["c1"])
    same_mail = same_mail.model_copy(update={"entities": [_email(mail_text, address)]})
    unrelated = make_document(text="Sin contacto alguno.", canonical_url="https://o.example/1")
    fresh_index.upsert([one, same_phone, same_mail, unrelated])

    body = viewer.get(f"/api/documents/{one.id}/related").json()
    phone_group = body["same_phone"][0]
    assert phone_group["value"] == "+593990000000"
    assert [hit["id"] for hit in phone_group["hits"]] == [same_phone.id]
    assert phone_group["total"] == 1
    assert [hit["id"] for hit in body["same_email"][0]["hits"]] == [same_mail.id]
    assert body["near_duplicate"] == [
        {"value": "c1", "total": 1, "hits": [body["same_email"][0]["hits"][0]]}
    ]
    page = viewer.get(f"/documents/{one.id}", headers=HTML).text
    assert "Same phone" in page and f'href="/documents/{same_phone.id}"' in page


def _capture(png: bytes, name: str | None = None) -> Capture:
    digest = hashlib.sha256(png).hexdigest()
    return Capture(
        sha256=digest, warc_file="x.warc.gz", screenshot=name or f"screenshots/{digest}.png"
    )


def test_screenshot_is_served_only_while_it_matches_its_digest(
    viewer: TestClient, fresh_index: EmbeddedIndex, evidence: Path
) -> None:
    capture = _capture(PNG)
    (evidence / capture.screenshot).write_bytes(PNG)
    document = make_document(capture=capture)
    fresh_index.upsert([document])
    body = viewer.get(f"/api/documents/{document.id}").json()
    assert body["capture"]["screenshot_url"] == f"/api/documents/{document.id}/screenshot"
    shot = viewer.get(body["capture"]["screenshot_url"])
    assert shot.status_code == 200 and shot.content == PNG
    assert shot.headers["content-type"] == "image/png"
    assert (
        f'<img src="/api/documents/{document.id}/screenshot"'
        in viewer.get(f"/documents/{document.id}", headers=HTML).text
    )
    (evidence / capture.screenshot).write_bytes(PNG + b"tampered")
    tampered = viewer.get(body["capture"]["screenshot_url"])
    assert tampered.status_code == 404
    assert tampered.json() == {"detail": f"no screenshot of document {document.id!r}"}


def test_a_crafted_screenshot_name_reaches_nothing(
    viewer: TestClient, fresh_index: EmbeddedIndex, evidence: Path
) -> None:
    secret = evidence.parent / "secret.png"
    secret.write_bytes(PNG)
    document = make_document(capture=_capture(PNG, name="../secret.png"))
    fresh_index.upsert([document])
    assert viewer.get(f"/api/documents/{document.id}/screenshot").status_code == 404


def test_risk_contributions_classifier_and_links_are_shown(
    viewer: TestClient, fresh_index: EmbeddedIndex
) -> None:
    risk = Risk(
        score=0.8,
        label=RiskLabel.HIGH,
        explanation=["pasaje pagado"],
        contributions=[
            RiskContribution(
                source="indicator", name="travel_paid", weight=0.5, detail="pasaje pagado"
            )
        ],
    )
    scores = ClassifierScores(model="risk-e5", probabilities={"trafficking_risk": 0.7})
    document = make_document(risk=risk, classifier=scores, network_ids=["n7"], cluster_ids=["c9"])
    fresh_index.upsert([document])
    body = viewer.get(f"/api/documents/{document.id}").json()
    assert body["risk"]["contributions"] == [
        {"source": "indicator", "name": "travel_paid", "weight": 0.5, "detail": "pasaje pagado"}
    ]
    assert body["classifier"] == {"model": "risk-e5", "probabilities": {"trafficking_risk": 0.7}}
    assert (body["network_ids"], body["cluster_ids"], body["flags"]) == (["n7"], ["c9"], [])
    page = viewer.get(f"/documents/{document.id}", headers=HTML).text
    assert "<td>travel_paid</td><td>0.50</td>" in page
