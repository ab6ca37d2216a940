"""How the CLI shows things in a terminal: progress, crawl reports, hits, summaries."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
)
from rich.table import Table

from index.document import Document, Status
from index.queries import SearchResults
from track4tip.pipeline import IndexReport, IndexSummary, StageTotals
from track4tip.pipeline import Progress as StageProgress

if TYPE_CHECKING:
    from crawlers.capture import VerifyReport
    from crawlers.progress import ProgressCallback, SourceProgress
    from crawlers.runner import CrawlReport

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


@contextmanager
def stage_progress(console: Console, label: str, total: int | None) -> Iterator[StageProgress]:
    """A progress bar fed by the stages' progress callback."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=total)

        def update(totals: StageTotals, remaining: int) -> None:
            # Superseded versions are spool records handled too, though nothing is written.
            done = totals.analysed + totals.indexed.written + totals.indexed.superseded
            progress.update(task, completed=done, total=max(total or 0, done + remaining))

        yield update


# Often enough to show a long crawl is alive, seldom enough not to flood a log or journal.
PLAIN_PROGRESS_EVERY = 5.0


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def progress_counts(progress: SourceProgress) -> str:
    """`40 pages, 38 documents, 1 error`"""
    return ", ".join(
        (
            _plural(progress.pages, "page"),
            _plural(progress.documents, "document"),
            _plural(progress.errors, "error"),
        )
    )


def progress_line(progress: SourceProgress) -> str:
    """`progress elempleo: 40 pages, 38 documents, 1 error` (`, done` once it finished)."""
    done = ", done" if progress.finished else ""
    return f"progress {progress.site}: {progress_counts(progress)}{done}"


class PlainProgressLines:
    """A line per source at most every `every` seconds, and always its last counts when it
    finishes: for pipes and logs, where a table redrawn in place would be noise."""

    def __init__(
        self,
        say: Callable[[str], None],
        every: float = PLAIN_PROGRESS_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.say = say
        self.every = every
        self.clock = clock
        self._said_at: dict[str, float] = {}

    def __call__(self, progress: SourceProgress) -> None:
        now = self.clock()
        said_at = self._said_at.get(progress.site)
        if not progress.finished and said_at is not None and now - said_at < self.every:
            return
        self._said_at[progress.site] = now
        self.say(progress_line(progress))


def _live_rows(progress_bar: Progress) -> ProgressCallback:
    """One row per source, added when its first counts arrive and updated in place."""
    tasks: dict[str, TaskID] = {}

    def update(progress: SourceProgress) -> None:
        if progress.site not in tasks:
            tasks[progress.site] = progress_bar.add_task(
                escape(progress.site), total=None, counts=""
            )
        # A total makes the task finished, which turns its spinner into the tick.
        total = 1 if progress.finished else None
        task = tasks[progress.site]
        progress_bar.update(
            task, total=total, completed=total or 0, counts=progress_counts(progress)
        )

    return update


@contextmanager
def crawl_progress(console: Console, show: bool = True) -> Iterator[ProgressCallback]:
    """The callback the crawl runner feeds with each source's running counts: a table
    refreshed in place on a terminal, plain lines otherwise, nothing when not `show`n."""
    if not show:
        yield lambda progress: None
    elif not console.is_terminal:
        yield PlainProgressLines(lambda line: console.print(escape(line), highlight=False))
    else:
        columns = [
            SpinnerColumn(finished_text="[green]✓[/green]"),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[counts]}"),
        ]
        with Progress(*columns, console=console, transient=False) as progress_bar:
            yield _live_rows(progress_bar)


# Unchanged and taken-down counts matter most on incremental re-crawls (the watch service).
_NUMBER_COLUMNS = ("pages", "documents", "unchanged", "taken down", "bytes")
_COUNTED_COLUMNS = ("errors", "links dropped", "warnings")


def _counts(counted: dict[str, int]) -> str:
    return ", ".join(f"{reason}: {count}" for reason, count in sorted(counted.items())) or "-"


def print_crawl_report(console: Console, report: CrawlReport) -> None:
    """One row per source, then where the full report (unchanged pages, take-downs, dropped
    documents, browser counters) was written."""
    table = Table(title="Crawl")
    for column in ("source", *_NUMBER_COLUMNS, *_COUNTED_COLUMNS):
        table.add_column(column, justify="right" if column in _NUMBER_COLUMNS else "left")
    for source in report.sources:
        table.add_row(
            source.site,
            str(source.pages_fetched),
            str(source.documents),
            str(source.unchanged),
            str(source.taken_down),
            str(source.bytes),
            _counts(source.errors),
            _counts(source.links_dropped),
            # Yellow: a selector that matches nothing means the crawl found less than it should.
            f"[yellow]{escape(_counts(source.warnings))}[/yellow]" if source.warnings else "-",
        )
    console.print(table)
    if report.report_file:
        # Not folded at the terminal's width: the path is there to be copied.
        console.print(f"Crawl report: {escape(report.report_file)}", soft_wrap=True)


def print_verify_report(console: Console, report: VerifyReport) -> None:
    console.print(
        f"Checked {report.records} records in {report.files} WARC files and "
        f"{report.screenshots} screenshots ({report.undigested} records carry no digest)."
    )
    for problem in report.problems:
        where = " ".join(part for part in (problem.record_id, problem.url) if part)
        console.print(
            f"[red]MISMATCH[/red] {escape(problem.file)} {escape(where)}: {escape(problem.problem)}"
        )
    console.print("All captures verified." if report.ok else f"{len(report.problems)} problems.")


def print_upsert_report(console: Console, report: IndexReport) -> None:
    console.print(
        f"Indexed: {report.created} new, {report.updated} changed (new version), "
        f"{report.unchanged} unchanged, {report.taken_down} taken down."
    )
    if report.superseded:
        console.print(
            f"{report.superseded} older versions skipped: a newer version of the same page "
            "was in the same batch (both stay in the spool)."
        )
    if report.rejected:
        console.print(
            f"[red]{report.rejected} documents refused by the index[/red] "
            "(Elasticsearch writes them to its dead-letter file)."
        )


def _rich_highlight(fragment: str) -> str:
    """Turn the index's HTML highlight (escaped text with <mark>) into rich markup."""
    parts = _MARK.split(fragment)
    return "".join(
        f"[bold yellow]{escape(html.unescape(part))}[/]" if odd else escape(html.unescape(part))
        for odd, part in ((index % 2 == 1, part) for index, part in enumerate(parts))
    )


def _status_text(document: Document) -> str:
    """`taken down since 2024-05-03` (or the bare status when it carries no date)."""
    label = str(document.status).replace("_", " ")
    gone = document.taken_down_at
    return f"{label} since {gone.date().isoformat()}" if gone else label


def print_search_results(console: Console, results: SearchResults) -> None:
    console.print(f"{results.total} hits")
    for hit in results.hits:
        document = hit.document
        risk = document.risk
        risk_text = f"{risk.label} {risk.score:.2f}" if risk else "not analysed"
        topic = document.topic
        topic_text = f" · topic {topic.label} {topic.score:.2f}" if topic else ""
        console.print(
            f"\n[bold]{escape(document.title or document.url)}[/bold]  "
            f"[dim]{document.source.site} · {document.source.kind} · "
            f"{document.source.country or '-'} · {document.language or '-'} · "
            f"risk {risk_text}{topic_text}[/dim]"
        )
        if document.status != Status.ACTIVE:
            console.print(f"[red]{_status_text(document)}[/red]")
        console.print(f"[blue]{escape(document.url)}[/blue]")
        for fragment in hit.highlights.get("text", [])[:2]:
            console.print(f"  {_rich_highlight(fragment)}")
        if document.indicator_ids:
            console.print(f"  indicators: {', '.join(document.indicator_ids)}")


def print_summary(console: Console, crawl: CrawlReport, summary: IndexSummary) -> None:
    pages = sum(source.pages_fetched for source in crawl.sources)
    console.print(
        f"\n[bold]Crawled {pages} pages, indexed {summary.documents} documents[/bold]; "
        f"{summary.flagged} flagged with risk indicators."
    )
    if summary.top_indicators:
        top = ", ".join(f"{name} ({count})" for name, count in summary.top_indicators)
        console.print(f"Top indicators: {top}")
