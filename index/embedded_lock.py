"""The embedded index's writer lock: an exclusive `flock` on a file, waited for in the kernel.

tantivy's own writer lock can only be tried, so waiting for it means polling, and a poller
sleeping between tries almost never catches the free moment between two writes of a process
that writes back to back (the audit's worker, or a burst of flags): it starves. A process
blocked in `flock` is woken by the kernel the moment the lock is released, so writers take
turns. flock has no timeout: on contention a helper thread blocks in it, and if the wait runs
out first the helper lets the lock go as soon as it gets it. The kernel drops the lock when the
holder dies, SIGKILL included.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockWaitExpired(Exception):
    """The lock stayed held for the whole wait (the writer turns this into WriterBusy)."""


class FileLock:
    """An exclusive lock between processes, and between threads with their own `held` calls."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def held(self, wait: float) -> Iterator[None]:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if wait <= 0:
                os.close(descriptor)
                raise LockWaitExpired(f"{self.path} is locked") from None
            if not _Waiter(descriptor).wait(wait):
                raise LockWaitExpired(f"{self.path} stayed locked for {wait:.1f} s") from None
        try:
            yield
        finally:
            # Closing the descriptor releases the lock.
            os.close(descriptor)


class _Waiter:
    """Blocks in flock on a helper thread; whichever of it and the timeout comes second cleans
    up, so the descriptor is closed exactly once and a lock taken too late is let go at once."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self._decided = threading.Lock()
        self._done = threading.Event()
        self._failed = False
        self._abandoned = False

    def wait(self, timeout: float) -> bool:
        """True once the lock is held; False (the descriptor closed or to be) otherwise."""
        threading.Thread(target=self._block, daemon=True, name="index-writer-lock").start()
        self._done.wait(timeout)
        with self._decided:
            if not self._done.is_set():
                self._abandoned = True
                return False
        if self._failed:
            os.close(self.descriptor)
            return False
        return True

    def _block(self) -> None:
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX)
        except OSError:
            self._failed = True
        with self._decided:
            if self._abandoned:
                os.close(self.descriptor)
            else:
                self._done.set()
