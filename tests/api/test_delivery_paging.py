"""Retrying deliveries in a large outbox (issue 13, item 7h): the retry once loaded every failed
delivery of the caller's rules (payload and all, up to 100,000 rows) to pick ids, and then sent
everything due inside the request. The test fills a real outbox past a page and watches every
statement SQLite runs (its trace callback) while the API retries."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.alerting.delivery import RETRY_PAGE, SEND_IN_REQUEST, DeliveryStatus
from index.embedded import EmbeddedIndex
from tests.api.alert_parts import (
    Console,
    UsersTemplate,
    console_app,
    make_users_template,
    post_rule,
)

FAILED_ROWS = RETRY_PAGE + 200


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> UsersTemplate:
    return make_users_template(tmp_path_factory.mktemp("users"))


def _fill_failed(console: Console, rule_id: int, count: int) -> None:
    """`count` failed e-mail deliveries, written at once (the API would take minutes)."""
    now = datetime.now(UTC).isoformat()
    payload = json.dumps({"rule_name": "r", "document": {"title": "x" * 2000}})
    rows = [
        (rule_id, f"doc-{n}", "email", payload, "failed", 1, "old error", now, now)
        for n in range(count)
    ]
    with console.database.connect() as connection:
        connection.executemany(
            "INSERT INTO alert_deliveries (rule_id, doc_id, channel, payload, status, attempts,"
            " last_error, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _reads_more_than_a_page(statement: str) -> bool:
    """A read of the outbox not bounded by a page (the trace shows the bound values)."""
    if "SELECT" not in statement or "alert_deliveries" not in statement:
        return False
    if "WHERE id = " in statement:
        return False
    limits = [int(n) for n in re.findall(r"LIMIT (\d+)", statement)]
    return not limits or max(limits) > RETRY_PAGE


def test_a_retry_touches_one_page_and_loads_no_table(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate
) -> None:
    # No SMTP server: each send fails at once, with no network, and (one attempt) for good.
    console = console_app(tmp_path, fresh_index, users, alert_max_attempts=1)
    with console.client() as client:
        rule = post_rule(client, search={}, channels=["email"], email_to=["a@b.org"])
    _fill_failed(console, rule["id"], FAILED_ROWS)

    statements: list[str] = []
    console.database.trace = statements.append
    with console.client() as client:
        answer = client.post("/api/alerts/deliveries/retry", json={}).json()
    console.database.trace = None
    console.wait_for_dispatch()

    assert answer["made_due"] == RETRY_PAGE
    assert answer["failed"] == SEND_IN_REQUEST
    assert [s for s in statements if _reads_more_than_a_page(s)] == []
    left = console.alerts.outbox.list(status=DeliveryStatus.FAILED, limit=FAILED_ROWS)
    assert len(left) == FAILED_ROWS  # all failed again: the page was sent, nothing twice
    assert sum(d.attempts == 2 for d in left) == RETRY_PAGE


def test_a_retry_by_id_reaches_only_the_callers_deliveries(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate
) -> None:
    console = console_app(tmp_path, fresh_index, users, alert_max_attempts=1)
    with console.client() as client:
        rule = post_rule(client, search={}, channels=["email"], email_to=["a@b.org"])
    _fill_failed(console, rule["id"], 3)
    theirs = [d.id for d in console.alerts.outbox.list()]

    with console.client("inv-b") as other:
        answer = other.post("/api/alerts/deliveries/retry", json={"ids": theirs}).json()
    assert answer["made_due"] == 0
    assert all(d.attempts == 1 for d in console.alerts.outbox.list())


def test_the_consoles_retry_button_touches_one_page_too(
    tmp_path: Path, fresh_index: EmbeddedIndex, users: UsersTemplate
) -> None:
    console = console_app(tmp_path, fresh_index, users, alert_max_attempts=1)
    with console.client() as client:
        rule = post_rule(client, search={}, channels=["email"], email_to=["a@b.org"])
    _fill_failed(console, rule["id"], FAILED_ROWS)

    statements: list[str] = []
    console.database.trace = statements.append
    with console.client() as client:
        response = client.post("/alerts/retry", follow_redirects=False)
    console.database.trace = None
    console.wait_for_dispatch()

    assert response.status_code == 303
    assert [s for s in statements if _reads_more_than_a_page(s)] == []
    left = console.alerts.outbox.list(status=DeliveryStatus.FAILED, limit=FAILED_ROWS)
    assert sum(d.attempts == 2 for d in left) == RETRY_PAGE
