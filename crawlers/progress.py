"""Live progress of a running crawl: per source, pages fetched, documents spooled, errors.

`CrawlProgress` is a Scrapy extension (switched on in `crawlers.settings.scrapy_settings`, off
with `NotConfigured` unless the `TRACK4TIP_PROGRESS_FILE` setting names a file). Every
`TRACK4TIP_PROGRESS_INTERVAL` seconds (default 1) it appends one JSON line per source whose
counts changed, and a last line, `finished`, when the spider closes; the counts are the same
stats keys the runner's report reads (crawlers/rejections.py), so the last line of a source
matches its report. A file rather than a callback because the crawl runs in a child process
(runner.run_crawl_in_subprocess); `follow_progress` reads it in the parent while the child runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import create_looping_call

from crawlers.rejections import error_key, site_key

log = logging.getLogger(__name__)

PROGRESS_FILE_SETTING = "TRACK4TIP_PROGRESS_FILE"
PROGRESS_INTERVAL_SETTING = "TRACK4TIP_PROGRESS_INTERVAL"


@dataclass(frozen=True)
class SourceProgress:
    site: str
    pages: int = 0
    documents: int = 0
    errors: int = 0
    finished: bool = False

    @classmethod
    def from_stats(cls, site: str, stats: dict[str, Any], finished: bool = False) -> Self:
        error_prefix = error_key("", site)
        return cls(
            site=site,
            pages=int(stats.get(site_key(site, "pages_fetched"), 0)),
            documents=int(stats.get(site_key(site, "documents"), 0)),
            errors=sum(int(v) for k, v in stats.items() if k.startswith(error_prefix)),
            finished=finished,
        )


ProgressCallback = Callable[[SourceProgress], None]
_COUNTS = ("pages", "documents", "errors")


def parse_progress_line(line: bytes) -> SourceProgress | None:
    """One line of a progress file, or None (with a warning) when it is not one: the file is
    only a display aid, so a damaged line must never stop the crawl's caller."""
    try:
        fields = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        log.warning("skipped a progress line that is not JSON (%s): %r", error, line[:200])
        return None
    if not isinstance(fields, dict) or not isinstance(fields.get("site"), str):
        log.warning("skipped a progress line that names no site: %r", line[:200])
        return None
    counts = {name: fields.get(name, 0) for name in _COUNTS}
    finished = fields.get("finished", False)
    # bool is an int in Python; a count of True is as wrong as a count of "3".
    wrong = [n for n, v in counts.items() if type(v) is not int or v < 0]
    if wrong or not isinstance(finished, bool):
        log.warning("skipped a progress line with wrong counts %s: %r", wrong, line[:200])
        return None
    return SourceProgress(site=fields["site"], finished=finished, **counts)


class CrawlProgress:
    def __init__(self, stats: StatsCollector, path: Path, interval: float) -> None:
        self.stats = stats
        self.path = path
        self.interval = interval
        self.site = ""
        self._last: SourceProgress | None = None
        self._task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get(PROGRESS_FILE_SETTING)
        if not path:
            raise NotConfigured(f"{PROGRESS_FILE_SETTING} is not set")
        interval = crawler.settings.getfloat(PROGRESS_INTERVAL_SETTING, 1.0)
        extension = cls(crawler.stats, Path(path), interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        # A profile spider knows its site; any other spider is reported under its name.
        self.site = getattr(spider, "site", spider.name)
        self._task = create_looping_call(self.publish)
        self._task.start(self.interval, now=True)

    def spider_closed(self, spider: Spider) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        # Always written, changed or not: it tells the reader this source is done.
        self.publish(finished=True)

    def publish(self, finished: bool = False) -> None:
        progress = SourceProgress.from_stats(self.site, self.stats.get_stats(), finished)
        if progress == self._last:
            return
        self._last = progress
        # Opened per line (about once a second): several crawlers of one process append to
        # the same file, and a whole line in one small append never interleaves with another.
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(progress)) + "\n")


class ProgressReader:
    """The lines appended to a progress file since the last read; a line still being
    written is kept until its end arrives."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def read_new(self) -> list[SourceProgress]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:  # the child has not written its first line yet
            return []
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        parsed = [parse_progress_line(line) for line in lines if line.strip()]
        return [progress for progress in parsed if progress is not None]


def follow_progress(
    path: Path, crawl: Future[Any], on_progress: ProgressCallback, poll: float = 0.25
) -> None:
    """Hand each progress line to `on_progress` until the crawl's future is done, then the
    lines written before it finished."""
    reader = ProgressReader(path)
    while True:
        done = bool(wait([crawl], timeout=poll).done)
        for progress in reader.read_new():
            on_progress(progress)
        if done:
            return
