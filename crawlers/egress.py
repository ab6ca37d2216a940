"""Egress guard: the crawler fetches public internet addresses only.

A crawled page is hostile input. Without a guard, a redirect (or a link, or a script in a
rendered page) could make the crawler fetch `http://127.0.0.1:9200/`, the cloud metadata
service at 169.254.169.254, or a compose-internal name such as `elasticsearch`, and keep the
answer as evidence. So every request is checked before it leaves:

- `EgressMiddleware` (downloader middleware, first in the chain) resolves each request's host
  and refuses it unless every address it resolves to is public (`ipaddress`' `is_global`, and
  not multicast: no loopback, private, link-local, shared, multicast, reserved or unspecified
  address).
  Redirects are new requests that pass through the whole chain again, so each hop is checked.
  A refusal raises `PageRejected(INTERNAL_ADDRESS)` (counted by the spider's errback, see
  rejections.py) and is also counted under ``track4tip/egress/refused``, which covers requests
  without an errback (robots.txt). A host that does not resolve is refused as
  `network_DNSLookupError`, the reason the download itself would have given.
- `BrowserEgressGuard` is scrapy-playwright's `PLAYWRIGHT_ABORT_REQUEST`: Chromium's own
  requests (the page, its images, scripts, fetch/XHR) are checked the same way and aborted
  (counted under ``track4tip/egress/browser_refused``).
- Playwright does not route the hops of a redirect Chromium follows itself, so Chromium is
  launched behind a checking forward proxy (`crawlers/egress_proxy.py`, `<-loopback>` taken
  out of Chromium's proxy bypass list): every request Chromium sends, each redirect hop
  included, is checked there with `checked_addresses` (the same check as the guard's) and
  answered 403 when refused (counted under ``track4tip/egress/proxy_refused``, a key only the
  proxy's thread increments). The proxy connects to the address it checked, so Chromium,
  which no longer resolves names itself, cannot be DNS-rebound either. The guard stays in
  front of it as defence in depth, and a rendered page whose final URL is internal is still
  refused as `internal_address` before it is captured (`RenderedEgressMiddleware`).

`EgressMiddleware`'s addresses come from Scrapy's own caching resolver (`reactor.resolve`),
whose answer the download then reuses (Twisted's name resolver wraps it), so a name cannot
resolve to a public address for the check and to an internal one for the connection (DNS
rebinding) while its answer is cached (DNSCACHE_SIZE names; Scrapy never expires them within
a crawl).

`TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS` lists the exceptions: networks (`127.0.0.0/8`) and
host names (`demo.internal`). It is empty in production; the demo and the tests, which crawl a
web served on 127.0.0.1, set it explicitly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawlers.config import IPNetwork, parse_allowed
from crawlers.rejections import STATS_PREFIX, PageRejected

logger = logging.getLogger(__name__)

INTERNAL_ADDRESS = "internal_address"
UNRESOLVED = "network_DNSLookupError"
ALLOWED_SETTING = "TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS"
REFUSED_STAT = f"{STATS_PREFIX}/egress/refused"
BROWSER_REFUSED_STAT = f"{STATS_PREFIX}/egress/browser_refused"
PROXY_REFUSED_STAT = f"{STATS_PREFIX}/egress/proxy_refused"
PROXY_SETTING = "TRACK4TIP_EGRESS_PROXY"


@dataclass(frozen=True)
class EgressPolicy:
    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> Self:
        parsed = [parse_allowed(entry) for entry in entries]
        return cls(
            networks=tuple(item for item in parsed if not isinstance(item, str)),
            hosts=frozenset(item for item in parsed if isinstance(item, str)),
        )

    def address_allowed(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        # is_global calls multicast (224.0.0.0/4, ff0e::/16) global: it is no web server.
        public = ip.is_global and not ip.is_multicast
        return public or any(ip in network for network in self.networks)

    def refusal(self, host: str, addresses: Iterable[str]) -> str | None:
        """Why a host that resolved to these addresses may not be fetched, or None."""
        if host.lower().rstrip(".") in self.hosts:
            return None
        internal = [address for address in addresses if not self.address_allowed(address)]
        if internal:
            return f"{host} ({', '.join(internal)}) is not a public address"
        return None


def host_of(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.rstrip(".") if host else None


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        return None


async def _scrapy_resolve(host: str) -> list[str]:
    """The address Scrapy's (caching) resolver gives, the one the download will connect to."""
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor

    return [await maybe_deferred_to_future(reactor.resolve(host))]  # type: ignore[attr-defined]


async def _system_resolve(host: str) -> list[str]:
    """Every address the system gives (Chromium resolves on its own, any of them may be used)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def checked_addresses(policy: EgressPolicy, host: str) -> tuple[list[str], str | None]:
    """Every address the system resolves `host` to, and why they may not be fetched (or None).
    The one check behind Chromium's guard and its proxy; a name that does not resolve gives
    no address and no refusal (there is nothing to connect to)."""
    literal = _literal(host)
    try:
        addresses = [literal] if literal else await _system_resolve(host)
    except OSError:
        addresses = []
    return addresses, policy.refusal(host, addresses)


class EgressMiddleware:
    """Refuses every request (each redirect hop too) to a non-public address."""

    def __init__(self, policy: EgressPolicy, stats: StatsCollector) -> None:
        self.policy = policy
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        policy = EgressPolicy.from_entries(crawler.settings.getlist(ALLOWED_SETTING))
        browser_guard = crawler.settings.get("PLAYWRIGHT_ABORT_REQUEST")
        if isinstance(browser_guard, BrowserEgressGuard):
            browser_guard.attach(crawler.stats)
        _attach_proxy(crawler)
        return cls(policy, crawler.stats)

    async def process_request(self, request: Request) -> None:
        host = host_of(request.url)
        if host is None or host.lower() in self.policy.hosts:
            return
        literal = _literal(host)
        try:
            addresses = [literal] if literal else await _scrapy_resolve(host)
        except Exception as error:  # DNSLookupError, timeouts: nothing to check against
            self._refuse(UNRESOLVED, f"{host} does not resolve: {error}", request)
        why = self.policy.refusal(host, addresses)
        if why is not None:
            self._refuse(INTERNAL_ADDRESS, why, request)

    def _refuse(self, reason: str, detail: str, request: Request) -> NoReturn:
        self.stats.inc_value(REFUSED_STAT)
        logger.warning("refused %s (%s): %s", request.url, reason, detail)
        raise PageRejected(reason, detail)


def _attach_proxy(crawler: Crawler) -> None:
    """The crawl's Chromium proxy (started by render_settings) counts into this crawler's
    stats and stops with its engine."""
    from scrapy import signals

    from crawlers.egress_proxy import EgressProxy

    proxy = crawler.settings.get(PROXY_SETTING)
    if isinstance(proxy, EgressProxy):
        proxy.attach(crawler.stats)
        crawler.signals.connect(proxy.stop, signal=signals.engine_stopped, weak=False)


class RenderedEgressMiddleware:
    """A rendered page that Chromium redirected to an internal address is not kept (the proxy
    answered 403 for it; this is the second line). Above the capture middleware, so its
    answer becomes neither evidence nor a Document."""

    def __init__(self, guard: EgressMiddleware) -> None:
        self.guard = guard

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not isinstance(crawler.settings.get("PLAYWRIGHT_ABORT_REQUEST"), BrowserEgressGuard):
            raise NotConfigured("this source renders no page")  # render_settings sets the guard
        policy = EgressPolicy.from_entries(crawler.settings.getlist(ALLOWED_SETTING))
        return cls(EgressMiddleware(policy, crawler.stats))

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("playwright") and response.url != request.url:
            await self.guard.process_request(request.replace(url=response.url))
        return response


class BrowserEgressGuard:
    """scrapy-playwright's abort predicate: True aborts a request Chromium wants to make."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self._stats: StatsCollector | None = None

    def attach(self, stats: StatsCollector) -> None:
        self._stats = stats

    async def __call__(self, request: Any) -> bool:
        host = host_of(request.url)
        if host is None or not request.url.startswith(("http:", "https:", "ws:", "wss:")):
            return False  # data:, blob:, about: never leave the browser
        _, why = await checked_addresses(self.policy, host)
        if why is None:
            return False
        logger.warning("browser request refused %s: %s", request.url, why)
        if self._stats is not None:
            self._stats.inc_value(BROWSER_REFUSED_STAT)
        return True
