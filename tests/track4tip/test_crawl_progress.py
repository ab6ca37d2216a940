"""Live crawl progress: `track4tip crawl` (a real process, stdout a pipe) prints a line per
source before its final table, with counts that only grow and end at the report's; the runner
hands the extension's counts to a callback while the child crawls; the plain lines are
throttled per source; on a terminal the sources are rows redrawn in place."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import pytest
from rich.console import Console
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawlers.config import CrawlerSettings
from crawlers.profiles import DEMO_PROFILES, load_profiles
from crawlers.progress import CrawlProgress, SourceProgress
from crawlers.runner import CrawlReport, run_crawl_in_subprocess
from tests.track4tip.cli_process import FAST_CRAWL, track4tip
from track4tip.demo_site import DemoSite
from track4tip.views import PlainProgressLines, crawl_progress

_LINE = re.compile(
    r"^progress (?P<site>\S+): (?P<pages>\d+) pages?, (?P<documents>\d+) documents?, "
    r"(?P<errors>\d+) errors?(?P<done>, done)?$"
)


def _progress_lines(stdout: str) -> list[SourceProgress]:
    """The progress lines printed before the final table."""
    before_table = stdout.split("Crawl\n", 1)[0]
    matches = (_LINE.match(line) for line in before_table.splitlines())
    return [
        SourceProgress(
            site=match["site"],
            pages=int(match["pages"]),
            documents=int(match["documents"]),
            errors=int(match["errors"]),
            finished=bool(match["done"]),
        )
        for match in matches
        if match
    ]


def _assert_grows_to_the_report(updates: list[SourceProgress], report: CrawlReport) -> None:
    for source in report.sources:
        mine = [update for update in updates if update.site == source.site]
        assert mine, f"no progress for {source.site}"
        for earlier, later in pairwise(mine):
            assert earlier.pages <= later.pages, mine
            assert earlier.documents <= later.documents, mine
            assert earlier.errors <= later.errors, mine
        last = mine[-1]
        assert last.finished and [u.finished for u in mine].count(True) == 1, mine
        figures = (last.pages, last.documents, last.errors)
        assert figures == (source.pages_fetched, source.documents, sum(source.errors.values()))


@pytest.mark.e2e
def test_crawl_prints_progress_per_source_before_its_table(tmp_path: Path) -> None:
    with DemoSite() as site:
        result = track4tip(tmp_path, "crawl", "--base-url", site.base_url, **FAST_CRAWL)
    assert result.returncode == 0, result.stdout + result.stderr
    named = re.search(r"^Crawl report: (.+\.json)$", result.stdout, re.MULTILINE)
    assert named is not None, result.stdout
    report = CrawlReport.model_validate(json.loads(Path(named.group(1)).read_text("utf-8")))
    assert len(report.sources) == len(load_profiles(DEMO_PROFILES))
    _assert_grows_to_the_report(_progress_lines(result.stdout), report)


@pytest.mark.e2e
def test_no_progress_prints_only_the_table(tmp_path: Path) -> None:
    with DemoSite() as site:
        result = track4tip(
            tmp_path,
            "crawl",
            "-s",
            "noticias",
            "--base-url",
            site.base_url,
            "--no-progress",
            **FAST_CRAWL,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "progress " not in result.stdout
    assert "Crawl report: " in result.stdout


@pytest.mark.e2e
def test_the_runner_hands_running_counts_to_a_callback(tmp_path: Path) -> None:
    # A delay between pages, so that the extension's ticks see counts in between.
    settings = CrawlerSettings(data_dir=tmp_path, download_delay=0.2, autothrottle=False)
    profiles = [p for p in load_profiles(DEMO_PROFILES) if p.site in {"empleosya", "noticias"}]
    updates: list[SourceProgress] = []
    with DemoSite() as site:
        report = run_crawl_in_subprocess(
            profiles, settings, base_url=site.base_url, on_progress=updates.append
        )
    _assert_grows_to_the_report(updates, report)
    empleosya = [update for update in updates if update.site == "empleosya"]
    assert len({update.pages for update in empleosya}) > 2, "counts arrived while it crawled"


def test_the_extension_is_off_without_a_progress_file() -> None:
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(get_crawler())


def test_plain_lines_are_throttled_per_source_but_the_last_always_shows() -> None:
    said: list[str] = []
    now = [0.0]
    lines = PlainProgressLines(said.append, every=5.0, clock=lambda: now[0])
    lines(SourceProgress(site="elempleo"))
    now[0] = 1.0
    lines(SourceProgress(site="elempleo", pages=3, documents=2))  # too soon after the first
    lines(SourceProgress(site="bumeran"))  # another source has its own clock
    now[0] = 5.5
    lines(SourceProgress(site="elempleo", pages=40, documents=38, errors=1))
    lines(SourceProgress(site="elempleo", pages=41, documents=39, errors=1, finished=True))
    assert said == [
        "progress elempleo: 0 pages, 0 documents, 0 errors",
        "progress bumeran: 0 pages, 0 documents, 0 errors",
        "progress elempleo: 40 pages, 38 documents, 1 error",
        "progress elempleo: 41 pages, 39 documents, 1 error, done",
    ]


def test_on_a_terminal_each_source_is_one_row_redrawn_in_place() -> None:
    console = Console(record=True, width=120, force_terminal=True)
    with crawl_progress(console) as on_progress:
        on_progress(SourceProgress(site="elempleo", pages=1))
        on_progress(SourceProgress(site="bumeran", pages=2, documents=1))
        on_progress(SourceProgress(site="elempleo", pages=40, documents=38, errors=1))
        on_progress(SourceProgress(site="elempleo", pages=41, documents=39, finished=True))
    final = console.export_text().splitlines()[-2:]
    assert "elempleo" in final[0] and "41 pages, 39 documents, 0 errors" in final[0]
    assert "✓" in final[0]
    assert "bumeran" in final[1] and "2 pages, 1 document, 0 errors" in final[1]


def test_without_show_the_callback_prints_nothing() -> None:
    console = Console(record=True, width=120)
    with crawl_progress(console, show=False) as on_progress:
        on_progress(SourceProgress(site="elempleo", pages=1, finished=True))
    assert console.export_text() == ""
