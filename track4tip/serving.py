"""Serving the API: open the index, build the app, run uvicorn until interrupted."""

from __future__ import annotations

import uvicorn
from rich.console import Console

from api.config import ApiSettings
from api.main import create_app
from index.backends import open_index
from index.config import IndexSettings


def serve_api(
    *,
    host: str | None,
    port: int | None,
    console: Console,
    index_settings: IndexSettings | None = None,
) -> None:
    settings = ApiSettings()
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value}
    settings = settings.model_copy(update=overrides)
    with open_index(index_settings or IndexSettings()) as backend:
        app = create_app(settings, backend)
        base = f"http://{settings.host}:{settings.port}"
        console.print(f"Search: {base}/   API: {base}/api/search   Docs: {base}/docs")
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
