"""The FastAPI application: `create_app(settings, index)`.

The caller (the CLI's `serve` command) opens the index backend and closes it; the app only
borrows it, so nothing here opens or closes a connection. Everything the app needs is built
inside `create_app()`, never at import time.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.config import ApiSettings
from api.error_handlers import install_error_handlers
from api.routes import documents, health, pages, search
from index.base import IndexBackend

PACKAGE_DIR = Path(__file__).parent

DESCRIPTION = """
Search the public job ads, classified ads, social posts and news that track4tip collected,
with the recruitment-fraud and trafficking risk indicators found in them.

Every error is JSON with a `detail` field: a message, or for invalid parameters (422) FastAPI's
list of `{type, loc, msg}` where `loc` names the parameter, e.g. `["query", "size"]`.
"""

TAGS = [
    {"name": "search", "description": "Full-text search with filters and facet counts."},
    {"name": "documents", "description": "Whole documents, their evidence and versions."},
    {"name": "health", "description": "Is the service and its index answering."},
]


def create_app(settings: ApiSettings, index: IndexBackend) -> FastAPI:
    app = FastAPI(
        title=settings.title,
        description=DESCRIPTION,
        version="0.1.0",
        openapi_tags=TAGS,
        docs_url="/docs",
    )
    app.state.index = index
    app.state.templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET"],
            allow_headers=["*"],
        )
    install_error_handlers(app)
    for module in (search, documents, health, pages):
        app.include_router(module.router)
    return app
