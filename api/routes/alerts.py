"""Alert rules, their deliveries, and the live feed of console alerts.

GET   /api/alerts/rules                  my rules (admins: everyone's)
POST  /api/alerts/rules                  a new rule
GET   /api/alerts/rules/{id}             one rule
PUT   /api/alerts/rules/{id}             change it
PATCH /api/alerts/rules/{id}             enable or disable it
GET   /api/alerts/deliveries             deliveries of my rules: status, attempts, last error
POST  /api/alerts/deliveries/retry       make failed (or named unknown) deliveries due again
                                         and send what is due
GET   /api/alerts/stream                 server-sent events: each new console alert

An investigator sees only their own rules and deliveries (another's rule id answers 404, as a
missing one does); admins see all.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.accounts.users import User
from api.alerting.delivery import (
    RETRYABLE_BY_NAME,
    SEND_IN_REQUEST,
    Delivery,
    DeliveryStatus,
)
from api.alerting.engine import AlertEngine, DeliveryReport
from api.alerting.rules import AlertRule, AlertRuleIn, Channel
from api.deps import AlertsDep, AlertsUserDep

router = APIRouter(prefix="/api/alerts", tags=["alerts"])

RuleId = Annotated[int, Path(ge=1, le=2**62, description="The rule id.")]
_NOT_FOUND = {404: {"description": "No rule of yours has this id."}}
# How often the event stream looks for new alerts, and sends a comment to keep proxies open.
STREAM_POLL_SECONDS = 0.5
STREAM_KEEPALIVE_SECONDS = 15.0
# A stream ends after this long and the EventSource reconnects after its last event id: no
# alert is lost, and a server shutting down never waits long for an open stream.
STREAM_LIFETIME_SECONDS = 60.0
OWN_RETRYABLE = (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN)


class RuleEnabledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


class RetryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = Field(
        default=None, max_length=1000, description="Deliveries to retry; none: every failed one."
    )


class RetryOut(BaseModel):
    made_due: int
    delivered: int
    retrying: int
    failed: int


@router.get("/rules", response_model=list[AlertRule], summary="Alert rules")
def list_rules(user: AlertsUserDep, alerts: AlertsDep) -> list[AlertRule]:
    return alerts.rules.list(owner=user)


@router.post(
    "/rules",
    response_model=AlertRule,
    status_code=status.HTTP_201_CREATED,
    summary="Create an alert rule",
    responses={422: {"description": "A bad query, threshold, channel or address."}},
)
def create_rule(user: AlertsUserDep, body: AlertRuleIn, alerts: AlertsDep) -> AlertRule:
    """A rule alerts on newly indexed documents its search finds with a risk score of at
    least `risk_threshold`, once per document and channel."""
    return alerts.rules.create(body, user)


@router.get("/rules/{rule_id}", response_model=AlertRule, summary="A rule", responses=_NOT_FOUND)
def read_rule(user: AlertsUserDep, rule_id: RuleId, alerts: AlertsDep) -> AlertRule:
    return alerts.rules.visible_to(user, rule_id)


@router.put(
    "/rules/{rule_id}", response_model=AlertRule, summary="Change a rule", responses=_NOT_FOUND
)
def update_rule(
    user: AlertsUserDep, rule_id: RuleId, body: AlertRuleIn, alerts: AlertsDep
) -> AlertRule:
    """Replace the rule (a webhook secret left out keeps the one it has)."""
    alerts.rules.visible_to(user, rule_id)
    return alerts.rules.update(rule_id, body)


@router.patch(
    "/rules/{rule_id}", response_model=AlertRule, summary="Enable or disable", responses=_NOT_FOUND
)
def enable_rule(
    user: AlertsUserDep, rule_id: RuleId, body: RuleEnabledIn, alerts: AlertsDep
) -> AlertRule:
    alerts.rules.visible_to(user, rule_id)
    return alerts.rules.set_enabled(rule_id, body.enabled)


@router.get("/deliveries", response_model=list[Delivery], summary="Deliveries, newest first")
def list_deliveries(
    user: AlertsUserDep,
    alerts: AlertsDep,
    rule_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    channel: Channel | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Delivery]:
    """Each delivery's status, attempts and last error: failures are visible here."""
    visible = alerts.visible_rule_ids(user)
    if rule_id is not None:
        alerts.rules.visible_to(user, rule_id)
        visible = [rule_id]
    return alerts.outbox.list(visible, delivery_status, channel, limit=limit)


@router.post("/deliveries/retry", response_model=RetryOut, summary="Retry deliveries now")
def retry_deliveries(user: AlertsUserDep, body: RetryIn, alerts: AlertsDep) -> RetryOut:
    """Make the given (or the oldest 1000 failed) deliveries of your rules due now, then
    send what is due (the first 20 in this request; the answer says how they went, the
    others go out in the background). A delivery left `unknown` (its sender's lease ran out
    mid-send) is sent again only when named in `ids`: check with the receiver first."""
    visible = alerts.visible_rule_ids(user)
    # Admins may also hurry a pending delivery along; others retry failed or unknown ones.
    named = RETRYABLE_BY_NAME if visible is None else OWN_RETRYABLE
    made_due = alerts.outbox.retry(body.ids, datetime.now(UTC), rule_ids=visible, named=named)
    report = DeliveryReport()
    if alerts.dispatcher is not None:
        report = alerts.dispatcher.deliver_due(limit=SEND_IN_REQUEST)
    # Whatever this request did not send, the background dispatcher does.
    alerts.wake_dispatcher()
    return RetryOut(
        made_due=made_due,
        delivered=report.delivered,
        retrying=report.retrying,
        failed=report.failed,
    )


def _event(delivery: Delivery) -> str:
    data = json.dumps({"delivery_id": delivery.id, **delivery.payload}, ensure_ascii=False)
    return f"id: {delivery.id}\nevent: alert\ndata: {data}\n\n"


async def _alert_events(
    request: Request, alerts: AlertEngine, user: User, after: int
) -> AsyncIterator[str]:
    last_id, quiet_since = after, time.monotonic()
    ends_at = quiet_since + STREAM_LIFETIME_SECONDS
    # The id tells a reconnecting EventSource where this stream started, even with no alert.
    yield f"retry: 3000\nid: {after}\n\n"
    while time.monotonic() < ends_at and not await request.is_disconnected():
        visible = await run_in_threadpool(alerts.visible_rule_ids, user)
        new = await run_in_threadpool(
            alerts.outbox.list, visible, None, Channel.CONSOLE, last_id, 100
        )
        for delivery in new:
            last_id = delivery.id
            yield _event(delivery)
        if new:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > STREAM_KEEPALIVE_SECONDS:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(STREAM_POLL_SECONDS)


@router.get(
    "/stream",
    summary="Live console alerts (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`event: alert`."}},
)
async def alert_stream(
    request: Request,
    user: AlertsUserDep,
    alerts: AlertsDep,
    after: Annotated[
        int | None, Query(ge=0, le=2**62, description="Only alerts after this id (0: all).")
    ] = None,
    last_event_id: Annotated[int | None, Header(ge=0, le=2**62)] = None,
) -> StreamingResponse:
    """New console alerts of your rules as they are queued, one `alert` event each with the
    delivery id as event id; a reconnecting EventSource resumes after `Last-Event-ID`. Without
    `after`, the stream starts from now."""
    start = last_event_id if last_event_id is not None else after
    if start is None:
        latest = await run_in_threadpool(alerts.outbox.list, None, None, Channel.CONSOLE, 0, 1)
        start = latest[0].id if latest else 0
    return StreamingResponse(
        _alert_events(request, alerts, user, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
