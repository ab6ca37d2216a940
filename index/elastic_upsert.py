"""Upserts to Elasticsearch, each batch prepared while the one before it is being written.

Preparing a batch is Python work: read the stored latest versions (one `mget`), decide what
each document becomes (index/versioning.py), analyse its text once (index/search_fields.py) and
serialise its two records. Writing it is mostly waiting for the cluster. `write_pipelined`
overlaps the two: one worker thread prepares batch N+1 while the caller's thread sends batch N,
so the analysis costs little more than the wait it hides in. The documents themselves are read
from the caller's iterable on the caller's thread (a spool reader may be tied to it).

A document of batch N+1 may be the same ad as one of batch N, whose write may not have landed
when N+1 reads the stored versions. `BatchPreparer` lays the revisions of the batch before
over what `mget` returns, just as the documents of one batch see each other's revisions; two
batches back are always written by then (the next batch is only handed to the worker after the
write before it has returned).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from index.base import UpsertReport
from index.document import Document
from index.elastic_bulk import Action
from index.elastic_mapping import IndexNames, Mapping, Record, version_id
from index.versioning import Change, Revision, check_submitted, revise

LatestReader = Callable[[set[str]], dict[str, Document]]


@dataclass(frozen=True)
class PreparedBatch:
    revisions: list[Revision]
    actions: list[Action]

    def report(self, rejected: set[str]) -> UpsertReport:
        """What happened to the batch, once the ids rejected for good are known."""
        changes = [r.change for r in self.revisions if r.document.id not in rejected]
        return UpsertReport(
            created=changes.count(Change.CREATED),
            updated=changes.count(Change.UPDATED),
            unchanged=changes.count(Change.UNCHANGED),
            rejected=len(rejected),
        )


class BatchPreparer:
    """Turns batches of submitted documents into revisions and bulk actions, in order."""

    def __init__(self, latest: LatestReader, names: IndexNames, mapping: Mapping) -> None:
        self.latest = latest
        self.names = names
        self.mapping = mapping
        self._previous: dict[str, Document] = {}

    def prepare(self, batch: list[Document]) -> PreparedBatch:
        check_submitted(batch)
        ids = {document.id for document in batch}
        stored = self.latest(ids)
        stored.update({i: document for i, document in self._previous.items() if i in ids})
        revisions: list[Revision] = []
        for document in batch:
            revision = revise(stored.get(document.id), document)
            stored[document.id] = revision.document
            revisions.append(revision)
        self._previous = {revision.document.id: revision.document for revision in revisions}
        documents = [revision.document for revision in revisions]
        return PreparedBatch(revisions, record_actions(self.names, self.mapping, documents))


def record_actions(names: IndexNames, mapping: Mapping, documents: list[Document]) -> list[Action]:
    """The version record and the latest record of each document, sources serialised.

    Both carry the document's full record (its text among it): it is built and serialised
    once, and its bytes spliced into both bodies. Serialising here, rather than leaving it to
    the client, moves the cost onto the worker thread.
    """
    actions: list[Action] = []
    for document in documents:
        record = document.to_index()
        record_json = _dumps(record)
        version = mapping.to_version_source(document, record)
        latest = mapping.to_document_source(document, record)
        actions.append(
            {
                "_index": names.alias("versions"),
                "_id": version_id(document),
                "_source": _serialised(version, record, record_json),
            }
        )
        actions.append(
            {
                "_index": names.alias("documents"),
                "_id": document.id,
                "_source": _serialised(latest, record, record_json),
            }
        )
    return actions


def _serialised(source: dict[str, Any], record: Record, record_json: bytes) -> bytes:
    """`source` as JSON, its `document` spliced in from `record_json` when it is `record`."""
    if source.get("document") is not record:
        return _dumps(source)
    # Key order means nothing in a JSON object: the record goes last.
    rest = _dumps({name: value for name, value in source.items() if name != "document"})
    separator = b"," if len(rest) > 2 else b""
    return rest[:-1] + separator + b'"document":' + record_json + b"}"


def _dumps(value: object) -> bytes:
    # ASCII with \u escapes: the same JSON, and a quarter faster to encode than UTF-8 text.
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def rejected_documents(rejected: set[tuple[str, str]]) -> set[str]:
    """Document ids among rejected (index, id) pairs; a version record's id is `<id>:<n>`."""
    return {record_id.split(":")[0] for _, record_id in rejected}


def write_pipelined(
    batches: Iterable[list[Document]],
    prepare: Callable[[list[Document]], PreparedBatch],
    write: Callable[[PreparedBatch], None],
) -> None:
    """`write(prepare(batch))` for every batch in order, preparing one batch ahead."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="track4tip-prepare") as worker:
        pending: Future[PreparedBatch] | None = None
        try:
            for batch in batches:
                upcoming = worker.submit(prepare, batch)
                if pending is not None:
                    write(pending.result())
                pending = upcoming
            if pending is not None:
                write(pending.result())
        except BaseException:
            # Nothing more is written: a batch still being prepared is thrown away.
            worker.shutdown(wait=True, cancel_futures=True)
            raise
