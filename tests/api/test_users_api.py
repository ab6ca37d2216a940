"""Admins manage users over the API: make, change role, disable, see and revoke keys."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role
from tests.api.conftest import TEST_PASSWORD, Accounts


@pytest.fixture
def admin(client: TestClient, accounts: Accounts) -> dict[str, str]:
    return accounts.headers(Role.ADMIN)


def test_make_change_and_disable_a_user(client: TestClient, admin: dict) -> None:
    made = client.post(
        "/api/users",
        json={"username": "nuevo.analista", "password": TEST_PASSWORD, "role": "researcher"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    user = made.json()
    assert (user["username"], user["role"], user["disabled"]) == (
        "nuevo.analista",
        "researcher",
        False,
    )
    assert "password" not in user
    changed = client.patch(f"/api/users/{user['id']}", json={"role": "analyst"}, headers=admin)
    assert changed.json()["role"] == "analyst"
    assert "nuevo.analista" in [
        entry["username"] for entry in client.get("/api/users", headers=admin).json()
    ]
    log = client.get("/api/audit", params={"target": "nuevo.analista"}, headers=admin).json()
    assert [entry["action"] for entry in log["entries"]] == ["change_user", "create_user"]
    assert log["entries"][0]["details"] == {"role": "analyst"}


def test_admin_revokes_another_users_key(
    client: TestClient, accounts: Accounts, admin: dict
) -> None:
    investigator = accounts.users[Role.INVESTIGATOR]
    keys = client.get(f"/api/users/{investigator.id}/keys", headers=admin).json()
    assert keys and all("token" not in key for key in keys)
    made = client.post(
        "/api/auth/keys", json={"name": "to revoke"}, headers=accounts.headers(Role.INVESTIGATOR)
    ).json()
    revoked = client.delete(f"/api/users/{investigator.id}/keys/{made['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    other = accounts.users[Role.RESEARCHER]
    wrong_owner = client.delete(f"/api/users/{other.id}/keys/{made['id']}", headers=admin)
    assert wrong_owner.status_code == 404
    assert (
        client.get("/api/auth/me", headers={"Authorization": f"Bearer {made['token']}"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ({"username": "Mayúsculas", "password": TEST_PASSWORD, "role": "analyst"}, 422, "username"),
        ({"username": "corto", "password": "short", "role": "analyst"}, 422, "password"),
        ({"username": "rolmalo", "password": TEST_PASSWORD, "role": "root"}, 422, "role"),
        ({"username": "extra", "password": TEST_PASSWORD, "role": "analyst", "x": 1}, 422, "x"),
    ],
)
def test_bad_users_are_refused(
    client: TestClient, admin: dict, body: dict, status: int, where: str
) -> None:
    response = client.post("/api/users", json=body, headers=admin)
    assert response.status_code == status
    assert response.json()["detail"][0]["loc"][-1] == where
    names = [user["username"] for user in client.get("/api/users", headers=admin).json()]
    assert body["username"].lower() not in names


def test_duplicate_and_unknown_users(client: TestClient, admin: dict) -> None:
    duplicate = client.post(
        "/api/users",
        json={"username": "analyst-one", "password": TEST_PASSWORD, "role": "analyst"},
        headers=admin,
    )
    assert duplicate.status_code == 409
    assert duplicate.json() == {"detail": "a user named 'analyst-one' exists already"}
    missing = client.patch("/api/users/999999", json={"disabled": True}, headers=admin)
    assert missing.status_code == 404 and missing.json() == {"detail": "no user with id 999999"}


def test_me_lists_the_callers_permissions(client: TestClient, accounts: Accounts) -> None:
    me = client.get("/api/auth/me", headers=accounts.headers(Role.RESEARCHER)).json()
    assert me["user"]["role"] == "researcher"
    assert {"trends", "export"} <= set(me["permissions"])
    assert not {"search", "read", "flag", "export_raw"} & set(me["permissions"])
