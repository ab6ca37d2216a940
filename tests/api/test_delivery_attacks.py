"""Alert delivery under attack (issue 13, item 5), with real receivers on loopback: an HTTP
server standing in for an internal service (an Elasticsearch node with security off), an
HTTPS server with a certificate from a CA made in the test, and a STARTTLS SMTP server
(aiosmtpd) with its own certificate. Each test makes the attack first:

- a rule pointed its webhook at loopback, link-local or private hosts, and the delivery's
  `last_error` told open ports from closed ones (a port scanner);
- a host name checked once could resolve elsewhere when the request was sent (DNS rebinding);
- STARTTLS took any certificate, so anyone on the path could read the alerts.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller

from api.alerting.delivery import Delivery, DeliveryStatus
from api.alerting.webhook_policy import IPAddress, WebhookPolicy, WebhookRefused
from index.embedded import EmbeddedIndex
from tests.api.alert_parts import (
    Console,
    Mailbox,
    UsersTemplate,
    console_app,
    free_port,
    make_users_template,
    post_rule,
)
from tests.api.tls_parts import ServerCertificate, make_server_certificate
from tests.factories import make_document

STRICT = {"webhook_allow_http": False, "webhook_allowed_networks": []}
HOOK_HOST = "hook.partner.example"


class _Internal(BaseHTTPRequestHandler):
    """An internal service that answers anyone: what a webhook must never reach."""

    hits: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def internal_service() -> Iterator[int]:
    _Internal.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> UsersTemplate:
    return make_users_template(tmp_path_factory.mktemp("users"))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> ServerCertificate:
    return make_server_certificate(tmp_path_factory.mktemp("tls"), [HOOK_HOST, "127.0.0.1"])


def _ad():
    return make_document(title="Se buscan modelos", risk_score=0.9)


def _only_delivery(console: Console) -> Delivery:
    deliveries = console.alerts.outbox.list()
    assert len(deliveries) == 1, deliveries
    return deliveries[0]


def _webhook_rule_past_the_api(console: Console, url: str) -> None:
    """A rule whose URL was never checked: written by hand, or under looser settings."""
    with console.client() as client:
        rule = post_rule(client, search={}, channels=["console"])
    with console.database.connect() as connection:
        connection.execute(
            "UPDATE alert_rules SET channels = ?, webhook_url = ? WHERE id = ?",
            (json.dumps(["webhook"]), url, rule["id"]),
        )


# --- webhooks: where they may go ------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "url", "reason"),
    [
        (STRICT, "http://127.0.0.1:{port}/_search", "https"),
        ({"webhook_allowed_networks": []}, "http://127.0.0.1:{port}/_search", "private address"),
        ({"webhook_allowed_networks": []}, "http://localhost:{port}/", "private address"),
        ({"webhook_allowed_networks": []}, "http://[::ffff:127.0.0.1]:{port}/", "private"),
        ({"webhook_allowed_networks": []}, "http://169.254.169.254/latest/meta-data/", "private"),
        ({"webhook_allowed_networks": []}, "http://10.0.0.7:9200/", "private address"),
        ({"webhook_allowed_networks": []}, "http://0.0.0.0:{port}/", "private address"),
    ],
)
def test_a_rule_cannot_aim_its_webhook_at_internal_hosts(
    tmp_path: Path,
    fresh_index: EmbeddedIndex,
    users: UsersTemplate,
    internal_service: int,
    settings: dict[str, Any],
    url: str,
    reason: str,
) -> None:
    console = console_app(tmp_path, fresh_index, users, **settings)
    body = {
        "name": "probe",
        "channels": ["webhook"],
        "webhook_url": url.format(port=internal_service),
    }
    with console.client() as client:
        response = client.post("/api/alerts/rules", json=body)
    assert response.status_code == 422, response.text
    assert reason in response.text and "TRACK4TIP_API_WEBHOOK_ALLOWED_NETWORKS" in response.text
    assert _Internal.hits == []


def test_a_webhook_written_past_the_api_is_refused_when_sent(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, internal_service: int
) -> None:
    console = console_app(tmp_path, fresh_index, users, webhook_allowed_networks=[])
    _webhook_rule_past_the_api(console, f"http://127.0.0.1:{internal_service}/_search")
    console.index_batch(_ad())

    delivery = _only_delivery(console)
    assert _Internal.hits == []
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error == "webhook: refused: private address"


def test_last_error_names_no_address_or_port(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate
) -> None:
    # An allowed network with nothing listening: the error must not say where it looked.
    console = console_app(tmp_path, fresh_index, users, alert_retry_seconds=60.0)
    closed = free_port()
    with console.client() as client:
        post_rule(
            client, search={}, channels=["webhook"], webhook_url=f"http://127.0.0.1:{closed}/"
        )
    console.index_batch(_ad())

    error = _only_delivery(console).last_error or ""
    assert error == "webhook: connection failed"
    assert str(closed) not in error and "127.0.0.1" not in error


def test_an_address_among_the_answers_that_is_private_refuses_the_host() -> None:
    answers = [ipaddress.ip_address(a) for a in ("93.184.215.14", "127.0.0.1")]
    policy = WebhookPolicy(resolve=lambda host, port: answers)
    with pytest.raises(WebhookRefused, match="private address"):
        policy.check(f"https://{HOOK_HOST}/hook")


# --- webhooks: the checked address is the one connected to, with TLS checked ---------------


class _Rebinding:
    """DNS that answers the allowed address once, then an internal one (DNS rebinding)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls += 1
        return [ipaddress.ip_address("127.0.0.1" if self.calls == 1 else "10.9.8.7")]


@pytest.fixture
def https_receiver(certificate: ServerCertificate) -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    server_names: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"host": self.headers["Host"], "sni": server_names[-1] or ""})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    context = certificate.server_context()
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)  # type: ignore[assignment]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def _resolving(console: Console, resolve: _Rebinding) -> None:
    """The console's webhook policy, with `resolve` as its DNS (HOOK_HOST is no real name)."""
    policy = WebhookPolicy.from_settings(False, ["127.0.0.0/8"], resolve=resolve)
    console.alerts.rules.webhook_policy = policy
    assert console.alerts.dispatcher is not None
    console.alerts.dispatcher.senders.webhook_policy = policy


def test_the_request_goes_to_the_checked_address_with_the_name_verified(
    tmp_path: Path,
    fresh_index: EmbeddedIndex,
    users: UsersTemplate,
    certificate: ServerCertificate,
    https_receiver: tuple[int, list[dict[str, str]]],
) -> None:
    port, seen = https_receiver
    console = console_app(tmp_path, fresh_index, users, webhook_ca_file=certificate.ca_file)
    _webhook_rule_past_the_api(console, f"https://{HOOK_HOST}:{port}/hook")
    dns = _Rebinding()
    _resolving(console, dns)
    console.index_batch(_ad())

    # One answer at send time, and the connection went to it: the rebound answer never mattered.
    assert _only_delivery(console).status is DeliveryStatus.DELIVERED
    assert dns.calls == 1
    assert seen == [{"host": f"{HOOK_HOST}:{port}", "sni": HOOK_HOST}]


def test_a_webhook_certificate_from_an_unknown_ca_is_refused(
    tmp_path: Path,
    fresh_index: EmbeddedIndex,
    users: UsersTemplate,
    https_receiver: tuple[int, list[dict[str, str]]],
) -> None:
    port, seen = https_receiver
    console = console_app(tmp_path, fresh_index, users, alert_retry_seconds=60.0)
    _webhook_rule_past_the_api(console, f"https://{HOOK_HOST}:{port}/hook")
    _resolving(console, _Rebinding())
    console.index_batch(_ad())

    assert seen == []
    assert _only_delivery(console).last_error == "webhook: tls"


# --- SMTP: STARTTLS checks the certificate --------------------------------------------------


@pytest.fixture
def starttls_smtp(certificate: ServerCertificate) -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=certificate.server_context(),
        require_starttls=True,
    )
    controller.start()
    yield mailbox, port
    controller.stop()


def _smtp_console(
    tmp_path: Path, index: EmbeddedIndex, users: UsersTemplate, port: int, **settings: Any
) -> Console:
    return console_app(
        tmp_path,
        index,
        users,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=True,
        alert_retry_seconds=60.0,
        **settings,
    )


def test_starttls_refuses_a_certificate_it_cannot_verify(
    tmp_path: Path,
    fresh_index: EmbeddedIndex,
    users: UsersTemplate,
    starttls_smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = starttls_smtp
    console = _smtp_console(tmp_path, fresh_index, users, port)
    with console.client() as client:
        post_rule(client, search={}, channels=["email"], email_to=["guardia@example.org"])
    console.index_batch(_ad())

    assert mailbox.messages == []
    delivery = _only_delivery(console)
    assert delivery.status is DeliveryStatus.PENDING
    assert "tls" in (delivery.last_error or "") and "CERTIFICATE_VERIFY_FAILED" in (
        delivery.last_error or ""
    )


def test_starttls_delivers_with_the_private_ca(
    tmp_path: Path,
    fresh_index: EmbeddedIndex,
    users: UsersTemplate,
    certificate: ServerCertificate,
    starttls_smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = starttls_smtp
    console = _smtp_console(tmp_path, fresh_index, users, port, smtp_ca_file=certificate.ca_file)
    with console.client() as client:
        post_rule(client, search={}, channels=["email"], email_to=["guardia@example.org"])
    console.index_batch(_ad())

    assert _only_delivery(console).status is DeliveryStatus.DELIVERED
    assert len(mailbox.messages) == 1


def test_the_tls_context_checks_host_names() -> None:
    from api.alerting.senders import tls_context

    context = tls_context(None)
    assert context.check_hostname and context.verify_mode is ssl.CERT_REQUIRED
