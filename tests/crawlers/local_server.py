"""A small static HTTP server on 127.0.0.1 for crawl tests of folders other than tests/site.

Serves files from a root folder (directory paths serve index.html), `?before=N` on a directory
as `before-N.html` (the t.me/s paging shape), redirects from a map, and an explicit
Content-Type per path when a test needs to lie about it (binary served as text/html), and
documents held in memory (a sitemap listing captures that are read from ../shared).
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def _handler(
    root: Path,
    redirects: dict[str, str],
    types: dict[str, str],
    pages: dict[str, bytes],
    headers: dict[str, dict[str, str]],
) -> type:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[parts.path])
                self.end_headers()
                return
            key = self.path if self.path in pages else parts.path
            if key in pages:
                body, guessed = pages[key], mimetypes.guess_type(parts.path)[0]
            else:
                target = self._resolve(parts.path, parse_qs(parts.query))
                if target is None:
                    self.send_error(404)
                    return
                body, guessed = target.read_bytes(), mimetypes.guess_type(target.name)[0]
            self.send_response(200)
            self.send_header("Content-Type", types.get(parts.path, guessed or "text/html"))
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.get(self.path, {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _resolve(self, path: str, query: dict[str, list[str]]) -> Path | None:
            target = (root / unquote(path).lstrip("/")).resolve()
            if not target.is_relative_to(root.resolve()):
                return None
            if target.is_dir():
                before = query.get("before", [None])[0]
                target = target / (f"before-{before}.html" if before else "index.html")
            return target if target.is_file() else None

    return Handler


@contextmanager
def serve(
    root: Path,
    redirects: dict[str, str] | None = None,
    types: dict[str, str] | None = None,
    pages: dict[str, bytes] | None = None,
    headers: dict[str, dict[str, str]] | None = None,
) -> Iterator[str]:
    """Serve `root` on a free port for the duration of the block; yields the base URL.

    `pages` adds documents held in memory (path, or path with query -> body), e.g. a sitemap
    of the captures; `headers` adds response headers per path with query (Link paging)."""
    handler = _handler(root, redirects or {}, types or {}, pages or {}, headers or {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
