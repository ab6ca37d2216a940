"""Real parts for the alert tests: an SMTP server (aiosmtpd) and HTTP servers on loopback, and
the console app over a copy of a users' database made once (scrypt makes users slow to create
on purpose). Shared by test_alerts.py and test_alert_faults.py."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.accounts.users import Role, UserStore
from api.alerting.engine import AlertEngine
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from index.document import Document
from index.embedded import EmbeddedIndex

SERVER_SECRET = "server-webhook-secret-0123456789"
PASSWORD = "correct horse battery"
# How long a test waits for the background dispatcher: a bound against hanging, not a timing.
DISPATCH_WAIT_SECONDS = 60.0

UsersTemplate = tuple[Path, dict[Any, str]]
# The receivers below listen on plain http on loopback, which webhooks refuse by default
# (api/alerting/webhook_policy.py): the tests allow exactly that, as the demo would.
LOOPBACK_WEBHOOKS: dict[str, Any] = {
    "webhook_allow_http": True,
    "webhook_allowed_networks": ["127.0.0.0/8"],
}


@dataclass
class Mailbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


class _QuietServer(ThreadingHTTPServer):
    # A handler that raises is one of the faults under test: its traceback is expected.
    def handle_error(self, request, client_address) -> None:
        pass


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on loopback; yields the URL of /hook."""
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def make_users_template(directory: Path) -> UsersTemplate:
    """Two investigators with keys, in a database that each test copies."""
    database = ConsoleDatabase(directory / "console.sqlite3")
    users = UserStore(database)
    keys: dict[Any, str] = {}
    for name in ("inv-a", "inv-b"):
        user = users.create(name, PASSWORD, Role.INVESTIGATOR)
        keys[name] = users.create_key(user.id, "tests")[1]
    keys[Role.INVESTIGATOR] = keys["inv-a"]
    return database.path, keys


@dataclass
class Console:
    app: FastAPI
    index: EmbeddedIndex
    keys: dict[Any, str]
    database: ConsoleDatabase

    @property
    def alerts(self) -> AlertEngine:
        return self.app.state.alerts

    def client(self, role: Role = Role.INVESTIGATOR) -> TestClient:
        return TestClient(self.app, headers={"Authorization": f"Bearer {self.keys[role]}"})

    def wait_for_dispatch(self) -> None:
        assert self.alerts.wait_for_dispatch(DISPATCH_WAIT_SECONDS), "dispatcher still busy"

    def index_batch(self, *documents: Document) -> int:
        """What the indexing stage does with a batch, then wait for the dispatcher it woke."""
        self.index.upsert(documents)
        new_alerts = self.alerts.evaluate(list(documents))
        self.wait_for_dispatch()
        return new_alerts


def console_app(
    tmp_path: Path, index: EmbeddedIndex, users: UsersTemplate, **settings: Any
) -> Console:
    """An app over a copy of the users' database, so each test starts without rules."""
    template, keys = users
    path = tmp_path / "console.sqlite3"
    with sqlite3.connect(template) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    database = ConsoleDatabase(path)
    defaults = {"webhook_secret": SERVER_SECRET, "alert_retry_seconds": 0.0} | LOOPBACK_WEBHOOKS
    app = create_app(ApiSettings(**(defaults | settings)), index, database)
    return Console(app=app, index=index, keys=keys, database=database)


def post_rule(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Modelos al exterior",
        "search": {"q": "modelos", "country": ["EC"]},
        "risk_threshold": 0.7,
        "channels": ["console"],
        **overrides,
    }
    response = client.post("/api/alerts/rules", json=body)
    assert response.status_code == 201, response.text
    return response.json()
