"""Run a crawl of some sources to completion and report what it did.

    report = run_crawl_in_subprocess(profiles, CrawlerSettings(), base_url="http://127.0.0.1:8000")

`run_crawl` runs one Scrapy `CrawlerProcess` (one crawler per source profile, all at once) and
blocks until every crawler has finished. Twisted's reactor cannot be restarted within a process,
so `run_crawl` works once per process: callers that crawl more than once (the CLI's
`run` loop, tests) use `run_crawl_in_subprocess`, which runs it in a child started with the
multiprocessing "spawn" context and returns the child's report (an exception in the child is
raised in the caller). Given `on_progress`, it also hands the caller each source's running
pages, documents and errors while the child crawls (crawlers/progress.py).

Each crawl writes its report as JSON to `<data_dir>/crawls/<UTC timestamp>.json`, and names
that file in the report it returns (`report_file`). Per source the report counts, besides pages
and documents: `errors` (pages that gave no document, by reason), `dropped` (documents not
spooled), `links_dropped` (links found but not followed, by reason) and `warnings` (a listing
selector that matched nothing); see crawlers/rejections.py for the reasons.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import tempfile
import threading
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, computed_field
from scrapy.crawler import Crawler, CrawlerProcess

from crawlers.config import CrawlerSettings
from crawlers.private_files import create_private, private_dir, touch_private
from crawlers.profiles import SourceProfile
from crawlers.progress import PROGRESS_FILE_SETTING, ProgressCallback, follow_progress
from crawlers.rejections import ROBOTS_DISALLOWED, error_key, site_key
from crawlers.rendering import render_settings
from crawlers.settings import scrapy_settings
from crawlers.spiders.base import ProfileSpider
from crawlers.spiders.channel import ChannelSpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.listing import ListingSpider
from crawlers.spiders.mastodon import MastodonSpider
from crawlers.spiders.reddit import RedditSpider
from crawlers.spiders.sitemap import SitemapSpider

log = logging.getLogger(__name__)

SPIDERS: dict[str, type[ProfileSpider]] = {
    "listing": ListingSpider,
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "channel": ChannelSpider,
    "reddit": RedditSpider,
    "mastodon": MastodonSpider,
}


# Scrapy's finish reasons for a spider closed because it stopped yielding items.
STARVED = frozenset({"closespider_pagecount_no_item", "closespider_timeout_no_item"})
# Why requests still queued when a spider closed were never fetched, by finish reason.
_UNFETCHED_REASONS = {"closespider_pagecount": "page_limit"} | dict.fromkeys(STARVED, "starved")


class SourceReport(BaseModel):
    site: str
    spider: str
    pages_fetched: int = 0
    documents: int = 0
    bytes: int = 0
    captures: int = 0
    rendered: int = 0
    blocked: int = 0
    # incremental re-crawls: pages as the last crawl saw them, known ads found gone
    unchanged: int = 0
    taken_down: int = 0
    errors: dict[str, int] = Field(default_factory=dict)
    dropped: dict[str, int] = Field(default_factory=dict)
    links_dropped: dict[str, int] = Field(default_factory=dict)
    warnings: dict[str, int] = Field(default_factory=dict)
    robots_forbidden: int = 0
    # scrapy-playwright's page and context counters (created, closed, most at once)
    browser: dict[str, int] = Field(default_factory=dict)
    finish_reason: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def starved(self) -> bool:
        """Whether the source stopped yielding new documents and was closed for it."""
        return self.finish_reason in STARVED


class CrawlReport(BaseModel):
    started_at: datetime
    finished_at: datetime
    sources: list[SourceReport]
    report_file: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totals(self) -> SourceReport:
        errors: Counter[str] = Counter()
        dropped: Counter[str] = Counter()
        links_dropped: Counter[str] = Counter()
        warnings: Counter[str] = Counter()
        for source in self.sources:
            errors.update(source.errors)
            dropped.update(source.dropped)
            links_dropped.update(source.links_dropped)
            warnings.update(source.warnings)
        return SourceReport(
            site="*",
            spider="*",
            pages_fetched=sum(source.pages_fetched for source in self.sources),
            documents=sum(source.documents for source in self.sources),
            bytes=sum(source.bytes for source in self.sources),
            captures=sum(source.captures for source in self.sources),
            rendered=sum(source.rendered for source in self.sources),
            blocked=sum(source.blocked for source in self.sources),
            unchanged=sum(source.unchanged for source in self.sources),
            taken_down=sum(source.taken_down for source in self.sources),
            errors=dict(sorted(errors.items())),
            dropped=dict(sorted(dropped.items())),
            links_dropped=dict(sorted(links_dropped.items())),
            warnings=dict(sorted(warnings.items())),
            robots_forbidden=sum(source.robots_forbidden for source in self.sources),
        )

    def source(self, site: str) -> SourceReport:
        return next(source for source in self.sources if source.site == site)


def _counters_under(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {
        key.removeprefix(prefix): int(value)
        for key, value in sorted(stats.items())
        if key.startswith(prefix)
    }


def _links_dropped(site: str, stats: dict[str, Any]) -> dict[str, int]:
    """Our own link counters (off_site, not_http) and those Scrapy keeps: its duplicate
    filter, robots.txt refusals, and requests still queued when the spider was closed."""
    counted = Counter(_counters_under(stats, site_key(site, "links_dropped/")))
    counted["duplicate"] += int(stats.get("dupefilter/filtered", 0))
    counted[ROBOTS_DISALLOWED] += int(stats.get("robotstxt/forbidden", 0))
    finish_reason = stats.get("finish_reason")
    if finish_reason != "finished":
        queued = int(stats.get("scheduler/enqueued", 0)) - int(stats.get("scheduler/dequeued", 0))
        counted[_UNFETCHED_REASONS.get(str(finish_reason), "stopped")] += max(queued, 0)
    return {reason: count for reason, count in sorted(counted.items()) if count}


def source_report(profile: SourceProfile, stats: dict[str, Any]) -> SourceReport:
    """One source's figures, read from its crawler's stats."""
    return SourceReport(
        site=profile.site,
        spider=profile.spider,
        pages_fetched=int(stats.get(site_key(profile.site, "pages_fetched"), 0)),
        documents=int(stats.get(site_key(profile.site, "documents"), 0)),
        bytes=int(stats.get(site_key(profile.site, "bytes"), 0)),
        captures=int(stats.get(site_key(profile.site, "captures"), 0)),
        rendered=int(stats.get(site_key(profile.site, "rendered"), 0)),
        blocked=int(stats.get(site_key(profile.site, "blocked"), 0)),
        unchanged=int(stats.get(site_key(profile.site, "unchanged"), 0)),
        taken_down=int(stats.get(site_key(profile.site, "taken_down"), 0)),
        errors=_counters_under(stats, error_key("", profile.site)),
        dropped=_counters_under(stats, site_key(profile.site, "dropped/")),
        links_dropped=_links_dropped(profile.site, stats),
        warnings=_counters_under(stats, site_key(profile.site, "warnings/")),
        robots_forbidden=int(stats.get("robotstxt/forbidden", 0)),
        browser={
            key: value
            for key, value in _counters_under(stats, "playwright/").items()
            if key.startswith(("context_count", "page_count"))
        },
        finish_reason=stats.get("finish_reason"),
    )


def write_report(report: CrawlReport, crawls_dir: Path) -> Path:
    """The report names sources and counts what they published: owner-only, like the
    captures (crawlers/private_files.py)."""
    private_dir(crawls_dir)
    stamp = report.started_at.strftime("%Y%m%dT%H%M%S.%fZ")
    path = crawls_dir / f"{stamp}.json"
    with create_private(path) as handle:
        handle.write(report.model_dump_json(indent=2).encode("utf-8"))
    return path


def log_file_settings(config: CrawlerSettings) -> dict[str, Any]:
    """Scrapy's log (its notices about components switched off, retries, and, through the
    root logger it configures, trafilatura's and htmldate's warnings) goes to
    `<data dir>/logs/crawl.log`, appended, not to the terminal: the terminal gets the summary,
    which names the JSON report. The log names every URL fetched, so it is created
    owner-only before Scrapy appends to it (an appending open keeps a file's mode)."""
    path = config.data_dir / "logs" / "crawl.log"
    private_dir(path.parent)
    touch_private(path)
    return {"LOG_FILE": str(path.resolve()), "LOG_FILE_APPEND": True}


def private_crawl_outputs(
    config: CrawlerSettings, sites: list[str], progress_file: Path | None = None
) -> None:
    """Folders and files Scrapy itself fills with URLs and pages, made owner-only before the
    crawl: the HTTP cache and each source's JOBDIR are folders (what Scrapy writes inside
    them keeps the umask's mode, but no other account can enter them), the progress file an
    empty owner-only file that crawlers/progress.py then appends to."""
    if config.http_cache:
        private_dir(config.http_cache_dir)
    if config.job_dir is not None:
        for site in sites:
            private_dir(config.job_dir / site)
    if progress_file is not None:
        private_dir(progress_file.parent, tighten=False)
        touch_private(progress_file)


def run_crawl(
    profiles: list[SourceProfile],
    config: CrawlerSettings,
    base_url: str | None = None,
    progress_file: Path | None = None,
) -> CrawlReport:
    """Crawl the sources to completion (blocking; once per process) and report; with a
    `progress_file`, each source's running counts are appended to it (crawlers/progress.py)."""
    started = datetime.now(UTC)
    private_crawl_outputs(config, [p.site for p in profiles], progress_file)
    progress = {PROGRESS_FILE_SETTING: str(progress_file)} if progress_file else {}
    process = CrawlerProcess(scrapy_settings(config) | log_file_settings(config) | progress)
    crawlers: list[tuple[SourceProfile, Crawler]] = []
    for profile in (p.with_base_url(base_url) for p in profiles):
        crawler = process.create_crawler(SPIDERS[profile.spider])
        if profile.uses_browser:  # only these crawlers start a browser
            crawler.settings.setdict(render_settings(config), priority="spider")
        if config.job_dir is not None:  # one JOBDIR per source: each spider has its own queue
            crawler.settings.set("JOBDIR", str(config.job_dir / profile.site), priority="spider")
        process.crawl(crawler, profile=profile)
        crawlers.append((profile, crawler))
    process.start()
    sources = [source_report(p, c.stats.get_stats() if c.stats else {}) for p, c in crawlers]
    report = CrawlReport(started_at=started, finished_at=datetime.now(UTC), sources=sources)
    path = write_report(report, config.crawls_dir)
    return report.model_copy(update={"report_file": str(path)})


def _run_crawl_in_child(
    profiles: list[dict[str, Any]],
    config: dict[str, Any],
    base_url: str | None,
    progress_file: str | None = None,
) -> dict[str, Any]:
    report = run_crawl(
        [SourceProfile.model_validate(profile) for profile in profiles],
        CrawlerSettings.model_validate(config),
        base_url,
        Path(progress_file) if progress_file else None,
    )
    return report.model_dump(mode="json", exclude={"totals"})


def _announce_pid(pids: multiprocessing.Queue) -> None:
    # The pool's initializer, in the child: the parent needs the pid to signal it.
    pids.put(os.getpid())


def _stop_child_when(
    stop: threading.Event, crawl: Future[Any], pids: multiprocessing.Queue, grace: float
) -> None:
    """Once `stop` is set, SIGTERM the crawl's child: Scrapy's own graceful shutdown (no new
    requests, those in flight finish, spiders close, the spool and the report are written).
    If it has not ended after `grace` seconds, a second SIGTERM makes Scrapy stop at once
    (its report is still written, from the counts it has)."""
    while not stop.wait(0.25):
        if crawl.done():
            return
    try:
        pid = pids.get(timeout=grace)
    except queue.Empty:  # the child never started: the pool reports why
        return
    for _ in range(2):
        if crawl.done():
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        log.info("asked the crawl process %d to stop", pid)
        if _wait_done(crawl, grace):
            return


def _wait_done(crawl: Future[Any], seconds: float) -> bool:
    return bool(wait([crawl], timeout=seconds).done)


def run_crawl_in_subprocess(
    profiles: list[SourceProfile],
    config: CrawlerSettings,
    base_url: str | None = None,
    on_progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    stop_grace_seconds: float = 30.0,
) -> CrawlReport:
    """`run_crawl` in a fresh child process (a new reactor each time); returns its report.
    `on_progress`, if given, gets each source's running counts while the child crawls (in
    the calling thread), and every source's last counts before this returns. Setting `stop`
    (the watch service's SIGTERM) ends the crawl early but cleanly: see `_stop_child_when`;
    the report then says `finish_reason: shutdown`."""
    context = multiprocessing.get_context("spawn")
    pids = context.Queue()
    # The child writes progress lines to a file here that this process reads as they come.
    with (
        tempfile.TemporaryDirectory(prefix="track4tip-progress-") as folder,
        ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_announce_pid, initargs=(pids,)
        ) as pool,
    ):
        progress_file = Path(folder) / "progress.jsonl" if on_progress else None
        future = pool.submit(
            _run_crawl_in_child,
            [profile.model_dump(mode="json") for profile in profiles],
            config.model_dump(mode="json"),
            base_url,
            str(progress_file) if progress_file else None,
        )
        if stop is not None:
            arguments = (stop, future, pids, stop_grace_seconds)
            threading.Thread(target=_stop_child_when, args=arguments, daemon=True).start()
        if progress_file is not None and on_progress is not None:
            follow_progress(progress_file, future, on_progress)
        return CrawlReport.model_validate(future.result())
