"""Block and challenge pages: what a site serves a crawler instead of its content.

They must never be indexed as content (an analyst would read "Just a moment..." as an ad), and
the crawl must say how often it met them: a source that blocks us is a source we do not see.

- `challenge_page`: a bot challenge the crawler cannot pass: Cloudflare's "Just a moment..."
  interstitial (`window._cf_chl_opt`, Turnstile), "Attention Required! | Cloudflare", and the
  captcha walls of other vendors (PerimeterX, DataDome).
- `blocked_page`: a refusal or a browser error page stored in place of the site (Chromium's
  `neterror` page, as a blocked scraper saved it for Indeed: ERR_NO_SUPPORTED_PROXIES), and
  "Access Denied" answers.

Only strong signatures count: real pages also load Cloudflare's passive bot script
(`/cdn-cgi/challenge-platform/`), which is not a challenge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHALLENGE_PAGE = "challenge_page"
BLOCKED_PAGE = "blocked_page"

_SNIFF = 256 * 1024
_TITLE = re.compile(rb"<title[^>]*>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)
_CHALLENGE_TITLES = (b"just a moment...", b"attention required! | cloudflare")
_CHALLENGE_MARKERS = (
    b"window._cf_chl_opt",
    b"challenges.cloudflare.com/turnstile",
    b"px-captcha",
    b"captcha-delivery.com",  # DataDome
)
_BLOCKED_TITLES = (b"access denied", b"403 forbidden", b"request blocked")
_NETERROR = re.compile(rb'<body[^>]*class="[^"]*\bneterror\b|id="main-frame-error"')
_NET_ERROR_CODE = re.compile(rb"\b(ERR_[A-Z_]+)\b")


@dataclass(frozen=True)
class Block:
    reason: str
    detail: str


def _title(head: bytes) -> bytes:
    match = _TITLE.search(head)
    return match.group(1).strip().lower() if match else b""


def detect_block(body: bytes) -> Block | None:
    """The block or challenge a page is, or None for an ordinary page."""
    head = body[:_SNIFF]
    title = _title(head)
    if title in _CHALLENGE_TITLES:
        return Block(CHALLENGE_PAGE, f"title {title.decode('utf-8', 'replace')!r}")
    marker = next((m for m in _CHALLENGE_MARKERS if m in head), None)
    if marker is not None:
        return Block(CHALLENGE_PAGE, f"challenge marker {marker.decode()!r}")
    if _NETERROR.search(head):
        code = _NET_ERROR_CODE.search(head)
        return Block(BLOCKED_PAGE, f"browser error page {code.group(1).decode() if code else ''}")
    if title in _BLOCKED_TITLES:
        return Block(BLOCKED_PAGE, f"title {title.decode('utf-8', 'replace')!r}")
    return None
