"""`track4tip watch` (the scheduled service) and `track4tip status` (its run history).

Registered on the main app by `register_watch_commands`; the service lives in
track4tip/watch_service.py and is imported when `watch` runs, so `--help` stays light.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawlers.config import CrawlerSettings
from crawlers.profiles import ProfileError, load_profiles, select_profiles
from index.source_runs import SourceRunStore, SourceStatus


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _row(status: SourceStatus) -> list[str]:
    run = status.last_run
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(run.errors.items())) if run else ""
    return [
        status.site,
        status.state,
        _when(run.started_at) if run else "-",
        _when(status.next_run),
        str(run.pages) if run else "-",
        f"{run.new}/{run.changed}/{run.taken_down}" if run else "-",
        errors or "-",
        str(status.consecutive_failures),
        escape(status.last_error or "-"),
    ]


def print_status(console: Console, statuses: list[SourceStatus]) -> None:
    table = Table(title="Sources (times in UTC)")
    for column in (
        "source",
        "state",
        "last run",
        "next run",
        "pages",
        "new/changed/taken down",
        "errors",
        "failures in a row",
        "last error",
    ):
        table.add_column(column)
    for status in statuses:
        table.add_row(*_row(status))
    console.print(table)


def status_json(statuses: list[SourceStatus]) -> str:
    rows = [{**status.model_dump(mode="json"), "state": status.state} for status in statuses]
    return json.dumps(rows, indent=2)


def register_watch_commands(app: typer.Typer, console: Console) -> None:
    @app.command()
    def watch(
        profiles: Annotated[
            Path,
            typer.Option(help="A profile file, or a folder of them (its enabled sources)."),
        ] = Path("crawlers/sources"),
        source: Annotated[
            list[str] | None, typer.Option("--source", "-s", help="Only this site (repeatable).")
        ] = None,
        base_url: Annotated[
            str | None, typer.Option(help="Point every profile at this host (a mirror).")
        ] = None,
        batch_size: Annotated[int, typer.Option(min=1, help="Documents per batch.")] = 64,
    ) -> None:
        """Run continuously: each source re-crawled incrementally on its profile's schedule,
        analysed and indexed as it arrives, alert rules on every indexed batch. Stop with
        SIGTERM or Ctrl-C: runs in flight finish and nothing spooled is lost.

        Example: track4tip watch --profiles crawlers/sources
        """
        from track4tip.malloc_arenas import limit_malloc_arenas
        from track4tip.watch_runtime import run_watch

        # Before any thread starts: the service runs for weeks (track4tip/malloc_arenas.py).
        limit_malloc_arenas()
        try:
            selected = select_profiles(load_profiles(profiles), source or [])
        except ProfileError as error:
            raise typer.BadParameter(str(error), param_hint="--profiles/--source") from error
        run_watch(selected, CrawlerSettings(), console, base_url, batch_size)

    @app.command()
    def status(
        as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    ) -> None:
        """Per source: last and next run, pages, new/changed/taken-down documents, errors by
        reason, failures in a row, blocked or starved (what `track4tip watch` recorded).

        Example: track4tip status --json
        """
        statuses = SourceRunStore.under(CrawlerSettings().data_dir).statuses()
        if as_json:
            typer.echo(status_json(statuses))
        else:
            print_status(console, statuses)
