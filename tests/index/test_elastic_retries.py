"""Retries of bulk writes, through a real HTTP proxy on 127.0.0.1 in front of the real node.

The proxy forwards every request to the node, except the first `refuse` bulk requests, which
it answers itself in one of the ways a busy or failing cluster does:

    request   HTTP 429 for the whole request (a coordinating node shedding load)
    items     HTTP 200 whose every item is 429 (a full write thread pool: the common case)
    drop      the connection closed with no answer (a node restarting, a load balancer)
    bad-gateway   HTTP 502 (a proxy in front of a node that is away)

The client's transport retries whole-request failures a few times at once (max_retries=3);
BulkWriter's streaming_bulk retries 429 items with back-off, and BulkWriter re-sends the whole
set after connection errors. The proxy counts what it saw, so each test knows exactly how many
times a bulk request reached it.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from index.document import Document
from index.elastic import ElasticsearchIndex
from index.errors import IndexUnavailable
from tests.elasticsearch_node import elasticsearch_url, fresh_index
from tests.factories import make_document

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}
_PRODUCT = {"X-Elastic-Product": "Elasticsearch", "Content-Type": "application/json"}


class RefusingProxy:
    """Forwards to `upstream`, refusing the first `refuse` bulk requests in `mode`."""

    def __init__(self, upstream: str, mode: str, refuse: int) -> None:
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.refuse = refuse
        self.bulk_requests = 0
        self.refused = 0
        self._lock = threading.Lock()

    def _should_refuse(self, path: str) -> bool:
        if "/_bulk" not in path:
            return False
        with self._lock:
            self.bulk_requests += 1
            if self.refused < self.refuse:
                self.refused += 1
                return True
        return False

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy._should_refuse(self.path):
                    proxy.answer_refusal(self, body)
                else:
                    proxy.forward(self, body)

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def do_HEAD(self) -> None:
                self._handle()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: pytest shows failures, not every request."""

        return Handler

    def forward(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(request.command, request.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
        finally:
            upstream.close()
        request.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)

    def answer_refusal(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        if self.mode == "drop":
            request.close_connection = True
            request.connection.close()
            return
        if self.mode == "items":
            _send_json(request, 200, _every_item_refused(body))
            return
        status = 429 if self.mode == "request" else 502
        reason = {"type": "es_rejected_execution_exception", "reason": "refused by the test proxy"}
        _send_json(request, status, {"error": {**reason, "root_cause": [reason]}, "status": status})


def _every_item_refused(body: bytes) -> dict[str, object]:
    """A bulk answer refusing every item with 429, as a node with a full write queue does."""
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    items = []
    for action in lines[::2]:  # index actions: each action line is followed by its source
        meta = action["index"]
        error = {"type": "es_rejected_execution_exception", "reason": "write queue full"}
        items.append({"index": {**meta, "status": 429, "error": error}})
    return {"took": 1, "errors": True, "items": items}


def _send_json(request: BaseHTTPRequestHandler, status: int, content: object) -> None:
    payload = json.dumps(content).encode()
    request.send_response(status)
    for name, value in _PRODUCT.items():
        request.send_header(name, value)
    request.send_header("Content-Length", str(len(payload)))
    request.end_headers()
    request.wfile.write(payload)


@contextmanager
def refusing_proxy(mode: str, refuse: int) -> Iterator[tuple[str, RefusingProxy]]:
    proxy = RefusingProxy(elasticsearch_url(), mode, refuse)
    server = ThreadingHTTPServer(("127.0.0.1", 0), proxy.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def index_behind(
    mode: str, refuse: int, tmp_path: Path, **options: object
) -> Iterator[tuple[ElasticsearchIndex, RefusingProxy]]:
    with refusing_proxy(mode, refuse) as (url, proxy):
        options.setdefault("initial_backoff", 0.01)
        with fresh_index(url, tmp_path, **options) as index:
            yield index, proxy


def _ads(count: int) -> list[Document]:
    return [make_document(title=f"Anfitrionas {n}", text="Pasaje pagado.") for n in range(count)]


def _all_arrived(index: ElasticsearchIndex, ads: list[Document]) -> bool:
    return all(index.get(ad.id) is not None for ad in ads) and index.count() == len(ads)


# Transport retries (3, at once) plus one: each case below needs streaming_bulk's or
# BulkWriter's own, backed-off retry as well. Every case sends 10 ads: one bulk request.
@pytest.mark.parametrize(
    ("mode", "refuse"), [("request", 5), ("items", 2), ("drop", 5), ("bad-gateway", 5)]
)
def test_refused_bulk_requests_are_retried_until_every_ad_arrives(
    mode: str, refuse: int, tmp_path: Path
):
    ads = _ads(10)
    with index_behind(mode, refuse, tmp_path) as (index, proxy):
        report = index.upsert(ads)
        assert (report.created, report.rejected) == (10, 0)
        assert _all_arrived(index, ads)
        assert proxy.refused == refuse
        assert proxy.bulk_requests == refuse + 1  # every refusal retried, then one success
        # Only a connection error makes BulkWriter itself send the set again.
        assert index.writer.resends == (1 if mode == "drop" else 0)
    assert not (tmp_path / "dead-letter.jsonl").exists()


def test_a_cluster_that_stays_busy_leaves_the_ads_for_the_next_run(tmp_path: Path):
    ads = _ads(10)
    with index_behind("items", 1000, tmp_path, retries=2) as (index, proxy):
        with pytest.raises(IndexUnavailable, match="stayed busy after 2 retries"):
            index.upsert(ads)
        assert proxy.bulk_requests == 3  # the first try and two retries
        assert index.count() == 0
        # Nothing was refused for good: no dead letters, and a later run writes them all.
        proxy.refuse = 0
        assert index.upsert(ads).created == 10
        assert _all_arrived(index, ads)
    assert not (tmp_path / "dead-letter.jsonl").exists()
