"""Logins cannot stall the server, tell which user names exist, or be guessed at in bulk.

Everything runs against a real uvicorn on loopback, because what is tested is timing across
requests: a password check that ran on the event loop would hold up every other request, which
an in-process TestClient (one request at a time) cannot show. Linux routes all of 127.0.0.0/8
to the loopback device, so a client bound to 127.0.0.2, 127.0.0.3 ... is another address to
the server: that is how the per-address and per-name limits are told apart.

The only timed assertion is a ratio to a quiet baseline measured in the same test, with a
generous allowance, so a slow or busy machine moves both sides alike; hash computations are
counted by wrapping the hash function, never inferred from timing.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest

from api.accounts import users as users_module
from api.accounts.auth import FAILED_LOGIN_WINDOW_SECONDS, LoginThrottle
from api.accounts.users import Role, UserStore
from api.config import ApiSettings
from api.main import create_app
from index.embedded import EmbeddedIndex
from tests.api.conftest import TEST_PASSWORD, Accounts
from tests.live_server import live_server

BURST = 40
# /healthz during the burst may be this many times slower than when quiet, plus this much:
# a check on the event loop made it 6 s against 159 ms; a thread costs it a little CPU.
HEALTH_RATIO = 5.0
HEALTH_ALLOWANCE_SECONDS = 0.2
KNOWN = "analyst-one"  # made by the accounts fixture, with TEST_PASSWORD


@dataclass
class HashCounter:
    """Counts calls of the password hash, from whichever thread makes them."""

    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wrap(self, real: Callable[..., bytes]) -> Callable[..., bytes]:
        def counted(*args: object, **kwargs: object) -> bytes:
            with self._lock:
                self.calls += 1
            return real(*args, **kwargs)

        return counted


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> HashCounter:
    counter = HashCounter()
    users_module.dummy_hash()  # made at start-up in a server; not a login's cost here
    monkeypatch.setattr(users_module, "scrypt_digest", counter.wrap(users_module.scrypt_digest))
    return counter


@dataclass
class Server:
    url: str
    app_state: object

    def use_throttle(self, throttle: LoginThrottle) -> None:
        self.app_state.login_throttle = throttle  # type: ignore[attr-defined]


@pytest.fixture
def server(index: EmbeddedIndex, accounts: Accounts) -> Iterator[Server]:
    """A fresh app (a fresh throttle) over the module's index and accounts."""
    app = create_app(ApiSettings(), index, accounts.database)
    with live_server(app) as url:
        yield Server(url, app.state)


class LoginForm:
    """A browser at one loopback address: its session cookie and the login form's token."""

    def __init__(self, url: str, address: str = "127.0.0.1") -> None:
        transport = httpx.HTTPTransport(local_address=address)
        self.client = httpx.Client(base_url=url, transport=transport, timeout=60.0)
        self.token = ""
        self._load()

    def _load(self) -> None:
        page = self.client.get("/login").text
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, page
        self.token = match[1]

    def attempt(self, username: str, password: str, **headers: str) -> httpx.Response:
        data = {"username": username, "password": password, "csrf_token": self.token}
        answer = self.client.post("/login", data=data, headers=headers, follow_redirects=False)
        if answer.status_code == 303:
            self._load()  # a login starts a new session, with a new token
        return answer

    def close(self) -> None:
        self.client.close()


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def poll_health(url: str, until: Callable[[], bool], at_least: int) -> list[float]:
    """Latencies of /healthz, one after another, until `until()` and `at_least` samples."""
    samples: list[float] = []
    with httpx.Client(base_url=url, timeout=60.0) as client:
        while len(samples) < at_least or not until():
            began = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            samples.append(time.perf_counter() - began)
    return samples


def test_a_burst_of_failed_logins_does_not_stall_health(
    server: Server, hashes: HashCounter
) -> None:
    # Limits out of the way: every attempt of the burst must really check a password.
    server.use_throttle(LoginThrottle(10_000, max_per_address=10_000, max_per_username=10_000))
    quiet = poll_health(server.url, until=lambda: True, at_least=40)
    forms = [LoginForm(server.url) for _ in range(BURST)]
    start = threading.Barrier(BURST + 1)

    def guess(form: LoginForm, number: int) -> int:
        start.wait()
        name = KNOWN if number % 2 else f"nobody-{number}"  # known and unknown names alike
        return form.attempt(name, f"wrong-guess-{number}").status_code

    with ThreadPoolExecutor(BURST) as pool:
        answers = [pool.submit(guess, form, n) for n, form in enumerate(forms)]
        start.wait()
        during = poll_health(
            server.url, until=lambda: all(answer.done() for answer in answers), at_least=5
        )
    for form in forms:
        form.close()

    assert [answer.result() for answer in answers] == [401] * BURST
    assert hashes.calls == BURST  # the burst did the work it was meant to
    budget = HEALTH_RATIO * p95(quiet) + HEALTH_ALLOWANCE_SECONDS
    assert p95(during) <= budget, (
        f"/healthz p95 {p95(during):.3f}s during the burst, {p95(quiet):.3f}s quiet"
    )


def test_known_and_unknown_names_cost_one_hash_each(
    server: Server, accounts: Accounts, hashes: HashCounter
) -> None:
    store = UserStore(accounts.database)
    disabled = store.create("disabled-dos", TEST_PASSWORD, Role.ANALYST)
    store.set_disabled(disabled.id, True)
    form = LoginForm(server.url)
    cases = [
        (KNOWN, TEST_PASSWORD, 303),  # right password
        (KNOWN, "not-the-password", 401),  # wrong password
        ("no-such-user", "not-the-password", 401),  # unknown name
        ("disabled-dos", TEST_PASSWORD, 401),  # right password, disabled user
    ]
    for username, password, expected in cases:
        before = hashes.calls
        assert form.attempt(username, password).status_code == expected
        assert hashes.calls - before == 1, username
    form.close()


def test_a_stored_value_that_is_not_a_hash_still_costs_one(hashes: HashCounter) -> None:
    assert not users_module.password_matches("whatever", "not$a$hash")
    assert hashes.calls == 1


def test_guessing_one_account_from_one_address_is_refused_without_hashing(
    server: Server, hashes: HashCounter
) -> None:
    """The default limits; the guesses are sent at once, which must not slip past them."""
    forms = [LoginForm(server.url) for _ in range(20)]
    with ThreadPoolExecutor(len(forms)) as pool:
        codes = list(pool.map(lambda form: form.attempt(KNOWN, "a-wrong-guess").status_code, forms))
    assert sorted(codes) == [401] * 5 + [429] * 15
    assert hashes.calls == 5  # a refused attempt checks no password
    refused = forms[0].attempt(KNOWN, TEST_PASSWORD)  # even the right password, for a while
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= FAILED_LOGIN_WINDOW_SECONDS
    page = forms[0].attempt(KNOWN, TEST_PASSWORD, accept="text/html")  # the browser's page
    assert page.status_code == 429
    assert int(page.headers["retry-after"]) >= 1
    assert "text/html" in page.headers["content-type"]
    assert hashes.calls == 5
    for form in forms:
        form.close()


def test_spraying_names_from_one_address_is_refused(server: Server, hashes: HashCounter) -> None:
    server.use_throttle(LoginThrottle(3, max_per_address=6, max_per_username=100))
    sprayer, other = LoginForm(server.url, "127.0.0.6"), LoginForm(server.url, "127.0.0.7")
    assert [sprayer.attempt(f"name-{n}", "guess-guess").status_code for n in range(6)] == [401] * 6
    refused = sprayer.attempt("name-6", "guess-guess")  # a name it never tried
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert other.attempt("name-6", "guess-guess").status_code == 401  # only that address
    assert hashes.calls == 7
    sprayer.close()
    other.close()


def test_one_name_guessed_from_many_addresses_is_refused_but_not_where_it_logged_in(
    server: Server, hashes: HashCounter
) -> None:
    server.use_throttle(LoginThrottle(3, max_per_address=100, max_per_username=4))
    own = LoginForm(server.url, "127.0.0.5")
    assert own.attempt(KNOWN, TEST_PASSWORD).status_code == 303  # the user's own machine
    first, second, third = (LoginForm(server.url, f"127.0.0.{n}") for n in (2, 3, 4))
    assert [first.attempt(KNOWN, "guess-guess").status_code for _ in range(4)] == [401] * 3 + [429]
    assert second.attempt(KNOWN, "guess-guess").status_code == 401  # the name's 4th failure
    refused = third.attempt(KNOWN, TEST_PASSWORD)  # a fresh address: the name is locked
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert third.attempt("admin-one", TEST_PASSWORD).status_code == 303  # other names are not
    assert own.attempt(KNOWN, TEST_PASSWORD).status_code == 303  # nor where it logged in
    assert hashes.calls == 1 + 3 + 1 + 1 + 1
    for form in (own, first, second, third):
        form.close()
