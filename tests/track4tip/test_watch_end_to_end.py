"""`track4tip watch` as a real process over a copy of the demo web on loopback, on a schedule
of seconds, with an alert rule delivering to a loopback webhook.

First start: stopped with SIGTERM mid-run; it exits 0 and whatever it spooled is indexed on
the next start. Second start: the demo web changes while it runs (an ad added, one changed,
one taken down, a 404 of its detail URL); the index ends with the new and the changed ad and
the take-down mark, the run history counts them, and the new ad's alert is delivered once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

from api.accounts.users import Role, UserStore
from api.alerting.rules import AlertRuleIn, AlertRuleStore, RuleSearch
from api.database import ConsoleDatabase
from crawlers.spool import SpoolReader
from index.document import Status
from index.embedded import EmbeddedIndex
from index.source_runs import SourceRunStore
from tests.api.alert_parts import http_server
from tests.track4tip.cli_process import FAST_CRAWL, ROOT
from track4tip.demo_site import DemoSite, site_root

# Bounds against hanging (the models load in the child), not timings.
WAIT_SECONDS = 240.0
PROFILE = """
sources:
  - name: Clasificados del Sur
    site: clasificados
    kind: classifieds
    spider: listing
    country: PE
    base_url: http://127.0.0.1:8000
    start_urls: [/clasificados/]
    schedule: {interval: 2}
    links: {detail: a.ad-link}
    fields: {title: h1.ad-title, description: div.ad-body, contact: span.ad-contact}
"""
NEW_AD = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<title>Se busca zapatero remendón</title></head><body><main><article class="ad">
<h1 class="ad-title">Se busca zapatero remendón en Callao</h1>
<div class="ad-body"><p>Taller de calzado busca zapatero remendón con experiencia para
turno de mañana en el Callao. Pago semanal, ambiente familiar.</p></div>
<span class="ad-contact">Rosa – 987555123</span></article></main></body></html>"""


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _wait(condition: Callable[[], bool], what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert process.poll() is None, f"watch died waiting for {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.5)


def _start(data_dir: Path, profiles: Path, base_url: str, log: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        **FAST_CRAWL,
        "TRACK4TIP_DATA_DIR": str(data_dir),
        "TRACK4TIP_CRAWL_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",
        "TRACK4TIP_WATCH_BACKOFF_SECONDS": "1",
        "TRACK4TIP_API_WEBHOOK_ALLOW_HTTP": "true",
        "TRACK4TIP_API_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    command = [sys.executable, "-m", "track4tip", "watch", "--profiles", str(profiles)]
    with log.open("a") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*command, "--base-url", base_url],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen, log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=WAIT_SECONDS)
    assert code == 0, log.read_text()[-5000:]


def _kill_if_running(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def _runs(data_dir: Path) -> list:
    path = data_dir / "source_runs.sqlite3"
    return SourceRunStore(path).runs("clasificados", 100) if path.exists() else []


def _add_rule(data_dir: Path, hook_url: str) -> None:
    database = ConsoleDatabase(data_dir / "console.sqlite3")
    owner = UserStore(database).create("guardia", "correct horse battery", Role.INVESTIGATOR)
    rule = AlertRuleIn(
        name="zapateros",
        search=RuleSearch(q="zapatero"),
        risk_threshold=0.0,
        channels=["webhook"],
        webhook_url=hook_url,
        webhook_secret="a-webhook-secret-0123456789",
    )
    AlertRuleStore(database).create(rule, owner)


def _spooled_ids(data_dir: Path) -> set[str]:
    reader = SpoolReader(data_dir / "spool.sqlite", "test-reader")
    try:
        return {document.id for document in reader.read_batch(10_000).documents}
    finally:
        reader.close()


def test_watch_stops_cleanly_then_follows_a_changing_site(tmp_path: Path) -> None:
    site_dir, data_dir, log = tmp_path / "site", tmp_path / "data", tmp_path / "watch.log"
    shutil.copytree(site_root(), site_dir)
    profiles = tmp_path / "watch.yaml"
    profiles.write_text(PROFILE, encoding="utf-8")
    with DemoSite(root=site_dir) as site, http_server(_Hook) as hook_url:
        data_dir.mkdir()
        _add_rule(data_dir, hook_url)
        first = _start(data_dir, profiles, site.base_url, log)
        try:
            _wait(lambda: bool(_runs(data_dir)), "a first run", first)
            _stop(first, log)  # mid-run: analysis may not even have loaded
        finally:
            _kill_if_running(first)
        second = _start(data_dir, profiles, site.base_url, log)
        try:
            _follow_changes(site_dir, data_dir, second)
            _stop(second, log)
        finally:
            _kill_if_running(second)

    with EmbeddedIndex(data_dir / "index") as index:
        spooled = _spooled_ids(data_dir)
        stored = index.latest(spooled)
    assert spooled == set(stored)  # everything spooled, before and after the stop, is indexed
    documents = {doc.url.rsplit("/", 1)[-1]: doc for doc in stored.values()}
    assert "zapatero-callao.html" in documents
    assert documents["vendo-moto-honda.html"].version == 2
    assert "color azul" in documents["vendo-moto-honda.html"].text
    assert documents["alquiler-cuarto-smp.html"].status == Status.TAKEN_DOWN
    assert [alert["document"]["title"] for alert in _Hook.received] == [
        "Se busca zapatero remendón en Callao"
    ]
    # Each crawl the service makes reports its progress while it runs, ending with "done".
    assert re.search(r"progress clasificados: \d+ pages?, .*done$", log.read_text(), re.M)


def _follow_changes(site_dir: Path, data_dir: Path, second: subprocess.Popen) -> None:
    """Wait for the first ads, then add one, change one and take one down."""
    listing = site_dir / "clasificados" / "index.html"
    _wait(lambda: sum(r.new for r in _runs(data_dir)) >= 5, "the first ads indexed", second)
    (site_dir / "clasificados" / "zapatero-callao.html").write_text(NEW_AD, "utf-8")
    listing.write_text(
        listing.read_text("utf-8").replace(
            '<ul class="cards">',
            '<ul class="cards"><li><a class="ad-link" href="/clasificados/'
            'zapatero-callao.html">Zapatero</a></li>',
        ),
        "utf-8",
    )
    moto = site_dir / "clasificados" / "vendo-moto-honda.html"
    moto.write_text(moto.read_text("utf-8").replace("color rojo", "color azul"), "utf-8")
    (site_dir / "clasificados" / "alquiler-cuarto-smp.html").unlink()

    def changes_seen() -> bool:
        runs = _runs(data_dir)
        return sum(r.changed for r in runs) >= 1 and sum(r.taken_down for r in runs) >= 1

    _wait(changes_seen, "the change and the take-down indexed", second)
    _wait(lambda: bool(_Hook.received), "the alert webhook", second)
