"""Errors raised by the linking package.

    LinkingError              linking settings are inconsistent, a batch is malformed, or a
    │                         query names an unknown cluster or network
    └── StoreUnavailable      the linking store exists but cannot be read (damaged, or not a
                              linking store); the API answers 503 with the path

Callers outside `linking` catch `LinkingError` and show its message.
"""

from __future__ import annotations


class LinkingError(Exception):
    """Linking settings are inconsistent, its store is damaged, or a cluster/network is unknown."""


class StoreUnavailable(LinkingError):
    """The linking store file cannot be opened or is not a linking store."""
