"""Settings of the index package: which backend to open, where, and how to reach Elasticsearch.

Built where a process starts (the CLI command, `create_app()`) and passed down; nothing here
reads the environment at import time. A `.env` file is read only when the caller passes
`_env_file`, so tests and library users never pick one up by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEAD_LETTER_FILE = "elasticsearch-dead-letter.jsonl"


class IndexSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_", extra="ignore")

    index_backend: Literal["embedded", "elasticsearch"] = "embedded"
    data_dir: Path = Path("var")
    # Seconds an embedded-index write waits for another process's write (then WriterBusy).
    embedded_writer_wait: float = Field(default=30.0, ge=0)
    # One URL, or several separated by commas (nodes of one cluster).
    elasticsearch_url: str = "http://127.0.0.1:9200"
    elasticsearch_api_key: SecretStr | None = None
    elasticsearch_username: str | None = None
    elasticsearch_password: SecretStr | None = None
    elasticsearch_ca_certs: Path | None = None
    elasticsearch_index_prefix: str = Field(
        default="track4tip", pattern=r"^[a-z0-9][a-z0-9_-]{0,100}$"
    )
    # None: one replica where the cluster has a second node, none on a single node.
    elasticsearch_replicas: int | None = Field(default=None, ge=0, le=10)
    elasticsearch_timeout: float = Field(default=30.0, gt=0)
    elasticsearch_retries: int = Field(default=5, ge=0, le=20)

    @field_validator("elasticsearch_url")
    @classmethod
    def _urls_are_http(cls, value: str) -> str:
        for url in value.split(","):
            if not url.strip().startswith(("http://", "https://")):
                raise ValueError(f"must be http:// or https:// URLs, got {url.strip()!r}")
        return value

    @model_validator(mode="after")
    def _basic_auth_is_complete(self) -> IndexSettings:
        if (self.elasticsearch_username is None) != (self.elasticsearch_password is None):
            raise ValueError(
                "set both TRACK4TIP_ELASTICSEARCH_USERNAME and TRACK4TIP_ELASTICSEARCH_PASSWORD"
            )
        return self

    @property
    def embedded_dir(self) -> Path:
        """Where the embedded backend keeps its SQLite records and tantivy index."""
        return self.data_dir / "index"

    @property
    def elasticsearch_urls(self) -> list[str]:
        return [url.strip() for url in self.elasticsearch_url.split(",")]

    @property
    def dead_letter_path(self) -> Path:
        """Where documents Elasticsearch rejects are written, one JSON object per line."""
        return self.data_dir / DEAD_LETTER_FILE
