"""Crawler configuration: `TRACK4TIP_*` environment variables, read once where a process starts.

Build `CrawlerSettings()` in the CLI command (or a test), pass it to `run_crawl`; the runner
turns it into a Scrapy settings dict (`crawlers.settings.scrapy_settings`). No module reads it at
import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_USER_AGENT = (
    "track4tip/0.1 (+https://github.com/track4tip/track4tip; counter-trafficking research crawler)"
)


class CrawlerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_", extra="ignore")

    data_dir: Path = Path("var")
    user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=1)
    obey_robots: bool = True
    concurrency_per_domain: int = Field(default=2, ge=1)
    download_delay: float = Field(default=1.0, ge=0)
    autothrottle: bool = True
    # Development only: replaying cached responses is not evidence of what a site shows now.
    http_cache: bool = False
    page_limit: int = Field(default=0, ge=0, description="pages per source; 0 = no limit")
    download_timeout: float = Field(default=30.0, gt=0)
    log_level: str = "WARNING"

    @property
    def spool_path(self) -> Path:
        return self.data_dir / "spool.sqlite"

    @property
    def crawls_dir(self) -> Path:
        return self.data_dir / "crawls"

    @property
    def http_cache_dir(self) -> Path:
        return self.data_dir / "httpcache"
