"""Risk alerts end to end, with real parts: rules made through the API, batches written to a
real embedded index and evaluated, e-mails received by a real SMTP server (aiosmtpd), webhooks
by a real HTTP server checking the HMAC signature, and the console's server-sent events read
from a real uvicorn on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from api.alerting.senders import SIGNATURE_HEADER
from api.config import ApiSettings
from api.main import create_app
from index.embedded import EmbeddedIndex
from tests.api.alert_parts import (
    SERVER_SECRET,
    Console,
    Mailbox,
    UsersTemplate,
    console_app,
    http_server,
    make_users_template,
    post_rule,
    smtp_server,
)
from tests.factories import make_document
from tests.live_server import live_server

RULE_SECRET = "rule-webhook-secret-abcdefghij"


# --- real receivers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smtp_receiver() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def smtp(smtp_receiver: tuple[Mailbox, int]) -> tuple[Mailbox, int]:
    smtp_receiver[0].messages.clear()
    return smtp_receiver


@dataclass
class Receiver:
    """A webhook receiver on loopback: answers 500 to the first `failures` posts."""

    url: str = ""
    failures: int = 0
    received: list[tuple[dict, bytes]] = field(default_factory=list)
    accepted: list[dict] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            failing = len(state.received) <= state.failures
            if not failing:
                state.accepted.append(json.loads(body))
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    with http_server(Handler) as url:
        state.url = url
        yield state


# --- the app --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def users_database(tmp_path_factory: pytest.TempPathFactory) -> UsersTemplate:
    return make_users_template(tmp_path_factory.mktemp("users"))


@pytest.fixture
def console(tmp_path: Path, fresh_index: EmbeddedIndex, smtp, users_database) -> Console:
    _, port = smtp
    return console_app(tmp_path, fresh_index, users_database, smtp_host="127.0.0.1", smtp_port=port)


def _ads() -> list:
    """Two ads the rule finds, one below its threshold, one in another country."""
    return [
        make_document(title="Se buscan modelos", country="EC", risk_score=0.9),
        make_document(title="Modelos para eventos", country="EC", risk_score=0.75),
        make_document(title="Modelos de catálogo", country="EC", risk_score=0.3),
        make_document(title="Modelos en Lima", country="PE", risk_score=0.95),
    ]


# --- tests ----------------------------------------------------------------------------------


def test_email_alerts_reach_a_real_smtp_server(console: Console, smtp):
    mailbox, _ = smtp
    with console.client() as client:
        post_rule(client, channels=["email"], email_to=["guardia@example.org"])
        ads = _ads()
        assert console.index_batch(*ads) == 2
        deliveries = client.get("/api/alerts/deliveries").json()
    assert len(mailbox.messages) == 2
    assert mailbox.messages[0].rcpt_tos == ["guardia@example.org"]
    text = b"".join(message.content for message in mailbox.messages).decode()
    assert "Se buscan modelos" in text and "Modelos para eventos" in text
    assert f"/documents/{ads[0].id}" in text
    assert {(d["status"], d["attempts"]) for d in deliveries} == {("delivered", 1)}


def test_the_same_batch_evaluated_twice_alerts_once(console: Console, smtp, receiver):
    mailbox, _ = smtp
    with console.client() as client:
        post_rule(
            client,
            channels=["email", "webhook", "console"],
            email_to=["guardia@example.org"],
            webhook_url=receiver.url,
        )
        ads = _ads()
        assert console.index_batch(*ads) == 2
        assert console.index_batch(*ads) == 0
        assert console.alerts.evaluate(ads) == 0
        console.wait_for_dispatch()
        deliveries = client.get("/api/alerts/deliveries").json()
    assert len(mailbox.messages) == 2 and len(receiver.accepted) == 2
    assert len(deliveries) == 6


def test_webhooks_are_signed_with_hmac(console: Console, receiver):
    with console.client() as client:
        rule = post_rule(client, channels=["webhook"], webhook_url=receiver.url)
        secret_rule = post_rule(
            client,
            name="own secret",
            channels=["webhook"],
            webhook_url=receiver.url,
            webhook_secret=RULE_SECRET,
        )
    assert rule["has_webhook_secret"] is False and "webhook_secret" not in secret_rule
    console.index_batch(_ads()[0])
    assert len(receiver.received) == 2
    for headers, body in receiver.received:
        payload = json.loads(body)
        secret = RULE_SECRET if payload["rule_id"] == secret_rule["id"] else SERVER_SECRET
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
        assert payload["document"]["risk_label"] == "high"


def test_failed_deliveries_are_retried_and_delivered_once(console: Console, receiver):
    receiver.failures = 2
    dispatcher = console.app.state.alerts.dispatcher
    with console.client() as client:
        post_rule(client, channels=["webhook"], webhook_url=receiver.url)
        console.index_batch(_ads()[0])
        waiting = client.get("/api/alerts/deliveries").json()[0]
        assert waiting["status"] == "pending" and waiting["attempts"] == 1
        assert waiting["last_error"] == "webhook: http 500"
        assert dispatcher.deliver_due().retrying == 1
        assert dispatcher.deliver_due().delivered == 1
        assert dispatcher.deliver_due().delivered == 0
        done = client.get("/api/alerts/deliveries", params={"status": "delivered"}).json()
    assert len(receiver.received) == 3 and len(receiver.accepted) == 1
    assert done[0]["attempts"] == 3 and done[0]["last_error"] is None
    # The receiver can tell retries of one alert apart from new alerts.
    assert {headers["X-Track4tip-Delivery"] for headers, _ in receiver.received} == {
        str(done[0]["id"])
    }


def test_deliveries_fail_visibly_and_are_retried_on_demand(
    tmp_path: Path, fresh_index: EmbeddedIndex, receiver, users_database
):
    console = console_app(tmp_path, fresh_index, users_database, alert_max_attempts=2)
    receiver.failures = 2
    with console.client() as client:
        post_rule(
            client, channels=["webhook", "email"], webhook_url=receiver.url, email_to=["a@b.org"]
        )
        console.index_batch(_ads()[0])
        console.app.state.alerts.dispatcher.deliver_due()
        failed = client.get("/api/alerts/deliveries", params={"status": "failed"}).json()
        assert {d["channel"] for d in failed} == {"webhook", "email"}
        errors = {d["channel"]: d["last_error"] for d in failed}
        assert "TRACK4TIP_API_SMTP_HOST" in errors["email"] and "500" in errors["webhook"]
        retried = client.post("/api/alerts/deliveries/retry", json={}).json()
    assert retried["made_due"] == 2 and retried["delivered"] == 1
    assert len(receiver.accepted) == 1


def test_console_alerts_stream_as_server_sent_events(console: Console):
    with console.client() as client:
        rule = post_rule(client)
    headers = {"Authorization": f"Bearer {console.keys[Role.INVESTIGATOR]}"}
    with (
        live_server(console.app) as base_url,
        httpx.Client(base_url=base_url, headers=headers, timeout=10) as http,
        http.stream("GET", "/api/alerts/stream") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        ads = _ads()
        console.index_batch(*ads)
        events = []
        for line in lines:
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
            if len(events) == 2:
                break
    assert {event["document"]["id"] for event in events} == {ads[0].id, ads[1].id}
    assert all(event["rule_id"] == rule["id"] for event in events)


def test_stream_resumes_after_the_last_event_id(console: Console):
    with console.client() as client:
        post_rule(client)
        console.index_batch(*_ads())
        first, second = sorted(d["id"] for d in client.get("/api/alerts/deliveries").json())
    headers = {
        "Authorization": f"Bearer {console.keys[Role.INVESTIGATOR]}",
        "Last-Event-ID": str(first),
    }
    with (
        live_server(console.app) as base_url,
        httpx.Client(base_url=base_url, headers=headers, timeout=10) as http,
        http.stream("GET", "/api/alerts/stream") as stream,
    ):
        data = next(line for line in stream.iter_lines() if line.startswith("data: "))
    assert json.loads(data.removeprefix("data: "))["delivery_id"] == second


def test_rules_are_private_to_their_owner(console: Console):
    with console.client() as owner:
        rule = post_rule(owner)
    other = TestClient(console.app, headers={"Authorization": f"Bearer {console.keys['inv-b']}"})
    with other:
        assert other.get(f"/api/alerts/rules/{rule['id']}").status_code == 404
        assert other.get("/api/alerts/rules").json() == []
        changed = other.patch(f"/api/alerts/rules/{rule['id']}", json={"enabled": False})
        assert changed.status_code == 404
    console.index_batch(*_ads())
    with other:
        assert other.get("/api/alerts/deliveries").json() == []


def test_a_disabled_rule_does_not_alert(console: Console):
    with console.client() as client:
        rule = post_rule(client)
        assert (
            client.patch(f"/api/alerts/rules/{rule['id']}", json={"enabled": False}).json()[
                "enabled"
            ]
            is False
        )
        assert console.index_batch(*_ads()) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"channels": ["email"]}, "needs at least one address"),
        ({"channels": ["webhook"]}, "needs webhook_url"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"risk_threshold": 2}, "risk_threshold"),
        ({"search": {"q": '"unbalanced'}}, "quote"),
        ({"search": {"country": ["Ecuador"]}}, "alpha-2"),
        ({"email_to": ["not-an-address"], "channels": ["email"]}, "not e-mail addresses"),
        ({"webhook_url": "ftp://x", "channels": ["webhook"]}, "webhook_url"),
        ({"webhook_secret": "short", "channels": ["console"]}, "at least 16"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_broken_rules_are_refused(console: Console, overrides, message):
    body = {"name": "r", "channels": ["console"], **overrides}
    with console.client() as client:
        response = client.post("/api/alerts/rules", json=body)
        assert response.status_code == 422
        assert message in response.text
        assert client.get("/api/alerts/rules").json() == []


def test_unknown_ids_and_wrong_roles(console: Console, accounts, fresh_index):
    with console.client() as client:
        assert client.get("/api/alerts/rules/424242").status_code == 404
        put = client.put("/api/alerts/rules/424242", json={"name": "x", "channels": ["console"]})
        assert put.status_code == 404
        assert client.get("/api/alerts/deliveries", params={"rule_id": 424242}).status_code == 404
    app = create_app(ApiSettings(), fresh_index, accounts.database)
    for role in (Role.ANALYST, Role.RESEARCHER):
        with TestClient(app, headers=accounts.headers(role)) as client:
            assert client.get("/api/alerts/rules").status_code == 403
            assert client.get("/api/alerts/stream").status_code == 403
