"""Serving the API: open the index, build the app, run uvicorn until interrupted."""

from __future__ import annotations

import secrets

import uvicorn
from pydantic import SecretStr
from rich.console import Console

from api.config import ApiSettings
from api.main import create_app
from index.backends import open_index
from index.config import IndexSettings
from nlp.config import NlpSettings
from track4tip.users_commands import open_console_database


def serve_api(
    *,
    host: str | None,
    port: int | None,
    console: Console,
    index_settings: IndexSettings | None = None,
    demo: bool = False,
) -> None:
    settings = ApiSettings()
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value}
    if demo and settings.pseudonymisation_key is None:
        # The demo's data is invented, so a throw-away key lets researchers try exports.
        overrides["pseudonymisation_key"] = SecretStr(secrets.token_urlsafe(24))
    settings = settings.model_copy(update=overrides)
    index_settings = index_settings or IndexSettings()
    if settings.evidence_dir is None:
        settings = settings.model_copy(update={"evidence_dir": index_settings.data_dir / "warc"})
    if settings.linking_path is None:
        linking = index_settings.data_dir / "linking.sqlite3"
        settings = settings.model_copy(update={"linking_path": linking})
    database = open_console_database(settings, index_settings)
    with open_index(index_settings) as backend:
        app = create_app(settings, backend, database, taxonomy_path=NlpSettings().taxonomy_path)
        base = f"http://{settings.host}:{settings.port}"
        console.print(f"Search: {base}/   API: {base}/api/search   Docs: {base}/docs")
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
