"""Fewer glibc malloc arenas for the long-running service.

glibc gives each thread that allocates under contention an arena of its own, up to 8 per
core, and returns little of an arena's freed memory to the system. The watch service runs
the scheduler's thread pool, the crawl followers, the alert dispatcher and the analysis
(torch, spaCy) side by side, so its RSS crept up for as long as it ran: 1,478 to 1,688 MiB
over nine minutes of bench/bench_watch.py, while the same run under MALLOC_ARENA_MAX=2
stayed at 1,502-1,504 MiB from its third minute on. `mallopt(M_ARENA_MAX)` sets the same
limit from inside the process, for the arenas made after it: call it before threads start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

# glibc's malloc.h: #define M_ARENA_MAX -8
_M_ARENA_MAX = -8
SERVICE_ARENAS = 2


def limit_malloc_arenas(arenas: int = SERVICE_ARENAS) -> bool:
    """Cap glibc's arenas unless MALLOC_ARENA_MAX already says how many (glibc read it at
    start-up); True when the cap is in force. Elsewhere than glibc (musl, macOS) nothing
    happens: their allocators do not keep arenas per thread this way."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return True
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    applied = mallopt(_M_ARENA_MAX, arenas) == 1
    if not applied:
        log.warning("mallopt(M_ARENA_MAX, %d) was refused; memory may creep up", arenas)
    return applied
