"""Alert delivery under attack (issue 13, item 4), with real parts: SMTP and HTTP servers on
loopback that trickle, fail, raise or hold a request, a real SQLite outbox and spool, and the
real indexing step. Each test reproduces a fault the audit found in the earlier design:

- a rule name with a line break made the e-mail Subject raise inside the indexing loop, so the
  batch never committed its cursor and every rerun crashed the same way;
- a receiver trickling one byte a second held a request far past its timeout (the timeout
  bounded each read, not the delivery);
- a delivery whose lease ran out mid-send was claimed and sent a second time.
"""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from api.alerting.delivery import SCHEMA as OUTBOX_SCHEMA
from api.alerting.delivery import DeliveryStatus, Outbox
from api.alerting.rules import SCHEMA as RULES_SCHEMA
from api.alerting.rules import Channel
from api.database import ConsoleDatabase
from crawlers.spool import SpoolReader, SpoolWriter
from index.document import Document
from index.embedded import EmbeddedIndex
from tests.api.alert_parts import (
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
from track4tip.pipeline import INDEXER, index_batch

INJECTED_NAME = "a\nBcc: x@evil"
# Trickling receivers send this one byte a second: far longer than the deadlines below.
TRICKLED_ANSWER = b"HTTP/1.1 204 No Content\r\nX-Slow: yes\r\n\r\n"
TRICKLED_GREETING = b"220 trickle.example ESMTP slowly\r\n"
DEADLINE = 2.0
MAIL_HEADERS = [
    "From",
    "To",
    "Subject",
    "X-Track4tip-Delivery",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
]
# How long a receiver holds a request at most: a bound against hanging, not a timing.
HOLD_SECONDS = 30.0


# --- receivers that misbehave ---------------------------------------------------------------


@dataclass
class Receiver:
    """What a webhook receiver saw: one entry per request that reached it."""

    url: str = ""
    received: list[dict] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    completed: threading.Event = field(default_factory=threading.Event)


def _receiver(answer: str) -> Iterator[Receiver]:
    """A webhook receiver that answers `answer`: 'ok', '500', 'raise', 'hold' (the first
    request waits for `release`, later ones are answered at once) or 'trickle'."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(json.loads(body))
            first = len(state.received) == 1
            state.arrived.set()
            if answer == "raise":
                raise RuntimeError("the receiver's handler crashed")
            if answer == "trickle":
                self._trickle()
                return
            if answer == "hold" and first:
                state.release.wait(HOLD_SECONDS)
            code = 500 if answer == "500" else 204
            # Noted before the answer goes out: the sender may read it, settle and let the
            # test look before this thread runs another line.
            state.answered.append(code)
            self.send_response(code)
            self.end_headers()

        def _trickle(self) -> None:
            for byte in TRICKLED_ANSWER:
                if state.release.wait(1.0):
                    return
                try:
                    self.wfile.write(bytes([byte]))
                except OSError:
                    return  # the sender hung up: what the deadline is for
            state.completed.set()

        def log_message(self, *args) -> None:
            pass

    with http_server(Handler) as url:
        state.url = url
        try:
            yield state
        finally:
            state.release.set()


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    yield from _receiver(request.param)


class _TricklingSmtp(socketserver.BaseRequestHandler):
    """An SMTP server that greets one byte a second (and never gets further)."""

    stop = threading.Event()
    completed = threading.Event()

    def handle(self) -> None:
        for byte in TRICKLED_GREETING:
            if self.stop.wait(1.0):
                return
            try:
                self.request.sendall(bytes([byte]))
            except OSError:
                return
        self.completed.set()


@pytest.fixture
def trickling_smtp() -> Iterator[tuple[int, type[_TricklingSmtp]]]:
    _TricklingSmtp.stop.clear()
    _TricklingSmtp.completed.clear()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TricklingSmtp)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _TricklingSmtp
    _TricklingSmtp.stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> UsersTemplate:
    return make_users_template(tmp_path_factory.mktemp("users"))


def _console(tmp_path: Path, index: EmbeddedIndex, users: UsersTemplate, **settings) -> Console:
    return console_app(tmp_path, index, users, delivery_timeout=DEADLINE, **settings)


def _ad(**overrides) -> Document:
    return make_document(**({"title": "Se buscan modelos", "risk_score": 0.9} | overrides))


def _spool(path: Path, *documents: Document) -> SpoolReader:
    writer = SpoolWriter(path)
    for document in documents:
        writer.append(document)
    writer.close()
    return SpoolReader(path, INDEXER)


def _set_rule_name(console: Console, rule_id: int, name: str) -> None:
    """Write a name past the API, as an old version, a migration or a hand edit could."""
    with console.database.connect() as connection:
        connection.execute("UPDATE alert_rules SET name = ? WHERE id = ?", (name, rule_id))


def _only_delivery(console: Console):
    deliveries = console.alerts.outbox.list()
    assert len(deliveries) == 1, deliveries
    return deliveries[0]


# --- control characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", [INJECTED_NAME, "a\r\nb", "tab\there", "nul\x00", "\x1b[31mred", "a\u2028b", "a\x85b"]
)
def test_the_api_refuses_control_characters_in_a_rule_name(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, name: str
):
    console = _console(tmp_path, fresh_index, users)
    with console.client() as client:
        response = client.post("/api/alerts/rules", json={"name": name, "channels": ["console"]})
        assert response.status_code == 422
        assert "control character" in response.text
        assert client.get("/api/alerts/rules").json() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"channels": ["email"], "email_to": ["a@b.org\r\nBcc: x@evil.org"]},
        {"channels": ["email"], "email_to": ["a\x00@b.org"]},
        {"channels": ["webhook"], "webhook_url": "http://a.org/x\r\nX-Evil: 1"},
    ],
)
def test_the_api_refuses_control_characters_in_addresses(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, overrides: dict
):
    console = _console(tmp_path, fresh_index, users)
    with console.client() as client:
        response = client.post("/api/alerts/rules", json={"name": "r", **overrides})
        assert response.status_code == 422
        assert "control character" in response.text


def test_a_stored_rule_name_with_a_line_break_fails_its_delivery_not_indexing(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, smtp
):
    mailbox, port = smtp
    mailbox.messages.clear()
    console = _console(tmp_path, fresh_index, users, smtp_host="127.0.0.1", smtp_port=port)
    with console.client() as client:
        rule = post_rule(client, search={}, channels=["email"], email_to=["guardia@example.org"])
    _set_rule_name(console, rule["id"], INJECTED_NAME)
    reader = _spool(tmp_path / "analysed.sqlite", _ad(), _ad(title="Modelos para eventos"))

    index_batch(reader, fresh_index, 1, on_indexed=console.alerts.evaluate)
    index_batch(reader, fresh_index, 1, on_indexed=console.alerts.evaluate)
    console.wait_for_dispatch()

    assert reader.pending() == 0  # both batches committed their cursor
    deliveries = console.alerts.outbox.list()
    assert [(d.status, d.attempts) for d in deliveries] == [(DeliveryStatus.FAILED, 1)] * 2
    assert all("control character" in (d.last_error or "") for d in deliveries)
    assert mailbox.messages == []  # nothing left with a Bcc of the rule's making


def test_a_crawled_title_with_a_line_break_is_sent_on_one_line(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, smtp
):
    """The title is someone else's text, and the alert about it must still go out: it is
    folded onto one line rather than refused."""
    mailbox, port = smtp
    mailbox.messages.clear()
    console = _console(tmp_path, fresh_index, users, smtp_host="127.0.0.1", smtp_port=port)
    with console.client() as client:
        post_rule(client, search={}, channels=["email"], email_to=["guardia@example.org"])
    console.index_batch(_ad(title="Se buscan modelos\r\nBcc: x@evil.org\x00"))

    assert _only_delivery(console).status is DeliveryStatus.DELIVERED
    (envelope,) = mailbox.messages
    assert envelope.rcpt_tos == ["guardia@example.org"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert sorted(message.keys()) == sorted(MAIL_HEADERS)
    # strip(): the e-mail package folds a long Subject onto its own line, then reads it back
    # with the fold's space.
    assert message["Subject"].strip() == (
        "[track4tip] Modelos al exterior: Se buscan modelos Bcc: x@evil.org (0.90)"
    )


# --- deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize("receiver", ["trickle"], indirect=True)
def test_a_trickling_webhook_is_cut_at_the_deadline(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, receiver: Receiver
):
    console = _console(tmp_path, fresh_index, users, alert_retry_seconds=60.0)
    with console.client() as client:
        post_rule(client, search={}, channels=["webhook"], webhook_url=receiver.url)
    before = datetime.now(UTC)
    console.index_batch(_ad())

    # Had the deadline not cut it, the whole answer would have been read (and a 204 accepted).
    assert not receiver.completed.is_set()
    delivery = _only_delivery(console)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "deadline" in (delivery.last_error or "")
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= before + timedelta(seconds=60)


def test_a_trickling_smtp_server_is_cut_at_the_deadline(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, trickling_smtp
):
    port, server = trickling_smtp
    console = _console(tmp_path, fresh_index, users, smtp_host="127.0.0.1", smtp_port=port)
    with console.client() as client:
        post_rule(client, search={}, channels=["email"], email_to=["guardia@example.org"])
    console.index_batch(_ad())

    assert not server.completed.is_set()
    delivery = _only_delivery(console)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "deadline" in (delivery.last_error or "")


# --- failures and retries -------------------------------------------------------------------


@pytest.mark.parametrize("receiver", ["500", "raise"], indirect=True)
def test_a_failing_webhook_is_recorded_and_retried_with_back_off(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, receiver: Receiver
):
    console = _console(tmp_path, fresh_index, users, alert_retry_seconds=60.0)
    dispatcher = console.alerts.dispatcher
    assert dispatcher is not None
    with console.client() as client:
        post_rule(client, search={}, channels=["webhook"], webhook_url=receiver.url)
    reader = _spool(tmp_path / "analysed.sqlite", _ad())
    first_try = datetime.now(UTC)
    index_batch(reader, fresh_index, 10, on_indexed=console.alerts.evaluate)
    console.wait_for_dispatch()
    assert reader.pending() == 0

    waiting = _only_delivery(console)
    assert (waiting.status, waiting.attempts) == (DeliveryStatus.PENDING, 1)
    # A reason class, not the connection details: the error is no port scanner.
    assert waiting.last_error in ("webhook: http 500", "webhook: connection lost")
    assert waiting.next_attempt_at and waiting.next_attempt_at >= first_try + timedelta(seconds=60)
    assert dispatcher.deliver_due().retrying == 0  # not due yet: nothing is sent
    assert len(receiver.received) == 1

    second_try = datetime.now(UTC)
    assert dispatcher.deliver_due(now=waiting.next_attempt_at).retrying == 1
    again = _only_delivery(console)
    assert again.attempts == 2 and len(receiver.received) == 2
    # The wait doubles after the second failure (waits run from the real clock).
    assert again.next_attempt_at and again.next_attempt_at >= second_try + timedelta(seconds=120)


# --- at most once across lease expiry -------------------------------------------------------


def _queue_webhook(console: Console, url: str) -> int:
    """One webhook delivery in the outbox, without waking the background dispatcher: the
    tests below drive the dispatchers themselves."""
    with console.client() as client:
        rule = post_rule(client, search={}, channels=["webhook"], webhook_url=url)
    document = _ad()
    payload = console.alerts.payload(console.alerts.rules.get(rule["id"]), document)
    assert console.alerts.outbox.enqueue(rule["id"], document.id, [Channel.WEBHOOK], payload)
    return rule["id"]


@pytest.mark.parametrize("receiver", ["hold"], indirect=True)
def test_a_lease_running_out_mid_send_does_not_send_twice(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, receiver: Receiver
):
    console = console_app(tmp_path, fresh_index, users, delivery_timeout=HOLD_SECONDS)
    dispatcher = console.alerts.dispatcher
    assert dispatcher is not None
    _queue_webhook(console, receiver.url)
    sending = threading.Thread(target=dispatcher.deliver_due)
    sending.start()
    assert receiver.arrived.wait(HOLD_SECONDS)

    # A second dispatcher (another process, or this one after a long pause) comes by when the
    # first one's lease has long run out, while the receiver still holds the first request.
    dispatcher.deliver_due(now=datetime.now(UTC) + timedelta(hours=1))
    receiver.release.set()
    sending.join(HOLD_SECONDS)

    assert len(receiver.received) == 1  # counted at the receiving server
    # The first sender's answer still settles the delivery: its claim was never taken over.
    assert _only_delivery(console).status is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("receiver", ["ok"], indirect=True)
def test_a_send_that_died_with_its_lease_is_left_for_a_human(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, receiver: Receiver
):
    console = _console(tmp_path, fresh_index, users)
    outbox, dispatcher = console.alerts.outbox, console.alerts.dispatcher
    assert dispatcher is not None
    _queue_webhook(console, receiver.url)
    # A sender claims the delivery and dies before it settles: whether the receiver got it is
    # not known.
    now = datetime.now(UTC)
    assert outbox.claim_next(now, now + timedelta(seconds=1)) is not None
    report = dispatcher.deliver_due(now=datetime.now(UTC) + timedelta(hours=1))

    assert report.unknown == 1 and report.delivered == 0
    unknown = _only_delivery(console)
    assert unknown.status is DeliveryStatus.UNKNOWN and "lease" in (unknown.last_error or "")
    assert dispatcher.deliver_due(now=datetime.now(UTC) + timedelta(days=1)).delivered == 0
    assert receiver.received == []
    with console.client() as client:
        # "Retry every failed one" leaves it alone; a retry that names it sends it.
        assert client.post("/api/alerts/deliveries/retry", json={}).json()["made_due"] == 0
        retried = client.post("/api/alerts/deliveries/retry", json={"ids": [unknown.id]}).json()
    assert retried["delivered"] == 1 and len(receiver.received) == 1


# --- the indexing loop ----------------------------------------------------------------------


@pytest.mark.parametrize("receiver", ["hold"], indirect=True)
def test_indexing_does_not_wait_for_a_receiver(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, receiver: Receiver
):
    console = console_app(tmp_path, fresh_index, users, delivery_timeout=HOLD_SECONDS)
    with console.client() as client:
        post_rule(client, search={}, channels=["webhook"], webhook_url=receiver.url)
    reader = _spool(tmp_path / "analysed.sqlite", _ad())
    index_batch(reader, fresh_index, 10, on_indexed=console.alerts.evaluate)

    # The batch is committed while the receiver still holds the alert's request.
    assert reader.pending() == 0 and not receiver.answered
    receiver.release.set()
    console.wait_for_dispatch()
    assert receiver.answered == [204]
    assert _only_delivery(console).status is DeliveryStatus.DELIVERED


def test_a_rule_whose_stored_search_no_longer_reads_is_skipped(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate
):
    console = _console(tmp_path, fresh_index, users)
    with console.client() as client:
        broken = post_rule(client, name="broken")
        working = post_rule(client, name="working", search={})
    with console.database.connect() as connection:
        connection.execute(
            "UPDATE alert_rules SET search = ? WHERE id = ?",
            (json.dumps({"q": '"open'}), broken["id"]),
        )
    reader = _spool(tmp_path / "analysed.sqlite", _ad())
    index_batch(reader, fresh_index, 10, on_indexed=console.alerts.evaluate)

    assert reader.pending() == 0
    assert [d.rule_id for d in console.alerts.outbox.list()] == [working["id"]]


@pytest.mark.parametrize("receiver", ["ok"], indirect=True)
def test_dispatchers_running_at_once_send_each_delivery_once(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate, receiver: Receiver
):
    console = _console(tmp_path, fresh_index, users)
    dispatcher = console.alerts.dispatcher
    assert dispatcher is not None
    with console.client() as client:
        made = post_rule(client, search={}, channels=["webhook"], webhook_url=receiver.url)
    rule = console.alerts.rules.get(made["id"])
    for document in [_ad(title=f"Modelos {number}") for number in range(12)]:
        console.alerts.outbox.enqueue(
            rule.id, document.id, [Channel.WEBHOOK], console.alerts.payload(rule, document)
        )
    dispatchers = [threading.Thread(target=dispatcher.deliver_due) for _ in range(4)]
    for thread in dispatchers:
        thread.start()
    for thread in dispatchers:
        thread.join(HOLD_SECONDS)

    sent = sorted(payload["document"]["title"] for payload in receiver.received)
    assert sent == sorted(f"Modelos {number}" for number in range(12))
    assert {d.status for d in console.alerts.outbox.list()} == {DeliveryStatus.DELIVERED}


def test_an_outbox_from_before_claims_gains_its_claim_column(tmp_path: Path):
    database = ConsoleDatabase(tmp_path / "console.sqlite3")
    with database.connect() as connection:
        connection.executescript(RULES_SCHEMA + OUTBOX_SCHEMA.replace("    claim TEXT,\n", ""))
        connection.execute(
            "INSERT INTO alert_rules (id, owner_id, owner, name, search, risk_threshold, "
            "channels, email_to, created_at, updated_at) "
            "VALUES (1, 1, 'o', 'r', '{}', 0.5, '[\"webhook\"]', '[]', 'now', 'now')"
        )
    outbox = Outbox(database)
    assert outbox.enqueue(1, "doc", [Channel.WEBHOOK], {"rule_name": "r"}) == 1
    now = datetime.now(UTC)
    claim = outbox.claim_next(now, now + timedelta(minutes=1))
    assert claim is not None and outbox.settle_delivered(claim, now)
    assert Outbox(database).get(claim.delivery.id).status is DeliveryStatus.DELIVERED
