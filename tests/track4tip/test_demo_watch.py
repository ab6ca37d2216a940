"""`track4tip demo --watch`: the demo web gains invented ads while `track4tip watch` keeps
watch, and the demo investigator's console rule alerts on the risky ones.

The arrivals are checked on a copy of the demo web (never the checkout's); the whole demo is
run as a user runs it, a real process serving the API, stopped with SIGINT as Ctrl-C does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from parsel import Selector

from api.alerting.delivery import Outbox
from api.database import ConsoleDatabase
from index.backends import open_index
from index.config import IndexSettings
from index.document import Document
from index.queries import SearchQuery
from tests.track4tip.cli_process import ROOT
from track4tip.demo_site import DemoSiteError, site_root
from track4tip.demo_watch import ARRIVING_ADS, DEMO_RULE, DemoArrivals

# Bounds against hanging (the models load twice: the first crawl's and the watch child's).
WAIT_SECONDS = 480.0


@pytest.fixture
def web(tmp_path: Path) -> Path:
    copy = tmp_path / "web"
    shutil.copytree(site_root(), copy)
    return copy


def _listed(listing: Path) -> list[str]:
    return Selector(listing.read_text(encoding="utf-8")).css("a.ad-link::attr(href)").getall()


def test_arrivals_publish_one_ad_at_a_time_newest_first(web: Path) -> None:
    listing = web / "clasificados" / "index.html"
    before = _listed(listing)
    checkout_listing = (site_root() / "clasificados" / "index.html").read_text()
    arrivals = DemoArrivals(web)
    names = [arrivals.add_next() for _ in range(len(ARRIVING_ADS) + 1)]
    # After the last ad the list starts again, under new addresses.
    assert len(set(names)) == len(names)
    assert names[-1] == f"{ARRIVING_ADS[0].slug}-2.html"
    hrefs = _listed(listing)
    assert hrefs == [f"/clasificados/{name}" for name in reversed(names)] + before
    page = Selector((web / "clasificados" / names[0]).read_text(encoding="utf-8"))
    # The demo profile's selectors (crawlers/sources/demo.yaml) find the fields.
    assert page.css("h1.ad-title::text").get() == ARRIVING_ADS[0].title
    assert "pasaporte" in " ".join(page.css("div.ad-body p::text").getall())
    assert page.css("span.ad-contact::text").get() == ARRIVING_ADS[0].contact
    assert (site_root() / "clasificados" / "index.html").read_text() == checkout_listing


def test_arrivals_refuse_a_listing_they_cannot_add_to(web: Path, tmp_path: Path) -> None:
    listing = web / "clasificados" / "index.html"
    listing.write_text("<html><body><p>no cards here</p></body></html>")
    with pytest.raises(DemoSiteError, match='no <ul class="cards"> list'):
        DemoArrivals(web)
    with pytest.raises(DemoSiteError, match="cannot read the demo listing"):
        DemoArrivals(tmp_path / "nowhere")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(
    condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the demo exited ({process.returncode}) before {what}:\n{log.read_text()}")
        time.sleep(2)
    pytest.fail(f"no {what} within {WAIT_SECONDS:.0f} s:\n{log.read_text()[-4000:]}")


def _indexed(data_dir: Path, slug: str) -> list[Document]:
    # Read-only beside the watch, as the API reads (the embedded index's writer is lazy).
    with open_index(IndexSettings(data_dir=data_dir)) as index:
        documents = index.export(SearchQuery(site=["clasificados"]))
        return [document for document in documents if document.url.endswith(f"/{slug}.html")]


def _serving(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.e2e
def test_demo_watch_alerts_on_an_arriving_lure_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "demo.log"
    environment = {**os.environ, "TRACK4TIP_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "200"}
    command = [sys.executable, "-m", "track4tip", "demo", "--watch", "--every", "6"]
    with log.open("wb") as output:
        demo = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        outbox = Outbox(ConsoleDatabase(tmp_path / "var" / "demo" / "console.sqlite3"))

        def lure_alerted() -> bool:
            if not (tmp_path / "var" / "demo" / "console.sqlite3").exists():
                return False
            urls = [d.payload["document"]["url"] for d in outbox.list(limit=1000)]
            return any(url.endswith(f"/{ARRIVING_ADS[0].slug}.html") for url in urls)

        ordinary: list[Document] = []

        def ordinary_indexed() -> bool:
            ordinary[:] = _indexed(tmp_path / "var" / "demo", ARRIVING_ADS[1].slug)
            return bool(ordinary)

        _wait_for(lambda: _serving(port), "API serving", demo, log)
        _wait_for(lure_alerted, "console alert for the arriving lure", demo, log)
        # The ordinary ad that arrives next is indexed, below the rule's medium risk: no alert.
        _wait_for(ordinary_indexed, "the arriving ordinary ad indexed", demo, log)
        assert ordinary[0].risk is not None
        assert ordinary[0].risk.score < DEMO_RULE.risk_threshold
        alerted = [d.doc_id for d in outbox.list(limit=1000)]
        assert ordinary[0].id not in alerted
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=WAIT_SECONDS) == 0, log.read_text()[-4000:]
    finally:
        if demo.poll() is None:
            demo.kill()
    output = log.read_text()
    assert "Demo web: a new ad at" in output
    assert "Watch stopped (exit code 0)." in output
