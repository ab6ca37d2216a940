"""The embedded index's one writer path (index/embedded_writer.py), in one process: the lock
taken per write with back-off, WriterBusy, and the commit sequence reconciled on open."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import tantivy

from index.embedded import FULLTEXT_DIR, RECORDS_FILE, EmbeddedIndex
from index.embedded_lock import FileLock
from index.embedded_schema import ID, build_schema
from index.embedded_writer import LOCK_FILE, SEQUENCE_FILE
from index.errors import IndexUnavailable, WriterBusy
from index.queries import SearchQuery
from tests.index.writer_processes import ad, word


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    path = tmp_path / "index"
    with EmbeddedIndex(path) as index:
        index.setup()
        index.upsert(ad(n) for n in range(10))
    return path


@contextmanager
def tantivy_lock_held(directory: Path) -> Iterator[None]:
    """tantivy's own writer lock, held as a writer that knows nothing of LOCK_FILE holds it."""
    writer = tantivy.Index(build_schema(), path=str(directory / FULLTEXT_DIR), reuse=True).writer()
    try:
        yield
    finally:
        writer.wait_merging_threads()


@contextmanager
def directory_lock_held(directory: Path) -> Iterator[None]:
    """The directory's lock file, held as another process's write holds it."""
    with FileLock(directory / LOCK_FILE).held(0):
        yield


LOCKS = pytest.mark.parametrize(
    "lock_held", [tantivy_lock_held, directory_lock_held], ids=["tantivy", "lock-file"]
)
Holder = Callable[[Path], AbstractContextManager[None]]


def applied(directory: Path) -> int:
    return int((directory / FULLTEXT_DIR / SEQUENCE_FILE).read_text())


def sql(directory: Path, *statements: str) -> None:
    with sqlite3.connect(directory / RECORDS_FILE) as conn:
        for statement in statements:
            conn.execute(statement)


@LOCKS
def test_a_write_waits_for_the_lock_and_then_writes(directory: Path, lock_held: Holder):
    released = threading.Event()
    with EmbeddedIndex(directory, writer_wait=30) as index:
        with lock_held(directory):
            threading.Timer(0.3, released.set).start()
            writing = threading.Thread(target=index.upsert, args=([ad(50)],))
            writing.start()
            released.wait()
        writing.join(timeout=30)
        assert index.search(SearchQuery(q=word(50))).total == 1


@LOCKS
def test_a_lock_held_past_the_wait_fails_with_nothing_written(directory: Path, lock_held: Holder):
    with EmbeddedIndex(directory, writer_wait=0.2) as index, lock_held(directory):
        with pytest.raises(WriterBusy, match="TRACK4TIP_EMBEDDED_WRITER_WAIT") as caught:
            index.set_flags(ad(1).id, ["coercion"])
        assert isinstance(caught.value, IndexUnavailable)
        assert caught.value.waited >= 0.2
        with pytest.raises(WriterBusy):
            index.upsert([ad(51)])
        assert index.get(ad(1).id).flags == []  # type: ignore[union-attr]
        assert index.get(ad(51).id) is None


def test_each_full_text_change_takes_the_next_sequence_number(directory: Path):
    with EmbeddedIndex(directory) as index:
        start = applied(directory)
        index.upsert(ad(n) for n in range(10))  # unchanged re-crawl: nothing to re-index
        assert applied(directory) == start
        index.set_flags(ad(2).id, ["coercion"])
        index.upsert([ad(3, wording=1), ad(60)])
        assert applied(directory) == start + 2


def test_two_indexes_in_two_threads_write_without_losing_anything(directory: Path):
    with EmbeddedIndex(directory) as worker, EmbeddedIndex(directory) as api:
        flagging = threading.Thread(
            target=lambda: [api.set_flags(ad(n).id, ["coercion"]) for n in range(10)]
        )
        flagging.start()
        for start in range(100, 160, 10):
            worker.upsert(ad(n) for n in range(start, start + 10))
        flagging.join(timeout=60)
        assert worker.search(SearchQuery(flag=["coercion"])).total == 10
        assert worker.search(SearchQuery(size=1)).total == 70


def _drop_from_full_text(directory: Path, doc_id: str) -> None:
    fulltext = tantivy.Index(build_schema(), path=str(directory / FULLTEXT_DIR), reuse=True)
    writer = fulltext.writer()
    writer.delete_documents_by_term(ID, doc_id)
    writer.commit()
    writer.wait_merging_threads()


def test_an_index_from_before_the_sequence_is_repaired_on_open(directory: Path):
    # What the audit found on disk: a record the full text lacks, and no sequence anywhere.
    _drop_from_full_text(directory, ad(4).id)
    sql(directory, "DROP INDEX documents_seq", "ALTER TABLE documents DROP COLUMN seq")
    (directory / FULLTEXT_DIR / SEQUENCE_FILE).unlink()
    with EmbeddedIndex(directory) as index:
        assert index.search(SearchQuery(q=word(4))).total == 1
        assert index.search(SearchQuery(size=1)).total == 10
        index.upsert([ad(70)])
        assert index.search(SearchQuery(q=word(70))).total == 1


@pytest.mark.parametrize("marker", ["garbage", "99999"])
def test_an_unreadable_or_future_sequence_means_a_rebuild(directory: Path, marker: str):
    _drop_from_full_text(directory, ad(5).id)
    (directory / FULLTEXT_DIR / SEQUENCE_FILE).write_text(marker)
    with EmbeddedIndex(directory) as index:
        assert index.search(SearchQuery(q=word(5))).total == 1
    assert applied(directory) < 99999


def test_a_gap_in_the_sequence_is_applied_on_open(directory: Path):
    # Records one write ahead of the full text, as a kill between the commits leaves them
    # (tests/index/test_writer_faults.py does it with a real process).
    sql(
        directory,
        f"UPDATE documents SET seq = (SELECT max(seq) + 1 FROM documents) WHERE id = '{ad(6).id}'",
    )
    _drop_from_full_text(directory, ad(6).id)
    with EmbeddedIndex(directory) as index:
        assert index.search(SearchQuery(q=word(6))).total == 1
        assert index.search(SearchQuery(size=1)).total == 10
