"""Settings of the API process: where it listens, who may call it from a browser, its title.

Built where the process starts (the CLI's `serve` command) and passed to `create_app()`; nothing
here reads the environment at import time. A `.env` file is read only when the caller passes
`_env_file`, as in `index.config`, so tests never pick one up by accident.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_API_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # NoDecode: the environment may give a JSON list or a plain "https://a.org,https://b.org".
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    title: str = Field(default="track4tip", min_length=1)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value
