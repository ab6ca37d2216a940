"""Starting and stopping the watch service in this process (see track4tip/watch_service.py):
signals first, the scheduler next (crawls start while the models load), then the stages,
and the follower in the main thread until a signal; then an orderly stop."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from rich.console import Console

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from index.source_runs import SourceRunStore
from track4tip.config import WatchSettings
from track4tip.pipeline import StageTotals
from track4tip.stages import build_analysis, build_indexing
from track4tip.watch_service import Follower, WatchService


def _say(line: str) -> None:
    # One line per event, flushed: the service usually runs under a supervisor, not a TTY.
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} {line}", flush=True)


def run_watch(
    profiles: list[SourceProfile],
    settings: CrawlerSettings,
    console: Console,
    base_url: str | None,
    batch_size: int,
) -> None:
    runs = SourceRunStore.under(settings.data_dir)
    service = WatchService(profiles, settings, WatchSettings(), runs, _say, base_url)
    service.install_signal_handlers()
    _say(f"watching {len(profiles)} sources: {', '.join(p.site for p in profiles)}")
    service.start_scheduler()
    totals = StageTotals()
    indexing, alerts = build_indexing(settings.data_dir, totals, count_sites=True)
    try:
        analysis = build_analysis(settings.data_dir, totals)
        _say("analysis and indexing ready")
        Follower(analysis, indexing, runs).follow(service.stop, batch_size)
    finally:
        _say("stopping: no new run; waiting for the runs in flight")
        service.shutdown()
        indexing.close()
        alerts.wait_for_dispatch(timeout=30)
    pending = analysis.pending() + indexing.pending()
    _say(f"stopped; indexed {totals.indexed.written}; {pending} spooled for the next start")
    sys.stdout.flush()
