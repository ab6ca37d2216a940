"""Console login, sessions and CSRF; API keys hashed at rest, revoked, disabled users."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.accounts.users import Role, UserStore
from tests.api.conftest import HTML, TEST_PASSWORD, Accounts, form_token, log_in


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """A client with no key: it holds cookies like a browser."""
    with TestClient(client.app) as fresh:
        yield fresh


def test_anonymous_browser_is_sent_to_the_login_page(browser: TestClient) -> None:
    response = browser.get("/?q=modelos", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fq%3Dmodelos"
    assert 'name="password"' in browser.get(response.headers["location"]).text


def test_login_then_search_then_logout(browser: TestClient, accounts: Accounts) -> None:
    token = log_in(browser, "analyst-one")
    page = browser.get("/", params={"q": "modelos"}, headers=HTML)
    assert page.status_code == 200 and "3 results" in page.text
    assert "analyst-one · analyst" in page.text
    assert browser.get("/api/auth/me").json()["user"]["username"] == "analyst-one"
    out = browser.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert browser.get("/api/auth/me").status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(browser: TestClient) -> None:
    token = form_token(browser.get("/login").text)
    answers = [
        browser.post(
            "/login", data={"username": name, "password": "wrong-password-1", "csrf_token": token}
        )
        for name in ("analyst-one", "nobody-here")
    ]
    assert [answer.status_code for answer in answers] == [401, 401]
    assert all("Wrong user name or password." in answer.text for answer in answers)
    assert browser.get("/api/auth/me").status_code == 401


def test_login_form_needs_its_csrf_token(browser: TestClient) -> None:
    browser.get("/login")
    response = browser.post("/login", data={"username": "analyst-one", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert browser.get("/api/auth/me").status_code == 401


def test_login_redirects_only_to_this_site(browser: TestClient) -> None:
    token = form_token(browser.get("/login").text)
    for target, expected in (
        ("//evil.example/", "/"),
        ("https://evil.example", "/"),
        ("/saved-searches", "/saved-searches"),
    ):
        response = browser.post(
            "/login",
            data={
                "username": "analyst-one",
                "password": TEST_PASSWORD,
                "csrf_token": token,
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected
        token = form_token(browser.get("/login").text)


def test_unsafe_session_requests_need_the_csrf_token(browser: TestClient, documents: dict) -> None:
    token = log_in(browser, "analyst-one")
    body = {"name": "csrf check"}
    refused = browser.post("/api/auth/keys", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = browser.post("/api/auth/keys", json=body, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    assert [key["name"] for key in browser.get("/api/auth/keys").json()] == ["tests"]
    made = browser.post("/api/auth/keys", json=body, headers={"X-CSRF-Token": token})
    assert made.status_code == 201
    revoked = browser.delete(f"/api/auth/keys/{made.json()['id']}", headers={"X-CSRF-Token": token})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    # A form post without the field is refused as well.
    doc_id = documents["modelos"].id
    form = browser.post(f"/documents/{doc_id}/flags", data={"category": "coercion"})
    assert form.status_code == 403


def test_api_keys_are_stored_hashed_and_shown_once(client: TestClient, accounts: Accounts) -> None:
    made = client.post("/api/auth/keys", json={"name": "hash check"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("t4t_") and len(token) > 40
    raw = accounts.database.path.read_bytes()
    wal = accounts.database.path.with_name(accounts.database.path.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert token.encode() not in raw
    with sqlite3.connect(accounts.database.path) as connection:
        stored = connection.execute(
            "SELECT token_sha256 FROM api_keys WHERE id = ?", (made.json()["id"],)
        ).fetchone()[0]
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    listed = client.get("/api/auth/keys").json()
    assert all("token" not in key for key in listed)
    assert (
        client.get("/api/search", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    last_used = [key for key in client.get("/api/auth/keys").json() if key["name"] == "hash check"]
    assert last_used[0]["last_used_at"] is not None


def test_revoked_keys_and_disabled_users_are_refused(
    client: TestClient, accounts: Accounts
) -> None:
    store = UserStore(accounts.database)
    user = store.create("temp-analyst", TEST_PASSWORD, Role.ANALYST)
    key, token = store.create_key(user.id, "temporary")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/search", headers=headers).status_code == 200
    store.revoke_key(key.id)
    assert client.get("/api/search", headers=headers).status_code == 401
    _, second = store.create_key(user.id, "second")
    admin = accounts.headers(Role.ADMIN)
    disabled = client.patch(f"/api/users/{user.id}", json={"disabled": True}, headers=admin)
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert (
        client.get("/api/search", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    )
    assert store.authenticate("temp-analyst", TEST_PASSWORD) is None


def test_passwords_are_salted_scrypt(accounts: Accounts) -> None:
    with sqlite3.connect(accounts.database.path) as connection:
        hashes = [row[0] for row in connection.execute("SELECT password_hash FROM users")]
    assert all(value.startswith("scrypt$16384$8$1$") for value in hashes)
    assert TEST_PASSWORD not in "".join(hashes)
    assert len({value.split("$")[4] for value in hashes}) == len(hashes)  # one salt each


def test_a_session_ends_after_its_lifetime_however_busy(accounts: Accounts) -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from api.accounts import auth
    from api.accounts.sessions import SessionStore

    sessions = SessionStore(accounts.database)
    user_id = accounts.users[Role.ANALYST].id
    token = sessions.start(user_id, timedelta(hours=1))

    def cookie(**values: object) -> SimpleNamespace:
        base = {auth.SESSION_USER: user_id, auth.SESSION_TOKEN: token}
        return SimpleNamespace(session=base | values)

    fresh = cookie(**{auth.SESSION_SINCE: time.time() - 30})
    assert auth.session_user_id(fresh, 60, sessions) == user_id  # type: ignore[arg-type]
    old = cookie(**{auth.SESSION_SINCE: time.time() - 61})
    assert auth.session_user_id(old, 60, sessions) is None  # type: ignore[arg-type]
    assert old.session == {}
    forged = SimpleNamespace(session={auth.SESSION_USER: "7", auth.SESSION_SINCE: "now"})
    assert auth.session_user_id(forged, 60, sessions) is None  # type: ignore[arg-type]


def test_password_guessing_is_throttled(client: TestClient) -> None:
    with TestClient(client.app) as browser:
        token = form_token(browser.get("/login").text)

        def attempt(password: str) -> int:
            data = {"username": "researcher-one", "password": password, "csrf_token": token}
            return browser.post("/login", data=data, follow_redirects=False).status_code

        assert [attempt(f"guess-number-{n}") for n in range(5)] == [401] * 5
        assert attempt(TEST_PASSWORD) == 429  # even the right password, for a while
        other = {"username": "admin-one", "password": TEST_PASSWORD, "csrf_token": token}
        assert browser.post("/login", data=other, follow_redirects=False).status_code == 303


def test_the_throttle_limits_are_the_settings(index, accounts: Accounts) -> None:
    from api.config import ApiSettings
    from api.main import create_app

    settings = ApiSettings(login_failures_per_pair=2)  # the default is 5
    with TestClient(create_app(settings, index, accounts.database)) as browser:
        token = form_token(browser.get("/login").text)

        def attempt(username: str, password: str) -> int:
            data = {"username": username, "password": password, "csrf_token": token}
            return browser.post("/login", data=data, follow_redirects=False).status_code

        assert [attempt("analyst-one", f"guess-{n}") for n in range(3)] == [401, 401, 429]
        assert [attempt("nobody", f"guess-{n}") for n in range(3)] == [401, 401, 429]


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_throttle_limit_that_is_not_a_positive_count_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from pydantic import ValidationError

    from api.config import ApiSettings

    monkeypatch.setenv("TRACK4TIP_API_LOGIN_FAILURES_PER_PAIR", value)
    with pytest.raises(ValidationError, match="login_failures_per_pair"):
        ApiSettings()


def test_the_throttle_forgets_old_failures_and_keeps_pairs_apart() -> None:
    from api.accounts.auth import LoginThrottle

    throttle = LoginThrottle(max_failures=2, window_seconds=0.2)
    throttle.failed("10.0.0.1", "Ana")
    throttle.failed("10.0.0.1", "ana ")
    assert throttle.blocked("10.0.0.1", "ana")
    assert not throttle.blocked("10.0.0.2", "ana")  # another address is not locked out
    time.sleep(0.25)
    assert not throttle.blocked("10.0.0.1", "ana")
    throttle.failed("10.0.0.1", "ana")
    throttle.succeeded("10.0.0.1", "ana")
    throttle.failed("10.0.0.1", "ana")
    assert not throttle.blocked("10.0.0.1", "ana")
