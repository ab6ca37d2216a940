"""Who is calling: an API key, or the console's session cookie — and CSRF for the console.

    Authorization: Bearer t4t_…   or   X-API-Key: t4t_…     scripts and other services
    session cookie (signed, SameSite=Lax)                   the console in a browser

A request carrying a key is judged by the key alone: a wrong or revoked key is refused even if
a session cookie came along. Sessions are Starlette's signed cookies (itsdangerous); they hold
the user id, the login time (a login lasts `session_lifetime` seconds however busy it is) and
a per-session CSRF token. Every unsafe request (POST, PUT, PATCH, DELETE) made with the session
must return that token in the `X-CSRF-Token` header (HTMX and fetch) or a `csrf_token` form
field; key-authenticated requests are exempt, since no browser sends a key on its own.

Password guessing is slowed by `LoginThrottle`: after a few failed logins for one user name
from one address, that pair is refused (429) for a while, whether the password is right or
not. Keyed by address too, so a stranger cannot lock a colleague out from elsewhere.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from starlette.requests import Request

from api.accounts.users import User

SESSION_USER = "user_id"
SESSION_SINCE = "since"
SESSION_CSRF = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Via(StrEnum):
    API_KEY = "api_key"
    SESSION = "session"


@dataclass(frozen=True)
class Caller:
    user: User
    via: Via


def presented_key(request: Request) -> str | None:
    """The API key the request carries, if any ("" when a header is there but empty)."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""
    key = request.headers.get("x-api-key")
    return key.strip() if key is not None else None


def session_user_id(request: Request, lifetime_seconds: int) -> int | None:
    """The user id of a live session; an expired one is emptied."""
    session = request.session
    user_id, since = session.get(SESSION_USER), session.get(SESSION_SINCE)
    if not isinstance(user_id, int) or not isinstance(since, int | float):
        return None
    if time.time() - since > lifetime_seconds:
        session.clear()
        return None
    return user_id


def start_session(request: Request, user: User) -> None:
    """Log in: a new session (against fixation) with a new CSRF token."""
    request.session.clear()
    request.session.update(
        {SESSION_USER: user.id, SESSION_SINCE: time.time(), SESSION_CSRF: _new_token()}
    )


def end_session(request: Request) -> None:
    request.session.clear()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the login form needs one too)."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = _new_token()
        request.session[SESSION_CSRF] = token
    return token


async def csrf_ok(request: Request) -> bool:
    """Does this request return the session's CSRF token, in the header or the form?"""
    expected = request.session.get(SESSION_CSRF)
    if not isinstance(expected, str):
        return False
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        # Starlette caches the parsed form, so the route's own Form() fields still read it.
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    return given is not None and hmac.compare_digest(given, expected)


# Failed logins allowed per (address, user name) within the window, before refusals.
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW_SECONDS = 15 * 60
# Pairs remembered at most; the oldest are forgotten first (bounded memory under a spray).
MAX_TRACKED_PAIRS = 10_000


class LoginThrottle:
    """Counts recent failed logins per (client address, user name), in memory."""

    def __init__(
        self,
        max_failures: int = MAX_FAILED_LOGINS,
        window_seconds: float = FAILED_LOGIN_WINDOW_SECONDS,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and now - times[0] > self.window_seconds:
            times.popleft()
        return times

    def blocked(self, address: str, username: str) -> bool:
        key = (address, username.strip().lower())
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.max_failures

    def failed(self, address: str, username: str) -> None:
        key = (address, username.strip().lower())
        now = time.monotonic()
        with self._lock:
            times = self._recent(key, now)
            times.append(now)
            self._failures.pop(key, None)
            self._failures[key] = times  # re-inserted: the dict stays oldest-first
            while len(self._failures) > MAX_TRACKED_PAIRS:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username.strip().lower()), None)
