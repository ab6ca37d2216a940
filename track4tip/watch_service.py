"""The watch service: every source on its own schedule, analysis and indexing following.

    APScheduler (threads) ── one job per source ──▶ incremental crawl in a child process
                                                     ──▶ crawl spool (durable)
    main thread ── follows both spools ──▶ analysis ──▶ indexing (+ linking, alert rules)
                                                     ──▶ run history (index/source_runs.py)

Wiring only: the schedule, its active hours and the back-off rule are crawlers/schedules.py,
the stages track4tip/pipeline.py. A job never raises: a failed run (the crawl child died, or
it fetched nothing usable: connection refused, timeouts, garbage) counts a consecutive failure
and moves the source's next run back by an exponential, capped wait; one success resets it.

SIGTERM or SIGINT stops it without losing anything: no new run starts, each crawl in flight
is asked to stop (SIGTERM to its child, a Scrapy process, which closes gracefully: no new
request, those in flight finish, what it fetched is spooled; a second SIGTERM after a grace
period if it lingers) and is recorded as `stopped`; the batch being analysed or indexed is
committed, and whatever is still in a spool waits there for the next start, which drains it
first.
"""

from __future__ import annotations

import random
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawlers.config import CrawlerSettings
from crawlers.profiles import SourceProfile
from crawlers.schedules import Schedule, backoff_seconds, schedule_of
from index.source_runs import RunRecord, SourceRunStore
from track4tip.config import WatchSettings
from track4tip.pipeline import AnalysisStage, IndexingStage

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from crawlers.runner import CrawlReport, SourceReport

Say = Callable[[str], None]


class Stopping(Exception):
    """Raised from a stage's progress callback, between committed batches, to stop."""


@dataclass
class SourceState:
    failures: int = 0


def trigger_for(schedule: Schedule) -> Any:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if schedule.cron is not None:
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=schedule.zone)
        trigger.jitter = int(schedule.jitter) or None
        return trigger
    return IntervalTrigger(
        seconds=schedule.every.total_seconds(),
        jitter=int(schedule.jitter) or None,
        timezone=schedule.zone,
    )


def run_failed(source: SourceReport) -> str | None:
    """Why a finished crawl counts as a failed run, or None: nothing usable came back."""
    usable = source.documents + source.unchanged + source.taken_down
    if usable:
        return None
    if source.blocked:
        return "blocked"
    if source.errors:
        return max(source.errors.items(), key=lambda item: item[1])[0]
    if source.pages_fetched == 0:
        return "no_page_fetched"
    return None


class WatchService:
    def __init__(
        self,
        profiles: list[SourceProfile],
        crawler: CrawlerSettings,
        watch: WatchSettings,
        runs: SourceRunStore,
        say: Say,
        base_url: str | None = None,
    ) -> None:
        # Re-crawls ask only for what changed and find take-downs (crawlers/incremental.py).
        self.crawler = crawler.model_copy(update={"incremental": True})
        self.watch = watch
        self.profiles = {profile.site: profile for profile in profiles}
        self.runs = runs
        self.say = say
        self.base_url = base_url
        self.states = {site: SourceState() for site in self.profiles}
        self.stop = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        # Runs in flight: shutdown waits for them itself, because APScheduler's own
        # shutdown(wait=True) holds the job store lock that a finishing run needs.
        self._in_flight = 0
        self._idle = threading.Condition()

    def install_signal_handlers(self) -> None:
        # Only sets the event: printing here could re-enter a print the signal interrupted.
        def on_signal(_number: int, _frame: object) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def start_scheduler(self) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(self.watch.max_parallel_crawls)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        now = datetime.now(UTC)
        for site, profile in self.profiles.items():
            schedule = schedule_of(profile.schedule)
            # The first run at start (spread by the jitter), then the schedule.
            spread = timedelta(seconds=random.uniform(0, schedule.jitter))
            first = schedule.next_active(now + spread)
            scheduler.add_job(
                self._run_source,
                trigger_for(schedule),
                args=[site],
                id=site,
                name=site,
                next_run_time=first,
            )
            self.runs.set_next_run(site, first)
        scheduler.start()
        self.scheduler = scheduler

    def shutdown(self) -> None:
        """No new run; wait for those in flight (`stop` has asked their crawls to end)."""
        if self.scheduler is None:
            return
        self.scheduler.pause()
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0)
        self.scheduler.shutdown(wait=False)

    def _next_run(self, site: str) -> datetime | None:
        job = self.scheduler.get_job(site) if self.scheduler else None
        return job.next_run_time if job else None

    def _run_source(self, site: str) -> None:
        with self._idle:
            if self.stop.is_set():
                return
            self._in_flight += 1
        try:
            self._run_once(site)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _run_once(self, site: str) -> None:
        profile = self.profiles[site]
        schedule = schedule_of(profile.schedule)
        now = datetime.now(UTC)
        if not schedule.is_active(now):
            self._postpone(site, schedule.next_active(now))
            return
        try:
            report = self._crawl(profile)
        except Exception as error:  # the service never dies of one source
            self._record_failure(site, now, f"{type(error).__name__}: {error}", None)
            return
        source = report.sources[0]
        reason = run_failed(source)
        if self.stop.is_set() and source.finish_reason != "finished":
            self._record_stopped(site, now, source)
        elif reason is not None:
            self._record_failure(site, now, reason, source)
        else:
            self._record_success(site, now, source)

    def _crawl(self, profile: SourceProfile) -> CrawlReport:
        from crawlers.runner import run_crawl_in_subprocess
        from track4tip.views import PlainProgressLines

        # Plain lines, never a redrawn table: several crawls share the service's output.
        progress = PlainProgressLines(self.say)
        # SIGTERM to the service reaches the crawl in flight (Scrapy's graceful stop).
        return run_crawl_in_subprocess(
            [profile], self.crawler, base_url=self.base_url, on_progress=progress, stop=self.stop
        )

    def _postpone(self, site: str, when: datetime) -> None:
        if self.scheduler is not None and not self.stop.is_set():
            current = self._next_run(site)
            if current is None or current < when:
                self.scheduler.modify_job(site, next_run_time=when)
        self.runs.set_next_run(site, self._next_run(site))

    def _record_success(self, site: str, started: datetime, source: SourceReport) -> None:
        self.states[site].failures = 0
        self._add_run(site, started, "ok", source, None)
        self.runs.set_state(
            site,
            consecutive_failures=0,
            backoff_until=None,
            last_error=None,
            blocked=False,
            starved=source.starved,
        )
        self.runs.set_next_run(site, self._next_run(site))
        self.say(f"{site}: ok, {_figures(source)}; next {_clock(self._next_run(site))}")

    def _record_stopped(self, site: str, started: datetime, source: SourceReport) -> None:
        # Cut short by the service's own stop: neither a failure (no back-off) nor a full
        # run; what it spooled is indexed now or at the next start.
        self._add_run(site, started, "stopped", source, "the service was stopping")
        self.say(f"{site}: stopped with the service, {_figures(source)}")

    def _record_failure(
        self, site: str, started: datetime, reason: str, source: SourceReport | None
    ) -> None:
        state = self.states[site]
        state.failures += 1
        wait = backoff_seconds(
            state.failures, self.watch.backoff_seconds, self.watch.backoff_max_seconds
        )
        until = datetime.now(UTC) + timedelta(seconds=wait)
        self._add_run(site, started, "failed", source, reason)
        self.runs.set_state(
            site,
            consecutive_failures=state.failures,
            backoff_until=until,
            last_error=reason,
            blocked=source is not None and source.blocked > 0,
            starved=source is not None and source.starved,
        )
        self._postpone(site, until)
        self.say(
            f"{site}: FAILED ({reason}), {state.failures} in a row; backing off {wait:.0f} s, "
            f"next {_clock(self._next_run(site))}"
        )

    def _add_run(
        self,
        site: str,
        started: datetime,
        outcome: str,
        source: SourceReport | None,
        message: str | None,
    ) -> None:
        self.runs.add_run(
            RunRecord(
                site=site,
                started_at=started,
                finished_at=datetime.now(UTC),
                outcome=outcome,
                pages=source.pages_fetched if source else 0,
                documents=source.documents if source else 0,
                errors=dict(source.errors) if source else {},
                message=message,
            )
        )


def _figures(source: SourceReport) -> str:
    errors = sum(source.errors.values())
    return (
        f"{source.pages_fetched} pages, {source.documents} documents, "
        f"{source.unchanged} unchanged, {source.taken_down} taken down, {errors} errors"
    )


def _clock(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%H:%M:%S UTC") if when else "-"


class Follower:
    """Analysis and indexing behind the crawls, in the main thread, until stopped; per-site
    new/changed/taken-down counts go to the run history as batches are indexed."""

    def __init__(
        self, analysis: AnalysisStage, indexing: IndexingStage, runs: SourceRunStore
    ) -> None:
        self.analysis = analysis
        self.indexing = indexing
        self.runs = runs
        self.counted: dict[str, list[int]] = {}

    def follow(self, stop: threading.Event, batch_size: int) -> None:
        def check(*_: object) -> None:
            self._count_indexed()
            if stop.is_set():
                raise Stopping

        try:
            while not stop.is_set():
                worked = self.analysis.run_pending(batch_size, check)
                worked += self.indexing.run_pending(batch_size, check)
                if not worked:
                    stop.wait(0.5)
        except Stopping:
            pass
        self._count_indexed()

    def _count_indexed(self) -> None:
        for site, counts in self.indexing.totals.indexed.by_site.items():
            before = self.counted.get(site, [0, 0, 0])
            delta = [now - then for now, then in zip(counts, before, strict=True)]
            if any(delta):
                self.runs.add_indexed(site, *delta)
            self.counted[site] = list(counts)
