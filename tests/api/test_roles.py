"""Every route checks the caller's role: walked from the app's routers, so a new route that
forgets its role dependency fails here.

For each route and method: an anonymous caller gets 401, and a caller of every role the route
does not allow gets 403 — before the route looks at its path, body or the index (dummy path
values and no body are sent on purpose). Public routes are the listed few.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.accounts.permissions import MATRIX, PUBLIC_PATHS, Permission
from api.accounts.users import Role
from api.main import ROUTER_MODULES
from tests.api.conftest import Accounts

DUMMY_PATH_VALUES = {"doc_id": "no-such-doc", "category": "coercion"}


def _role_dependency(dependant: Any) -> frozenset[Role] | None:
    """The roles the route's `require_roles` dependency allows, found anywhere in its tree."""
    allowed = getattr(dependant.call, "allowed_roles", None)
    if allowed is not None:
        return allowed
    for child in dependant.dependencies:
        found = _role_dependency(child)
        if found is not None:
            return found
    return None


def _routes() -> Iterator[tuple[str, str, APIRoute]]:
    for module in ROUTER_MODULES:
        for route in module.router.routes:
            assert isinstance(route, APIRoute), route
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path, route


ROUTES = list(_routes())
IDS = [f"{method} {path}" for method, path, _ in ROUTES]


def _url(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda match: DUMMY_PATH_VALUES.get(match[1], "1"), path)


@pytest.fixture(scope="module")
def bare(client: TestClient) -> Iterator[TestClient]:
    """The same app, with no key and no session."""
    with TestClient(client.app) as anonymous:
        yield anonymous


def test_the_walk_finds_the_routes() -> None:
    paths = {path for _, path, _ in ROUTES}
    assert {"/api/search", "/api/documents/{doc_id}", "/api/users", "/api/audit", "/"} <= paths
    assert len(ROUTES) > 25


@pytest.mark.parametrize(("method", "path", "route"), ROUTES, ids=IDS)
def test_route_refuses_anonymous_and_wrong_roles(
    bare: TestClient, accounts: Accounts, method: str, path: str, route: APIRoute
) -> None:
    allowed = _role_dependency(route.dependant)
    if path in PUBLIC_PATHS:
        assert allowed is None, f"{path} is public but checks a role"
        return
    assert allowed is not None, f"{method} {path} has no require_roles/require_permission"
    assert Role.ADMIN in allowed
    url = _url(path)
    anonymous = bare.request(method, url)
    assert anonymous.status_code == 401, (method, url, anonymous.text)
    for role in set(Role) - allowed:
        refused = bare.request(method, url, headers=accounts.headers(role))
        assert refused.status_code == 403, (method, url, role, refused.text)
        assert f"role {role.value} may not do this" in refused.json()["detail"]


@pytest.mark.parametrize("path", ["/healthz", "/login", "/openapi.json", "/static/style.css"])
def test_public_routes_answer_anyone(bare: TestClient, path: str) -> None:
    assert bare.get(path).status_code == 200


def test_a_wrong_key_is_refused(bare: TestClient, accounts: Accounts) -> None:
    good = accounts.keys[Role.ANALYST]
    assert bare.get("/api/search", headers={"X-API-Key": good}).status_code == 200
    for headers in ({"Authorization": "Bearer t4t_nope"}, {"X-API-Key": "t4t_nope"}):
        response = bare.get("/api/search", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": "invalid, revoked or disabled API key"}
        assert response.headers["www-authenticate"] == "Bearer"
    assert bare.get("/api/search", headers={"Authorization": "Basic abc"}).status_code == 401


def test_the_matrix_gives_each_role_its_job() -> None:
    assert MATRIX[Permission.FLAG] == {Role.ADMIN, Role.ANALYST}
    assert Role.INVESTIGATOR in MATRIX[Permission.ALERTS]
    assert Role.RESEARCHER in MATRIX[Permission.EXPORT]
    assert Role.RESEARCHER not in MATRIX[Permission.READ] | MATRIX[Permission.EXPORT_RAW]
    assert all(Role.ADMIN in roles for roles in MATRIX.values())


def test_researchers_see_trends_but_no_documents(
    client: TestClient, accounts: Accounts, documents: dict[str, Any]
) -> None:
    researcher = accounts.headers(Role.RESEARCHER)
    assert client.get("/api/trends", headers=researcher).status_code == 200
    doc_id = documents["modelos"].id
    assert client.get(f"/api/documents/{doc_id}", headers=researcher).status_code == 403
    assert client.get("/api/search", headers=researcher).status_code == 403
