"""The alert outbox: one row per delivery in the console database, claimed before it is sent.

    alert_deliveries   one row per (rule, document, channel) — UNIQUE, so the same rule never
                       alerts twice about the same document on the same channel, however often
                       a batch is evaluated again — with its payload, status, attempts, last
                       error, the time of the next attempt, and the claim of the sender at it

    pending ──claim──▶ sending ──accepted──▶ delivered
       ▲                  │ ──failed──▶ pending (later, with the error) or failed (last try)
       │                  │ ──lease ran out──▶ unknown
       └──── retry (by a person: the API or the console) ◀── failed, unknown

A delivery is `delivered` once the other side has accepted it (the SMTP server took the
message, the webhook receiver answered 2xx). A failure leaves it `pending` with the error and
a later `next_attempt_at` (the wait doubles each time, up to a ceiling), and after the last
allowed attempt it is `failed`: visible in the API and the console, and retried on demand.

At most once, even across a lost sender. A sender claims one row at a time, atomically (one
UPDATE takes a due `pending` row, so two dispatchers never hold the same one), with a random
claim token and a lease longer than the delivery deadline, and counts the attempt then. Only
the holder of the claim settles the row. A lease that runs out while the row is `sending`
means its sender died or stalled mid-send: the receiver may or may not have the alert, so the
row becomes `unknown` — never sent again on its own — for a person to check with the receiver
and retry by id if it did not arrive ("retry every failed one" leaves those alone). A sender
that was only slow still settles its claim with what it learnt. Why not re-check the claim and
send again? Nothing can re-check what the receiver got: a second send would make delivery
at-least-once, and an alert sent twice to a partner is worse than one a person looks at.

Within one attempt delivery is not exactly-once either: a receiver that accepted and then lost
the connection before answering is retried, which is why webhooks carry the delivery id
(`X-Track4tip-Delivery`) for the receiver to de-duplicate on.

Console alerts are written `delivered` at once: the console's feed is the outbox itself.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from api.alerting.rules import SCHEMA as RULES_SCHEMA
from api.alerting.rules import Channel
from api.database import ConsoleDatabase
from api.errors import RecordNotFound

MAX_ERROR_CHARS = 500
# Deliveries one retry makes due at most (the API's list of ids is as long): a retry is then
# one bounded statement however large the outbox has grown.
RETRY_PAGE = 1000
# Deliveries a retry request (API or console) sends itself, so that its answer says how they
# went; the rest of what it made due goes out in the background rather than holding it.
SEND_IN_REQUEST = 20
LEASE_EXPIRED = (
    "the sender's lease ran out mid-send: the receiver may or may not have it; "
    "check with the receiver, and retry this delivery by id if it did not arrive"
)

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
    claim TEXT,
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
    # The lease ran out mid-send: a person decides whether to send it again.
    UNKNOWN = "unknown"


# What a retry that names deliveries may make due again.
RETRYABLE_BY_NAME = (DeliveryStatus.FAILED, DeliveryStatus.PENDING, DeliveryStatus.UNKNOWN)


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


@dataclass(frozen=True)
class Claim:
    """A delivery taken for sending, and the token that alone may settle it."""

    delivery: Delivery
    token: str


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


def _among(column: str, values: Iterable[object] | None) -> tuple[str, list[object]]:
    """An ` AND column IN (...)` clause and its values; no clause for None."""
    if values is None:
        return "", []
    chosen = list(values)
    return f" AND {column} IN ({','.join('?' * len(chosen))})", chosen


# --- the outbox -----------------------------------------------------------------------------


class Outbox:
    """The deliveries table: enqueue once, claim, settle, list."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database
        database.ensure_schema("alert_rules", RULES_SCHEMA)
        database.ensure_schema("alert_deliveries", SCHEMA)
        # An outbox made before claims had tokens gains its `claim` column.
        database.add_column("alert_deliveries", "claim", "TEXT")

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

    def has_due(self, now: datetime) -> bool:
        """Whether a dispatcher would find anything to do at `now`."""
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT 1 FROM alert_deliveries WHERE (status = 'pending' AND "
                "next_attempt_at <= :now) OR (status = 'sending' AND lease_until < :now) LIMIT 1",
                {"now": _iso(now)},
            ).fetchone()
        return row is not None

    def claim_next(self, due_at: datetime, lease_until: datetime) -> Claim | None:
        """Take the oldest delivery due at `due_at` for sending, until `lease_until`.

        One statement finds and takes the row, so SQLite's write lock makes the claim atomic
        between threads and processes; the attempt is counted here, before anything is sent,
        so a sender that dies mid-send still leaves its attempt on the record."""
        token = secrets.token_hex(16)
        with self.database.connect() as connection:
            row = connection.execute(
                "UPDATE alert_deliveries SET status = 'sending', claim = :claim, "
                "lease_until = :lease, attempts = attempts + 1 "
                "WHERE id = (SELECT id FROM alert_deliveries WHERE status = 'pending' "
                "AND next_attempt_at <= :now ORDER BY id LIMIT 1) RETURNING *",
                {"claim": token, "lease": _iso(lease_until), "now": _iso(due_at)},
            ).fetchone()
        return Claim(_delivery(row), token) if row is not None else None

    def expire_leases(self, now: datetime) -> int:
        """Mark deliveries whose sender's lease ran out mid-send `unknown`; returns how many.

        The claim token stays, so a sender that was slow rather than dead can still settle."""
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE alert_deliveries SET status = 'unknown', last_error = ? "
                "WHERE status = 'sending' AND lease_until < ?",
                (LEASE_EXPIRED, _iso(now)),
            )
            return cursor.rowcount

    def settle_delivered(self, claim: Claim, now: datetime) -> bool:
        """The receiver accepted it; False when the claim is no longer this sender's."""
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE alert_deliveries SET status = 'delivered', delivered_at = ?, "
                "last_error = NULL, lease_until = NULL, claim = NULL WHERE id = ? AND claim = ?",
                (_iso(now), claim.delivery.id, claim.token),
            )
            return cursor.rowcount == 1

    def settle_failed(self, claim: Claim, error: str, retry_at: datetime | None) -> bool:
        """The attempt failed: retried at `retry_at`, or failed for good when None; False
        when the claim is no longer this sender's."""
        status = DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE alert_deliveries SET status = ?, last_error = ?, "
                "next_attempt_at = COALESCE(?, next_attempt_at), lease_until = NULL, "
                "claim = NULL WHERE id = ? AND claim = ?",
                (
                    status,
                    error[:MAX_ERROR_CHARS],
                    _iso(retry_at) if retry_at else None,
                    claim.delivery.id,
                    claim.token,
                ),
            )
            return cursor.rowcount == 1

    def retry(
        self,
        delivery_ids: Iterable[int] | None,
        now: datetime,
        rule_ids: Iterable[int] | None = None,
        named: Iterable[DeliveryStatus] = RETRYABLE_BY_NAME,
    ) -> int:
        """Make deliveries due now: the given ones whose status is in `named`, or (None) the
        oldest failed ones; only those of `rule_ids` (None: any rule), at most RETRY_PAGE a
        call. An unknown one is sent again only when a person names it: only they can tell,
        from the receiver, whether it arrived. The old claim is dropped, so a stalled sender
        can no longer settle the new attempt. One statement, nothing loaded: an outbox of a
        million failed rows costs what a page does."""
        owner, values = _among("rule_id", rule_ids)
        if delivery_ids is None:
            chosen = (
                "SELECT id FROM alert_deliveries WHERE status = 'failed'"
                f"{owner} ORDER BY id LIMIT {RETRY_PAGE}"
            )
        else:
            ids, id_values = _among("id", list(delivery_ids)[:RETRY_PAGE])
            statuses, status_values = _among("status", [status.value for status in named])
            chosen = f"SELECT id FROM alert_deliveries WHERE 1{ids}{statuses}{owner}"
            values = [*id_values, *status_values, *values]
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE alert_deliveries SET status = 'pending', next_attempt_at = ?, "
                f"claim = NULL WHERE id IN ({chosen})",
                [_iso(now), *values],
            )
            return cursor.rowcount

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
