"""Where a webhook may go: public https addresses only, unless the settings say otherwise.

A rule's webhook URL is chosen by an investigator, and the server that sends it sits beside
services that trust their neighbours (an Elasticsearch node with security off, the console
itself). Without a check a rule could make the dispatcher POST to them, and the error it
records would tell open ports from closed ones. So:

- the scheme is https (`TRACK4TIP_API_WEBHOOK_ALLOW_HTTP` allows http, for tests and the demo);
- the host is resolved, and every address it resolves to must be public (`is_global`, not
  multicast) or inside `TRACK4TIP_API_WEBHOOK_ALLOWED_NETWORKS`: one private answer among
  public ones refuses the URL, since the connection could land on any of them;
- the check runs when a rule is saved (a clear 422) and again at each send, because DNS
  answers change; at send time the request goes to the very address that was checked (the
  host name stays in the Host header, the TLS server name and the certificate check), so a
  name that resolves elsewhere a moment later (DNS rebinding) changes nothing.

`WebhookRefused` carries a reason class ("refused: private address") that names no address or
port: the delivery's `last_error` is shown to the rule's owner.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

REFUSED_SCHEME = "refused: webhooks must use https"
REFUSED_PRIVATE = "refused: private address"
REFUSED_URL = "refused: not a usable URL"
UNRESOLVED = "dns: the host does not resolve"


class WebhookRefused(Exception):
    """The URL may not be sent to; the message is a reason class, safe to show."""


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host` (TCP)."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise WebhookRefused(UNRESOLVED) from None
    # The scope id of a link-local IPv6 answer ("fe80::1%eth0") is not part of the address.
    found = [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class WebhookTarget:
    """A checked URL: send to `url` (the address), naming `host` in Host and TLS."""

    url: str
    host: str
    host_header: str
    address: IPAddress


def _canonical(address: IPAddress) -> IPAddress:
    # ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address it carries.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        raise WebhookRefused(REFUSED_URL) from None
    return port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True)
class WebhookPolicy:
    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    resolve: Resolver = field(default=system_resolver)

    @classmethod
    def from_settings(
        cls, allow_http: bool, networks: Iterable[str], resolve: Resolver = system_resolver
    ) -> WebhookPolicy:
        parsed = tuple(ipaddress.ip_network(network, strict=False) for network in networks)
        return cls(allow_http=allow_http, allowed_networks=parsed, resolve=resolve)

    def allows_address(self, address: IPAddress) -> bool:
        address = _canonical(address)
        if any(address in network for network in self.allowed_networks):
            return True
        return address.is_global and not address.is_multicast

    def _parts(self, url: str) -> tuple[SplitResult, str, int]:
        parts = urlsplit(url)
        schemes = ("https", "http") if self.allow_http else ("https",)
        if parts.scheme not in schemes:
            raise WebhookRefused(REFUSED_SCHEME if parts.scheme == "http" else REFUSED_URL)
        if not parts.hostname or parts.username is not None or parts.password is not None:
            raise WebhookRefused(REFUSED_URL)
        return parts, parts.hostname, _port(parts)

    def check(self, url: str) -> WebhookTarget:
        """The address to send to, or WebhookRefused with the reason class."""
        parts, host, port = self._parts(url)
        addresses = self.resolve(host, port)
        if not addresses:
            raise WebhookRefused(UNRESOLVED)
        if not all(self.allows_address(address) for address in addresses):
            raise WebhookRefused(REFUSED_PRIVATE)
        address = addresses[0]
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = f"{literal}:{port}"
        target = parts._replace(netloc=netloc).geturl()
        host_header = parts.netloc.rpartition("@")[2]
        return WebhookTarget(url=target, host=host, host_header=host_header, address=address)
