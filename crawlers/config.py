"""Crawler configuration: `TRACK4TIP_*` environment variables, read once where a process starts.

Build `CrawlerSettings()` in the CLI command (or a test), pass it to `run_crawl`; the runner
turns it into a Scrapy settings dict (`crawlers.settings.scrapy_settings`). No module reads it at
import time.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_USER_AGENT = (
    "track4tip/0.1 (+https://github.com/track4tip/track4tip; counter-trafficking research crawler)"
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowed(entry: str) -> IPNetwork | str:
    """An allowed network (an address is a /32 or /128), or a lower-cased host name.

    Anything shaped like an address must parse as one: a typo such as `10.0.0.0/33` must fail
    loudly rather than become a host name that never matches (crawlers/egress.py)."""
    entry = entry.strip().lower()
    if not entry:
        raise ValueError("an empty entry")
    if "/" in entry or ":" in entry or entry.replace(".", "").isdigit():
        return ipaddress.ip_network(entry, strict=False)
    return entry


class CrawlerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_", extra="ignore")

    data_dir: Path = Path("var")
    user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=1)
    obey_robots: bool = True
    concurrency_per_domain: int = Field(default=2, ge=1)
    download_delay: float = Field(default=1.0, ge=0)
    autothrottle: bool = True
    # Sync the spool on every append, surviving a power loss too (a process crash never loses
    # an append either way); halves the append rate.
    spool_fsync: bool = False
    # Development only: replaying cached responses is not evidence of what a site shows now.
    http_cache: bool = False
    page_limit: int = Field(default=0, ge=0, description="pages per source; 0 = no limit")
    download_timeout: float = Field(default=30.0, gt=0)
    log_level: str = "WARNING"
    # A WARC file this large is closed and the next capture starts a new one.
    warc_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)

    # Starvation: a source that stops yielding new documents is closed (reported as
    # `starved`) after this many pages, or this many seconds, without one; 0 = no limit.
    starvation_pages: int = Field(default=500, ge=0)
    starvation_seconds: float = Field(default=900.0, ge=0)
    # Resumable crawls: Scrapy's JOBDIR, one folder per source under this one. A stopped crawl
    # run again with the same folder resumes where it stopped; unset = not resumable.
    job_dir: Path | None = None
    # Incremental re-crawls: pages fetched before are asked for with If-None-Match /
    # If-Modified-Since, unchanged ones are skipped, and known ads now 404/410 are marked
    # taken_down (crawlers/incremental.py). Off by default: a first crawl needs no state.
    incremental: bool = False

    # Rendering (scrapy-playwright): Debian's Chromium; contexts are recycled after this many
    # pages, and at most this many exist at once, so browser memory stays flat.
    chromium_path: Path = Path("/usr/bin/chromium")
    render_pages_per_context: int = Field(default=20, ge=1)
    render_max_contexts: int = Field(default=2, ge=1)
    # Chromium keeps its sandbox (it renders hostile pages). It cannot start sandboxed as root,
    # so as root `--no-sandbox` is added with a warning; this forces it off for an
    # unprivileged container whose seccomp profile forbids the sandbox's namespaces.
    chromium_no_sandbox: bool = False

    # Egress (crawlers/egress.py): only public addresses are fetched, except these networks
    # and host names, comma-separated (`127.0.0.0/8,demo.internal`). Empty in production.
    crawl_allowed_private_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A response body larger than this (after decompression too: gzip bombs) is dropped as
    # `too_large`; Scrapy's own default is 1 GiB. A warning is logged at a quarter of it.
    download_max_bytes: int = Field(default=20 * 1024 * 1024, ge=64 * 1024)

    @field_validator("crawl_allowed_private_networks", mode="before")
    @classmethod
    def _split_allowed(cls, value: object) -> object:
        if isinstance(value, str):  # the environment's comma-separated form
            return [part for part in value.split(",") if part.strip()]
        return value

    @field_validator("crawl_allowed_private_networks")
    @classmethod
    def _check_allowed(cls, value: list[str]) -> list[str]:
        return [str(parse_allowed(entry)) for entry in value]

    @property
    def spool_path(self) -> Path:
        return self.data_dir / "spool.sqlite"

    @property
    def state_path(self) -> Path:
        return self.data_dir / "crawl_state.sqlite"

    @property
    def crawls_dir(self) -> Path:
        return self.data_dir / "crawls"

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warc"

    @property
    def http_cache_dir(self) -> Path:
        return self.data_dir / "httpcache"
