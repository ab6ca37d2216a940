"""Settings of the index package: which backend to open and where it keeps its data.

Built where a process starts (the CLI command, `create_app()`) and passed down; nothing here
reads the environment at import time. A `.env` file is read only when the caller passes
`_env_file`, so tests and library users never pick one up by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class IndexSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_", extra="ignore")

    backend: Literal["embedded", "elasticsearch"] = "embedded"
    data_dir: Path = Path("var")
    elasticsearch_url: str = "http://127.0.0.1:9200"

    @property
    def embedded_dir(self) -> Path:
        """Where the embedded backend keeps its SQLite records and tantivy index."""
        return self.data_dir / "index"
