"""A fresh `track4tip demo --no-serve` in its own data folder, as a person would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_demo(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the demo into `data_dir`; its index, linking store and captures land in `demo/`."""
    environment = {**os.environ, "TRACK4TIP_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "track4tip", "demo", "--no-serve"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
