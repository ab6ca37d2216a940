"""Indexing into an Elasticsearch that is down: a clear error, the spool keeps every document,
and a rerun once the server answers indexes them (track4tip/pipeline.py commits its cursor only
after the upsert succeeded)."""

from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawlers.spool import SpoolReader, SpoolWriter
from index.elastic import ElasticsearchIndex
from index.errors import IndexUnavailable
from tests.elasticsearch_node import elasticsearch_url, free_port, fresh_index
from tests.factories import make_document
from track4tip.pipeline import INDEXER, index_batch


def test_documents_wait_in_the_spool_until_the_server_is_back(tmp_path: Path):
    url = elasticsearch_url()
    spool = tmp_path / "analysed.sqlite"
    documents = [make_document(title=f"Aviso {number}") for number in range(5)]
    writer = SpoolWriter(spool)
    for document in documents:
        writer.append(document)
    writer.close()

    down = ElasticsearchIndex(
        Elasticsearch(f"http://127.0.0.1:{free_port()}", request_timeout=2, max_retries=0),
        dead_letter=tmp_path / "dead.jsonl",
        retries=1,
        initial_backoff=0.01,
    )
    reader = SpoolReader(spool, INDEXER)
    try:
        with down, pytest.raises(IndexUnavailable, match="cannot reach Elasticsearch"):
            index_batch(reader, down, size=100)
        assert reader.pending() == 5

        with fresh_index(url, tmp_path) as back:
            report = index_batch(reader, back, size=100)
            assert (report.created, report.rejected) == (5, 0)
            assert reader.pending() == 0
            assert {back.get(d.id).title for d in documents} == {d.title for d in documents}  # type: ignore[union-attr]
    finally:
        reader.close()
