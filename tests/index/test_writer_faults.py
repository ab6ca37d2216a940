"""Faults of two real processes on one embedded index (tests/index/writer_processes.py).

(a) a writer killed (SIGKILL) between SQLite's commit and tantivy's leaves records the full
    text lacks; each test first shows that gap, then that reopening closes it;
(b) an analyst flagging while the worker indexes, both at once: before the one writer path the
    loser failed with LockBusy after SQLite had committed and its documents or flags never
    reached the full text.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embedded import RECORDS_FILE, EmbeddedIndex
from index.queries import SearchQuery
from tests.index.writer_processes import FLAG_CATEGORIES, GO, ad, flags_for, lost, word

ROOT = Path(__file__).resolve().parents[2]
SEEDED = 40


def start(role: str, directory: Path, *arguments: object) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.index.writer_processes", role, str(directory)]
    return subprocess.Popen(
        [*command, *(str(a) for a in arguments)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    directory = tmp_path / "index"
    with EmbeddedIndex(directory) as index:
        index.setup()
        index.upsert(ad(n) for n in range(SEEDED))
    return directory


@pytest.fixture
def stalled(request: pytest.FixtureRequest, seeded: Path) -> Iterator[subprocess.Popen[str]]:
    """A writer stopped between its two commits, killed by the test (or at teardown)."""
    process = start("stall", seeded, *request.param)
    line = process.stdout.readline() if process.stdout else ""
    assert line.startswith("committed "), line
    yield process
    process.kill()
    process.communicate()  # and closes the pipes


def records_hold(directory: Path, doc_id: str) -> bool:
    with sqlite3.connect(directory / RECORDS_FILE) as conn:
        return (
            conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None
        )


def found(index: EmbeddedIndex, number: int, wording: int = 0) -> tuple[int, int]:
    """Hits by id and by the document's own word."""
    by_id = index.search(SearchQuery(ids=[ad(number).id])).total
    return by_id, index.search(SearchQuery(q=word(number, wording))).total


def kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


@pytest.mark.parametrize("stalled", [("upsert", 100, 30)], indirect=True)
def test_an_upsert_killed_between_the_commits_is_searchable_after_restart(
    seeded: Path, stalled: subprocess.Popen[str]
):
    # The fault: the records hold the batch, the full text does not (the killed writer holds
    # the lock, so this reader cannot repair it yet).
    with EmbeddedIndex(seeded, writer_wait=0) as reader:
        assert reader.count() == SEEDED + 30
        assert found(reader, 100) == (0, 0)
    kill(stalled)
    with EmbeddedIndex(seeded) as restarted:
        assert all(found(restarted, n) == (1, 1) for n in range(100, 130))
        # The worker replays its spool: the documents are unchanged now, and stay searchable.
        assert restarted.upsert(ad(n) for n in range(100, 130)).unchanged == 30
        assert restarted.search(SearchQuery(size=1)).total == SEEDED + 30


@pytest.mark.parametrize("stalled", [("flag", 7, 1)], indirect=True)
def test_a_flag_killed_between_the_commits_reaches_the_facet_after_restart(
    seeded: Path, stalled: subprocess.Popen[str]
):
    with EmbeddedIndex(seeded, writer_wait=0) as reader:
        assert reader.get(ad(7).id).flags == flags_for(7)  # type: ignore[union-attr]
        assert reader.search(SearchQuery(flag=flags_for(7))).total == 0
    kill(stalled)
    with EmbeddedIndex(seeded) as restarted:
        assert restarted.search(SearchQuery(flag=flags_for(7))).total == 1
        facet = restarted.search(SearchQuery()).facets["flag"]
        assert [(bucket.value, bucket.count) for bucket in facet] == [(flags_for(7)[0], 1)]


@pytest.mark.parametrize("stalled", [("upsert", 200, 5)], indirect=True)
def test_the_next_write_of_another_process_closes_the_gap(
    seeded: Path, stalled: subprocess.Popen[str]
):
    with EmbeddedIndex(seeded, writer_wait=0) as api:
        assert found(api, 200) == (0, 0)
        kill(stalled)
        # The API process stays up: its next flag brings the dead worker's batch in too.
        assert api.set_flags(ad(3).id, ["coercion"])
        assert all(found(api, n) == (1, 1) for n in range(200, 205))
        assert records_hold(seeded, ad(204).id)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts, killed and reaped at its end whatever happened."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.communicate()


def test_an_analyst_flagging_while_the_worker_indexes_loses_nothing(
    seeded: Path, processes: list[subprocess.Popen[str]]
):
    batches, size = 12, 25
    worker = start("index", seeded, 1000, batches, size, SEEDED)
    analyst = start("flag", seeded, SEEDED)
    processes += [worker, analyst]
    for process in (worker, analyst):
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in (worker, analyst):
        assert process.stdin is not None
        process.stdin.write(GO + "\n")
        process.stdin.flush()
    summaries = [_summary(process) for process in (worker, analyst)]
    # Both wrote at the same time (otherwise this test would prove nothing).
    assert max(s["started"] for s in summaries) < min(s["ended"] for s in summaries)
    assert summaries[0]["documents"] == batches * size + min(batches, SEEDED)
    assert summaries[1]["flags"] == SEEDED
    with EmbeddedIndex(seeded) as index:
        missing = lost(index, 1000, batches, size, SEEDED)
        assert missing == {kind: [] for kind in missing}
        facet = index.search(SearchQuery()).facets["flag"]
        counts = {bucket.value: bucket.count for bucket in facet}
        assert counts == {category: SEEDED // 2 for category in FLAG_CATEGORIES}


def _summary(process: subprocess.Popen[str]) -> dict[str, float]:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])
