"""Who may do what: the one permission matrix of the API and the console.

    permission       admin  analyst  investigator  researcher
    search             x       x          x
    read               x       x          x
    flag               x       x
    saved_searches     x       x          x
    report             x       x
    alerts             x                  x
    trends             x       x                       x
    export             x                               x   (pseudonymised)
    export_raw         x                                   (personal data as collected)
    networks           x       x          x            x   (researchers: contacts hashed)
    manage_users       x
    audit              x

Analysts search, read, flag and write reports; investigators read and receive risk alerts
(an alert rule is a saved search, so they keep saved searches); researchers see trends and
export pseudonymised datasets, never single documents. Admins may do everything. Routes name
a permission (`api.deps.require_permission`), never a list of roles, so the matrix is here
only. The few routes anyone may call are listed in `PUBLIC_PATHS`; a test walks every route
of the app and fails when one neither is public nor refuses an anonymous caller.
"""

from __future__ import annotations

from enum import StrEnum

from api.accounts.users import Role


class Permission(StrEnum):
    SEARCH = "search"
    READ = "read"
    FLAG = "flag"
    SAVED_SEARCHES = "saved_searches"
    REPORT = "report"
    ALERTS = "alerts"
    TRENDS = "trends"
    EXPORT = "export"
    EXPORT_RAW = "export_raw"
    NETWORKS = "networks"
    MANAGE_USERS = "manage_users"
    AUDIT = "audit"


_ADMIN = Role.ADMIN
_ANALYST = Role.ANALYST
_INVESTIGATOR = Role.INVESTIGATOR
_RESEARCHER = Role.RESEARCHER

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.SEARCH: frozenset({_ADMIN, _ANALYST, _INVESTIGATOR}),
    Permission.READ: frozenset({_ADMIN, _ANALYST, _INVESTIGATOR}),
    Permission.FLAG: frozenset({_ADMIN, _ANALYST}),
    Permission.SAVED_SEARCHES: frozenset({_ADMIN, _ANALYST, _INVESTIGATOR}),
    Permission.REPORT: frozenset({_ADMIN, _ANALYST}),
    Permission.ALERTS: frozenset({_ADMIN, _INVESTIGATOR}),
    Permission.TRENDS: frozenset({_ADMIN, _ANALYST, _RESEARCHER}),
    Permission.EXPORT: frozenset({_ADMIN, _RESEARCHER}),
    Permission.EXPORT_RAW: frozenset({_ADMIN}),
    # Clusters and networks are aggregates: researchers see them with contacts hashed.
    Permission.NETWORKS: frozenset({_ADMIN, _ANALYST, _INVESTIGATOR, _RESEARCHER}),
    Permission.MANAGE_USERS: frozenset({_ADMIN}),
    Permission.AUDIT: frozenset({_ADMIN}),
}

# Paths anyone may call: liveness, the login form, the stylesheet, the API's own docs, and
# the language switch (a cookie; it reveals nothing).
PUBLIC_PATHS = frozenset(
    {
        "/healthz",
        "/login",
        "/language",
        "/static",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
    }
)


def allows(role: Role, permission: Permission) -> bool:
    return role in MATRIX[permission]


def permissions_of(role: Role) -> list[Permission]:
    return [permission for permission in Permission if allows(role, permission)]
