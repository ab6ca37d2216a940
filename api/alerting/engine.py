"""Risk alerts: rules evaluated on every newly indexed batch, deliveries sent and retried.

    indexing a batch ──▶ AlertEngine.evaluate(documents)
                            for each enabled rule: the rule's search over the batch's ids
                            (the index runs it: the same meaning as the search box)
                            ──▶ Outbox.enqueue  (once per rule, document and channel)
                         ──▶ AlertDispatcher.deliver_due()
                            console: already delivered (the feed reads the outbox)
                            email: SMTP · webhook: signed JSON POST
                            failure: retried later with a doubling wait, then `failed`

The indexing stage (track4tip/pipeline.py) calls `evaluate` after writing a batch and before
committing its spool cursor, so a crash in between evaluates the batch again — and the
outbox's uniqueness turns that second evaluation into nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from api.accounts.users import Role, User
from api.alerting.delivery import Delivery, DeliveryFailed, Outbox, Senders
from api.alerting.rules import AlertRule, AlertRuleStore, rule_query
from api.config import ApiSettings
from api.database import ConsoleDatabase
from index.base import IndexBackend
from index.document import Document
from index.queries import MAX_PAGE_SIZE


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


class AlertDispatcher:
    """Sends what the outbox holds that is due; never raises for a failed delivery."""

    def __init__(
        self, outbox: Outbox, rules: AlertRuleStore, senders: Senders, settings: ApiSettings
    ) -> None:
        self.outbox = outbox
        self.rules = rules
        self.senders = senders
        self.settings = settings

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure: base, 2 x base, 4 x base ... capped."""
        seconds = self.settings.alert_retry_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.settings.alert_retry_max_seconds))

    def deliver_due(self, now: datetime | None = None) -> DeliveryReport:
        """Send every delivery due at `now` (default: the call's start) once; a failure's
        retry is due later, so one call never loops on a receiver that keeps failing."""
        report = DeliveryReport()
        due_at = now or datetime.now(UTC)
        while claimed := self.outbox.claim_due(due_at):
            for delivery in claimed:
                self._deliver(delivery, report)
        return report

    def _deliver(self, delivery: Delivery, report: DeliveryReport) -> None:
        rule = self.rules.get(delivery.rule_id)
        try:
            self.senders.send(delivery, rule.email_to, rule.webhook_url)
        except DeliveryFailed as error:
            attempts = delivery.attempts + 1
            if attempts >= self.settings.alert_max_attempts:
                self.outbox.settle_failed(delivery.id, str(error), retry_at=None)
                report.failed += 1
            else:
                retry_at = datetime.now(UTC) + self.backoff(attempts)
                self.outbox.settle_failed(delivery.id, str(error), retry_at=retry_at)
                report.retrying += 1
            return
        self.outbox.settle_delivered(delivery.id, datetime.now(UTC))
        report.delivered += 1


class AlertEngine:
    """Matches enabled rules against newly indexed documents and queues their alerts."""

    def __init__(
        self,
        index: IndexBackend,
        rules: AlertRuleStore,
        outbox: Outbox,
        dispatcher: AlertDispatcher | None,
        console_url: str,
    ) -> None:
        self.index = index
        self.rules = rules
        self.outbox = outbox
        self.dispatcher = dispatcher
        self.console_url = console_url.rstrip("/")

    def visible_rule_ids(self, user: User) -> list[int] | None:
        """The rules whose deliveries `user` may see; None: all of them (admins)."""
        if user.role is Role.ADMIN:
            return None
        return [rule.id for rule in self.rules.list(owner=user)]

    def evaluate(self, documents: Sequence[Document]) -> int:
        """Queue alerts for every enabled rule these documents match; returns how many
        (rule, document) alerts were new. Then sends what is due."""
        doc_ids = list(dict.fromkeys(document.id for document in documents))
        new_alerts = 0
        for rule in self.rules.list(enabled_only=True) if doc_ids else []:
            for document in self.matching(rule, doc_ids):
                payload = self.payload(rule, document)
                if self.outbox.enqueue(rule.id, document.id, rule.channels, payload):
                    new_alerts += 1
        if self.dispatcher is not None:
            self.dispatcher.deliver_due()
        return new_alerts

    def matching(self, rule: AlertRule, doc_ids: list[str]) -> list[Document]:
        """The documents among `doc_ids` the rule's search finds, as the index has them now."""
        found = []
        for start in range(0, len(doc_ids), MAX_PAGE_SIZE):
            chunk = doc_ids[start : start + MAX_PAGE_SIZE]
            found.extend(hit.document for hit in self.index.search(rule_query(rule, chunk)).hits)
        return found

    def payload(self, rule: AlertRule, document: Document) -> dict[str, Any]:
        return {
            "rule_id": rule.id,
            "rule_name": rule.name,
            "matched_at": datetime.now(UTC).isoformat(),
            "console_url": f"{self.console_url}/documents/{document.id}",
            "document": {
                "id": document.id,
                "version": document.version,
                "title": document.title,
                "url": document.url,
                "site": document.source.site,
                "country": document.source.country,
                "published_at": document.published_at.isoformat()
                if document.published_at
                else None,
                "risk_score": document.risk.score if document.risk else None,
                "risk_label": document.risk_label.value,
                "indicators": document.indicator_ids,
                "explanation": document.risk.explanation if document.risk else [],
            },
        }


def build_alert_engine(
    settings: ApiSettings, index: IndexBackend, database: ConsoleDatabase
) -> AlertEngine:
    """The engine with its outbox and dispatcher, as the indexing stage and the API use it."""
    rules = AlertRuleStore(database)
    outbox = Outbox(database)
    dispatcher = AlertDispatcher(outbox, rules, Senders(settings, rules), settings)
    return AlertEngine(index, rules, outbox, dispatcher, settings.console_url)
