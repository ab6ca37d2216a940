"""The FastAPI application: `create_app(settings, index, database)`.

The caller (the CLI's `serve` command) opens the index backend and closes it; the app only
borrows it, so nothing here opens or closes a connection. The console's state lives in
`database` (api/database.py); without one, `settings.database_path` is used, and without that
a throw-away file in a temporary folder (tests, quick looks). Everything the app needs is
built inside `create_app()`, never at import time.
"""

from __future__ import annotations

import secrets
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from api.accounts import auth
from api.accounts.permissions import Permission, allows
from api.accounts.users import User, UserStore
from api.alerting.engine import build_alert_engine
from api.annotations.audit import AuditLog
from api.annotations.flags import FlagStore
from api.annotations.saved_searches import SavedSearchStore
from api.body_limit import BodySizeLimit
from api.config import ApiSettings
from api.console import (
    alert_pages,
    export_pages,
    forms,
    i18n,
    network_pages,
    report_pages,
    search_pages,
    status_pages,
)
from api.database import DEFAULT_FILE_NAME, ConsoleDatabase
from api.error_handlers import install_error_handlers
from api.reporting.rendering import ReportRenderer
from api.reporting.store import ReportStore
from api.routes import (
    alerts,
    audit,
    documents,
    exports,
    flags,
    health,
    networks,
    reports,
    saved_searches,
    search,
    trends,
    users,
)
from api.routes import auth as auth_routes
from index.base import IndexBackend
from linking.store import DEFAULT_FILE_NAME as LINKING_FILE_NAME
from linking.store import LinkingStore
from nlp.indicators.taxonomy import read_taxonomy_file

CONSOLE_DIR = Path(__file__).parent / "console"

DESCRIPTION = """
Search the public job ads, classified ads, social posts and news that track4tip collected,
with the recruitment-fraud and trafficking risk indicators found in them.

Every error is JSON with a `detail` field: a message, or for invalid parameters (422) FastAPI's
list of `{type, loc, msg}` where `loc` names the parameter, e.g. `["query", "size"]`.

**Authentication**: send an API key as `Authorization: Bearer <key>` (or `X-API-Key: <key>`);
an admin makes keys with `track4tip users key NAME` or `POST /api/auth/keys`. The console uses
a session cookie instead, and must then send its CSRF token with every POST, PUT, PATCH and
DELETE. Each route needs a role: analysts search, read, flag and report; investigators read and
get alerts; researchers see trends and export pseudonymised data; admins may do everything.
401 means no valid credentials, 403 the wrong role (or a missing CSRF token).
"""

TAGS = [
    {"name": "search", "description": "Full-text search with filters and facet counts."},
    {"name": "documents", "description": "Whole documents, their evidence and versions."},
    {"name": "health", "description": "Is the service and its index answering."},
    {"name": "flags", "description": "Analysts' flags on documents, with their history."},
    {"name": "saved searches", "description": "Named searches of each user; run them again."},
    {"name": "trends", "description": "Counts per week by indicator, country and site."},
    {"name": "auth", "description": "Who am I; my API keys."},
    {"name": "users", "description": "Admins: users and their roles."},
    {"name": "audit", "description": "Admins: who searched, viewed, flagged, exported."},
    {"name": "reports", "description": "Intelligence reports: versions, HTML, PDF, Markdown."},
    {"name": "alerts", "description": "Alert rules, deliveries and the live alert stream."},
    {"name": "exports", "description": "Research exports (CSV, JSONL, Parquet), pseudonymised."},
    {"name": "networks", "description": "Near-duplicate clusters and shared-contact networks."},
]


# Every router of the app, API first, then the console's pages. tests/api/test_roles.py walks
# these and fails when a route neither is public nor refuses the wrong callers.
ROUTER_MODULES = (
    search,
    documents,
    flags,
    saved_searches,
    trends,
    health,
    auth_routes,
    users,
    audit,
    search_pages,
    forms,
    reports,
    alerts,
    exports,
    report_pages,
    alert_pages,
    export_pages,
    networks,
    network_pages,
    status_pages,
)


def _console_context(request: Request) -> dict[str, Any]:
    """What every console template may use: `t("key")` in the page's language, the user,
    and `csrf_token()` (a function, so pages without a form start no session)."""
    language = i18n.language_of(request)
    user = getattr(request.state, "user", None)
    return {
        "t": partial(_translate, language=language),
        "lang": language,
        "languages": i18n.LANGUAGES,
        "user": user,
        "can": partial(_can, user),
        "csrf_token": partial(auth.csrf_token, request),
    }


def _can(user: User | None, permission: str) -> bool:
    """Does the page's user have `permission`? Only hides links: routes check for real."""
    return user is not None and allows(user.role, Permission(permission))


def _translate(key: str, language: str, **values: object) -> str:
    return i18n.t(key, language, **values)


def _open_database(settings: ApiSettings) -> ConsoleDatabase:
    if settings.database_path is not None:
        return ConsoleDatabase(settings.database_path)
    folder = Path(tempfile.mkdtemp(prefix="track4tip-console-"))
    return ConsoleDatabase(folder / DEFAULT_FILE_NAME)


def _install_middleware(app: FastAPI, settings: ApiSettings) -> None:
    """Starlette runs the last one added first: the size limit sees a request before all."""
    if settings.cors_origins:
        # Other origins call with API keys; cookies never go cross-origin (no credentials).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    secret = settings.session_secret
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        session_cookie="track4tip_session",
        max_age=settings.session_lifetime,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)


def create_app(
    settings: ApiSettings,
    index: IndexBackend,
    database: ConsoleDatabase | None = None,
    *,
    taxonomy_path: Path | None = None,
) -> FastAPI:
    """`taxonomy_path`: the indicator taxonomy flags choose from (default: the bundled one,
    as TRACK4TIP_NLP_TAXONOMY_PATH)."""
    database = database or _open_database(settings)
    app = FastAPI(
        title=settings.title,
        description=DESCRIPTION,
        version="0.1.0",
        openapi_tags=TAGS,
        docs_url="/docs",
    )
    app.state.index = index
    app.state.settings = settings
    app.state.database = database
    app.state.users = UserStore(database)
    app.state.audit = AuditLog(database)
    app.state.login_throttle = auth.LoginThrottle(
        settings.login_failures_per_pair,
        settings.login_failure_window,
        max_per_address=settings.login_failures_per_address,
        max_per_username=settings.login_failures_per_name,
    )
    app.state.flags = FlagStore(
        database, app.state.audit, partial(read_taxonomy_file, taxonomy_path)
    )
    app.state.saved_searches = SavedSearchStore(database)
    app.state.reports = ReportStore(database)
    app.state.report_renderer = ReportRenderer.from_settings(settings)
    app.state.alerts = build_alert_engine(settings, index, database)
    # The indexer writes the linking store beside the console's database; the app only reads it.
    app.state.linking = LinkingStore(
        settings.linking_path or database.path.parent / LINKING_FILE_NAME
    )
    app.state.templates = Jinja2Templates(
        directory=CONSOLE_DIR / "templates", context_processors=[_console_context]
    )
    app.mount("/static", StaticFiles(directory=CONSOLE_DIR / "static"), name="static")
    _install_middleware(app, settings)
    install_error_handlers(app)
    for module in ROUTER_MODULES:
        app.include_router(module.router)
    return app
