"""A hostile web for the egress and size tests: a board on 127.0.0.1 that redirects to an
"internal" service on 127.0.0.2, serves a gzip bomb and oversized bodies, and the internal
service itself, which records every request that reaches it.

Both are real HTTP servers on loopback. 127.0.0.2 stands in for what must never be fetched
(Elasticsearch, a metadata service): the tests allow 127.0.0.1/32 only, so it is refused.
"""

from __future__ import annotations

import ssl
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INTERNAL_HOST = "127.0.0.2"
SITE_HOST = "127.0.0.1"


def gzip_bomb(expanded_bytes: int) -> bytes:
    """A gzip member that expands to `expanded_bytes` of HTML (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    head = b"<!doctype html><html><body><p>"
    parts = [compressor.compress(head)]
    chunk = b" " * (1 << 20)
    for _ in range(expanded_bytes // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(b"</p></body></html>") + compressor.flush())
    return b"".join(parts)


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Close-delimited, without Content-Length: the size is known only as the bytes arrive.
    streamed: bool = False


def _handler(routes: dict[str, Route], hits: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            route = routes.get(self.path, Route(b"not here", status=404))
            self.send_response(route.status)
            self.send_header("Content-Type", route.headers.get("Content-Type", "text/html"))
            for name, value in route.headers.items():
                if name != "Content-Type":
                    self.send_header(name, value)
            if not route.streamed:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            try:
                for start in range(0, len(route.body), 1 << 16):
                    self.wfile.write(route.body[start : start + (1 << 16)])
            except ConnectionError:  # the crawler hung up on a body past its cap: expected
                pass

    return Handler


@dataclass
class Server:
    base_url: str
    routes: dict[str, Route]
    hits: list[str]


@contextmanager
def serving(host: str, routes: dict[str, Route] | None = None) -> Iterator[Server]:
    """A server on `host` (HTTP/1.0, so a streamed body ends when the connection closes)."""
    routes = {} if routes is None else routes
    hits: list[str] = []
    server = ThreadingHTTPServer((host, 0), _handler(routes, hits))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://{host}:{server.server_address[1]}", routes, hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serving_tls(host: str, cert: str, key: str, routes: dict[str, Route]) -> Iterator[Server]:
    """Like `serving`, over TLS with the given certificate (for tunnels through a proxy)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    hits: list[str] = []
    server = ThreadingHTTPServer((host, 0), _handler(routes, hits))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"https://{host}:{server.server_address[1]}", routes, hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
