"""Benchmark of the API: search latency through HTTP beside the backend, then load.

    .venv/bin/python bench/bench_api.py                         # 5k documents, 60 s of load
    .venv/bin/python bench/bench_api.py --documents 2000 --duration 10   # a smoke run

An embedded index of synthetic documents (bench_embedded_index's generator) is built once.
Then, in the same run:

1. direct: p50/p95 of `EmbeddedIndex.search` over a fixed query mix, called in this process;
2. API: alternating with it, the same queries as `GET /api/search` (analyst API key, facets
   on) against a real uvicorn on 127.0.0.1 in a child process, one client at a time (httpx,
   keep-alive). The API adds authentication, an audit record per search, validation and
   JSON. The ratio API/direct is the overhead (goal: <= 1.3x);
3. load: `--clients` (50) concurrent clients cycling through the mix for `--duration`
   seconds; requests/s, latency under load and the error rate (goal: 0).

Direct and API searches alternate query by query, so both see the same machine load; the
index is opened read-only by both processes (the embedded index takes its writer lazily).
Figures are printed, never asserted (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_embedded_index import synthetic_documents

from api.accounts.users import Role, UserStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.deps import query_from_params
from index.embedded import EmbeddedIndex
from index.queries import SearchQuery

Params = list[tuple[str, str]]
# The embedded benchmark's query mix, as search parameters both sides understand.
QUERY_MIX: list[Params] = [
    [("q", "pasaporte")],
    [("q", "trabajo exterior")],
    [("q", '"pasaje pagado"')],
    [("q", "modelos OR anfitrionas")],
    [("q", "hotel -cocina")],
    [("q", "visa"), ("country", "PE"), ("country", "EC"), ("language", "es")],
    [("risk_label", "high"), ("sort", "risk")],
    [("q", "passport"), ("sort", "published")],
    [("indicator", "travel_paid"), ("sort", "fetched")],
    [("q", "urgente"), ("published_from", "2024-01-31"), ("risk_min", "0.5")],
    [("q", "empresa"), ("page", "5"), ("size", "20")],
    [],
]
STARTUP_SECONDS = 60.0


@dataclass
class LoadFigures:
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_error: str | None = None


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def build(workdir: Path, documents: int) -> str:
    """The index and a console database with an analyst's API key; returns the key."""
    with EmbeddedIndex(workdir / "index") as index:
        index.setup()
        index.upsert(synthetic_documents(documents))
    users = UserStore(ConsoleDatabase(workdir / "console.sqlite3"))
    analyst = users.create("bench-analyst", "bench password 123", Role.ANALYST)
    return users.create_key(analyst.id, "bench")[1]


def paired_latencies(
    index: EmbeddedIndex, client: httpx.Client, queries: list[SearchQuery], rounds: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per search, directly and through the API, one query after the other, so
    that both see the same machine load (after one warm-up pass each)."""
    direct: list[float] = []
    api: list[float] = []
    for round_number in range(rounds + 1):
        for query, params in zip(queries, QUERY_MIX, strict=True):
            started = time.perf_counter()
            index.search(query)
            middle = time.perf_counter()
            client.get("/api/search", params=params).raise_for_status()
            ended = time.perf_counter()
            if round_number:  # the first pass only warms caches and connections
                direct.append((middle - started) * 1000)
                api.append((ended - middle) * 1000)
    return direct, api


def serve(workdir: Path, port: int) -> None:
    """The child process: the app over the index, on uvicorn, until terminated."""
    import uvicorn

    from api.main import create_app

    with EmbeddedIndex(workdir / "index") as index:
        database = ConsoleDatabase(workdir / "console.sqlite3")
        app = create_app(ApiSettings(), index, database)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the API did not start at {base_url} within {STARTUP_SECONDS:.0f} s")


async def _client_loop(
    client: httpx.AsyncClient, offset: int, deadline: float, figures: LoadFigures
) -> None:
    turn = offset
    while time.monotonic() < deadline:
        params = QUERY_MIX[turn % len(QUERY_MIX)]
        turn += 1
        started = time.perf_counter()
        try:
            response = await client.get("/api/search", params=params)
            failed = None if response.status_code == 200 else f"HTTP {response.status_code}"
        except httpx.HTTPError as error:
            failed = f"{type(error).__name__}: {error}"
        figures.requests += 1
        figures.latencies_ms.append((time.perf_counter() - started) * 1000)
        if failed:
            figures.errors += 1
            figures.first_error = figures.first_error or failed


async def load(base_url: str, key: str, clients: int, duration: float) -> LoadFigures:
    figures = LoadFigures()
    # Idle connections expire on the client before uvicorn's 5 s keep-alive closes them: with
    # equal timeouts a request can be sent on a connection the server is just closing.
    limits = httpx.Limits(
        max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0
    )
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30.0
    ) as client:
        deadline = time.monotonic() + duration
        await asyncio.gather(
            *(_client_loop(client, number, deadline, figures) for number in range(clients))
        )
    return figures


def report_latency(name: str, timings: list[float]) -> tuple[float, float]:
    p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
    print(f"{name:<8} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({len(timings)} searches)")
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5_000, help="documents indexed")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    arguments = parser.parse_args()
    queries = [query_from_params(params) for params in QUERY_MIX]
    with tempfile.TemporaryDirectory(prefix="track4tip-bench-api-") as folder:
        workdir = Path(folder)
        key = build(workdir, arguments.documents)
        print(f"{arguments.documents} documents, {len(QUERY_MIX)} queries x {arguments.rounds}")
        port = free_port()
        server = multiprocessing.get_context("spawn").Process(target=serve, args=(workdir, port))
        server.start()
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base_url)
            headers = {"Authorization": f"Bearer {key}"}
            with (
                EmbeddedIndex(workdir / "index") as index,
                httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client,
            ):
                timings = paired_latencies(index, client, queries, arguments.rounds)
            direct = report_latency("direct", timings[0])
            api = report_latency("API", timings[1])
            print(f"API/direct  p50 x{api[0] / direct[0]:.2f}   p95 x{api[1] / direct[1]:.2f}")
            figures = asyncio.run(load(base_url, key, arguments.clients, arguments.duration))
        finally:
            server.terminate()
            server.join(timeout=10)
    rate = figures.requests / arguments.duration
    share = figures.errors / figures.requests if figures.requests else 0.0
    print(
        f"load: {arguments.clients} clients for {arguments.duration:.0f} s: {rate:.1f} req/s, "
        f"errors {figures.errors}/{figures.requests} ({share:.2%})"
    )
    if figures.latencies_ms:
        report_latency("loaded", figures.latencies_ms)
    if figures.first_error:
        print(f"first error: {figures.first_error}")


if __name__ == "__main__":
    main()
