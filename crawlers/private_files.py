"""Files and folders the crawler creates are its owner's only, whatever the umask.

Captures, screenshots and the spool hold what hostile pages and real people published: names,
phone numbers, victims' stories. Another account on the same machine has no business reading
them, and a permissive umask (0o000 in some containers and cron jobs) must not decide that. So
new files are created 0o600 and new folders 0o700 by the mode given to the system call itself
(umask can only take bits away, never add them), with no window in which a wider mode exists.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create `path` and its missing parents owner-only; with `tighten`, an existing `path`
    of ours becomes owner-only too (a WARC folder an older release made)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=DIR_MODE)
    if tighten and path.stat().st_uid == os.geteuid():
        path.chmod(DIR_MODE)
    return path


def create_private(path: Path) -> IO[bytes]:
    """A new file, owner-only, opened for unbuffered writing; FileExistsError if it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    return os.fdopen(descriptor, "wb", buffering=0)


def touch_private(path: Path) -> None:
    """Create an empty owner-only file unless one exists (SQLite then gives its WAL and
    shared-memory files the same mode as the database file)."""
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE))
