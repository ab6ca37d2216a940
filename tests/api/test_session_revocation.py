"""Sessions and keys that outlive their owner's intent (issue 13, item 7d), through the real
app and its login form. Each test replays a copy of the cookie or the key the way an attacker
who kept one would: after a logout, after a password change, after a key's lifetime."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from api.accounts.users import Role, UserStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from index.embedded import EmbeddedIndex
from tests.api.conftest import TEST_PASSWORD, Accounts, log_in, make_accounts

COOKIE = "track4tip_session"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Accounts:
    return make_accounts(ConsoleDatabase(tmp_path_factory.mktemp("sessions") / "c.sqlite3"))


@pytest.fixture(scope="module")
def app(index: EmbeddedIndex, own: Accounts) -> FastAPI:
    return create_app(ApiSettings(session_secret="s" * 32), index, own.database)


def _browser(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def _searches(app: FastAPI, cookie: str) -> int:
    """Status of a search made with nothing but a copy of the session cookie."""
    with TestClient(app, cookies={COOKIE: cookie}) as replay:
        return replay.get("/api/search", params={"q": "x"}).status_code


def test_a_cookie_copied_before_logout_is_dead_after_it(app: FastAPI, own: Accounts) -> None:
    with _browser(app) as browser:
        token = log_in(browser, "analyst-one")
        stolen = browser.cookies[COOKIE]
        assert _searches(app, stolen) == 200
        browser.post("/logout", data={"csrf_token": token})
    assert _searches(app, stolen) == 401


def test_a_password_change_ends_the_users_other_sessions(app: FastAPI, own: Accounts) -> None:
    admin_headers = own.headers(Role.ADMIN)
    target = own.users[Role.RESEARCHER]
    with _browser(app) as browser:
        log_in(browser, target.username)
        stolen = browser.cookies[COOKIE]
    assert _searches(app, stolen) in (200, 403)  # alive (researchers may not search: 403)
    with TestClient(app, headers=admin_headers) as admin:
        changed = admin.patch(f"/api/users/{target.id}", json={"password": "another password 1"})
        assert changed.status_code == 200, changed.text
        admin.patch(f"/api/users/{target.id}", json={"password": TEST_PASSWORD})
    assert _searches(app, stolen) == 401


def test_an_admin_changing_their_own_password_keeps_that_session(
    app: FastAPI, own: Accounts
) -> None:
    admin = own.users[Role.ADMIN]
    with _browser(app) as elsewhere:
        log_in(elsewhere, admin.username)
        other_device = elsewhere.cookies[COOKIE]
    with _browser(app) as browser:
        token = log_in(browser, admin.username)
        answer = browser.patch(
            f"/api/users/{admin.id}",
            json={"password": TEST_PASSWORD},
            headers={"x-csrf-token": token},
        )
        assert answer.status_code == 200, answer.text
        assert browser.get("/api/users").status_code == 200
    assert _searches(app, other_device) == 401


def test_new_keys_expire_and_expired_keys_are_refused(index: EmbeddedIndex, own: Accounts) -> None:
    app = create_app(ApiSettings(api_key_lifetime_days=7), index, own.database)
    with TestClient(app, headers=own.headers(Role.ANALYST)) as client:
        made = client.post("/api/auth/keys", json={"name": "short-lived"}).json()
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    bearer = {"Authorization": f"Bearer {made['token']}"}
    with TestClient(app, headers=bearer) as holder:
        assert holder.get("/api/search", params={"q": "x"}).status_code == 200
        # A week later (the row says so): the same key is refused.
        with sqlite3.connect(own.database.path) as connection:
            past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
            connection.execute(
                "UPDATE api_keys SET expires_at = ? WHERE id = ?", (past, made["id"])
            )
        assert holder.get("/api/search", params={"q": "x"}).status_code == 401


def test_keys_from_before_expiry_existed_are_given_one(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE,"
            " role TEXT NOT NULL, password_hash TEXT NOT NULL, disabled INTEGER NOT NULL"
            " DEFAULT 0, created_at TEXT NOT NULL);"
            "CREATE TABLE api_keys (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL,"
            " name TEXT NOT NULL, prefix TEXT NOT NULL, token_sha256 TEXT NOT NULL UNIQUE,"
            " created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT);"
            "INSERT INTO users VALUES (1, 'old-user', 'analyst', 'x', 0, '2024-01-01T00:00:00');"
            "INSERT INTO api_keys VALUES (1, 1, 'old', 't4t_old', 'd', '2024-01-01T00:00:00',"
            " NULL, NULL);"
        )
    store = UserStore(ConsoleDatabase(path))
    (key,) = store.keys(1)
    assert key.expires_at is not None and key.expires_at > datetime.now(UTC)


def test_a_cookie_from_before_sessions_were_kept_is_refused(app: FastAPI, own: Accounts) -> None:
    # A cookie signed with the right key but naming no server-side session (as every cookie
    # made before this change does) no longer logs anyone in.
    payload = {"user_id": own.users[Role.ADMIN].id, "since": time.time(), "csrf": "x"}
    data = base64.b64encode(json.dumps(payload).encode())
    forged = TimestampSigner("s" * 32).sign(data).decode()
    assert _searches(app, forged) == 401
