"""Benchmark: /healthz latency while a burst of failed logins hits the console.

    .venv/bin/python bench/bench_login_burst.py               # a burst of 40
    .venv/bin/python bench/bench_login_burst.py --burst 100 --quiet 200

A real uvicorn serves the app from a child process (the default settings and throttle), over
an empty embedded index and a console database with one user. In the same run:

1. quiet: p50/p95 of `GET /healthz`, one request after another, nothing else running;
2. burst, many addresses: `--burst` failed logins sent at once, each from its own loopback
   address (Linux routes all of 127.0.0.0/8 to lo) with its own unknown user name, so no
   limit applies and every one checks a password; /healthz is polled one request after
   another until the burst has been answered;
3. burst, one address: the same burst at one user name from one address: the throttle lets
   a few through and answers the rest 429 without hashing.

A password check on the event loop holds up every request behind it (an audit measured
/healthz going from 159 ms to 6 s); in a worker thread it costs the loop nothing but CPU.
Figures are printed, never asserted (DESIGN.md §6): the ratio burst/quiet is the one to read.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from bench_api import free_port, wait_until_up

from api.accounts.users import Role, UserStore
from api.database import ConsoleDatabase
from index.embedded import EmbeddedIndex

USER = "bench-analyst"
PASSWORD = "bench password 123"


def build(workdir: Path) -> None:
    with EmbeddedIndex(workdir / "index") as index:
        index.setup()
    UserStore(ConsoleDatabase(workdir / "console.sqlite3")).create(USER, PASSWORD, Role.ANALYST)


def serve(workdir: Path, port: int) -> None:
    """The child process: the app on uvicorn, until terminated."""
    import uvicorn

    import api.main
    from api.config import ApiSettings

    print(f"server code: {Path(api.main.__file__).parent}", flush=True)
    with EmbeddedIndex(workdir / "index") as index:
        app = api.main.create_app(
            ApiSettings(), index, ConsoleDatabase(workdir / "console.sqlite3")
        )
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


class LoginForm:
    """A browser at one loopback address: its session cookie and the form's CSRF token."""

    def __init__(self, base_url: str, address: str) -> None:
        transport = httpx.HTTPTransport(local_address=address)
        self.client = httpx.Client(base_url=base_url, transport=transport, timeout=120.0)
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/login").text)
        assert match, "no CSRF token in the login form"
        self.token = match[1]

    def attempt(self, username: str, password: str) -> int:
        data = {"username": username, "password": password, "csrf_token": self.token}
        return self.client.post("/login", data=data, follow_redirects=False).status_code


def health_latencies(
    client: httpx.Client, count: int, until: threading.Event | None = None
) -> list[float]:
    """Milliseconds per /healthz, one after another: `count` of them, or more until `until`."""
    samples: list[float] = []
    while len(samples) < count or (until is not None and not until.is_set()):
        started = time.perf_counter()
        client.get("/healthz").raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@contextmanager
def health_client(base_url: str) -> Iterator[httpx.Client]:
    """A client whose connection is already open, so the figures hold requests only."""
    with httpx.Client(base_url=base_url, timeout=120.0) as client:
        client.get("/healthz").raise_for_status()
        yield client


def burst(base_url: str, attempts: list[tuple[str, str]]) -> tuple[list[float], Counter, float]:
    """Send one failed login per (address, user name) at once while /healthz is polled: the
    health latencies, the answers' status codes and the burst's seconds."""
    forms = [LoginForm(base_url, address) for address, _ in attempts]
    start = threading.Barrier(len(forms) + 1)
    done = threading.Event()

    def guess(form: LoginForm, username: str) -> int:
        start.wait()
        return form.attempt(username, "a wrong guess")

    with ThreadPoolExecutor(len(forms)) as pool, health_client(base_url) as health:
        answers = [
            pool.submit(guess, form, name) for form, (_, name) in zip(forms, attempts, strict=True)
        ]
        watcher = threading.Thread(target=lambda: ([a.result() for a in answers], done.set()))
        watcher.start()
        start.wait()
        began = time.perf_counter()
        during = health_latencies(health, 5, until=done)
        watcher.join()
        seconds = time.perf_counter() - began
    for form in forms:
        form.client.close()
    return during, Counter(answer.result() for answer in answers), seconds


def report(name: str, samples: list[float], quiet_p95: float | None = None) -> float:
    p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
    ratio = f"   p95 {p95 / quiet_p95:5.1f}x quiet" if quiet_p95 else ""
    print(f"{name:<22} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   ({len(samples)} requests){ratio}")
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=40, help="failed logins sent at once")
    parser.add_argument("--quiet", type=int, default=100, help="/healthz requests when quiet")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="track4tip-bench-login-") as folder:
        workdir = Path(folder)
        build(workdir)
        port = free_port()
        server = multiprocessing.get_context("spawn").Process(target=serve, args=(workdir, port))
        server.start()
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base_url)
            with health_client(base_url) as health:
                quiet_p95 = report("quiet", health_latencies(health, arguments.quiet))
            spread = [(f"127.0.1.{n + 1}", f"nobody-{n}") for n in range(arguments.burst)]
            during, codes, seconds = burst(base_url, spread)
            report(f"burst, {arguments.burst} addresses", during, quiet_p95)
            print(f"{'':<22} answers {dict(codes)} in {seconds:.2f} s")
            one = [("127.0.2.1", USER)] * arguments.burst
            during, codes, seconds = burst(base_url, one)
            report("burst, one address", during, quiet_p95)
            print(f"{'':<22} answers {dict(codes)} in {seconds:.2f} s")
        finally:
            server.terminate()
            server.join()


if __name__ == "__main__":
    main()
