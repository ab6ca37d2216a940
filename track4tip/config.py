"""Settings of the watch service (`track4tip watch`): `TRACK4TIP_WATCH_*`, read where it starts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WatchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_WATCH_", extra="ignore")

    # A source whose run fails waits base, 2 x base, 4 x base ... seconds, at most the cap,
    # before its next run (on top of its schedule); one success resets it.
    backoff_seconds: float = Field(default=60.0, gt=0)
    backoff_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    # Crawl child processes running at once; analysis and indexing stay one writer.
    max_parallel_crawls: int = Field(default=2, ge=1)
