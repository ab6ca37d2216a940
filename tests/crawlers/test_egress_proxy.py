"""The checking proxy itself, fed by raw sockets: an allowed request is forwarded, one aimed
at an internal address (plain or CONNECT) is answered 403 and never reaches the service, and
garbage (a malformed request line, a relative URI, an oversized head, a client that stops
mid-head) is answered 400/431 or dropped while the proxy keeps serving others. HTTPS goes
through a CONNECT tunnel to a real TLS server (a throwaway certificate made by `openssl`).

127.0.0.3 plays the allowed public web (the policy allows 127.0.0.3/32), 127.0.0.1 the
internal service that must never be reached."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawlers import egress_proxy
from crawlers.egress import PROXY_REFUSED_STAT, EgressPolicy
from crawlers.egress_proxy import EgressProxy, ProxyRefusal, origin_form, parse_target
from tests.crawlers.hostile_web import Route, Server, serving, serving_tls

ALLOWED = "127.0.0.3"


@pytest.fixture
def proxy() -> Iterator[EgressProxy]:
    started = EgressProxy(EgressPolicy.from_entries([f"{ALLOWED}/32"])).start()
    started.attach(MemoryStatsCollector(get_crawler()))
    yield started
    started.stop()


@pytest.fixture
def public() -> Iterator[Server]:
    with serving(ALLOWED, {"/ok": Route(b"hola")}) as server:
        yield server


@pytest.fixture
def internal() -> Iterator[Server]:
    with serving("127.0.0.1", {"/secret": Route(b"secret")}) as server:
        yield server


def _exchange(proxy: EgressProxy, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as client:
        client.sendall(data)
        return _read_all(client)


def _read_all(client: socket.socket) -> bytes:
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _get(url: str) -> bytes:
    return f"GET {url} HTTP/1.1\r\nHost: x\r\nProxy-Connection: keep-alive\r\n\r\n".encode()


def test_an_allowed_request_is_forwarded_in_origin_form(proxy: EgressProxy, public: Server) -> None:
    answer = _exchange(proxy, _get(f"{public.base_url}/ok"))
    assert answer.startswith(b"HTTP/1.0 200") and answer.endswith(b"hola")
    assert public.hits == ["/ok"]


def test_a_request_to_an_internal_address_is_refused_unsent(
    proxy: EgressProxy, internal: Server
) -> None:
    by_address = _exchange(proxy, _get(f"{internal.base_url}/secret"))
    by_name = _exchange(proxy, _get(internal.base_url.replace("127.0.0.1", "localhost")))
    assert by_address.startswith(b"HTTP/1.1 403") and b"not a public address" in by_address
    assert by_name.startswith(b"HTTP/1.1 403")
    assert internal.hits == []
    assert proxy._stats is not None and proxy._stats.get_value(PROXY_REFUSED_STAT) == 2


def test_connect_tunnels_to_an_allowed_host_and_refuses_an_internal_one(
    proxy: EgressProxy, public: Server, internal: Server
) -> None:
    port = public.base_url.rsplit(":", 1)[1]
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as client:
        client.sendall(f"CONNECT {ALLOWED}:{port} HTTP/1.1\r\n\r\n".encode())
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        client.sendall(b"GET /ok HTTP/1.0\r\n\r\n")  # through the tunnel, byte for byte
        assert _read_all(client).endswith(b"hola")
    internal_port = internal.base_url.rsplit(":", 1)[1]
    refused = _exchange(proxy, f"CONNECT 127.0.0.1:{internal_port} HTTP/1.1\r\n\r\n".encode())
    assert refused.startswith(b"HTTP/1.1 403")
    assert internal.hits == []


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # TLS sent to a plain proxy
        b"GET\r\n\r\n",
        b"GET /relative HTTP/1.1\r\nHost: x\r\n\r\n",  # a proxy needs the absolute URI
        b"GET ftp://127.0.0.3/ HTTP/1.1\r\n\r\n",
        b"GET http://127.0.0.3:99999/ HTTP/1.1\r\n\r\n",
        b"CONNECT 127.0.0.3 HTTP/1.1\r\n\r\n",
        b"CONNECT :443 HTTP/1.1\r\n\r\n",
        b"GET http://127.0.0.3/ SPDY/3\r\n\r\n",
    ],
)
def test_a_malformed_request_is_answered_400(
    proxy: EgressProxy, public: Server, garbage: bytes
) -> None:
    assert _exchange(proxy, garbage).startswith(b"HTTP/1.1 400")
    assert _exchange(proxy, _get(f"{public.base_url}/ok")).endswith(b"hola")  # still serving


def test_an_oversized_head_is_answered_431(proxy: EgressProxy, public: Server) -> None:
    huge = b"GET http://127.0.0.3/ HTTP/1.1\r\nX-Pad: " + b"a" * (64 * 1024) + b"\r\n\r\n"
    assert _exchange(proxy, huge).startswith(b"HTTP/1.1 431")
    assert _exchange(proxy, _get(f"{public.base_url}/ok")).endswith(b"hola")


def test_a_slow_loris_is_dropped_while_others_are_served(
    proxy: EgressProxy, public: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(egress_proxy, "HEAD_TIMEOUT", 0.5)  # read at call time, in the loop
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as loris:
        loris.sendall(b"GET http://127.0.0.3/ HTTP/1.1\r\nX-Slow: ")
        assert _exchange(proxy, _get(f"{public.base_url}/ok")).endswith(b"hola")
        assert _read_all(loris) == b""  # closed without an answer
    assert public.hits == ["/ok"]


def test_a_client_that_hangs_up_mid_head_does_not_stop_the_proxy(
    proxy: EgressProxy, public: Server
) -> None:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as client:
        client.sendall(b"GET http://127.0.0.3/ HTT")
    assert _exchange(proxy, _get(f"{public.base_url}/ok")).endswith(b"hola")


def test_an_unreachable_upstream_is_502(proxy: EgressProxy) -> None:
    with socket.socket() as unused:  # a port nobody listens on once this socket closes
        unused.bind((ALLOWED, 0))
        port = unused.getsockname()[1]
    assert _exchange(proxy, _get(f"http://{ALLOWED}:{port}/")).startswith(b"HTTP/1.1 502")


def test_parse_target_and_origin_form() -> None:
    assert parse_target("CONNECT", "[::1]:443") == ("::1", 443)
    assert parse_target("GET", "http://example.org/a?b=1") == ("example.org", 80)
    with pytest.raises(ProxyRefusal):
        parse_target("CONNECT", "example.org:0")
    head = b"GET http://example.org/a?b=1 HTTP/1.1\r\nHost: example.org\r\nProxy-Connection: x"
    assert origin_form(head, "http://example.org/a?b=1") == (
        b"GET /a?b=1 HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n"
    )


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    names = ["-subj", f"/CN={ALLOWED}", "-addext", f"subjectAltName=IP:{ALLOWED}"]
    subprocess.run(
        [*request, "-keyout", str(key), "-out", str(cert), *names],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_through_connect_reaches_an_allowed_tls_server(
    proxy: EgressProxy, tmp_path: Path
) -> None:
    """The tunnel carries TLS end to end: the client verifies the server's own certificate."""
    cert, key = _self_signed(tmp_path)
    with serving_tls(ALLOWED, str(cert), str(key), {"/ok": Route(b"hola")}) as server:
        port = server.base_url.rsplit(":", 1)[1]
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as client:
            client.sendall(f"CONNECT {ALLOWED}:{port} HTTP/1.1\r\n\r\n".encode())
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
            client_context = ssl.create_default_context(cafile=str(cert))
            with client_context.wrap_socket(client, server_hostname=ALLOWED) as tls:
                tls.sendall(b"GET /ok HTTP/1.0\r\n\r\n")
                assert _read_all(tls).endswith(b"hola")
        assert server.hits == ["/ok"]
