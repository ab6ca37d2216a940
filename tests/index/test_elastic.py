"""What only the Elasticsearch backend has: aliases and migration, the dead-letter file,
exports through a point in time, and clear errors when the cluster cannot be reached.

Against the real node `make test` starts (tests/elasticsearch_node.py).
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from index.document import Document
from index.elastic import ElasticsearchIndex
from index.elastic_mapping import DOCUMENT_PROPERTIES, MAPPING, document_source
from index.errors import IndexBackendError, IndexUnavailable
from index.queries import SearchQuery, Sort
from tests.elasticsearch_node import elasticsearch_url, free_port, fresh_index
from tests.factories import BASE_TIME, make_document


@pytest.fixture
def url() -> str:
    return elasticsearch_url()


def _many(count: int) -> list[Document]:
    return [
        make_document(
            title=f"Oferta {number}: anfitrionas en Curaçao",
            fetched_at=BASE_TIME + timedelta(minutes=number),
        )
        for number in range(count)
    ]


# --- setup and migration --------------------------------------------------------------------


def test_setup_puts_versioned_indices_behind_aliases(url: str, tmp_path: Path):
    with fresh_index(url, tmp_path) as index:
        index.setup()  # a second call changes nothing
        aliases = index.client.indices.get_alias(name=index.names.alias("documents")).body
        assert list(aliases) == [index.names.index("documents", MAPPING.version)]
        mapping = index.client.indices.get_mapping(index=index.names.alias("documents")).body
        properties = next(iter(mapping.values()))["mappings"]["properties"]
        assert properties["indicators"]["type"] == "nested"
        assert properties["risk_score"]["type"] == "float"
        assert properties["exact"]["analyzer"] == "whitespace"


def _next_source(document: Document, record: dict[str, Any]) -> dict[str, Any]:
    return {**document_source(document, record), "author": document.author or "unknown"}


NEXT = replace(
    MAPPING,
    version=MAPPING.version + 1,
    document_properties={**DOCUMENT_PROPERTIES, "author": {"type": "keyword"}},
    to_document_source=_next_source,
)


def test_migrate_while_searching_loses_nothing(url: str, tmp_path: Path):
    documents = _many(600)
    with fresh_index(url, tmp_path) as index:
        index.upsert(documents)
        edited = documents[0].model_copy(update={"text": "Texto cambiado.", "content_hash": "0"})
        index.upsert([edited])
        failures: list[BaseException] = []
        totals: list[int] = []
        stop = threading.Event()

        def search_until_stopped() -> None:
            while not stop.is_set():
                try:
                    totals.append(index.search(SearchQuery(q="anfitrionas", size=5)).total)
                except BaseException as error:  # every failure counts
                    failures.append(error)

        searcher = threading.Thread(target=search_until_stopped)
        searcher.start()
        try:
            copied = index.migrate(NEXT)
        finally:
            stop.set()
            searcher.join()
        assert failures == []
        assert len(totals) > 10 and set(totals) == {600}
        assert copied == 601 + 600  # every version, then every latest document
        assert index.count() == 600
        assert [v.version for v in index.versions(documents[0].id)] == [1, 2]
        aliased = index.client.indices.get_alias(name=index.names.alias("documents")).body
        assert list(aliased) == [index.names.index("documents", NEXT.version)]
        assert not index.client.indices.exists(
            index=index.names.index("documents", MAPPING.version)
        )
        by_author = index.client.count(
            index=index.names.alias("documents"), query={"term": {"author": "unknown"}}
        )
        assert by_author["count"] == 600
        # A track4tip that still writes the older mapping refuses the migrated indices.
        old = ElasticsearchIndex(index.client, prefix=index.names.prefix)
        with pytest.raises(IndexBackendError, match="track4tip migrate"):
            old.setup()


def test_migrate_without_indices_is_a_clear_error(url: str, tmp_path: Path):
    with fresh_index(url, tmp_path) as index:
        missing = ElasticsearchIndex(index.client, prefix=index.names.prefix + "-none")
        with pytest.raises(IndexUnavailable, match="no track4tip indices"):
            missing.migrate()


# --- bulk writes ----------------------------------------------------------------------------


def _refuses_marked(document: Document, record: dict[str, Any]) -> dict[str, Any]:
    # A field the strict mapping does not know: Elasticsearch rejects the document for good.
    source = document_source(document, record)
    return {**source, "not_mapped": 1} if "RECHAZAR" in document.title else source


def test_rejected_documents_go_to_the_dead_letter_file(url: str, tmp_path: Path):
    refusing = replace(MAPPING, to_document_source=_refuses_marked)
    good, bad = make_document(title="Mesera"), make_document(title="RECHAZAR este aviso")
    with fresh_index(url, tmp_path, mapping=refusing) as index:
        report = index.upsert([good, bad])
        assert (report.created, report.rejected) == (1, 1)
        assert index.get(good.id) is not None
        assert index.get(bad.id) is None
    lines = (tmp_path / "dead-letter.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["id"] == bad.id
    assert entry["status"] == 400
    assert entry["reason"]["type"] == "strict_dynamic_mapping_exception"
    assert Document.from_index(entry["document"]) == bad.model_copy(update={"version": 1})


def test_a_batch_larger_than_the_bulk_chunk_is_written_whole(url: str, tmp_path: Path):
    documents = _many(2500)
    with fresh_index(url, tmp_path, batch_size=1200) as index:
        report = index.upsert(documents)
        assert (report.created, report.rejected) == (2500, 0)
        assert index.count() == 2500
        assert index.upsert(documents[:10]).unchanged == 10


# --- exports --------------------------------------------------------------------------------


def test_export_pages_past_any_window_in_sort_order(url: str, tmp_path: Path):
    documents = _many(45)
    with fresh_index(url, tmp_path) as index:
        index.upsert(documents)
        exported = [d.id for d in index.export(SearchQuery(sort=Sort.FETCHED), page_size=7)]
        assert exported == [d.id for d in reversed(documents)]
        assert list(index.export(SearchQuery(q="helicoptero"))) == []


def test_export_refuses_a_broken_query(url: str, tmp_path: Path):
    with fresh_index(url, tmp_path) as index, pytest.raises(IndexBackendError, match="quote"):
        list(index.export(SearchQuery(q='"sin cerrar')))


# --- an unreachable cluster -----------------------------------------------------------------


def test_an_unreachable_cluster_is_a_clear_error(tmp_path: Path):
    client = Elasticsearch(f"http://127.0.0.1:{free_port()}", request_timeout=2, max_retries=0)
    index = ElasticsearchIndex(
        client, dead_letter=tmp_path / "dead.jsonl", retries=1, initial_backoff=0.01
    )
    with index:
        with pytest.raises(IndexUnavailable, match="cannot reach Elasticsearch"):
            index.upsert([make_document()])
        with pytest.raises(IndexUnavailable, match="scripts/es-node start"):
            index.search(SearchQuery(q="pasaporte"))
        with pytest.raises(IndexUnavailable):
            index.setup()
    assert not (tmp_path / "dead.jsonl").exists()
