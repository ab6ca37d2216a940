"""The embedded index's one writer path: every write, from any process, goes through `write`.

The API (flags), the worker (upserts, take-downs) and linking (relinks) all open the same
directory, so the full text cannot keep a writer, and its lock, for a process's life. Each write:

    1. takes the directory's LOCK_FILE (index/embedded_lock.py: waited for in the kernel, so
       writers take turns), then tantivy's writer lock (free by then unless a foreign writer
       holds it: retried with back-off), both within `wait` seconds, else WriterBusy (nothing
       written: the caller may simply try again);
    2. runs one SQLite transaction (index/records.py, BEGIN IMMEDIATE) that reads what it
       changes and stamps every document whose full-text form it changes with the next number
       of the shared commit sequence;
    3. brings the full text up to the records: normally just this write's documents, but every
       document above the sequence the full text last applied (a gap left by a crash), or all
       of them when that sequence is unknown; commits; records the sequence in SEQUENCE_FILE;
    4. drops the writer, and the lock with it.

The locks are always taken before SQLite's, by every writer, so two writers never wait on each
other crosswise; within a process a thread lock keeps two threads from asking tantivy twice.

A crash between the two commits leaves records the full text lacks, their numbers above
SEQUENCE_FILE's; the next write from any process applies them, and so does opening the index
(`reconcile`). A crash after tantivy's commit but before SEQUENCE_FILE is written re-applies a
few documents (delete by id, then add: idempotent). A missing or unreadable SEQUENCE_FILE, or
one ahead of the records (a restored backup), means a full rebuild from the records.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import tantivy

from index.document import Document
from index.embedded_lock import FileLock, LockWaitExpired
from index.embedded_schema import ID, fulltext_document
from index.errors import IndexUnavailable, WriterBusy
from index.records import RecordStore, RecordWrite

SEQUENCE_FILE = "track4tip-sequence"
LOCK_FILE = "writer.lock"
WRITER_HEAP_BYTES = 128_000_000
# Back-off between tries for tantivy's lock, which only a foreign writer holds this long: short
# at first (a commit takes tens of ms), capped so that a waiter soon notices it free.
FIRST_RETRY_SECONDS = 0.002
MAX_RETRY_SECONDS = 0.1

T = TypeVar("T")
RecordsCommitted = Callable[[int], None]


class FulltextWriter:
    """Writes records and full text of one embedded index directory, one write at a time."""

    def __init__(
        self,
        store: RecordStore,
        fulltext: tantivy.Index,
        fulltext_dir: Path,
        *,
        wait: float,
        batch_size: int,
        on_records_committed: RecordsCommitted | None = None,
    ) -> None:
        self.store = store
        self.fulltext = fulltext
        self.fulltext_dir = fulltext_dir
        self.wait = wait
        self.batch_size = batch_size
        # Called with the sequence number after SQLite commits, before tantivy does: the seam
        # where the fault tests stop a process.
        self.on_records_committed = on_records_committed
        self.lock = threading.Lock()
        self._file_lock = FileLock(fulltext_dir.parent / LOCK_FILE)

    def write(self, change: Callable[[RecordWrite], T]) -> T:
        """Run `change` in one records transaction, then bring the full text up to it."""
        with self._exclusive(self.wait) as writer:
            with self.store.transaction() as records:
                result = change(records)
            if self.on_records_committed is not None:
                self.on_records_committed(records.sequence)
            self._catch_up(writer, records)
        return result

    def reconcile(self) -> None:
        """On open: apply what the records hold and the full text lacks, if anything."""
        if self.applied() == self.store.max_sequence():
            return
        try:
            # Whoever holds the lock applies the whole gap before releasing it (step 3), so
            # opening need not wait for it.
            with self._exclusive(0) as writer:
                self._catch_up(writer, None)
        except WriterBusy:
            return

    def rebuild(self) -> int:
        """Re-create the full text from the records; returns documents indexed."""
        with self._exclusive(self.wait) as writer:
            return self._rebuild(writer)

    # --- the sequence the full text has applied ----------------------------------------------

    def applied(self) -> int | None:
        try:
            return int((self.fulltext_dir / SEQUENCE_FILE).read_text())
        except (OSError, ValueError):
            return None

    def _store_applied(self, sequence: int) -> None:
        # Written after tantivy's commit and renamed into place: never ahead of the full text.
        target = self.fulltext_dir / SEQUENCE_FILE
        partial = target.with_suffix(".partial")
        partial.write_text(str(sequence))
        os.replace(partial, target)

    # --- bringing the full text up to the records ------------------------------------------

    def _catch_up(self, writer: tantivy.IndexWriter, records: RecordWrite | None) -> None:
        applied = self.applied()
        if records is not None and applied == records.base:
            if records.reindexed:
                self._replace(writer, records.reindexed)
                self._commit(writer, records.sequence)
            return
        target = self.store.max_sequence()
        if applied is None or applied > target:
            self._rebuild(writer)
        elif applied < target:
            for page in self.store.changed_between(applied, target, self.batch_size):
                self._replace(writer, page)
            self._commit(writer, target)

    def _rebuild(self, writer: tantivy.IndexWriter) -> int:
        target = self.store.max_sequence()
        if self.store.count() == 0 and self._fulltext_is_empty():
            self._store_applied(target)
            return 0
        writer.delete_all_documents()
        indexed = 0
        for batch in self.store.iter_latest(self.batch_size):
            for document in batch:
                writer.add_document(fulltext_document(document))
            indexed += len(batch)
        # One commit: readers see the old index until the new one is complete.
        self._commit(writer, target)
        return indexed

    @staticmethod
    def _replace(writer: tantivy.IndexWriter, documents: Iterable[Document]) -> None:
        for document in documents:
            writer.delete_documents_by_term(ID, document.id)
            writer.add_document(fulltext_document(document))

    def _commit(self, writer: tantivy.IndexWriter, sequence: int) -> None:
        writer.commit()
        self._store_applied(sequence)
        self.fulltext.reload()

    def _fulltext_is_empty(self) -> bool:
        self.fulltext.reload()
        return self.fulltext.searcher().num_docs == 0

    # --- the lock ---------------------------------------------------------------------------

    @contextmanager
    def _exclusive(self, wait: float) -> Iterator[tantivy.IndexWriter]:
        """This thread's turn, the directory's lock, then tantivy's writer, all within `wait`."""
        started = time.monotonic()
        if not self.lock.acquire(timeout=wait):
            raise WriterBusy(directory=self.fulltext_dir.parent, waited=wait)
        remaining = max(0.0, started + wait - time.monotonic())
        try:
            with self._file_lock.held(remaining), self._tantivy_writer(started + wait) as writer:
                yield writer
        except LockWaitExpired:
            raise WriterBusy(
                directory=self.fulltext_dir.parent, waited=time.monotonic() - started
            ) from None
        finally:
            self.lock.release()

    @contextmanager
    def _tantivy_writer(self, deadline: float) -> Iterator[tantivy.IndexWriter]:
        writer = self._acquire(deadline)
        try:
            yield writer
        except BaseException:
            writer.rollback()
            raise
        finally:
            # Waiting for merges drops the writer and with it the lock on the directory.
            writer.wait_merging_threads()

    def _acquire(self, deadline: float) -> tantivy.IndexWriter:
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                return self.fulltext.writer(heap_size=WRITER_HEAP_BYTES)
            except ValueError as error:
                if "LockBusy" not in str(error):
                    raise IndexUnavailable(
                        f"cannot write to the full text at {self.fulltext_dir} ({error})"
                    ) from error
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockWaitExpired(f"tantivy's writer lock in {self.fulltext_dir}")
            # Jitter keeps two waiters from retrying in step.
            time.sleep(min(delay * random.uniform(0.5, 1.0), remaining))
            delay = min(delay * 2, MAX_RETRY_SECONDS)
