"""The spool: durable appends, resumable consumers, nothing lost on a kill or a bad record."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crawlers.spool import SpoolError, SpoolReader, SpoolWriter, iter_all
from tests.factories import make_document


def _append(path: Path, count: int, prefix: str = "ad") -> list[str]:
    writer = SpoolWriter(path)
    documents = [
        make_document(canonical_url=f"https://example.org/{prefix}/{n}") for n in range(count)
    ]
    for document in documents:
        writer.append(document)
    writer.close()
    return [document.id for document in documents]


def test_reader_resumes_after_its_last_commit(tmp_path: Path) -> None:
    spool = tmp_path / "spool.sqlite"
    ids = _append(spool, 5)

    first = SpoolReader(spool, "analyser")
    batch = first.read_batch(3)
    assert [doc.id for doc in batch.documents] == ids[:3]
    first.commit(batch.last_seq)
    first.close()

    again = SpoolReader(spool, "analyser")
    assert again.pending() == 2
    assert [doc.id for doc in again.read_batch(10).documents] == ids[3:]


def test_uncommitted_batch_is_read_again(tmp_path: Path) -> None:
    spool = tmp_path / "spool.sqlite"
    ids = _append(spool, 2)
    reader = SpoolReader(spool, "indexer")
    reader.read_batch(10)  # read, then "crash" before commit
    reader.close()
    assert [doc.id for doc in SpoolReader(spool, "indexer").read_batch(10).documents] == ids


def test_consumers_keep_separate_cursors(tmp_path: Path) -> None:
    spool = tmp_path / "spool.sqlite"
    _append(spool, 4)
    analyser = SpoolReader(spool, "analyser")
    analyser.commit(analyser.read_batch(4).last_seq)
    assert analyser.pending() == 0
    assert SpoolReader(spool, "indexer").pending() == 4


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from crawlers.spool import SpoolWriter
    from tests.factories import make_document

    writer = SpoolWriter(Path(sys.argv[1]))
    for n in range(100_000):
        writer.append(make_document(canonical_url=f"https://example.org/killed/{n}"))
        if n == 20:
            print("ready", flush=True)
    """
)


def test_a_killed_crawler_loses_no_appended_page(tmp_path: Path) -> None:
    spool = tmp_path / "spool.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(spool)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()

    urls = [document.canonical_url for document in iter_all(spool)]
    assert len(urls) > 20
    # Appends are sequential and each is durable: no gaps, every record whole.
    assert urls == [f"https://example.org/killed/{n}" for n in range(len(urls))]


def test_unreadable_record_is_set_aside_with_its_reason(tmp_path: Path) -> None:
    spool = tmp_path / "spool.sqlite"
    ids = _append(spool, 1, prefix="before")
    with sqlite3.connect(spool) as db:
        db.execute(
            "INSERT INTO pages (doc_id, written_at, record) VALUES ('x', 'now', ?)",
            (json.dumps({"schema_version": 99}),),
        )
        db.execute("INSERT INTO pages (doc_id, written_at, record) VALUES ('y', 'now', '{oops')")
    ids += _append(spool, 1, prefix="after")

    reader = SpoolReader(spool, "analyser")
    batch = reader.read_batch(10)
    assert [doc.id for doc in batch.documents] == ids
    assert batch.last_seq == 4
    reasons = dict(reader.rejected())
    assert "schema_version 99" in reasons[2]
    assert "track4tip migrate" in reasons[2]
    assert "Expecting" in reasons[3] or "JSON" in reasons[3]


def test_missing_spool_names_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(SpoolError, match="track4tip crawl"):
        SpoolReader(tmp_path / "nothing.sqlite", "analyser")


def test_a_file_that_is_not_a_spool_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "spool.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(SpoolError, match="not a usable spool"):
        SpoolWriter(garbage)


@pytest.mark.parametrize(("fsync", "level"), [(False, 1), (True, 2)])
def test_fsync_chooses_how_often_appends_reach_the_disk(
    tmp_path: Path, fsync: bool, level: int
) -> None:
    writer = SpoolWriter(tmp_path / "spool.sqlite", fsync=fsync)
    # SQLite's levels: 1 = NORMAL (synced at checkpoints), 2 = FULL (synced on every commit).
    assert writer._db.execute("PRAGMA synchronous").fetchone()[0] == level
    writer.close()


def test_a_batch_keeps_the_latest_version_of_a_page_spooled_twice(tmp_path: Path) -> None:
    # Two crawls of one site: the same canonical URL spooled twice, with other documents between.
    spool = tmp_path / "spool.sqlite"
    url = "https://example.org/ad/twice"
    first = make_document(canonical_url=url, text="Primera versión del aviso.")
    other = make_document(canonical_url="https://example.org/ad/other")
    second = make_document(canonical_url=url, text="Segunda versión del aviso.")
    # Fetched at the same moment: the one appended later wins.
    same_moment = [
        make_document(canonical_url="https://example.org/ad/tie", text=text, fetched_at=at)
        for text, at in (("Empate uno.", second.fetched_at), ("Empate dos.", second.fetched_at))
    ]
    # Appended later but fetched earlier (a slow crawl's page): the one fetched last wins.
    late = make_document(
        canonical_url="https://example.org/ad/late",
        text="Recibido último.",
        fetched_at=first.fetched_at,
    )
    early = make_document(
        canonical_url="https://example.org/ad/late",
        text="Buscado último.",
        fetched_at=second.fetched_at,
    )
    writer = SpoolWriter(spool)
    for document in (first, other, second, *same_moment, early, late):
        writer.append(document)
    writer.close()

    reader = SpoolReader(spool, "indexer")
    batch = reader.read_batch(100)
    reader.close()
    kept, superseded = batch.latest_versions()
    assert superseded == 3
    assert [document.text for document in kept] == [
        other.text,
        second.text,
        "Empate dos.",
        "Buscado último.",
    ]
    assert len(batch.documents) == 7, "the batch itself, and the spool, keep every version"
