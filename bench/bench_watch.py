"""The watch service over the demo web: 20 sources on short schedules for N minutes.

    .venv/bin/python bench/bench_watch.py [--minutes 10] [--sources 20]

Serves a copy of the demo web on loopback, writes 20 profiles (the demo's four sites, each
repeated under its own site id, intervals of 20-60 s), and runs `track4tip watch` as a real
process with an alert rule matching every document, delivered to a loopback webhook. Every
30 s a new ad page is added to the classifieds listing (the demo's arrivals,
track4tip/demo_watch.py). Prints documents indexed per minute (from the run history), the
time from each new page appearing to its first alert, and the watch process's RSS once
analysis is ready, at each minute and at the end. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.accounts.users import Role, UserStore  # noqa: E402
from api.alerting.rules import AlertRuleIn, AlertRuleStore  # noqa: E402
from api.database import ConsoleDatabase  # noqa: E402
from index.source_runs import SourceRunStore  # noqa: E402
from tests.api.alert_parts import http_server  # noqa: E402
from track4tip.demo_site import DemoSite, site_root  # noqa: E402
from track4tip.demo_watch import DemoArrivals  # noqa: E402


class Hook(BaseHTTPRequestHandler):
    arrivals: ClassVar[dict[str, float]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Hook.arrivals.setdefault(body["document"]["url"].rsplit("/", 1)[-1], time.time())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def write_profiles(path: Path, count: int) -> list[str]:
    demo = yaml.safe_load((ROOT / "crawlers" / "sources" / "demo.yaml").read_text())["sources"]
    plain = [p for p in demo if not p.get("render_when") and not p.get("render")]
    sources = []
    for n in range(count):
        profile = dict(plain[n % len(plain)])
        profile["site"] = f"{profile['site']}_{n:02d}"
        profile["schedule"] = {"interval": 20 + (n * 7) % 41, "jitter": 5}
        sources.append(profile)
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True))
    return [source["site"] for source in sources]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def add_rule(data_dir: Path, hook: str) -> None:
    database = ConsoleDatabase(data_dir / "console.sqlite3")
    owner = UserStore(database).create("bench", "correct horse battery", Role.INVESTIGATOR)
    rule = AlertRuleIn(
        name="todo",
        risk_threshold=0.0,
        channels=["webhook"],
        webhook_url=hook,
        webhook_secret="bench-secret-0123456789",
    )
    AlertRuleStore(database).create(rule, owner)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sources", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    site_dir, data_dir, log = work / "site", work / "data", work / "watch.log"
    shutil.copytree(site_root(), site_dir)
    data_dir.mkdir()
    sites = write_profiles(work / "profiles.yaml", args.sources)
    appeared: dict[str, float] = {}
    with DemoSite(root=site_dir) as site, http_server(Hook) as hook:
        add_rule(data_dir, hook)
        environment = {
            **os.environ,
            "TRACK4TIP_DATA_DIR": str(data_dir),
            "TRACK4TIP_DOWNLOAD_DELAY": "0",
            "TRACK4TIP_AUTOTHROTTLE": "false",
            "TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",
            "TRACK4TIP_API_WEBHOOK_ALLOW_HTTP": "true",
            "TRACK4TIP_API_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        command = [sys.executable, "-m", "track4tip", "watch", "--profiles"]
        with log.open("w") as output:
            process = subprocess.Popen(
                [*command, str(work / "profiles.yaml"), "--base-url", site.base_url],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started = time.time()
        while "analysis and indexing ready" not in log.read_text() and process.poll() is None:
            time.sleep(1)
        ready = time.time() - started
        rss_start = rss_mib(process.pid)
        stop = threading.Event()

        def arrived(name: str) -> None:
            appeared[name] = time.time()

        # The demo's own arrivals (`track4tip demo --watch`): lures and ordinary ads in turn.
        arrivals = DemoArrivals(site_dir)
        adder = threading.Thread(target=arrivals.run, args=(30, stop, arrived), daemon=True)
        adder.start()
        store = SourceRunStore.under(data_dir)
        per_minute, rss_per_minute = [], []
        for _ in range(max(1, round(args.minutes))):
            time.sleep(60 * min(1.0, args.minutes))
            runs = [run for name in sites for run in store.runs(name, 10_000)]
            per_minute.append(sum(run.new + run.changed for run in runs))
            rss_per_minute.append(round(rss_mib(process.pid)))
        rss_end = rss_mib(process.pid)
        stop.set()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=600)
    counts = [b - a for a, b in zip([0, *per_minute], per_minute, strict=False)]
    latencies = [Hook.arrivals[n] - t for n, t in appeared.items() if n in Hook.arrivals]
    print(f"sources {args.sources}, minutes {args.minutes}, watch exit code {code}")
    print(f"start to analysis ready: {ready:.0f} s")
    print(f"documents indexed (new + changed) per minute: {counts}")
    print(f"pages added {len(appeared)}, alerted {len(latencies)}", end="")
    if latencies:
        print(
            f"; page-to-alert median {statistics.median(latencies):.1f} s, "
            f"max {max(latencies):.1f} s"
        )
    else:
        print()
    print(f"RSS of the watch process: {rss_start:.0f} MiB at ready, {rss_end:.0f} MiB at end")
    # Warm-up (the models, the first crawls' imports) tells apart from growth only over time.
    print(f"RSS at each minute (MiB): {rss_per_minute}")
    print(f"(work folder {work})")


if __name__ == "__main__":
    main()
