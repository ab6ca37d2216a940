"""The `track4tip` command line: parses arguments, builds settings, calls the stages.

Settings come from TRACK4TIP_* environment variables; a `.env` file is read here, at the
process edge, and nowhere else. Every command's help ends with an example.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from dotenv import load_dotenv
from rich.console import Console
from rich.markup import escape

from crawlers.config import CrawlerSettings
from crawlers.profiles import (
    DEMO_PROFILES,
    ProfileError,
    SourceProfile,
    check_base_url,
    load_profiles,
    select_profiles,
)
from index.backends import open_index
from index.config import IndexSettings
from index.document import SourceKind, Status
from index.errors import IndexBackendError
from index.queries import SearchQuery, Sort
from nlp.errors import NlpError
from nlp.types import TopicLabel
from track4tip import views
from track4tip.model_commands import model_app
from track4tip.pipeline import AnalysisStage, IndexingStage, StageTotals, follow, summarise
from track4tip.stages import build_analysis, build_indexing
from track4tip.users_commands import print_demo_users, users_app
from track4tip.watch_commands import register_watch_commands

if TYPE_CHECKING:
    from crawlers.progress import ProgressCallback
    from crawlers.runner import CrawlReport

app = typer.Typer(
    name="track4tip",
    help="Collect public job ads, classifieds, social posts and news; find trafficking risk "
    "indicators; index them for analysts.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


def _checked_base_url(value: str | None) -> str | None:
    """Refuse a malformed --base-url here, in one line, before a crawl process starts (the
    child would otherwise die on it with a traceback)."""
    if value is None:
        return None
    try:
        return check_base_url(value, name="--base-url")
    except ProfileError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(code=2) from error


SourceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source", "-s", help="Site id of a profile to crawl (repeatable); default: all."
    ),
]
ProfilesOption = Annotated[Path, typer.Option(help="Profile file (YAML) describing the sources.")]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        help="Replace the profiles' base URL, http(s)://host[:port] (e.g. a local mirror; "
        "absolute links to the profile's own host then lead into the mirror).",
        callback=_checked_base_url,
    ),
]
BatchOption = Annotated[int, typer.Option(min=1, help="Documents per batch.")]
ProgressOption = Annotated[
    bool,
    typer.Option(
        "--progress/--no-progress",
        help="Show each source's pages, documents and errors while it is crawled (redrawn in "
        "place on a terminal, a line every few seconds otherwise).",
    ),
]


@app.callback()
def main(
    env_file: Annotated[
        Path, typer.Option(help="A .env file of TRACK4TIP_* settings, read if it exists.")
    ] = Path(".env"),
) -> None:
    """track4tip: an OSINT collector for counter-trafficking analysts."""
    load_dotenv(env_file, override=False)


def _selected_profiles(path: Path, sites: list[str] | None) -> list[SourceProfile]:
    try:
        return select_profiles(load_profiles(path), sites or [])
    except ProfileError as error:
        raise typer.BadParameter(str(error), param_hint="--profiles/--source") from error


# Each stage's libraries are imported where the stage is built, so that `track4tip --help`,
# `search` and `users` start without Scrapy, spaCy or torch, and a crawl without the NLP
# (tests/test_import_weight.py).
def _crawl(
    settings: CrawlerSettings,
    profiles: list[SourceProfile],
    base_url: str | None,
    on_progress: ProgressCallback | None = None,
) -> CrawlReport:
    from crawlers.runner import run_crawl_in_subprocess

    return run_crawl_in_subprocess(profiles, settings, base_url=base_url, on_progress=on_progress)


def _analysis(data_dir: Path, totals: StageTotals) -> AnalysisStage:
    return build_analysis(data_dir, totals)


def _indexing(data_dir: Path, totals: StageTotals) -> IndexingStage:
    return build_indexing(data_dir, totals)[0]


@app.command()
def crawl(
    source: SourceOption = None,
    base_url: BaseUrlOption = None,
    profiles: ProfilesOption = DEMO_PROFILES,
    progress: ProgressOption = True,
) -> None:
    """Crawl sources into the spool.

    Example: track4tip crawl --source empleosya --base-url http://127.0.0.1:8080
    """
    selected = _selected_profiles(profiles, source)
    with views.crawl_progress(console, show=progress) as on_progress:
        report = _crawl(CrawlerSettings(), selected, base_url, on_progress)
    views.print_crawl_report(console, report)


@app.command()
def analyze(batch_size: BatchOption = 64) -> None:
    """Analyse crawled documents waiting in the spool (language, entities, indicators, risk).

    Example: track4tip analyze --batch-size 128
    """
    analysis = _analysis(CrawlerSettings().data_dir, StageTotals())
    with views.stage_progress(console, "Analysing", analysis.pending()) as progress:
        analysis.run_pending(batch_size, progress)
    console.print(f"Analysed {analysis.totals.analysed} documents.")


@app.command("index")
def index_command(batch_size: BatchOption = 256) -> None:
    """Write analysed documents to the index (idempotent; unchanged documents are skipped,
    and of a page spooled twice in one batch only its latest version is written).

    Example: TRACK4TIP_DATA_DIR=/srv/track4tip track4tip index
    """
    indexing = _indexing(CrawlerSettings().data_dir, StageTotals())
    with indexing, views.stage_progress(console, "Indexing", indexing.pending()) as bar:
        indexing.run_pending(batch_size, bar)
    views.print_upsert_report(console, indexing.totals.indexed)


def _crawl_in_background(
    settings: CrawlerSettings,
    profiles: list[SourceProfile],
    base_url: str | None,
    on_progress: ProgressCallback,
) -> tuple[threading.Thread, list[CrawlReport]]:
    reports: list[CrawlReport] = []
    thread = threading.Thread(
        target=lambda: reports.append(_crawl(settings, profiles, base_url, on_progress)),
        name="crawl",
        daemon=True,
    )
    thread.start()
    return thread, reports


def _run_all(
    settings: CrawlerSettings,
    profiles: list[SourceProfile],
    base_url: str | None,
    batch_size: int,
    show_progress: bool = True,
) -> tuple[IndexingStage, CrawlReport]:
    """Crawl in the background while analysis and indexing follow; returns the open index."""
    totals = StageTotals()
    analysis = _analysis(settings.data_dir, totals)
    indexing = _indexing(settings.data_dir, totals)
    # The sources' rows open first: on a terminal the stage bar is then drawn under them.
    with views.crawl_progress(console, show=show_progress) as on_progress:
        thread, reports = _crawl_in_background(settings, profiles, base_url, on_progress)
        with views.stage_progress(console, "Crawling, analysing, indexing", None) as progress:
            follow(analysis, indexing, thread.is_alive, batch_size, progress)
        thread.join()
    if not reports:
        console.print("[red]error:[/red] the crawl process ended without a report (see its log)")
        raise typer.Exit(code=1)
    views.print_crawl_report(console, reports[0])
    views.print_upsert_report(console, totals.indexed)
    return indexing, reports[0]


@app.command()
def run(
    source: SourceOption = None,
    base_url: BaseUrlOption = None,
    profiles: ProfilesOption = DEMO_PROFILES,
    batch_size: BatchOption = 64,
    progress: ProgressOption = True,
) -> None:
    """Crawl, analyse and index at once; analysis follows the crawl without blocking it.

    Example: track4tip run --source noticias
    """
    selected = _selected_profiles(profiles, source)
    indexing, _ = _run_all(CrawlerSettings(), selected, base_url, batch_size, progress)
    indexing.close()


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", OR, -exclusions.')] = "",
    country: Annotated[
        list[str] | None, typer.Option(help="ISO country code (repeatable).")
    ] = None,
    indicator: Annotated[list[str] | None, typer.Option(help="Indicator id (repeatable).")] = None,
    kind: Annotated[
        list[SourceKind] | None, typer.Option(help="Kind of source (repeatable).")
    ] = None,
    topic: Annotated[
        TopicLabel | None,
        typer.Option(help="Trafficking topic: news and posts about trafficking, or the rest."),
    ] = None,
    status: Annotated[
        Status | None,
        typer.Option(help="Only ads still up (active), or only those found gone (taken_down)."),
    ] = None,
    sort: Annotated[Sort, typer.Option(help="Order of the hits.")] = Sort.RELEVANCE,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Hits to show.")] = 10,
) -> None:
    """Search the index and show the hits with their highlighted evidence; a hit that is not
    active (an ad taken down) says so.

    Example: track4tip search '"damas de compañía" OR anfitrionas' --country VE --sort risk

    Example: track4tip search explotación --kind news --topic trafficking

    Example: track4tip search --status taken_down
    """
    request = SearchQuery(
        q=query,
        country=country or [],
        indicator=indicator or [],
        source_kind=kind or [],
        topic=[topic] if topic else [],
        status=[status] if status else [],
        sort=sort,
        size=limit,
    )
    with open_index(IndexSettings()) as backend:
        views.print_search_results(console, backend.search(request))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the API and the search page over the index.

    Example: track4tip serve --port 8000   (then open http://127.0.0.1:8000/docs)
    """
    from track4tip.serving import serve_api

    serve_api(host=host, port=port, console=console)


@app.command()
def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API when done.")
    ] = True,
    port: Annotated[int | None, typer.Option(help="API port.")] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch/--no-watch",
            help="Then keep watch: a new invented ad appears on the demo web every --every "
            "seconds, `track4tip watch` re-crawls it, and the demo investigator's console "
            "alert rule fires for the risky ones.",
        ),
    ] = False,
    every: Annotated[
        float, typer.Option(min=5.0, help="With --watch: seconds between new ads and re-crawls.")
    ] = 60.0,
) -> None:
    """Crawl the bundled demo web, analyse it, index it and serve search over it.

    Example: track4tip demo   (then open the printed URL)
    Example: track4tip demo --watch --every 30   (log in as investigator to see alerts arrive)
    """
    from track4tip.demo_site import DemoSite, site_root

    # The demo keeps its own data folder, started afresh: the demo web listens on a new port
    # each time, and its pages must not mix with real collections. The demo web is ours and
    # local, so no politeness delay is needed to crawl it.
    settings = CrawlerSettings()
    settings = settings.model_copy(
        update={
            "data_dir": settings.data_dir / "demo",
            "download_delay": 0.0,
            "autothrottle": False,
            # The demo web listens on loopback, which the egress guard refuses otherwise.
            "crawl_allowed_private_networks": ["127.0.0.1/32"],
        }
    )
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    data_dir = settings.data_dir
    # Watching, the demo web changes: it is served from a copy, never from the checkout.
    web = data_dir / "web" if watch else None
    if web is not None:
        shutil.copytree(site_root(), web)
    with DemoSite(root=web) as site:
        console.print(f"Demo web serving at {site.base_url}")
        indexing, report = _run_all(settings, load_profiles(DEMO_PROFILES), site.base_url, 64)
        with indexing:
            views.print_summary(console, report, summarise(indexing.backend))
        print_demo_users(console, IndexSettings(data_dir=data_dir))
        if watch:
            _watch_demo(settings, site.base_url, every, serve_after, port)
    if serve_after and not watch:
        _serve_demo(port, data_dir)


def _serve_demo(port: int | None, data_dir: Path) -> None:
    from track4tip.serving import serve_api

    serve_api(
        host=None,
        port=port,
        console=console,
        index_settings=IndexSettings(data_dir=data_dir),
        demo=True,
    )


def _watch_demo(
    settings: CrawlerSettings, base_url: str, every: float, serve: bool, port: int | None
) -> None:
    """New ads on the demo web and `track4tip watch` in a child process, while this process
    serves the API (or, with --no-serve, waits) until Ctrl-C or SIGINT."""
    from track4tip.demo_watch import DemoArrivals, add_demo_rule, start_watch, stop_watch

    add_demo_rule(IndexSettings(data_dir=settings.data_dir))
    arrivals = DemoArrivals(settings.data_dir / "web")
    stop = threading.Event()

    def announce(name: str) -> None:
        console.print(f"Demo web: a new ad at {base_url}/clasificados/{name}")

    adder = threading.Thread(target=arrivals.run, args=(every, stop, announce), daemon=True)
    child = start_watch(settings, base_url, every)
    console.print(
        f"Keeping watch: a new ad every {every:g} s; the demo investigator's rule alerts on "
        "the risky ones (log in as investigator). Ctrl-C stops."
    )
    adder.start()
    try:
        if serve:
            _serve_demo(port, settings.data_dir)
        else:
            child.wait()
    except KeyboardInterrupt:
        pass  # the way to stop the demo
    finally:
        stop.set()
        code = stop_watch(child)
        console.print(f"Watch stopped (exit code {code}).")


@app.command()
def migrate() -> None:
    """Migrate the index to the document schema version of this track4tip.

    Example: track4tip migrate
    """
    from index.backends import migrate_index

    migrated = migrate_index(IndexSettings())
    console.print(f"Migrated {migrated} documents.")


capture_app = typer.Typer(help="Evidence kept by the crawler (WARC files, screenshots).")
app.add_typer(capture_app, name="capture")
app.add_typer(model_app, name="model")
app.add_typer(users_app, name="users")
register_watch_commands(app, console)


@capture_app.command("verify")
def capture_verify(
    path: Annotated[
        Path | None,
        typer.Argument(help="A WARC file or a folder of them; default: <data dir>/warc."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="A data dir whose spool and embedded index cite captures: each cited record "
            "must be in its WARC file with the SHA-256 cited. Default: the folder the WARC "
            "folder is in, when it holds a spool or an index.",
        ),
    ] = None,
) -> None:
    """Re-read WARC records, screenshots and the captures Documents cite; exit 1 on anything
    damaged, cut short, missing, or not matching its digest.

    Example: track4tip capture verify var/warc --data-dir var
    """
    from crawlers.capture_format import CaptureError
    from crawlers.capture_verify import verify_captures

    try:
        report = verify_captures(path or CrawlerSettings().warc_dir, data_dir)
    except CaptureError as error:
        raise typer.BadParameter(str(error), param_hint="'PATH' / '--data-dir'") from error
    for name in report.unsealed:
        # A warning, not a failure: the crawler may be writing it right now.
        console.print(
            f"[yellow]UNSEALED[/yellow] {escape(name)}: still being written, or its writer "
            "stopped without closing it; no seal proves that no record is missing."
        )
    if report.data_dir is not None:
        console.print(
            f"Checked {report.citations} captures cited in {escape(str(report.data_dir))}."
        )
    views.print_verify_report(console, report)
    if not report.ok:
        raise typer.Exit(code=1)


def run_cli() -> None:
    try:
        app()
    except (IndexBackendError, NlpError) as error:
        # A broken index or model folder is the user's to fix: the message, not a traceback.
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise SystemExit(2) from error
