"""The checking forward proxy between Chromium and the network (crawlers/egress.py says why).

Chromium is launched with `--proxy-server` pointing here and `<-loopback>` in its bypass list
(Chromium would otherwise send loopback requests straight out, the very class we refuse), so
every request it makes, including each hop of a redirect it follows itself, arrives here:

- `GET http://host/path HTTP/1.1` (plain HTTP, absolute URI): forwarded in origin form with
  `Connection: close`, so one client connection carries one request and no later request on
  it can slip past the check;
- `CONNECT host:443 HTTP/1.1` (HTTPS): answered 200 and tunnelled; TLS is never opened here.

The host is resolved once, every address is checked with the egress policy
(`egress.checked_addresses`), and the proxy connects to the checked address itself, so a name
cannot resolve to a public address for the check and to an internal one for the connection
(DNS rebinding). A refusal is answered 403 with the reason and counted under
`track4tip/egress/proxy_refused`. A request head past `MAX_HEAD_BYTES` is answered 431, one
that does not parse 400, one that does not arrive within `HEAD_TIMEOUT` is dropped
(slow-loris), as is a tunnel idle for `IDLE_TIMEOUT`; an unreachable upstream is 502/504.

The proxy runs its own asyncio loop in a daemon thread rather than in the crawl's reactor
loop: it is started synchronously while the crawler's settings are built (its port must be
in Chromium's launch options before the reactor runs), a slow resolution or upstream here can
never stall the crawl's loop, and it works whichever reactor Scrapy was given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from urllib.parse import urlsplit

from scrapy.statscollectors import StatsCollector

from crawlers.egress import PROXY_REFUSED_STAT, EgressPolicy, checked_addresses

logger = logging.getLogger(__name__)

MAX_HEAD_BYTES = 16 * 1024
HEAD_TIMEOUT = 10.0
CONNECT_TIMEOUT = 10.0
IDLE_TIMEOUT = 60.0
_CHUNK = 64 * 1024
_PHRASES = {
    400: "Bad Request",
    403: "Forbidden",
    431: "Request Header Fields Too Large",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}
_HOP_HEADERS = {b"proxy-connection", b"connection", b"keep-alive", b"proxy-authorization"}


class ProxyRefusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_target(method: str, target: str) -> tuple[str, int]:
    """The host and port a request line aims at; ProxyRefusal(400) when it names none."""
    if method == "CONNECT":
        host, sep, port = target.rpartition(":")
        host = host.strip("[]")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ProxyRefusal(400, f"CONNECT needs host:port, not {target!r}")
        return host, int(port)
    parts = urlsplit(target)
    if parts.scheme != "http" or not parts.hostname:
        raise ProxyRefusal(400, f"a proxy request needs an absolute http URI, not {target!r}")
    try:
        return parts.hostname, parts.port or 80
    except ValueError as error:  # a port that is not a number or out of range
        raise ProxyRefusal(400, str(error)) from None


def origin_form(head: bytes, target: str) -> bytes:
    """The request head as the origin server expects it: path only, one request, no proxy
    headers (they are the client's business with us, not the server's)."""
    lines = head.split(b"\r\n")
    method, _, version = lines[0].split(b" ", 2)
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [line for line in lines[1:] if line and _name(line) not in _HOP_HEADERS]
    request_line = b" ".join([method, path.encode(), version])
    return b"\r\n".join([request_line, *kept, b"Connection: close", b"", b""])


def _name(line: bytes) -> bytes:
    return line.split(b":", 1)[0].strip().lower()


class EgressProxy:
    """A checking forward proxy on 127.0.0.1:<ephemeral port>, in its own thread."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self.port = 0
        self._stats: StatsCollector | None = None
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def attach(self, stats: StatsCollector) -> None:
        # Only this proxy's thread increments its key, so no other thread races on it.
        self._stats = stats

    def start(self) -> EgressProxy:
        self._thread.start()
        serve = asyncio.start_server(self._handle, "127.0.0.1", 0, limit=MAX_HEAD_BYTES)
        self._server = asyncio.run_coroutine_threadsafe(serve, self._loop).result()
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shut_down(self) -> None:
        """Closes the listening socket and every connection still open (tunnels included)."""
        if self._server is not None:
            self._server.close()
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        except ProxyRefusal as refusal:
            await _answer(writer, refusal.status, refusal.reason)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass  # a client that stalls or hangs up gets nothing more
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _read_head(reader)
        try:
            method, target, version = head.split(b"\r\n", 1)[0].decode("ascii").split(" ")
        except (UnicodeDecodeError, ValueError):
            raise ProxyRefusal(400, "malformed request line") from None
        if not version.startswith("HTTP/1."):
            raise ProxyRefusal(400, f"unsupported protocol {version!r}")
        host, port = parse_target(method, target)
        address = await self._checked(host)
        upstream_reader, upstream_writer = await _connect(address, port)
        try:
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            else:
                upstream_writer.write(origin_form(head, target))
            await _pipe_both(reader, writer, upstream_reader, upstream_writer)
        finally:
            upstream_writer.close()

    async def _checked(self, host: str) -> str:
        addresses, why = await checked_addresses(self.policy, host)
        if why is not None:
            if self._stats is not None:
                self._stats.inc_value(PROXY_REFUSED_STAT)
            logger.warning("proxy refused %s: %s", host, why)
            raise ProxyRefusal(403, why)
        if not addresses:
            raise ProxyRefusal(502, f"{host} does not resolve")
        return addresses[0]


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
    except asyncio.LimitOverrunError:
        raise ProxyRefusal(431, f"request head over {MAX_HEAD_BYTES} bytes") from None
    return head[:-4]


async def _connect(address: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        return await asyncio.wait_for(asyncio.open_connection(address, port), CONNECT_TIMEOUT)
    except TimeoutError:
        raise ProxyRefusal(504, f"{address}:{port} did not answer") from None
    except OSError as error:
        raise ProxyRefusal(502, f"{address}:{port}: {error.strerror or error}") from None


async def _pipe_both(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    """Copies both ways until either side closes or the connection idles too long."""
    tasks = [
        asyncio.create_task(_pipe(client_reader, upstream_writer)),
        asyncio.create_task(_pipe(upstream_reader, client_writer)),
    ]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(TimeoutError, ConnectionError):
        while chunk := await asyncio.wait_for(reader.read(_CHUNK), IDLE_TIMEOUT):
            writer.write(chunk)
            await writer.drain()


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    body = f"{reason}\n".encode()
    head = (
        f"HTTP/1.1 {status} {_PHRASES[status]}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with contextlib.suppress(ConnectionError):
        writer.write(head.encode() + body)
        await writer.drain()
