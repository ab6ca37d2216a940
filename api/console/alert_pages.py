"""The console's alert page: rules, a form for a new one, deliveries, and the live feed.

GET  /alerts                          rules, deliveries (status, attempts, last error),
                                      and the live feed (EventSource on /api/alerts/stream)
POST /alerts/rules                    create a rule from the form
POST /alerts/rules/{id}/enabled       enable or disable it
POST /alerts/retry                    retry failed deliveries now
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.alerting.delivery import SEND_IN_REQUEST, DeliveryStatus
from api.alerting.rules import AlertRuleIn
from api.deps import AlertsDep, AlertsUserDep, TemplatesDep
from api.errors import InvalidRecord

router = APIRouter(include_in_schema=False)

RuleId = Annotated[int, Path(ge=1, le=2**62)]
Short = Annotated[str, Form(max_length=2000)]
DELIVERIES_SHOWN = 50


def _back() -> RedirectResponse:
    return RedirectResponse("/alerts", status_code=status.HTTP_303_SEE_OTHER)


def _listed(text: str) -> list[str]:
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, user: AlertsUserDep, alerts: AlertsDep, templates: TemplatesDep
) -> HTMLResponse:
    rules = alerts.rules.list(owner=user)
    deliveries = alerts.outbox.list(alerts.visible_rule_ids(user), limit=DELIVERIES_SHOWN)
    context = {
        "rules": rules,
        "rule_names": {rule.id: rule.name for rule in rules},
        "deliveries": deliveries,
        "failed": any(d.status is DeliveryStatus.FAILED for d in deliveries),
    }
    return templates.TemplateResponse(request, "alerts.html", context)


@router.post("/alerts/rules")
def create_rule_form(
    user: AlertsUserDep,
    alerts: AlertsDep,
    name: Annotated[str, Form(max_length=200)],
    q: Annotated[str, Form(max_length=1000)] = "",
    risk_threshold: Annotated[float, Form(ge=0.0, le=1.0)] = 0.7,
    indicators: Short = "",
    countries: Short = "",
    sites: Short = "",
    channels: Annotated[list[str] | None, Form(max_length=3)] = None,
    email_to: Short = "",
    webhook_url: Short = "",
) -> RedirectResponse:
    try:
        rule = AlertRuleIn(
            name=name,
            search={
                "q": q,
                "indicator": _listed(indicators),
                "country": [code.upper() for code in _listed(countries)],
                "site": _listed(sites),
            },
            risk_threshold=risk_threshold,
            channels=channels or [],
            email_to=_listed(email_to),
            webhook_url=webhook_url.strip() or None,
        )
    except ValidationError as error:
        messages = [
            f"{'.'.join(map(str, item['loc'])) or 'rule'}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        raise InvalidRecord("; ".join(messages)) from None
    alerts.rules.create(rule, user)
    return _back()


@router.post("/alerts/rules/{rule_id}/enabled")
def enable_rule_form(
    user: AlertsUserDep,
    rule_id: RuleId,
    alerts: AlertsDep,
    enabled: Annotated[bool, Form()],
) -> RedirectResponse:
    alerts.rules.visible_to(user, rule_id)
    alerts.rules.set_enabled(rule_id, enabled)
    return _back()


@router.post("/alerts/retry")
def retry_form(user: AlertsUserDep, alerts: AlertsDep) -> RedirectResponse:
    # The oldest failed deliveries of the caller's rules, one bounded statement (as the API's
    # retry): the request sends a few itself, the background dispatcher the rest.
    alerts.outbox.retry(None, datetime.now(UTC), rule_ids=alerts.visible_rule_ids(user))
    if alerts.dispatcher is not None:
        alerts.dispatcher.deliver_due(limit=SEND_IN_REQUEST)
    alerts.wake_dispatcher()
    return _back()
