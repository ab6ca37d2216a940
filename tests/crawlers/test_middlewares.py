"""The checks behind truncated_html and not_html, on real and synthetic bodies."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawlers.middlewares import looks_binary, looks_truncated

REALWEB = Path(__file__).resolve().parents[3] / "shared" / "realweb"


def test_real_truncated_capture_is_truncated() -> None:
    assert looks_truncated((REALWEB / "computrabajo" / "test_ct.html").read_bytes())


@pytest.mark.parametrize(
    "relative", ["telegram/channel_feed.html", "computrabajo/search-lima.html"]
)
def test_real_complete_pages_are_not_truncated(relative: str) -> None:
    assert not looks_truncated((REALWEB / relative).read_bytes())


@pytest.mark.parametrize(
    ("body", "truncated"),
    [
        (b"<html><body><p>ok</p></body></html>\n", False),
        (b"<html><body><p>ok</p></body>", False),  # </html> left out, body closed
        (b'<html><body><div class="ad-bo', True),  # ends inside a tag
        (b"<html><body><p>text that stops", True),  # never closes the body
    ],
)
def test_truncation(body: bytes, truncated: bool) -> None:
    assert looks_truncated(body) is truncated


def _html(body: bytes) -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/x", body=body, headers={"Content-Type": "text/html"})


def test_binary_bodies_served_as_html() -> None:
    assert looks_binary(_html(gzip.compress(b"picture" * 20)))
    assert looks_binary(_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert not looks_binary(_html("<html><body>Canción, pasaje, compañía</body></html>".encode()))
    assert not looks_binary(_html(b""))
