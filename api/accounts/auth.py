"""Who is calling: an API key, or the console's session cookie — and CSRF for the console.

    Authorization: Bearer t4t_…   or   X-API-Key: t4t_…     scripts and other services
    session cookie (signed, SameSite=Lax)                   the console in a browser

A request carrying a key is judged by the key alone: a wrong or revoked key is refused even if
a session cookie came along. Sessions are Starlette's signed cookies (itsdangerous); they hold
the user id, the login time (a login lasts `session_lifetime` seconds however busy it is), a
per-session CSRF token and the token of the session's row on the server
(api/accounts/sessions.py), which a logout or a password change ends. Every unsafe request
(POST, PUT, PATCH, DELETE) made with the session must return the CSRF token in the
`X-CSRF-Token` header (HTMX and fetch) or a `csrf_token` form field; key-authenticated
requests are exempt, since no browser sends a key on its own.

Password guessing is slowed by `LoginThrottle`, which counts failed logins three ways within
a window: per (address, user name) — a few guesses at one account, then that pair is refused
(429, with Retry-After) whether the password is right or not; per address — spraying many
names from one place; per user name — one account guessed at from many places. An address
that logged in as a user before is exempt from that user's name limit, so a stranger cannot
lock a colleague out of the machines they use. The attempt is counted before its password is
checked (and refunded when it succeeds): a burst sent at once is throttled like one sent in a
row, and a refused attempt costs no hash at all.

The password check itself (one scrypt run, tens of milliseconds of CPU) runs in a worker
thread, a few at a time (`check_login`): on the event loop, 40 failed logins stalled every
other request for seconds.
"""

from __future__ import annotations

import hmac
import math
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from anyio import CapacityLimiter, to_thread
from starlette.requests import Request

from api.accounts.sessions import SessionStore
from api.accounts.users import User, UserStore

SESSION_USER = "user_id"
SESSION_SINCE = "since"
SESSION_CSRF = "csrf"
SESSION_TOKEN = "sid"
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


def session_user_id(request: Request, lifetime_seconds: int, sessions: SessionStore) -> int | None:
    """The user id of a live session: signed, within its lifetime, and not ended on the
    server (logout, a password change). An expired or ended one is emptied."""
    session = request.session
    user_id, since = session.get(SESSION_USER), session.get(SESSION_SINCE)
    token = session.get(SESSION_TOKEN)
    if not isinstance(user_id, int) or not isinstance(since, int | float):
        return None
    if time.time() - since > lifetime_seconds or not isinstance(token, str):
        session.clear()
        return None
    if sessions.user_id(token) != user_id:
        session.clear()
        return None
    return user_id


def session_token(request: Request) -> str | None:
    """The server-side token of the request's session, if it has one."""
    token = request.session.get(SESSION_TOKEN)
    return token if isinstance(token, str) else None


def start_session(request: Request, user: User, sessions: SessionStore, lifetime: int) -> None:
    """Log in: a new session (against fixation) with a new CSRF token, kept on the server."""
    request.session.clear()
    token = sessions.start(user.id, timedelta(seconds=lifetime))
    request.session.update(
        {
            SESSION_USER: user.id,
            SESSION_SINCE: time.time(),
            SESSION_CSRF: _new_token(),
            SESSION_TOKEN: token,
        }
    )


def end_session(request: Request, sessions: SessionStore) -> None:
    """Log out: the session ends on the server too, so a copy of the cookie is worthless."""
    token = session_token(request)
    if token is not None:
        sessions.end(token)
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


# Failed logins allowed within the window, before refusals: per (address, user name); per
# address, over all names; per user name, over all addresses but those it logged in from.
MAX_FAILED_LOGINS = 5
MAX_FAILED_LOGINS_PER_ADDRESS = 20
MAX_FAILED_LOGINS_PER_USERNAME = 20
FAILED_LOGIN_WINDOW_SECONDS = 15 * 60
# How long a successful login exempts its address from the user name's limit.
TRUSTED_ADDRESS_SECONDS = 30 * 24 * 3600
# Keys remembered at most, per counter; the oldest are forgotten first (bounded memory under
# a spray).
MAX_TRACKED_PAIRS = 10_000
# Password checks running at once. scrypt holds a core for each: half the cores leave the
# rest to the event loop and the other routes' threads.
PASSWORD_CHECKS_AT_ONCE = max(1, (os.cpu_count() or 2) // 2)


class LoginThrottled(Exception):
    """Refused before any password check; `retry_after` seconds until one would be allowed."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after:.0f} s")
        self.retry_after = retry_after

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


class _Counter:
    """Recent failure times per key, oldest key first; not locked (LoginThrottle locks)."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._times: dict[object, deque[float]] = {}

    def _recent(self, key: object, now: float) -> deque[float]:
        times = self._times.get(key, deque())
        while times and now - times[0] > self.window_seconds:
            times.popleft()
        return times

    def wait(self, key: object, now: float) -> float:
        """Seconds until `key` is under its limit again (0: it is now)."""
        times = self._recent(key, now)
        if len(times) < self.limit:
            return 0.0
        # The failure whose expiry brings the count back under the limit.
        return times[len(times) - self.limit] + self.window_seconds - now

    def add(self, key: object, now: float) -> None:
        times = self._recent(key, now)
        times.append(now)
        self._times.pop(key, None)
        self._times[key] = times  # re-inserted: the dict stays oldest-first
        while len(self._times) > MAX_TRACKED_PAIRS:
            self._times.pop(next(iter(self._times)))

    def remove(self, key: object, at: float) -> None:
        times = self._times.get(key)
        if times is not None and at in times:
            times.remove(at)

    def forget(self, key: object) -> None:
        self._times.pop(key, None)


class LoginThrottle:
    """Counts recent failed logins per (address, user name), per address and per user name,
    in memory, and bounds how many password checks run at once."""

    def __init__(
        self,
        max_failures: int = MAX_FAILED_LOGINS,
        window_seconds: float = FAILED_LOGIN_WINDOW_SECONDS,
        *,
        max_per_address: int = MAX_FAILED_LOGINS_PER_ADDRESS,
        max_per_username: int = MAX_FAILED_LOGINS_PER_USERNAME,
        checks_at_once: int = PASSWORD_CHECKS_AT_ONCE,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._pairs = _Counter(max_failures, window_seconds)
        self._addresses = _Counter(max_per_address, window_seconds)
        self._usernames = _Counter(max_per_username, window_seconds)
        self._trusted: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self.checks_at_once = checks_at_once
        self._checks: CapacityLimiter | None = None

    @property
    def password_checks(self) -> CapacityLimiter:
        """The limiter of concurrent password checks (made on first use, inside the loop)."""
        if self._checks is None:
            self._checks = CapacityLimiter(self.checks_at_once)
        return self._checks

    def _trusts(self, pair: tuple[str, str], now: float) -> bool:
        since = self._trusted.get(pair)
        return since is not None and now - since <= TRUSTED_ADDRESS_SECONDS

    def _wait(self, address: str, name: str, now: float) -> float:
        pair = (address, name)
        waits = [self._pairs.wait(pair, now), self._addresses.wait(address, now)]
        if not self._trusts(pair, now):
            waits.append(self._usernames.wait(name, now))
        return max(waits)

    def _add(self, address: str, name: str, now: float) -> None:
        self._pairs.add((address, name), now)
        self._addresses.add(address, now)
        self._usernames.add(name, now)

    def retry_after(self, address: str, username: str) -> float:
        """Seconds until this address may try this name again (0: it may now)."""
        with self._lock:
            return self._wait(address, _name(username), time.monotonic())

    def blocked(self, address: str, username: str) -> bool:
        return self.retry_after(address, username) > 0

    def admit(self, address: str, username: str) -> float:
        """Let one attempt through, counted as failed until `succeeded` says otherwise; its
        ticket for `succeeded`. Raises LoginThrottled, counting nothing, when over a limit."""
        name = _name(username)
        with self._lock:
            now = time.monotonic()
            wait = self._wait(address, name, now)
            if wait > 0:
                raise LoginThrottled(wait)
            self._add(address, name, now)
            return now

    def failed(self, address: str, username: str) -> None:
        """Count a failed attempt that did not go through `admit`."""
        with self._lock:
            self._add(address, _name(username), time.monotonic())

    def succeeded(self, address: str, username: str, ticket: float | None = None) -> None:
        """The pair's failures are forgotten, the attempt `ticket` admitted is refunded, and
        the address is trusted for this name from now on."""
        name = _name(username)
        pair = (address, name)
        with self._lock:
            self._pairs.forget(pair)
            if ticket is not None:
                self._addresses.remove(address, ticket)
                self._usernames.remove(name, ticket)
            self._trusted.pop(pair, None)
            self._trusted[pair] = time.monotonic()
            while len(self._trusted) > MAX_TRACKED_PAIRS:
                self._trusted.pop(next(iter(self._trusted)))


def _name(username: str) -> str:
    return username.strip().lower()


async def check_login(
    users: UserStore, throttle: LoginThrottle, address: str, username: str, password: str
) -> User | None:
    """The user these credentials belong to, or None; counted by `throttle`, which raises
    LoginThrottled before any hashing when over a limit. The hash runs in a worker thread,
    at most `throttle.checks_at_once` at a time, so the event loop keeps serving."""
    ticket = throttle.admit(address, username)
    user = await to_thread.run_sync(
        users.authenticate, username, password, limiter=throttle.password_checks
    )
    if user is not None:
        throttle.succeeded(address, username, ticket)
    return user
