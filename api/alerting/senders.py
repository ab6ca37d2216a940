"""How alerts leave: e-mail over SMTP and signed JSON webhooks, each within one deadline.

    DeliveryFailed        the receiver did not take the alert this time (no connection, an
                          error status, the deadline passed, no SMTP server configured yet):
                          retried later, each wait longer than the last
    └── DeliveryRefused   the alert cannot go out as it is (a header would carry a control
                          character, no address, URL or secret; a webhook host that is not
                          public): a retry would fail the same way, so it is failed at once,
                          for a human to fix and retry

The deadline (`TRACK4TIP_API_DELIVERY_TIMEOUT`) bounds the whole delivery — connecting, the
conversation, the answer — and not each read: a client's timeout is per operation, so a
receiver trickling one byte a second could otherwise hold a sender for as long as it liked.
Webhooks run in an event loop of their own under `asyncio.timeout`, which cancels whatever
read or write is under way. smtplib has no such hook, so a timer shuts the connection's socket
down at the deadline, which makes the blocked read or write return at once.

TLS is checked on both channels (certificate and host name, against the usual CAs plus
`TRACK4TIP_API_SMTP_CA_FILE` / `TRACK4TIP_API_WEBHOOK_CA_FILE`). A webhook goes only where
`WebhookPolicy` allows (api/alerting/webhook_policy.py), and its `last_error` is a reason class
("webhook: timeout", "webhook: tls", "webhook: http 500"), never the address or a server's
words, so that the rule's owner cannot use the outbox to map the network behind the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import certifi
import httpx

from api.alerting.delivery import Delivery
from api.alerting.headers import control_characters, one_line
from api.alerting.rules import AlertRuleStore, Channel
from api.alerting.webhook_policy import (
    REFUSED_URL,
    UNRESOLVED,
    WebhookPolicy,
    WebhookRefused,
    WebhookTarget,
)
from api.config import ApiSettings

SIGNATURE_HEADER = "X-Track4tip-Signature"
DELIVERY_HEADER = "X-Track4tip-Delivery"


class DeliveryFailed(Exception):
    """A sender could not hand the alert over; the message says why (kept as last_error)."""


class DeliveryRefused(DeliveryFailed):
    """The alert cannot be sent as it is; retrying would not change that."""


def signature(secret: str, body: bytes) -> str:
    """The value of the X-Track4tip-Signature header: HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def header(name: str, value: str) -> str:
    """`value`, checked to be safe as header `name`: the last guard before a header is built
    from a rule, a setting or a row written past the API."""
    found = control_characters(value)
    if found:
        raise DeliveryRefused(
            f"refused to write the {name} header: it would contain control characters "
            f"({', '.join(found)}); fix the rule (or the setting) it comes from"
        )
    return value


def _subject(payload: dict[str, Any]) -> str:
    document = payload.get("document", {})
    risk = document.get("risk_score")
    score = f" ({risk:.2f})" if isinstance(risk, int | float) else ""
    # The title is a crawled page's: folded, not refused, so the alert still goes out. The
    # rule's name is ours, and `header` refuses it if it would break the line.
    title = one_line(str(document.get("title", "")))
    return f"[track4tip] {payload.get('rule_name', 'alert')}: {title}{score}"


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


class _SocketCutoff:
    """Shuts an SMTP connection's socket down when the deadline passes."""

    def __init__(self, smtp: smtplib.SMTP, seconds: float) -> None:
        self.smtp = smtp
        self.fired = False
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.fired = True
        # Looked up now, not at the start: STARTTLS replaces the socket.
        sock = self.smtp.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificates and host names checked, against the usual CAs plus `ca_file`'s."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


async def _post(
    target: WebhookTarget,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
    tls: ssl.SSLContext,
) -> int:
    # The request goes to the checked address; the name stays in Host, SNI and the certificate
    # check. No redirects (a 3xx could point anywhere) and no proxy from the environment.
    async with (
        asyncio.timeout(deadline),
        httpx.AsyncClient(timeout=deadline, verify=tls, trust_env=False) as client,
    ):
        response = await client.post(
            target.url,
            content=body,
            headers={**headers, "Host": target.host_header},
            extensions={"sni_hostname": target.host},
        )
        return response.status_code


def _http_reason(error: httpx.HTTPError) -> str:
    """A class of failure that names no address, port or server message."""
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.ConnectError):
        tls_failed = isinstance(error.__cause__ or error.__context__, ssl.SSLError)
        return "tls" if tls_failed or "SSL" in str(error) else "connection failed"
    return "connection lost" if isinstance(error, httpx.TransportError) else "http error"


@dataclass
class Senders:
    """How e-mail and webhook alerts leave; built from the settings."""

    settings: ApiSettings
    rules: AlertRuleStore
    webhook_policy: WebhookPolicy = field(default_factory=WebhookPolicy)

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

    # --- e-mail ---------------------------------------------------------------------------

    def message(self, delivery: Delivery, recipients: list[str]) -> EmailMessage:
        """The alert e-mail; every header is checked before it is set."""
        if not recipients:
            raise DeliveryRefused("the rule has no e-mail addresses")
        message = EmailMessage()
        message["From"] = header("From", self.settings.smtp_from)
        message["To"] = header("To", ", ".join(recipients))
        message["Subject"] = header("Subject", _subject(delivery.payload))
        message[DELIVERY_HEADER] = str(delivery.id)
        message.set_content(_email_text(delivery.payload))
        return message

    def email(self, delivery: Delivery, recipients: list[str]) -> None:
        settings = self.settings
        if not settings.smtp_host:
            raise DeliveryFailed("no SMTP server configured (TRACK4TIP_API_SMTP_HOST)")
        message = self.message(delivery, recipients)
        deadline = settings.delivery_timeout
        where = f"SMTP {settings.smtp_host}:{settings.smtp_port}"
        # Not connected yet: the cutoff must be armed before the greeting is read.
        smtp = smtplib.SMTP(timeout=deadline)
        cutoff = _SocketCutoff(smtp, deadline)
        try:
            self._converse(smtp, message)
        except ssl.SSLError as error:
            if cutoff.fired:
                raise DeliveryFailed(f"{where}: cut at the {deadline:g} s deadline") from None
            raise DeliveryFailed(f"{where}: tls: {error.reason or 'handshake failed'}") from None
        except (OSError, smtplib.SMTPException) as error:
            if cutoff.fired:
                raise DeliveryFailed(f"{where}: cut at the {deadline:g} s deadline") from None
            raise DeliveryFailed(f"{where}: {error}") from None
        finally:
            cutoff.cancel()
            smtp.close()

    def _converse(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        settings = self.settings
        host = settings.smtp_host or ""
        smtp.connect(host, settings.smtp_port)
        # smtplib names the TLS server after the constructor's host, which is not given (the
        # connection is made here, under the cutoff): without it the certificate's host name
        # could not be checked, and a checking context refuses to start TLS at all.
        smtp._host = host
        if settings.smtp_starttls:
            # Checked like a browser checks: a self-signed or wrongly named certificate is
            # refused, so no one on the path can read the alert (or the SMTP password).
            smtp.starttls(context=tls_context(settings.smtp_ca_file))
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
        # The server has taken the message: one that drops QUIT changes nothing.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()

    # --- webhooks -------------------------------------------------------------------------

    def _secret(self, rule_id: int) -> str | None:
        own = self.rules.webhook_secret(rule_id)
        if own is not None:
            return own
        server = self.settings.webhook_secret
        return server.get_secret_value() if server else None

    def webhook(self, delivery: Delivery, url: str | None) -> None:
        secret = self._secret(delivery.rule_id)
        if url is None or secret is None:
            raise DeliveryRefused("the rule has no webhook URL or no secret to sign it with")
        # The URL becomes the request line and the Host header.
        header("webhook URL", url)
        body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, body),
            DELIVERY_HEADER: str(delivery.id),
        }
        target = self._target(url)
        deadline = self.settings.delivery_timeout
        tls = tls_context(self.settings.webhook_ca_file)
        try:
            status = asyncio.run(_post(target, body, headers, deadline, tls))
        except TimeoutError:
            raise DeliveryFailed(f"webhook: timeout (the {deadline:g} s deadline)") from None
        except httpx.InvalidURL:
            raise DeliveryRefused(f"webhook: {REFUSED_URL}") from None
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"webhook: {_http_reason(error)}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"webhook: http {status}")

    def _target(self, url: str) -> WebhookTarget:
        """The checked address, resolved now: the rule's URL was checked when it was saved,
        but a DNS answer, the settings or a row written past the API may have changed since.
        A refusal (or a name that does not resolve) is retried: DNS answers change."""
        try:
            return self.webhook_policy.check(url)
        except WebhookRefused as refused:
            if str(refused) == UNRESOLVED:
                raise DeliveryFailed(f"webhook: {refused}") from None
            raise DeliveryRefused(f"webhook: {refused}") from None
