"""Alert rules: a saved search plus a risk threshold, and where to send what it finds.

    alert_rules   one row per rule: its owner, the search (query string and filters), the
                  lowest risk score that alerts, the channels (console, email, webhook) with
                  their addresses, an optional per-rule webhook secret, enabled or not

A rule's name and addresses end up in e-mail headers, so the API refuses control characters
and line breaks in them (api/alerting/headers.py); the senders check again, for rows written
past the API, and the stored rule (`AlertRule`) is read as it is, so such a row still loads
and its delivery fails visibly rather than the rule vanishing.

A rule's search has the same meaning as the search box (`rule_query` builds the very
`SearchQuery` the index runs), so an investigator can try a rule as a search first. Rules are
never deleted, only disabled: their deliveries keep pointing at them.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    field_validator,
    model_validator,
)

from api.accounts.users import Role, User
from api.alerting.headers import refuse_control_characters
from api.alerting.webhook_policy import WebhookPolicy, WebhookRefused
from api.database import ConsoleDatabase
from api.errors import InvalidRecord, RecordNotFound
from index.errors import InvalidQuery
from index.queries import SearchQuery, Sort, parse_query_string

logger = logging.getLogger(__name__)

MAX_FILTER_VALUES = 50
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBHOOK_HELP = (
    "Webhooks go to public https addresses only; an administrator may allow http "
    "(TRACK4TIP_API_WEBHOOK_ALLOW_HTTP) or other networks (TRACK4TIP_API_WEBHOOK_ALLOWED_NETWORKS)"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_rules (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    search TEXT NOT NULL,
    risk_threshold REAL NOT NULL,
    channels TEXT NOT NULL,
    email_to TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class Channel(StrEnum):
    CONSOLE = "console"
    EMAIL = "email"
    WEBHOOK = "webhook"


class RuleSearch(BaseModel):
    """The saved-search part of a rule: the search box's query string and filters."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(default="", max_length=1000, examples=['pasaporte "trabajo en el exterior"'])
    indicator: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    country: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    site: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    language: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)

    @field_validator("q")
    @classmethod
    def _parses(cls, q: str) -> str:
        try:
            parse_query_string(q)
        except InvalidQuery as refused:
            raise ValueError(str(refused)) from None
        return q

    @field_validator("country")
    @classmethod
    def _iso_countries(cls, countries: list[str]) -> list[str]:
        wrong = [code for code in countries if not re.fullmatch(r"[A-Z]{2}", code)]
        if wrong:
            raise ValueError(f"countries are ISO 3166 alpha-2 codes like EC, got {wrong}")
        return countries


class AlertRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Modelos al exterior, riesgo alto"])
    search: RuleSearch = Field(default_factory=RuleSearch)
    risk_threshold: float = Field(default=0.7, ge=0.0, le=1.0)
    channels: list[Channel] = Field(min_length=1, max_length=3)
    email_to: list[str] = Field(default_factory=list, max_length=20)
    webhook_url: HttpUrl | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="Signs this rule's webhooks; unset: the server's secret."
    )
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _one_line_name(cls, name: str) -> str:
        # The name is in every alert e-mail's Subject.
        return refuse_control_characters(name, "the name")

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _one_line_url(cls, url: object) -> object:
        # Checked before parsing: the URL parser would drop a CR or LF without a word.
        return refuse_control_characters(url, "webhook_url") if isinstance(url, str) else url

    @field_validator("channels")
    @classmethod
    def _each_once(cls, channels: list[Channel]) -> list[Channel]:
        return list(dict.fromkeys(channels))

    @field_validator("email_to")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            refuse_control_characters(address, "e-mail addresses")
        wrong = [address for address in addresses if not _EMAIL.fullmatch(address)]
        if wrong:
            raise ValueError(f"not e-mail addresses: {wrong}")
        return addresses

    @model_validator(mode="after")
    def _channels_have_addresses(self) -> AlertRuleIn:
        if Channel.EMAIL in self.channels and not self.email_to:
            raise ValueError("the email channel needs at least one address in email_to")
        if Channel.WEBHOOK in self.channels and self.webhook_url is None:
            raise ValueError("the webhook channel needs webhook_url")
        secret = self.webhook_secret
        if secret is not None and len(secret.get_secret_value()) < 16:
            raise ValueError("webhook_secret must be at least 16 characters")
        return self


class AlertRule(BaseModel):
    """A stored rule as the API shows it: the secret never leaves the server."""

    id: int
    owner: str
    owner_id: int
    name: str
    search: RuleSearch
    risk_threshold: float
    channels: list[Channel]
    email_to: list[str]
    webhook_url: str | None
    has_webhook_secret: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


def rule_query(rule: AlertRule, doc_ids: list[str]) -> SearchQuery:
    """The rule's search, restricted to these documents and to its risk threshold."""
    return SearchQuery(
        q=rule.search.q,
        indicator=rule.search.indicator,
        country=rule.search.country,
        site=rule.search.site,
        language=rule.search.language,
        risk_min=rule.risk_threshold,
        ids=doc_ids,
        sort=Sort.RISK,
        size=len(doc_ids),
        facets=False,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _rule(row: sqlite3.Row) -> AlertRule:
    return AlertRule(
        id=row["id"],
        owner=row["owner"],
        owner_id=row["owner_id"],
        name=row["name"],
        search=RuleSearch.model_validate_json(row["search"]),
        risk_threshold=row["risk_threshold"],
        channels=json.loads(row["channels"]),
        email_to=json.loads(row["email_to"]),
        webhook_url=row["webhook_url"],
        has_webhook_secret=row["webhook_secret"] is not None,
        enabled=bool(row["enabled"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _columns(rule: AlertRuleIn) -> dict[str, Any]:
    secret = rule.webhook_secret
    return {
        "name": rule.name,
        "search": rule.search.model_dump_json(),
        "risk_threshold": rule.risk_threshold,
        "channels": json.dumps([channel.value for channel in rule.channels]),
        "email_to": json.dumps(rule.email_to),
        "webhook_url": str(rule.webhook_url) if rule.webhook_url else None,
        "webhook_secret": secret.get_secret_value() if secret else None,
        "enabled": int(rule.enabled),
    }


class AlertRuleStore:
    def __init__(
        self, database: ConsoleDatabase, webhook_policy: WebhookPolicy | None = None
    ) -> None:
        self.database = database
        # None: no check here (a store only read, as the indexing hook's tests build one).
        self.webhook_policy = webhook_policy
        database.ensure_schema("alert_rules", SCHEMA)

    def _check_webhook(self, rule: AlertRuleIn) -> None:
        """Refuse a webhook the dispatcher would refuse to send to (the API answers 422)."""
        if rule.webhook_url is None or self.webhook_policy is None:
            return
        try:
            self.webhook_policy.check(str(rule.webhook_url))
        except WebhookRefused as refused:
            raise InvalidRecord(f"webhook_url: {refused}. {WEBHOOK_HELP}") from None

    def create(self, rule: AlertRuleIn, owner: User) -> AlertRule:
        self._check_webhook(rule)
        values = _columns(rule) | {"owner_id": owner.id, "owner": owner.username}
        values |= {"created_at": _now(), "updated_at": _now()}
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        with self.database.connect() as connection:
            cursor = connection.execute(
                f"INSERT INTO alert_rules ({names}) VALUES ({marks})", values
            )
            rule_id = int(cursor.lastrowid or 0)
        return self.get(rule_id)

    def update(self, rule_id: int, rule: AlertRuleIn) -> AlertRule:
        self._check_webhook(rule)
        values = _columns(rule) | {"updated_at": _now(), "id": rule_id}
        if rule.webhook_secret is None:
            del values["webhook_secret"]  # keep the secret the rule has
        assignments = ", ".join(f"{name} = :{name}" for name in values if name != "id")
        with self.database.connect() as connection:
            cursor = connection.execute(
                f"UPDATE alert_rules SET {assignments} WHERE id = :id", values
            )
            if cursor.rowcount == 0:
                raise RecordNotFound(f"no alert rule with id {rule_id}")
        return self.get(rule_id)

    def set_enabled(self, rule_id: int, enabled: bool) -> AlertRule:
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE alert_rules SET enabled = ?, updated_at = ? WHERE id = ?",
                (int(enabled), _now(), rule_id),
            )
            if cursor.rowcount == 0:
                raise RecordNotFound(f"no alert rule with id {rule_id}")
        return self.get(rule_id)

    def get(self, rule_id: int) -> AlertRule:
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT * FROM alert_rules WHERE id = ?", (rule_id,)
            ).fetchone()
        if row is None:
            raise RecordNotFound(f"no alert rule with id {rule_id}")
        return _rule(row)

    def visible_to(self, user: User, rule_id: int) -> AlertRule:
        """The rule if `user` owns it (admins see all); others get the same 404 as a
        missing rule, so ids of other people's rules reveal nothing."""
        rule = self.get(rule_id)
        if user.role is not Role.ADMIN and rule.owner_id != user.id:
            raise RecordNotFound(f"no alert rule with id {rule_id}")
        return rule

    def list(self, owner: User | None = None, enabled_only: bool = False) -> list[AlertRule]:
        clauses, values = [], []
        if owner is not None and owner.role is not Role.ADMIN:
            clauses.append("owner_id = ?")
            values.append(owner.id)
        if enabled_only:
            clauses.append("enabled = 1")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT * FROM alert_rules {where} ORDER BY id", values
            ).fetchall()
        return [_rule(row) for row in rows]

    def enabled(self) -> list[AlertRule]:
        """The enabled rules, as `evaluate` runs them: a row that no longer reads as a rule
        (edited past the API, or written under other checks) is logged and left out, so
        that one broken rule stops neither the others nor the indexing that runs them."""
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT * FROM alert_rules WHERE enabled = 1 ORDER BY id"
            ).fetchall()
        rules = []
        for row in rows:
            try:
                rules.append(_rule(row))
            except ValueError as error:  # pydantic's ValidationError and JSON's are ValueErrors
                logger.warning("alert rule %s does not read and is skipped: %s", row["id"], error)
        return rules

    def webhook_secret(self, rule_id: int) -> str | None:
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT webhook_secret FROM alert_rules WHERE id = ?", (rule_id,)
            ).fetchone()
        return row["webhook_secret"] if row else None
