"""Block and challenge pages: the real Indeed captures in ../shared/realweb, served locally and
crawled, are reported as such and never become Documents; real content pages are not flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.blocks import BLOCKED_PAGE, CHALLENGE_PAGE, detect_block
from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.runner import run_crawl_in_subprocess
from crawlers.spool import iter_all
from tests.crawlers.local_server import serve

REALWEB = Path("/work/shared/realweb")
INDEED = REALWEB / "indeed"
BLOCKED = "debug_indeed_page_1.blocked-7deb6a57.html"
CHALLENGE = "debug_indeed_page_27.html"
CONTENT = "debug_indeed_page_1.html"


def test_the_indeed_captures_are_recognised() -> None:
    blocked = detect_block((INDEED / BLOCKED).read_bytes())
    assert blocked is not None and blocked.reason == BLOCKED_PAGE
    assert "ERR_NO_SUPPORTED_PROXIES" in blocked.detail
    challenge = detect_block((INDEED / CHALLENGE).read_bytes())
    assert challenge is not None and challenge.reason == CHALLENGE_PAGE


def test_no_real_content_page_is_taken_for_a_block() -> None:
    # The real Indeed results page loads Cloudflare's passive script; it is content all the same.
    pages = [p for p in REALWEB.rglob("*.htm*") if p.name not in {BLOCKED, CHALLENGE}]
    assert len(pages) > 20
    assert [p.name for p in pages if detect_block(p.read_bytes())] == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b"<html><head><title>Attention Required! | Cloudflare</title></head></html>",
            "challenge_page",
        ),
        (
            b"<html><head><title>Access Denied</title></head><body>Ref 18.x</body></html>",
            "blocked_page",
        ),
        (b'<html><body><div id="px-captcha"></div></body></html>', "challenge_page"),
        (b"", None),
        (b"\xff\xfe\x00<title>Just a moment...", None),  # broken bytes, no closing tag
        (b"<title>Just a moment...</title>", "challenge_page"),
    ],
)
def test_synthetic_and_broken_inputs(body: bytes, reason: str | None) -> None:
    found = detect_block(body)
    assert (found.reason if found else None) == reason


def test_a_crawl_reports_block_pages_and_indexes_none(tmp_path: Path) -> None:
    profile = SourceProfile(
        name="Indeed México (replay)",
        site="indeed_mx",
        kind="job_board",
        spider="listing",
        country="MX",
        start_urls=[f"/{BLOCKED}", f"/{CHALLENGE}", f"/{CONTENT}"],
        links={"detail": "a.jcs-JobTitle"},
        fields={"title": "h1", "description": "div#jobDescriptionText"},
    )
    config = CrawlerSettings(data_dir=tmp_path, download_delay=0, autothrottle=False)
    with serve(INDEED) as base_url:
        report = run_crawl_in_subprocess([profile], config, base_url)
    source = report.source("indeed_mx")
    assert source.blocked == 2
    assert source.errors.get("blocked_page") == 1 and source.errors.get("challenge_page") == 1
    assert source.captures >= 3, "block pages are kept as evidence all the same"
    assert not [d for d in iter_all(config.spool_path) if d.url.endswith((BLOCKED, CHALLENGE))]
