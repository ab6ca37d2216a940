from __future__ import annotations

import pytest

from crawlers.urls import canonical_url, strip_tracking


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://Example.COM/a?b=2&a=1", "http://example.com/a?a=1&b=2"),
        ("http://example.com/a#section", "http://example.com/a"),
        ("http://example.com/a?utm_source=x&utm_medium=y&id=3", "http://example.com/a?id=3"),
        ("http://example.com/a?fbclid=abc&gclid=def", "http://example.com/a"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("  http://example.com/s/canal?before=105  ", "http://example.com/s/canal?before=105"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_same_page_through_different_links_has_one_canonical_url() -> None:
    spellings = [
        "http://example.com/empleos/cocinero.html?utm_source=feed",
        "http://example.com/empleos/cocinero.html#top",
        "HTTP://EXAMPLE.com/empleos/cocinero.html",
    ]
    assert len({canonical_url(url) for url in spellings}) == 1


def test_strip_tracking_keeps_order_and_blank_values() -> None:
    assert strip_tracking("http://x.org/p?z=1&utm_id=2&a=") == "http://x.org/p?z=1&a="
