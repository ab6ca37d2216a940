"""Flags and relinks on Elasticsearch lose no update when two processes write the same
documents (the API flags while the worker relinks): each read-modify-write is written only if
the document is still the one read (`if_seq_no`), and redone on the fresh one otherwise.

Two backend objects with clients of their own stand for the two processes, on the real node
(scripts/es-node). Before this, the interleaving test lost the analyst's flag.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from index.base import LinkUpdate
from index.document import Document
from index.elastic import CONFLICT_ATTEMPTS, ElasticsearchIndex
from index.errors import IndexBackendError
from tests.elasticsearch_node import elasticsearch_url, fresh_index
from tests.index.conftest import corpus

ROUNDS = 15


@pytest.fixture
def two_writers(
    tmp_path: Path,
) -> Iterator[tuple[ElasticsearchIndex, ElasticsearchIndex, dict[str, Document]]]:
    url = elasticsearch_url()
    docs = corpus()
    with fresh_index(url, tmp_path) as worker:
        worker.upsert(docs.values())
        api = ElasticsearchIndex(
            Elasticsearch(url, request_timeout=30),
            prefix=worker.names.prefix,
            dead_letter=tmp_path / "dead-letter.jsonl",
        )
        try:
            yield worker, api, docs
        finally:
            api.close()
        assert not (tmp_path / "dead-letter.jsonl").exists(), "a conflict is no dead letter"


def _links(document: Document) -> Document:
    return document.with_links(["dup-e2e"], ["net-e2e"], document.risk)


def test_a_flag_written_between_a_relinks_read_and_write_survives(two_writers) -> None:
    worker, api, docs = two_writers
    doc_id = docs["passport_es"].id
    reads = 0

    def relink_while_the_analyst_flags(document: Document) -> Document:
        nonlocal reads
        reads += 1
        if reads == 1:  # after the worker's read, before its write
            assert api.set_flags(doc_id, ["trafficking_suspected"])
        return _links(document)

    assert worker._update_latest([doc_id], relink_while_the_analyst_flags) == {doc_id: True}
    stored = api.get(doc_id)
    assert stored is not None
    assert stored.flags == ["trafficking_suspected"]
    assert stored.network_ids == ["net-e2e"] and stored.cluster_ids == ["dup-e2e"]
    assert reads == 2, "the relink was redone on the flagged document"
    # The version record is the same record (what `versions` serves).
    assert worker.versions(doc_id)[-1].flags == ["trafficking_suspected"]


def test_concurrent_flaggers_and_a_relinker_lose_nothing(two_writers) -> None:
    worker, api, docs = two_writers
    ids = [document.id for document in docs.values()]
    last_flags: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def flag(doc_id: str) -> None:
        try:
            for round_number in range(ROUNDS):
                flags = [f"round_{round_number:02d}"]
                assert api.set_flags(doc_id, flags)
                last_flags[doc_id] = flags
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    def relink() -> None:
        try:
            for _ in range(ROUNDS):
                worker.relink([LinkUpdate(doc_id, ["dup-e2e"], ["net-e2e"]) for doc_id in ids])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=flag, args=[doc_id]) for doc_id in ids]
    threads.append(threading.Thread(target=relink))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    stored = worker.latest(ids)
    assert {doc_id: stored[doc_id].flags for doc_id in ids} == last_flags
    assert all(stored[doc_id].network_ids == ["net-e2e"] for doc_id in ids)


def test_a_document_that_never_stops_changing_ends_in_a_clear_error(two_writers) -> None:
    worker, api, docs = two_writers
    doc_id = docs["kitchen_es"].id
    reads = 0

    def always_raced(document: Document) -> Document:
        nonlocal reads
        reads += 1
        assert api.set_flags(doc_id, [f"race_{reads}"])
        return _links(document)

    with pytest.raises(IndexBackendError, match="kept changing"):
        worker._update_latest([doc_id], always_raced)
    assert reads == CONFLICT_ATTEMPTS
    stored = api.get(doc_id)
    assert stored is not None and stored.flags == [f"race_{reads}"], "the racer's flag stands"
