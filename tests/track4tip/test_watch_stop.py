"""Stopping the watch reaches the crawl in flight: a slow board on loopback (200 ads, one
request at a time with a delay, so minutes to crawl whole) is stopped once its first ad is
spooled. The crawl child closes through Scrapy's own graceful shutdown: the call returns with
a report that says so, every document the report counts is in the spool, and the watch
service records the run as `stopped` (not a failure: no back-off)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.progress import SourceProgress
from crawlers.runner import run_crawl_in_subprocess
from crawlers.spool import iter_all
from index.source_runs import SourceRunStore
from tests.crawlers.hostile_web import SITE_HOST, Route, serving
from track4tip.config import WatchSettings
from track4tip.watch_service import WatchService

pytestmark = pytest.mark.e2e

ADS = 200
PROFILE = SourceProfile(
    name="Bolsa lenta",
    site="lenta",
    kind="job_board",
    spider="listing",
    start_urls=["/"],
    links={"detail": "a.oferta"},
    fields={"title": "h1", "description": "div.cuerpo"},
)


def _board() -> dict[str, Route]:
    links = "".join(f'<a class="oferta" href="/oferta/{n}">Oferta {n}</a>' for n in range(ADS))
    routes = {"/": Route(f"<html><body>{links}</body></html>".encode())}
    for n in range(ADS):
        page = f"<html><body><h1>Oferta {n}</h1><div class='cuerpo'>Se busca cajero {n}.</div>"
        routes[f"/oferta/{n}"] = Route(f"{page}</body></html>".encode())
    return routes


def _settings(tmp_path: Path) -> CrawlerSettings:
    # One request at a time, half a second apart: the whole board takes well over a minute.
    return CrawlerSettings(
        data_dir=tmp_path / "data",
        download_delay=0.5,
        autothrottle=False,
        concurrency_per_domain=1,
        crawl_allowed_private_networks=[f"{SITE_HOST}/32"],
    )


def _stop_after_first_document(stop: threading.Event) -> Callable[[SourceProgress], None]:
    def on_progress(progress: SourceProgress) -> None:
        if progress.documents >= 1:
            stop.set()

    return on_progress


def test_a_stop_ends_the_crawl_child_gracefully_with_its_report(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    stop = threading.Event()
    with serving(SITE_HOST, _board()) as board:
        report = run_crawl_in_subprocess(
            [PROFILE],
            settings,
            base_url=board.base_url,
            on_progress=_stop_after_first_document(stop),
            stop=stop,
        )
    source = report.sources[0]
    assert source.finish_reason == "shutdown"
    assert 1 <= source.documents < ADS
    spooled = list(iter_all(settings.spool_path))
    assert len(spooled) == source.documents
    assert report.report_file is not None and Path(report.report_file).exists()


def test_the_watch_records_a_run_cut_by_its_stop_as_stopped(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    runs = SourceRunStore.under(settings.data_dir)
    said: list[str] = []
    with serving(SITE_HOST, _board()) as board:
        service = WatchService(
            [PROFILE], settings, WatchSettings(), runs, said.append, board.base_url
        )
        crawl = threading.Thread(target=service._run_source, args=[PROFILE.site])
        crawl.start()
        spool = settings.spool_path
        # As SIGTERM's handler does (install_signal_handlers), once an ad is spooled.
        while crawl.is_alive() and not (spool.exists() and any(iter_all(spool))):
            crawl.join(0.5)
        service.stop.set()
        crawl.join(timeout=300)
    assert not crawl.is_alive(), "the crawl in flight did not stop"
    [run] = runs.runs(PROFILE.site)
    assert run.outcome == "stopped"
    assert 1 <= run.documents < ADS
    assert runs.statuses()[0].consecutive_failures == 0
    assert any("stopped with the service" in line for line in said)
