"""The watch service caps glibc's malloc arenas (track4tip/malloc_arenas.py): counted with
glibc's own malloc_info in a fresh interpreter whose threads each allocate, with and without
the cap (without it, each new thread gets an arena of its own up to 8 per core)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.track4tip.cli_process import ROOT

COUNT_ARENAS = """
import ctypes, ctypes.util, sys, threading
from track4tip.malloc_arenas import limit_malloc_arenas
if sys.argv[1] == "capped":
    assert limit_malloc_arenas()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
barrier = threading.Barrier(12)
def allocate():
    libc.malloc(1024)
    barrier.wait()  # every thread alive at once, each holding its arena
threads = [threading.Thread(target=allocate) for _ in range(12)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
out = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, out)
libc.fclose(out)
"""


def _arenas(tmp_path: Path, mode: str) -> int:
    report = tmp_path / f"{mode}.xml"
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, mode, str(report)],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=60,
    )
    return report.read_text().count("<heap nr=")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_the_cap_keeps_threads_to_two_arenas(tmp_path: Path) -> None:
    uncapped, capped = _arenas(tmp_path, "free"), _arenas(tmp_path, "capped")
    assert uncapped > 2, "without the cap each new thread should get its own arena"
    assert capped <= 2
