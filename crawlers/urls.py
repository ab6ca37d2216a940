"""URL canonicalisation: one spelling per page, so that de-duplication and ids agree.

A page reached as `/a?utm_source=x&b=2&a=1#top` and as `/a?a=1&b=2` is the same page: the
canonical form drops the fragment and tracking parameters (utm_*, fbclid, gclid, ...) and lets
w3lib sort the query and normalise percent-encoding. Spiders request canonical URLs, so Scrapy's
duplicate filter and the Document id (a hash of the canonical URL) see the same thing.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PREFIXES = ("utm_", "mc_", "pk_")
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "_ga", "_hsenc", "ref_src"}
)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def strip_tracking(url: str) -> str:
    """The URL without its fragment and tracking query parameters (order otherwise kept)."""
    parts = urlsplit(url)
    kept = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(name)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


def canonical_url(url: str) -> str:
    """The one spelling of a page's URL used for de-duplication and document ids."""
    return canonicalize_url(strip_tracking(url.strip()), keep_fragments=False)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def site_host(url: str) -> str:
    """The host a URL is on, as `host` or `host:port`: lower-cased, without the scheme's
    default port, so `https://Example.org:443/a` and `http://example.org/b` are one site."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port names no site we could fetch from
        return ""
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"
