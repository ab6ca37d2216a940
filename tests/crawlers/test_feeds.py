"""Feeds and dates: the real malformed UOL feed, other real feeds, and broken input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawlers.dates import parse_date
from crawlers.feeds import FeedError, decode_feed, parse_feed

REALWEB = Path(__file__).resolve().parents[3] / "shared" / "realweb"


def test_uol_feed_latin1_without_declaration_and_portuguese_dates() -> None:
    entries = parse_feed((REALWEB / "uol.com.br" / "uolNoticias.rss").read_bytes())
    assert len(entries) == 15
    first = entries[0]
    assert first.title.startswith("Ibope: Bolsonaro perde de Haddad")
    assert "simulações" in first.title
    assert first.link is not None and first.link.startswith("https://noticias.uol.com.br/")
    assert first.published == datetime(
        2018, 9, 24, 19, 42, 40, tzinfo=timezone(timedelta(hours=-3))
    )
    assert all(entry.published is not None for entry in entries)
    assert "<img" not in first.summary and first.summary.startswith("Líder na pesquisa Ibope")


@pytest.mark.parametrize(
    ("relative", "count"),
    [
        ("heise.de/heise.atom", 15),
        ("craigslist/craigslist.rss", 25),
        ("reddit/reddit-home.rss", 24),
    ],
)
def test_other_real_feeds(relative: str, count: int) -> None:
    entries = parse_feed((REALWEB / relative).read_bytes())
    assert len(entries) == count
    assert all(entry.link and entry.title for entry in entries)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "no <rss>"),
        (b"<html><body>Not a feed</body></html>", "no <rss>"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "no <rss>"),
        (b'<rss version="2.0"><channel><title>Empty</title></channel></rss>', "no <item>"),
    ],
)
def test_broken_feeds_raise_feed_error(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(body)


def test_decoding_prefers_declaration_then_http_charset() -> None:
    latin = "Notícias".encode("latin-1")
    declared = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + latin
    assert decode_feed(declared).endswith("Notícias")
    assert decode_feed(latin, "iso-8859-1") == "Notícias"
    assert decode_feed(latin) == "Notícias"  # not UTF-8: Windows-1252 as last resort


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("Mon, 06 May 2024 10:00:00 GMT", datetime(2024, 5, 6, 10, tzinfo=UTC)),
        ("lun., 3 dic. 2024 08:00:00 -0500", datetime(2024, 12, 3, 13, tzinfo=UTC)),
        ("Qua, 26 Set 2018 08:00 -0300", datetime(2018, 9, 26, 11, tzinfo=UTC)),
    ],
)
def test_dates(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "ayer", "32 Jan 2020", "1 Foo 2020 10:00"])
def test_unreadable_dates_are_none(text: str | None) -> None:
    assert parse_date(text) is None
