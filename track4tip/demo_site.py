"""The demo web: a small local HTTP server for the static folder `tests/site/`.

Crawl tests, the e2e suite and demos replay this synthetic web (four sites: a job board, a
classifieds site, a news feed and a Telegram-style channel preview) instead of the Internet.
Most of it is static files; a few routes are answered in code because a static file cannot
misbehave the way real sites do:

- `/clasificados/foto-anuncio.html` sends PNG bytes labelled `text/html`;
- `/clasificados/redirige.html` and `/clasificados/redirige-2.html` redirect to each other;
- `/s/<channel>` and `/s/<channel>?before=N` page through a channel like t.me/s/<channel>
  (files `s/<channel>/index.html` and `s/<channel>/before-N.html`).

Everything else is a file under the root (a directory serves its index.html); anything missing
is a 404. Requests are not logged, so tests stay quiet. `tests/site/README.md` describes the
pages and `tests/site/expected.json` what a crawl of them should find.
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
_BINARY_PAGE = "/clasificados/foto-anuncio.html"
_REDIRECTS = {
    "/clasificados/redirige.html": "/clasificados/redirige-2.html",
    "/clasificados/redirige-2.html": "/clasificados/redirige.html",
}
_CHANNEL_PATH = re.compile(r"^/s/(?P<channel>[A-Za-z0-9_]+)/?$")


class DemoSiteError(Exception):
    """The demo web cannot be served: its folder is missing, or the server cannot start."""


def site_root(checkout: Path | None = None) -> Path:
    """`tests/site` of the source checkout (or of `checkout`), checked to be the demo web."""
    base = checkout if checkout is not None else Path(__file__).resolve().parents[1]
    return _checked_root(base / "tests" / "site")


def _checked_root(root: Path) -> Path:
    # An installed wheel does not ship tests/, so say where the folder was expected.
    if not (root / "index.html").is_file():
        raise DemoSiteError(
            f"demo web not found at {root}: expected the tests/site folder of a track4tip "
            "source checkout (with index.html); installed packages do not include it"
        )
    return root.resolve()


@cache
def _photo_bytes() -> bytes:
    """A tiny valid PNG (8x8 red square): binary content a crawler must not take for HTML."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    side = 8
    rows = b"".join(b"\x00" + bytes([200, 40, 40]) * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], root: Path) -> None:
        self.root = root
        super().__init__(address, _DemoHandler)


class _DemoHandler(BaseHTTPRequestHandler):
    server: _DemoServer
    server_version = "track4tip-demo/1"

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: a crawl test makes hundreds of requests."""

    def _answer(self, with_body: bool) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path in _REDIRECTS:
            self._send_redirect(HTTPStatus.FOUND, _REDIRECTS[path])
        elif path == _BINARY_PAGE:
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", _photo_bytes(), with_body)
        elif channel := _CHANNEL_PATH.match(path):
            self._send_channel(channel["channel"], url.query, with_body)
        else:
            self._send_static(path, with_body)

    def _send_channel(self, channel: str, query: str, with_body: bool) -> None:
        before = parse_qs(query, keep_blank_values=True).get("before")
        if before is None:
            name = "index.html"
        elif before[0].isdigit():
            name = f"before-{int(before[0])}.html"
        else:
            self._send_not_found(with_body)
            return
        self._send_file(self.server.root / "s" / channel / name, with_body)

    def _send_static(self, path: str, with_body: bool) -> None:
        root = self.server.root
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root):
            self._send_not_found(with_body)
        elif target.is_dir() and not path.endswith("/"):
            # As any web server does, so that relative links inside index.html resolve.
            self._send_redirect(HTTPStatus.MOVED_PERMANENTLY, path + "/")
        else:
            self._send_file(target / "index.html" if target.is_dir() else target, with_body)

    def _send_file(self, target: Path, with_body: bool) -> None:
        if not target.is_file():
            self._send_not_found(with_body)
            return
        content_type = _CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        self._send(HTTPStatus.OK, content_type, target.read_bytes(), with_body)

    def _send_not_found(self, with_body: bool) -> None:
        page = b"<!DOCTYPE html><html><body><h1>404 - Not Found</h1></body></html>"
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", page, with_body)

    def _send_redirect(self, status: HTTPStatus, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)


class DemoSite:
    """The demo web served on a local port, in a background thread; a context manager.

    `port=0` asks the system for a free port; `start()` returns the base URL.
    """

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = site_root() if root is None else _checked_root(root)
        self.host = host
        self.port = port
        self._server: _DemoServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise DemoSiteError("the demo site is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path of the demo web, e.g. url("/empleos/")."""
        if not path.startswith("/"):
            raise DemoSiteError(f"demo web paths start with '/': got {path!r}")
        return self.base_url + path

    def start(self) -> str:
        if self._server is not None:
            raise DemoSiteError(f"the demo site is already running at {self.base_url}")
        try:
            server = _DemoServer((self.host, self.port), self.root)
        except OSError as error:
            raise DemoSiteError(f"cannot serve on {self.host}:{self.port}: {error}") from error
        thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
        thread.start()
        self._server, self._thread = server, thread
        return self.base_url

    def stop(self) -> None:
        """Stop serving and free the port; stopping a stopped site does nothing."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> DemoSite:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
