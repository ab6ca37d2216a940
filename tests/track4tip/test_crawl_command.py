"""`track4tip crawl` and `track4tip run` as a user runs them (real processes): a malformed
--base-url is refused in one line before any crawl starts, and a crawl of the demo web with a
profile whose selectors match nothing says so in its summary and in the JSON report it names."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from crawlers.runner import CrawlReport, SourceReport
from tests.track4tip.cli_process import FAST_CRAWL, track4tip
from track4tip.demo_site import DemoSite
from track4tip.views import print_crawl_report


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("127.0.0.1:18745", "no http:// or https:// scheme"),
        ("ftp://127.0.0.1:18745", "scheme 'ftp' is not http or https"),
        ("http://127.0.0.1:99999", "port is not a number from 1 to 65535"),
        ("http://", "names no host"),
        ("http://127.0.0.1:18745/empleos/", "has a path"),
        ("http://analyst:secret@127.0.0.1:18745", "user name or password"),
    ],
)
def test_a_malformed_base_url_is_refused_in_one_line(tmp_path: Path, value: str, why: str) -> None:
    result = track4tip(tmp_path, "crawl", "--source", "empleosya", "--base-url", value)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: --base-url {value!r} is not valid: ")
    assert why in line and "expected http(s)://host[:port]" in line
    assert not (tmp_path / "crawls").exists(), "no crawl was started"


def test_run_refuses_a_base_url_without_scheme_and_suggests_one(tmp_path: Path) -> None:
    result = track4tip(tmp_path, "run", "--base-url", "127.0.0.1:18745")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("e.g. http://127.0.0.1:18745")
    assert "Traceback" not in result.stderr


# The demo web's own sites, with selectors that compile but match nothing there.
UNFITTING_PROFILES = """\
sources:
  - name: EmpleosYa, detail links renamed
    site: empleosya
    kind: job_board
    spider: listing
    country: CO
    start_urls: [/empleos/]
    links: {detail: a.job-lnk, next_page: a.next-page}
  - name: Clasificados del Sur, cards that are not there
    site: clasificados
    kind: classifieds
    spider: listing
    country: PE
    start_urls: [/clasificados/]
    cards: {item: article.anuncio}
    links: {detail: a.ad-link}
    fields: {title: h1.ad-title, description: div.ad-body}
"""


def test_selectors_that_match_nothing_are_warnings_in_the_summary_and_report(
    tmp_path: Path,
) -> None:
    profiles = tmp_path / "unfitting.yaml"
    profiles.write_text(UNFITTING_PROFILES, encoding="utf-8")
    with DemoSite() as site:
        result = track4tip(
            tmp_path,
            "crawl",
            "--profiles",
            str(profiles),
            "--base-url",
            site.base_url,
            **FAST_CRAWL,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no_match:links.detail" in result.stdout
    assert "no_match:cards.item" in result.stdout

    named = re.search(r"^Crawl report: (.+\.json)$", result.stdout, re.MULTILINE)
    assert named is not None, result.stdout
    report = json.loads(Path(named.group(1)).read_text(encoding="utf-8"))
    assert Path(named.group(1)).parent == tmp_path / "crawls"
    sources = {source["site"]: source for source in report["sources"]}
    # Both listing pages of EmpleosYa (the next-page link still works), no ad reached.
    assert sources["empleosya"]["warnings"] == {"no_match:links.detail": 2}
    assert sources["empleosya"]["documents"] == 0
    # The cards match nothing; the detail links still find the seven readable ads.
    assert sources["clasificados"]["warnings"] == {"no_match:cards.item": 1}
    assert sources["clasificados"]["documents"] == 7
    assert report["totals"]["warnings"] == {"no_match:cards.item": 1, "no_match:links.detail": 2}


def test_the_crawl_table_shows_unchanged_pages_and_take_downs() -> None:
    now = datetime.now(UTC)
    source = SourceReport(
        site="elempleo", spider="listing", pages_fetched=12, unchanged=9, taken_down=2
    )
    console = Console(record=True, width=200)
    print_crawl_report(console, CrawlReport(started_at=now, finished_at=now, sources=[source]))
    lines = console.export_text().splitlines()
    (header,) = (line for line in lines if "┃" in line)
    (row,) = (line for line in lines if "│" in line)
    columns = [cell.strip() for cell in header.split("┃")]
    cells = [cell.strip() for cell in row.split("│")]
    assert cells[columns.index("unchanged")] == "9"
    assert cells[columns.index("taken down")] == "2"
