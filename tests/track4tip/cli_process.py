"""Run the `track4tip` command as a user does: a real process, in the checkout, with its own
data folder (TRACK4TIP_DATA_DIR) and a terminal wide enough that tables do not wrap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# For crawls of the demo web, which is ours and local: no politeness delay needed.
FAST_CRAWL = {"TRACK4TIP_DOWNLOAD_DELAY": "0", "TRACK4TIP_AUTOTHROTTLE": "false"}


def track4tip(
    data_dir: Path, *arguments: str, **variables: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "TRACK4TIP_DATA_DIR": str(data_dir),
        "COLUMNS": "200",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-m", "track4tip", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
