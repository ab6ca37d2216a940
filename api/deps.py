"""Dependencies shared by the routes, as `Annotated` aliases (FastAPI "Bigger Applications").

- `IndexDep`: the backend `create_app()` was given.
- `SearchQueryDep`: a validated `SearchQuery` from query parameters, every refusal a 422
  naming the parameter (api/search_params.py).
- `DocumentDep`: the document named in the path, or a 404 — the check every document route
  would otherwise repeat.
- `DatabaseDep`, `UsersDep`, `AuditDep`: the console's SQLite state and its stores.
- `ReportsDep`, `ReportRendererDep`, `AlertsDep`: reports, their renderer, the alert engine
  (its `rules`, `outbox` and `dispatcher`).
- `SettingsDep`, `EvidenceDirDep`, `LoginThrottleDep`: the app's settings, the crawler's
  evidence folder (None when not configured), the login throttle (failed-login counts and
  the limit on password checks running at once).
- `LinkerDep`: a read-only linker over the linking store for one request (None when nothing
  is linked yet); `NetworkViewDep` / `ClusterViewDep`: the group named in the path, or a 404.
- `ViewerPseudonymiserDep`: None for callers who may read documents, else the keyed
  pseudonymiser (503 without a key); `keyed_pseudonymiser()` builds it for exports too.
- `ReportAuthoringDep`: creates and saves reports for the calling reporter (checked, stored,
  audited), for the JSON routes and the console's forms alike.
- `CurrentUser`: the caller (API key or console session; 401 otherwise), with the CSRF check
  on unsafe session requests (403). `require_permission(Permission.X)` — or, where a route
  needs roles outside the matrix, `require_roles(*roles)` — is a dependency that also refuses
  the wrong role (403); every non-public route uses one (api/accounts/permissions.py holds the
  matrix).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path as FilePath
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.templating import Jinja2Templates

from api.accounts import auth
from api.accounts.permissions import MATRIX, Permission, allows
from api.accounts.pseudonymise import Pseudonymiser
from api.accounts.users import Role, User, UserStore
from api.alerting.engine import AlertEngine
from api.annotations.audit import AuditLog
from api.annotations.flags import FlagStore
from api.annotations.saved_searches import SavedSearchStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.reporting.authoring import ReportAuthoring
from api.reporting.rendering import ReportRenderer
from api.reporting.store import ReportStore

# Re-exported: routes take every dependency from here (the code is in api/search_params.py).
from api.search_params import SearchQueryDep as SearchQueryDep
from api.search_params import query_from_params as query_from_params
from api.search_params import search_query as search_query
from index.base import IndexBackend
from index.document import Document
from linking.errors import LinkingError
from linking.linker import Linker
from linking.store import LinkingStore
from linking.views import ClusterView, NetworkView


# This module is the only reader of `app.state` (create_app() is its only writer).
# The getters only read it: `async def` keeps them on the event loop instead of costing
# each request a hop to the thread pool per dependency (measured by bench/bench_api.py).
async def get_index(request: Request) -> IndexBackend:
    return request.app.state.index


def templates_of(request: Request) -> Jinja2Templates:
    """The console's templates; also for the error handlers, which take no dependencies."""
    return request.app.state.templates


async def get_templates(request: Request) -> Jinja2Templates:
    return templates_of(request)


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


async def get_login_throttle(request: Request) -> auth.LoginThrottle:
    return request.app.state.login_throttle


async def get_linking_store(request: Request) -> LinkingStore:
    return request.app.state.linking


async def get_database(request: Request) -> ConsoleDatabase:
    return request.app.state.database


async def get_users(request: Request) -> UserStore:
    return request.app.state.users


async def get_audit(request: Request) -> AuditLog:
    return request.app.state.audit


async def get_flags(request: Request) -> FlagStore:
    return request.app.state.flags


async def get_saved_searches(request: Request) -> SavedSearchStore:
    return request.app.state.saved_searches


async def get_reports(request: Request) -> ReportStore:
    return request.app.state.reports


async def get_report_renderer(request: Request) -> ReportRenderer:
    return request.app.state.report_renderer


async def get_alerts(request: Request) -> AlertEngine:
    return request.app.state.alerts


IndexDep = Annotated[IndexBackend, Depends(get_index)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
LoginThrottleDep = Annotated[auth.LoginThrottle, Depends(get_login_throttle)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
DatabaseDep = Annotated[ConsoleDatabase, Depends(get_database)]
UsersDep = Annotated[UserStore, Depends(get_users)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]
FlagsDep = Annotated[FlagStore, Depends(get_flags)]
SavedSearchesDep = Annotated[SavedSearchStore, Depends(get_saved_searches)]
ReportsDep = Annotated[ReportStore, Depends(get_reports)]
ReportRendererDep = Annotated[ReportRenderer, Depends(get_report_renderer)]
AlertsDep = Annotated[AlertEngine, Depends(get_alerts)]


async def get_evidence_dir(settings: SettingsDep) -> FilePath | None:
    return settings.evidence_dir


EvidenceDirDep = Annotated[FilePath | None, Depends(get_evidence_dir)]


# --- the caller ---------------------------------------------------------------------------

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers=_CHALLENGE)


def resolve_caller(request: Request, users: UsersDep, settings: SettingsDep) -> auth.Caller:
    """The user behind the API key, else behind the session cookie; 401 when neither."""
    key = auth.presented_key(request)
    if key is not None:
        user = users.user_for_key(key) if key else None
        if user is None:
            raise _unauthorised("invalid, revoked or disabled API key")
        caller = auth.Caller(user, auth.Via.API_KEY)
    else:
        lifetime = settings.session_lifetime
        user_id = auth.session_user_id(request, lifetime, users.sessions)
        found = users.find(user_id) if user_id is not None else None
        if found is None or found.disabled:
            raise _unauthorised("log in, or send an API key (Authorization: Bearer <key>)")
        caller = auth.Caller(found, auth.Via.SESSION)
    request.state.user = caller.user
    return caller


async def current_user(
    request: Request, caller: Annotated[auth.Caller, Depends(resolve_caller)]
) -> User:
    unsafe = caller.via is auth.Via.SESSION and request.method in auth.UNSAFE_METHODS
    if unsafe and not await auth.csrf_ok(request):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"missing or wrong CSRF token (send the {auth.CSRF_HEADER} header "
            f"or the {auth.CSRF_FIELD} form field)",
        )
    return caller.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role) -> Any:
    """A dependency returning the caller if their role is one of `roles` (admins always)."""
    allowed = frozenset(roles) | {Role.ADMIN}
    names = ", ".join(sorted(allowed))

    async def caller_with_role(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"role {user.role} may not do this (needs: {names})"
            )
        return user

    # Read by the test that walks every route and checks it refuses the other roles.
    caller_with_role.allowed_roles = allowed  # type: ignore[attr-defined]
    return Depends(caller_with_role)


def require_permission(permission: Permission) -> Any:
    """`require_roles` with the roles the matrix gives `permission`."""
    return require_roles(*MATRIX[permission])


# One alias per permission, so routes read as what they allow, and each check is one callable
# (FastAPI then runs it once per request even when a route names it twice).
AnyUserDep = Annotated[User, require_roles(*Role)]
SearcherDep = Annotated[User, require_permission(Permission.SEARCH)]
ReaderDep = Annotated[User, require_permission(Permission.READ)]
FlaggerDep = Annotated[User, require_permission(Permission.FLAG)]
SaverDep = Annotated[User, require_permission(Permission.SAVED_SEARCHES)]
ReporterDep = Annotated[User, require_permission(Permission.REPORT)]
AlertsUserDep = Annotated[User, require_permission(Permission.ALERTS)]
TrendsUserDep = Annotated[User, require_permission(Permission.TRENDS)]
ExporterDep = Annotated[User, require_permission(Permission.EXPORT)]
RawExporterDep = Annotated[User, require_permission(Permission.EXPORT_RAW)]
NetworksUserDep = Annotated[User, require_permission(Permission.NETWORKS)]
UserAdminDep = Annotated[User, require_permission(Permission.MANAGE_USERS)]
AuditorDep = Annotated[User, require_permission(Permission.AUDIT)]


# --- writing reports -----------------------------------------------------------------------


def report_authoring(
    user: ReporterDep,
    index: IndexDep,
    reports: ReportsDep,
    renderer: ReportRendererDep,
    audit: AuditDep,
    evidence_dir: EvidenceDirDep,
) -> ReportAuthoring:
    return ReportAuthoring(user, index, reports, renderer, audit, evidence_dir)


# A reporter's check, store and audit of a report body: the API and the console's forms alike.
ReportAuthoringDep = Annotated[ReportAuthoring, Depends(report_authoring)]


# --- the document in the path -------------------------------------------------------------


def existing_document(
    doc_id: Annotated[str, Path(description="The document id.", examples=["3f1c9a0b7d2e"])],
    index: IndexDep,
) -> Document:
    document = index.get(doc_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document with id {doc_id!r}")
    return document


DocumentDep = Annotated[Document, Depends(existing_document)]


# --- linking: the store, the group in the path, pseudonymised contacts ---------------------

View = TypeVar("View", NetworkView, ClusterView)

NetworkId = Annotated[
    str,
    Path(
        pattern=r"^net-[\w-]+$",
        max_length=200,
        description="A network id.",
        examples=["net-3f1c9a0b7d2e4c6a8b1d0e2f"],
    ),
]
ClusterId = Annotated[
    str,
    Path(
        pattern=r"^dup-[\w-]+$",
        max_length=200,
        description="A near-duplicate cluster id.",
        examples=["dup-3f1c9a0b7d2e4c6a8b1d0e2f"],
    ),
]


def open_linker(
    store: Annotated[LinkingStore, Depends(get_linking_store)],
) -> Iterator[Linker | None]:
    with store.open() as linker:
        yield linker


LinkerDep = Annotated[Linker | None, Depends(open_linker)]


def _group(linker: Linker | None, read: Callable[[Linker], View], group_id: str) -> View:
    if linker is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {group_id!r}: nothing linked yet")
    try:
        return read(linker)
    except LinkingError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


def requested_network(network_id: NetworkId, linker: LinkerDep) -> NetworkView:
    """The network named in the path, or a 404 naming why it is not there."""
    return _group(linker, lambda found: found.network(network_id), network_id)


def requested_cluster(cluster_id: ClusterId, linker: LinkerDep) -> ClusterView:
    return _group(linker, lambda found: found.cluster(cluster_id), cluster_id)


NetworkViewDep = Annotated[NetworkView, Depends(requested_network)]
ClusterViewDep = Annotated[ClusterView, Depends(requested_cluster)]


def keyed_pseudonymiser(settings: ApiSettings, refusal: str) -> Pseudonymiser:
    """The pseudonymiser of the configured key; 503 starting with `refusal` without one."""
    key = settings.pseudonymisation_key
    if key is None or len(key.get_secret_value()) < 16:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{refusal}: set TRACK4TIP_API_PSEUDONYMISATION_KEY (16+ characters)",
        )
    return Pseudonymiser(key.get_secret_value().encode("utf-8"))


def viewer_pseudonymiser(user: NetworksUserDep, settings: SettingsDep) -> Pseudonymiser | None:
    """None for callers who may read documents; a Pseudonymiser for the others."""
    if allows(user.role, Permission.READ):
        return None
    return keyed_pseudonymiser(settings, "networks are shown to researchers with hashed contacts")


ViewerPseudonymiserDep = Annotated[Pseudonymiser | None, Depends(viewer_pseudonymiser)]
