"""Risk alerts: rules matched on every newly indexed batch; deliveries sent off that loop.

    indexing a batch ──▶ AlertEngine.evaluate(documents)          in the indexing loop: cheap
                            for each enabled rule: the rule's search over the batch's ids
                            (the index runs it: the same meaning as the search box)
                            ──▶ Outbox.enqueue  (once per rule, document and channel)
                            ──▶ wakes the BackgroundDispatch, and returns
    its own thread ──▶ AlertDispatcher.deliver_due()               never in the indexing loop
                            console: already delivered (the feed reads the outbox)
                            email: SMTP · webhook: signed JSON POST, each within a deadline
                            failure: retried later with a doubling wait, then `failed`

The indexing stage (track4tip/pipeline.py) calls `evaluate` after writing a batch and before
committing its spool cursor, so a crash in between evaluates the batch again — and the
outbox's uniqueness turns that second evaluation into nothing new. `evaluate` only matches
and queues: it never waits for a receiver, and no receiver, rule name or payload can make it
raise. A rule that does not read or cannot be matched is logged and skipped for the batch.
What it lets through is an outbox that cannot be written (sqlite3.Error): the batch then
stops before its cursor moves and is evaluated again on the next run, rather than losing
its alerts.

Every failure of a delivery is caught and kept on its row (last_error, attempts): a receiver's
(`DeliveryFailed`) is retried with back-off; one that retrying cannot mend (`DeliveryRefused`,
or an error no sender expected, after which it is not even known whether anything went out)
is `failed` at once, for a person to look at.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from api.accounts.users import Role, User
from api.alerting.delivery import Claim, Outbox
from api.alerting.rules import AlertRule, AlertRuleStore, rule_query
from api.alerting.senders import DeliveryFailed, DeliveryRefused, Senders
from api.alerting.webhook_policy import WebhookPolicy
from api.config import ApiSettings
from api.database import ConsoleDatabase
from index.base import IndexBackend
from index.document import Document
from index.queries import MAX_PAGE_SIZE

logger = logging.getLogger(__name__)

# A lease outlives the delivery deadline by this much: the time to settle the row, and a
# sender paused for a moment, are not mistaken for a sender that died mid-send.
LEASE_MARGIN = timedelta(minutes=1)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    # Deliveries found with an expired lease: left `unknown`, for a person.
    unknown: int = 0


class AlertDispatcher:
    """Sends what the outbox holds that is due; never raises for a failed delivery."""

    def __init__(
        self, outbox: Outbox, rules: AlertRuleStore, senders: Senders, settings: ApiSettings
    ) -> None:
        self.outbox = outbox
        self.rules = rules
        self.senders = senders
        self.settings = settings
        self.lease = timedelta(seconds=settings.delivery_timeout) + LEASE_MARGIN

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure: base, 2 x base, 4 x base ... capped."""
        seconds = self.settings.alert_retry_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.settings.alert_retry_max_seconds))

    def deliver_due(self, now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
        """Send every delivery due at `now` (default: the call's start) once, or the `limit`
        oldest of them; a failure's retry is due later, so one call never loops on a receiver
        that keeps failing.

        Rows are claimed one at a time, each with a lease from the real clock: a lease taken
        for a whole batch would run out for the last rows while the first are still sent."""
        report = DeliveryReport()
        due_at = now or datetime.now(UTC)
        report.unknown = self.outbox.expire_leases(due_at)
        sent = 0
        while limit is None or sent < limit:
            claim = self.outbox.claim_next(due_at, datetime.now(UTC) + self.lease)
            if claim is None:
                break
            self._deliver(claim, report)
            sent += 1
        return report

    def _deliver(self, claim: Claim, report: DeliveryReport) -> None:
        delivery = claim.delivery
        try:
            rule = self.rules.get(delivery.rule_id)
            self.senders.send(delivery, rule.email_to, rule.webhook_url)
        except DeliveryRefused as refused:
            self._fail(claim, str(refused), report)
        except DeliveryFailed as error:
            self._retry_later(claim, str(error), report)
        except Exception as error:
            # Not a receiver's answer but a bug or a record nothing expected; whether anything
            # went out is not known, so it waits for a person rather than for a retry.
            logger.exception("alert delivery %s failed unexpectedly", delivery.id)
            self._fail(claim, f"unexpected {type(error).__name__}: {error}", report)
        else:
            self.outbox.settle_delivered(claim, datetime.now(UTC))
            report.delivered += 1

    def _retry_later(self, claim: Claim, error: str, report: DeliveryReport) -> None:
        attempts = claim.delivery.attempts
        if attempts >= self.settings.alert_max_attempts:
            self._fail(claim, error, report)
            return
        retry_at = datetime.now(UTC) + self.backoff(attempts)
        self.outbox.settle_failed(claim, error, retry_at=retry_at)
        report.retrying += 1

    def _fail(self, claim: Claim, error: str, report: DeliveryReport) -> None:
        self.outbox.settle_failed(claim, error, retry_at=None)
        report.failed += 1


class BackgroundDispatch:
    """Runs a dispatcher pass in a thread of its own whenever woken, so that no receiver —
    slow, failing or hostile — holds up the indexing loop that queued the alert.

    One thread at a time: a wake during a pass makes it go round once more (two threads
    would only race for claims). The thread ends when a pass finds nothing more to do, and it
    is not a daemon: a `track4tip index` that has indexed everything waits for the deliveries
    already due, each bounded by the delivery deadline, instead of cutting them mid-send (and
    leaving them `unknown`). Retries that fall due later go out on a later wake."""

    def __init__(self, deliver: Callable[[], object]) -> None:
        self._deliver = deliver
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        self._idle = threading.Event()
        self._idle.set()

    def wake(self) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
            self._idle.clear()
        try:
            threading.Thread(target=self._run, name="alert-dispatch").start()
        except RuntimeError:
            logger.exception("no thread for the alert dispatcher; deliveries wait")
            self._finish()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no pass is running; False if `timeout` seconds passed first."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            try:
                self._deliver()
            except Exception:
                # The outbox could not be read or settled; the rows wait for the next wake.
                logger.exception("the alert dispatcher stopped; deliveries wait for a retry")
            with self._lock:
                if not self._again:
                    self._running = False
                    self._idle.set()
                    return
                self._again = False

    def _finish(self) -> None:
        with self._lock:
            self._running = False
            self._idle.set()


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
        self.background = BackgroundDispatch(dispatcher.deliver_due) if dispatcher else None
        self.console_url = console_url.rstrip("/")

    def visible_rule_ids(self, user: User) -> list[int] | None:
        """The rules whose deliveries `user` may see; None: all of them (admins)."""
        if user.role is Role.ADMIN:
            return None
        return [rule.id for rule in self.rules.list(owner=user)]

    def evaluate(self, documents: Sequence[Document]) -> int:
        """Queue alerts for every enabled rule these documents match; returns how many
        (rule, document) alerts were new. Sending is left to the background dispatcher."""
        doc_ids = list(dict.fromkeys(document.id for document in documents))
        rules = self.rules.enabled() if doc_ids else []
        new_alerts = sum(self._queue(rule, doc_ids) for rule in rules)
        self._wake_dispatcher()
        return new_alerts

    def _queue(self, rule: AlertRule, doc_ids: list[str]) -> int:
        try:
            matched = self.matching(rule, doc_ids)
        except Exception:
            # One rule's search must not keep the batch, and every later one, from the index.
            logger.exception("alert rule %s could not be matched; skipped for a batch", rule.id)
            return 0
        queued = 0
        for document in matched:
            # An outbox that cannot be written raises here: see the module's docstring.
            if self.outbox.enqueue(
                rule.id, document.id, rule.channels, self.payload(rule, document)
            ):
                queued += 1
        return queued

    def wake_dispatcher(self) -> None:
        """Have the background dispatcher send what is due (no-op when nothing is)."""
        self._wake_dispatcher()

    def _wake_dispatcher(self) -> None:
        if self.background is not None and self.outbox.has_due(datetime.now(UTC)):
            self.background.wake()

    def wait_for_dispatch(self, timeout: float | None = None) -> bool:
        """Wait for the background dispatcher's pass to end (tests; a clean shutdown)."""
        return self.background.wait(timeout) if self.background is not None else True

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
    policy = WebhookPolicy.from_settings(
        settings.webhook_allow_http, settings.webhook_allowed_networks
    )
    rules = AlertRuleStore(database, webhook_policy=policy)
    outbox = Outbox(database)
    senders = Senders(settings, rules, webhook_policy=policy)
    dispatcher = AlertDispatcher(outbox, rules, senders, settings)
    return AlertEngine(index, rules, outbox, dispatcher, settings.console_url)
