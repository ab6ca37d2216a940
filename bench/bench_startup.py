"""Start-up cost of the light paths: `track4tip --help`, `import api.main`, a one-page crawl.

    .venv/bin/python bench/bench_startup.py                     # this checkout, 5 rounds
    .venv/bin/python bench/bench_startup.py --baseline ../old   # beside another checkout

Each figure is the median wall time of a fresh interpreter (the code put first on its
`PYTHONPATH`), so imports are what is measured. With `--baseline` (a checkout of an earlier
commit, e.g. `git worktree add ../old b048e8f`) the two trees alternate round by round in one
run, on the same machine load, and the ratio baseline/current is printed. The one-page crawl
is `track4tip crawl` of a one-source profile whose only page is served by a loopback server,
so nearly all of its time is start-up: the CLI, the crawl's child process, Scrapy.
Figures are printed, never asserted (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = b"""<!DOCTYPE html><html lang="es"><head><title>Ofertas</title></head><body>
<div class="card"><a href="/oferta.html#cocinero">Se busca cocinero</a><p class="summary">
Restaurante en Quito busca cocinero con experiencia. Contrato y seguro social.</p></div>
</body></html>"""
PROFILE = """sources:
  - name: One page
    site: onepage
    kind: job_board
    spider: listing
    country: EC
    base_url: {base_url}
    start_urls: [/oferta.html]
    cards:
      item: div.card
      fields:
        title: a
        description: p.summary
"""


class _OnePage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGE if self.path.startswith("/oferta") else b"not found"
        self.send_response(200 if body is PAGE else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def one_page_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OnePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def timed(tree: Path, args: list[str], data_dir: Path) -> float:
    environment = {**os.environ, "PYTHONPATH": str(tree), "TRACK4TIP_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *args], cwd=tree, env=environment, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{tree}: {args} failed:\n{result.stderr.decode()[-2000:]}")
    return elapsed


def cases(profile: Path) -> dict[str, list[str]]:
    cli = [
        "-c",
        "import sys; from track4tip.cli import run_cli; sys.argv[0] = 'track4tip'; run_cli()",
    ]
    return {
        "track4tip --help": [*cli, "--help"],
        "import api.main": ["-c", "import api.main"],
        "one-page crawl": [*cli, "crawl", "--profiles", str(profile)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    trees = {"current": ROOT}
    if options.baseline is not None:
        trees["baseline"] = options.baseline.resolve()
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch, one_page_site() as base_url:
        profile = Path(scratch) / "onepage.yaml"
        profile.write_text(PROFILE.format(base_url=base_url), encoding="utf-8")
        for round_number in range(options.rounds):
            for case, args in cases(profile).items():
                for name, tree in trees.items():
                    data_dir = Path(scratch) / f"{name}-{round_number}"
                    times.setdefault((case, name), []).append(timed(tree, args, data_dir))
    print(f"median wall time of {options.rounds} fresh interpreters (s)")
    for case in cases(Path()):
        current = statistics.median(times[(case, "current")])
        line = f"  {case:<18} current {current:6.2f}"
        if "baseline" in trees:
            baseline = statistics.median(times[(case, "baseline")])
            line += f"   baseline {baseline:6.2f}   baseline/current {baseline / current:5.1f}x"
        print(line)


if __name__ == "__main__":
    main()
