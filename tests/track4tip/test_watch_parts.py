"""The watch service's parts that need no crawl: the run history and what reads it (`track4tip
status`, the console's /status page), what counts as a failed run, documented settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.accounts.users import Role, UserStore
from api.config import ApiSettings
from api.database import ConsoleDatabase
from api.main import create_app
from crawlers.runner import SourceReport
from index.embedded import EmbeddedIndex
from index.source_runs import RunRecord, SourceRunStore
from tests.track4tip.cli_process import ROOT, track4tip
from track4tip.config import WatchSettings
from track4tip.watch_service import run_failed

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _history(data_dir: Path) -> SourceRunStore:
    store = SourceRunStore.under(data_dir)
    store.add_run(
        RunRecord(site="empleosya", started_at=NOW, finished_at=NOW, outcome="ok", pages=9)
    )
    store.add_indexed("empleosya", new=3, changed=1, taken_down=0)
    store.add_indexed("empleosya", new=1, changed=0, taken_down=2)
    store.set_state(
        "empleosya",
        consecutive_failures=0,
        backoff_until=None,
        last_error=None,
        blocked=False,
        starved=True,
    )
    store.set_next_run("empleosya", NOW + timedelta(minutes=15))
    store.add_run(
        RunRecord(
            site="caido",
            started_at=NOW,
            finished_at=NOW,
            outcome="failed",
            errors={"network_TimeoutError": 4},
            message="network_TimeoutError",
        )
    )
    store.set_state(
        "caido",
        consecutive_failures=3,
        backoff_until=NOW + timedelta(minutes=4),
        last_error="network_TimeoutError",
        blocked=False,
        starved=False,
    )
    return store


def test_the_history_counts_indexed_documents_on_the_latest_run(tmp_path: Path) -> None:
    statuses = {status.site: status for status in _history(tmp_path).statuses()}
    ok, down = statuses["empleosya"], statuses["caido"]
    assert (ok.last_run.new, ok.last_run.changed, ok.last_run.taken_down) == (4, 1, 2)
    assert ok.state == "starved"
    assert ok.next_run == NOW + timedelta(minutes=15)
    assert down.state == "backing off"
    assert down.last_run.errors == {"network_TimeoutError": 4}


def test_status_prints_a_table_and_json(tmp_path: Path) -> None:
    _history(tmp_path)
    table = track4tip(tmp_path, "status")
    assert table.returncode == 0, table.stderr
    assert "empleosya" in table.stdout and "backing off" in table.stdout
    answer = track4tip(tmp_path, "status", "--json")
    rows = {row["site"]: row for row in json.loads(answer.stdout)}
    assert rows["caido"]["consecutive_failures"] == 3
    assert rows["empleosya"]["last_run"]["new"] == 4


def test_admins_see_the_status_page_and_others_do_not(tmp_path: Path) -> None:
    _history(tmp_path)
    database = ConsoleDatabase(tmp_path / "console.sqlite3")
    users = UserStore(database)
    admin = users.create("jefa", "a long enough password", Role.ADMIN)
    analyst = users.create("analista", "a long enough password", Role.ANALYST)
    with EmbeddedIndex(tmp_path / "index") as index:
        index.setup()
        with TestClient(create_app(ApiSettings(), index, database)) as client:
            for user, expected in ((admin, 200), (analyst, 403)):
                key = users.create_key(user.id, "status")[1]
                page = client.get(
                    "/status", headers={"Authorization": f"Bearer {key}", "Accept": "text/html"}
                )
                assert page.status_code == expected, page.text
    assert "network_TimeoutError" in page.text or expected == 403


def test_a_run_with_nothing_usable_is_a_failure_with_its_main_reason() -> None:
    refused = SourceReport(site="s", spider="listing", errors={"network_refused": 3})
    garbage = SourceReport(site="s", spider="listing", pages_fetched=2, errors={"not_html": 2})
    blocked = SourceReport(site="s", spider="listing", pages_fetched=2, blocked=2)
    quiet = SourceReport(site="s", spider="listing", pages_fetched=4, unchanged=4)
    assert run_failed(refused) == "network_refused"
    assert run_failed(garbage) == "not_html"
    assert run_failed(blocked) == "blocked"
    assert run_failed(SourceReport(site="s", spider="feed")) == "no_page_fetched"
    assert run_failed(quiet) is None


def test_watch_settings_are_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    names = [f"TRACK4TIP_WATCH_{name.upper()}" for name in WatchSettings.model_fields]
    assert [name for name in names if f"`{name}`" not in readme] == []
