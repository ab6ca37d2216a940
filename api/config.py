"""Settings of the API process: where it listens, who may call it from a browser, its title,
where the console keeps its state and how its logins work.

Built where the process starts (the CLI's `serve` command) and passed to `create_app()`; nothing
here reads the environment at import time. A `.env` file is read only when the caller passes
`_env_file`, as in `index.config`, so tests never pick one up by accident.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_API_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # NoDecode: the environment may give a JSON list or a plain "https://a.org,https://b.org".
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    title: str = Field(default="track4tip", min_length=1)
    database_path: Path | None = Field(
        default=None,
        description="The console's SQLite file (users, keys, audit, flags ...); unset: "
        "<index data dir>/console.sqlite3, resolved by the CLI.",
    )
    evidence_dir: Path | None = Field(
        default=None,
        description="The crawler's WARC folder, where screenshots are; unset: "
        "<data dir>/warc, resolved by the CLI.",
    )
    linking_path: Path | None = Field(
        default=None,
        description="The linking store (near-duplicate clusters, networks) the console reads; "
        "unset: <index data dir>/linking.sqlite3, resolved by the CLI.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs console session cookies; unset: a random key per "
        "process, so logins end when the server restarts.",
    )
    session_lifetime: int = Field(
        default=8 * 3600, ge=60, description="Seconds a console login lasts."
    )
    # Failed logins counted three ways within the window (api/accounts/auth.py LoginThrottle):
    # a guesser at one name from one address, one address trying many names, many addresses
    # trying one name. Over a limit, a login is refused with 429 before any password check.
    login_failures_per_pair: int = Field(
        default=5, ge=1, description="Failed logins of one name from one address per window."
    )
    login_failures_per_address: int = Field(
        default=20, ge=1, description="Failed logins from one address per window."
    )
    login_failures_per_name: int = Field(
        default=20, ge=1, description="Failed logins of one user name per window."
    )
    login_failure_window: int = Field(
        default=15 * 60, ge=1, description="Seconds over which failed logins are counted."
    )
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (behind TLS)."
    )
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted; larger ones get 413.",
    )
    # --- reports, alerts and exports (api/reporting/store.py, api/alerting/delivery.py and
    # senders.py, api/exporting/datasets.py)
    console_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Address of the console, for links in alert e-mails and webhooks.",
    )
    pseudonymisation_key: SecretStr | None = Field(
        default=None,
        description="Key of the HMAC-SHA256 hashes that replace phones, e-mails and handles "
        "in research exports (16+ characters; keep it: the same key gives the same hashes). "
        "Required for exports; `track4tip demo` sets one.",
    )
    # Researchers see counts, never single ads (api/research_access.py): a count this small
    # could single out one ad, so below it trends show "suppressed" and exports are refused.
    research_min_group_size: int = Field(
        default=10,
        ge=1,
        description="Smallest count researchers are shown (trend buckets, totals) and "
        "smallest export they may take; below it counts are suppressed, exports refused.",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for alert e-mails; unset: e-mails wait, failed."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port.")
    smtp_starttls: bool = Field(default=False, description="Upgrade SMTP with STARTTLS.")
    smtp_username: str | None = Field(default=None, description="SMTP login, if it needs one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="track4tip@localhost", description="Sender address of alert e-mails."
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="CA certificates (PEM) that STARTTLS trusts besides the system's, for an "
        "SMTP server with a private CA; the certificate and host name are always checked.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Default key of the X-Track4tip-Signature HMAC-SHA256 of webhook "
        "bodies (a rule may set its own); unset: webhooks without a secret fail.",
    )
    # Webhook URLs are checked when a rule is saved and again at each send (the host resolved,
    # the request sent to the checked address): api/alerting/webhook_policy.py.
    webhook_allow_http: bool = Field(
        default=False, description="Allow plain http:// webhooks (local tests, the demo)."
    )
    # NoDecode: a JSON list or a plain "127.0.0.0/8,10.1.2.0/24".
    webhook_allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Networks (CIDR) webhooks may reach although they are not public: "
        "loopback for tests and the demo, a partner's VPN; unset: public addresses only.",
    )
    webhook_ca_file: Path | None = Field(
        default=None,
        description="CA certificates (PEM) trusted for https:// webhooks besides the system's.",
    )
    delivery_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds an SMTP or webhook delivery may take."
    )
    alert_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Attempts of a delivery before it is marked failed."
    )
    alert_retry_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Wait before the first retry of a failed delivery; it doubles each time.",
    )
    alert_retry_max_seconds: float = Field(
        default=3600.0, ge=0, description="Longest wait between two delivery attempts."
    )

    api_key_lifetime_days: int = Field(
        default=90, ge=1, le=3650, description="Days a new API key works before it expires."
    )
    # --- reports (api/reporting/view.py, rendering.py)
    report_max_screenshots: int = Field(
        default=20,
        ge=0,
        le=200,
        description="Screenshots embedded in one report; the others are listed, not embedded.",
    )
    report_max_screenshot_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="Bytes of screenshots embedded in one report, all together.",
    )

    @field_validator("cors_origins", "webhook_allowed_networks", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, networks: list[str]) -> list[str]:
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"not a network (CIDR, e.g. 127.0.0.0/8): {network!r}") from None
        return networks
