"""Delivering alerts: an outbox in the console database, and the e-mail and webhook senders.

    alert_deliveries   one row per (rule, document, channel) — UNIQUE, so the same rule never
                       alerts twice about the same document on the same channel, however often
                       a batch is evaluated again — with its payload, status, attempts, last
                       error and the time of the next attempt

A delivery is `pending` until a sender has been accepted by the other side (the SMTP server
took the message, the webhook receiver answered 2xx); only then is it `delivered`. A failure
leaves it `pending` with the error and a later `next_attempt_at` (the wait doubles each time,
up to a ceiling), and after the last allowed attempt it is `failed`: visible in the API and the
console, and retried on demand. That makes delivery at-least-once: a process that dies after
the receiver accepted but before the row is marked sends again, which is why webhooks carry
the delivery id for the receiver to de-duplicate on.

Sending claims a row first (`sending`, with a lease), so two processes delivering at once
never send the same row; a lease left by a crashed process runs out and the row is retried.
Console alerts are written `delivered` at once: the console's feed is the outbox itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel

from api.alerting.rules import SCHEMA as RULES_SCHEMA
from api.alerting.rules import AlertRuleStore, Channel
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.errors import RecordNotFound

SIGNATURE_HEADER = "X-Track4tip-Signature"
DELIVERY_HEADER = "X-Track4tip-Delivery"
# Longer than any single delivery may take (timeouts are capped at 300 s in the settings).
LEASE = timedelta(minutes=10)
CLAIM_BATCH = 50
MAX_ERROR_CHARS = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES alert_rules(id),
    doc_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    delivered_at TEXT,
    UNIQUE (rule_id, doc_id, channel)
);
CREATE INDEX IF NOT EXISTS alert_deliveries_due ON alert_deliveries(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS alert_deliveries_feed ON alert_deliveries(channel, id);
"""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(BaseModel):
    id: int
    rule_id: int
    doc_id: str
    channel: Channel
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    payload: dict[str, Any]


class DeliveryFailed(Exception):
    """A sender could not hand the alert over; the message says why (kept as last_error)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _delivery(row: sqlite3.Row) -> Delivery:
    waiting = row["status"] in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    return Delivery(
        id=row["id"],
        rule_id=row["rule_id"],
        doc_id=row["doc_id"],
        channel=row["channel"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"] if waiting else None,
        delivered_at=row["delivered_at"],
        payload=json.loads(row["payload"]),
    )


# --- the outbox -----------------------------------------------------------------------------


class Outbox:
    """The deliveries table: enqueue once, claim, settle, list."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database
        database.ensure_schema("alert_rules", RULES_SCHEMA)
        database.ensure_schema("alert_deliveries", SCHEMA)

    def enqueue(
        self, rule_id: int, doc_id: str, channels: Iterable[Channel], payload: dict[str, Any]
    ) -> int:
        """Queue the alert on each channel not yet used for this rule and document; returns
        how many were new."""
        now = _iso(datetime.now(UTC))
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        added = 0
        with self.database.connect() as connection:
            for channel in channels:
                console = channel is Channel.CONSOLE
                cursor = connection.execute(
                    "INSERT OR IGNORE INTO alert_deliveries (rule_id, doc_id, channel, payload, "
                    "status, attempts, created_at, next_attempt_at, delivered_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rule_id,
                        doc_id,
                        channel.value,
                        body,
                        DeliveryStatus.DELIVERED if console else DeliveryStatus.PENDING,
                        1 if console else 0,
                        now,
                        now,
                        now if console else None,
                    ),
                )
                added += cursor.rowcount
        return added

    def claim_due(self, now: datetime, limit: int = CLAIM_BATCH) -> list[Delivery]:
        """Take the deliveries due now (and those whose sender's lease ran out)."""
        stamp, lease = _iso(now), _iso(now + LEASE)
        due = (
            "(status = 'pending' AND next_attempt_at <= :now) "
            "OR (status = 'sending' AND lease_until < :now)"
        )
        claimed = []
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT id FROM alert_deliveries WHERE {due} ORDER BY id LIMIT :limit",
                {"now": stamp, "limit": limit},
            ).fetchall()
            for row in rows:
                cursor = connection.execute(
                    "UPDATE alert_deliveries SET status = 'sending', lease_until = :lease "
                    f"WHERE id = :id AND ({due})",
                    {"lease": lease, "id": row["id"], "now": stamp},
                )
                if cursor.rowcount:
                    claimed.append(row["id"])
            found = connection.execute(
                f"SELECT * FROM alert_deliveries WHERE id IN ({','.join('?' * len(claimed))})",
                claimed,
            ).fetchall()
        return [_delivery(row) for row in found]

    def settle_delivered(self, delivery_id: int, now: datetime) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, "
                "delivered_at = ?, last_error = NULL, lease_until = NULL WHERE id = ?",
                (_iso(now), delivery_id),
            )

    def settle_failed(self, delivery_id: int, error: str, retry_at: datetime | None) -> None:
        """One more failed attempt: retried at `retry_at`, or failed for good when None."""
        status = DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, "
                "last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), "
                "lease_until = NULL WHERE id = ?",
                (
                    status,
                    error[:MAX_ERROR_CHARS],
                    _iso(retry_at) if retry_at else None,
                    delivery_id,
                ),
            )

    def retry(self, delivery_ids: Iterable[int] | None, now: datetime) -> int:
        """Make failed (or waiting) deliveries due now; None: every failed one."""
        with self.database.connect() as connection:
            if delivery_ids is None:
                cursor = connection.execute(
                    "UPDATE alert_deliveries SET status = 'pending', next_attempt_at = ? "
                    "WHERE status = 'failed'",
                    (_iso(now),),
                )
                return cursor.rowcount
            changed = 0
            for delivery_id in delivery_ids:
                cursor = connection.execute(
                    "UPDATE alert_deliveries SET status = 'pending', next_attempt_at = ? "
                    "WHERE id = ? AND status IN ('failed', 'pending')",
                    (_iso(now), delivery_id),
                )
                changed += cursor.rowcount
            return changed

    def get(self, delivery_id: int) -> Delivery:
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT * FROM alert_deliveries WHERE id = ?", (delivery_id,)
            ).fetchone()
        if row is None:
            raise RecordNotFound(f"no delivery with id {delivery_id}")
        return _delivery(row)

    def list(
        self,
        rule_ids: Iterable[int] | None = None,
        status: DeliveryStatus | None = None,
        channel: Channel | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[Delivery]:
        """Newest first, or (with `after_id`) the ones after it, oldest first (the feed)."""
        clauses, values = ["id > ?"], [after_id]
        if rule_ids is not None:
            ids = list(rule_ids)
            clauses.append(f"rule_id IN ({','.join('?' * len(ids))})")
            values.extend(ids)
        if status is not None:
            clauses.append("status = ?")
            values.append(status.value)
        if channel is not None:
            clauses.append("channel = ?")
            values.append(channel.value)
        order = "ASC" if after_id else "DESC"
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT * FROM alert_deliveries WHERE {' AND '.join(clauses)} "
                f"ORDER BY id {order} LIMIT ?",
                [*values, limit],
            ).fetchall()
        return [_delivery(row) for row in rows]


# --- the senders ----------------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """The value of the X-Track4tip-Signature header: HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _subject(payload: dict[str, Any]) -> str:
    document = payload.get("document", {})
    risk = document.get("risk_score")
    score = f" ({risk:.2f})" if isinstance(risk, int | float) else ""
    return f"[track4tip] {payload.get('rule_name', 'alert')}: {document.get('title', '')}{score}"


def _email_text(payload: dict[str, Any]) -> str:
    document = payload.get("document", {})
    lines = [
        f"Rule: {payload.get('rule_name')}",
        f"Document: {document.get('title')}",
        f"Site: {document.get('site')} ({document.get('country') or '-'})",
        f"Risk: {document.get('risk_label')} {document.get('risk_score')}",
        f"Indicators: {', '.join(document.get('indicators', [])) or '-'}",
        f"Source URL: {document.get('url')}",
        f"In the console: {payload.get('console_url')}",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Senders:
    """How e-mail and webhook alerts leave; built from the settings."""

    settings: ApiSettings
    rules: AlertRuleStore

    def send(self, delivery: Delivery, recipients: list[str], url: str | None) -> None:
        """Send on the delivery's channel; the console channel is read, never sent.

        Channels are a closed enum (`Channel`) rather than a registry by name, unlike index and
        language backends or export formats: each sender needs its own fields of the rule
        (recipients; a URL and a signing secret), so a new channel means a new rule column,
        form and migration anyway, and a registry would hide nothing that this branch shows.
        """
        if delivery.channel is Channel.EMAIL:
            self.email(delivery, recipients)
        elif delivery.channel is Channel.WEBHOOK:
            self.webhook(delivery, url)

    def email(self, delivery: Delivery, recipients: list[str]) -> None:
        settings = self.settings
        if not settings.smtp_host:
            raise DeliveryFailed("no SMTP server configured (TRACK4TIP_API_SMTP_HOST)")
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = ", ".join(recipients)
        message["Subject"] = _subject(delivery.payload)
        message["X-Track4tip-Delivery"] = str(delivery.id)
        message.set_content(_email_text(delivery.payload))
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.delivery_timeout
            ) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username and settings.smtp_password:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(
                f"SMTP {settings.smtp_host}:{settings.smtp_port}: {error}"
            ) from None

    def webhook(self, delivery: Delivery, url: str | None) -> None:
        secret = self.rules.webhook_secret(delivery.rule_id) or (
            self.settings.webhook_secret.get_secret_value()
            if self.settings.webhook_secret
            else None
        )
        if url is None or secret is None:
            raise DeliveryFailed("the rule has no webhook URL or no secret to sign it with")
        body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, body),
            DELIVERY_HEADER: str(delivery.id),
        }
        try:
            response = httpx.post(
                url, content=body, headers=headers, timeout=self.settings.delivery_timeout
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"webhook {url}: {error!r}") from None
        if not response.is_success:
            raise DeliveryFailed(f"webhook {url} answered {response.status_code}")
