"""Behaviour only the embedded backend has: its files, schema versions, migration, reopening."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import tantivy

from index.document import SCHEMA_VERSION
from index.embedded import FULLTEXT_DIR, RECORDS_FILE, EmbeddedIndex, migrate
from index.errors import (
    DocumentFormatError,
    IndexBackendError,
    IndexUnavailable,
    SchemaVersionMismatch,
)
from index.migrations import UPGRADES
from index.queries import SearchQuery
from tests.factories import make_document
from tests.index.conftest import corpus


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """An embedded index holding the test corpus, closed."""
    path = tmp_path / "index"
    with EmbeddedIndex(path) as index:
        index.setup()
        index.upsert(corpus().values())
    return path


def sql(directory: Path, statement: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(directory / RECORDS_FILE) as conn:
        return conn.execute(statement, args).fetchall()


def stamp(directory: Path, version: int) -> None:
    sql(directory, "UPDATE meta SET value = ? WHERE key = 'schema_version'", str(version))


def test_reopening_keeps_everything(directory: Path):
    with EmbeddedIndex(directory) as index:
        assert index.count() == 6
        assert index.search(SearchQuery(q="pasaporte")).total == 1
        assert sql(directory, "SELECT value FROM meta") == [(str(SCHEMA_VERSION),)]


@pytest.mark.parametrize("stored_version", [0, 99])
def test_other_schema_version_is_refused_by_name(directory: Path, stored_version: int):
    stamp(directory, stored_version)
    index = EmbeddedIndex(directory)
    with pytest.raises(SchemaVersionMismatch) as caught:
        index.count()
    message = str(caught.value)
    assert f"schema_version {stored_version}" in message
    assert f"reads schema_version {SCHEMA_VERSION}" in message
    assert "track4tip migrate" in message
    with pytest.raises(SchemaVersionMismatch):
        EmbeddedIndex(directory).setup()


def test_migrate_at_the_current_version_rebuilds_the_full_text(directory: Path):
    shutil.rmtree(directory / FULLTEXT_DIR)
    (directory / FULLTEXT_DIR).mkdir()
    # An emptied folder has no applied sequence, so opening rebuilds it (test_writer_path.py).
    with EmbeddedIndex(directory) as index:
        assert index.search(SearchQuery(q="anfitrionas")).total == 1
    shutil.rmtree(directory / FULLTEXT_DIR)
    assert migrate(directory) == 6
    with EmbeddedIndex(directory) as index:
        assert index.search(SearchQuery(q="anfitrionas")).total == 1


def test_a_full_text_index_of_another_layout_asks_for_migrate(directory: Path):
    shutil.rmtree(directory / FULLTEXT_DIR)
    (directory / FULLTEXT_DIR).mkdir()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body")
    tantivy.Index(builder.build(), path=str(directory / FULLTEXT_DIR))
    with pytest.raises(IndexUnavailable, match="track4tip migrate"):
        EmbeddedIndex(directory).count()
    assert migrate(directory) == 6
    with EmbeddedIndex(directory) as index:
        assert index.search(SearchQuery(q="nurses")).total == 1


def _v0_record(record: dict[str, Any]) -> dict[str, Any]:
    """An imagined schema 0 that kept the site at the top level instead of under source."""
    old = {**record, "schema_version": 0, "site": record["source"]["site"]}
    old["source"] = {key: value for key, value in record["source"].items() if key != "site"}
    return old


def _site_into_source(record: dict[str, Any]) -> dict[str, Any]:
    upgraded = {key: value for key, value in record.items() if key != "site"}
    upgraded["source"] = {**record["source"], "site": record["site"]}
    return upgraded


def _rewrite_as_v0(directory: Path) -> None:
    import json

    for doc_id, version, record in sql(directory, "SELECT id, version, record FROM versions"):
        old = json.dumps(_v0_record(json.loads(record)))
        sql(
            directory,
            "UPDATE versions SET record = ? WHERE id = ? AND version = ?",
            old,
            doc_id,
            version,
        )
    stamp(directory, 0)


def test_migrate_chains_registered_upgrades(directory: Path):
    _rewrite_as_v0(directory)
    assert migrate(directory, upgrades={**UPGRADES, 0: _site_into_source}) == 6
    with EmbeddedIndex(directory) as index:
        results = index.search(SearchQuery(site=["empleos.example.pe"]))
        assert results.total == 2
        assert {hit.document.source.site for hit in results.hits} == {"empleos.example.pe"}


def test_migrate_upgrades_schema_1_records_without_flags_or_networks(directory: Path):
    import json

    for doc_id, version, record in sql(directory, "SELECT id, version, record FROM versions"):
        v1 = json.loads(record)
        for added in ("classifier", "network_ids", "flags"):
            v1.pop(added)
        v1["schema_version"] = 1
        sql(
            directory,
            "UPDATE versions SET record = ? WHERE id = ? AND version = ?",
            json.dumps(v1),
            doc_id,
            version,
        )
    stamp(directory, 1)
    assert migrate(directory) == 6
    with EmbeddedIndex(directory) as index:
        results = index.search(SearchQuery(q="nurses"))
        assert results.total == 1
        assert results.hits[0].document.flags == []
        assert results.hits[0].document.network_ids == []


def test_migrate_without_an_upgrade_step_changes_nothing(directory: Path):
    _rewrite_as_v0(directory)
    with pytest.raises(IndexBackendError, match="no upgrade from document schema_version 0 to 1"):
        migrate(directory)
    assert sql(directory, "SELECT value FROM meta") == [("0",)]


def test_an_upgrade_that_breaks_records_stops_before_writing(directory: Path):
    _rewrite_as_v0(directory)
    with pytest.raises(DocumentFormatError, match="not valid"):
        migrate(directory, upgrades={**UPGRADES, 0: lambda record: {**record, "url": None}})
    assert sql(directory, "SELECT value FROM meta") == [("0",)]
    assert migrate(directory, upgrades={**UPGRADES, 0: _site_into_source}) == 6


def test_migrate_refuses_a_newer_index(directory: Path):
    stamp(directory, 99)
    with pytest.raises(IndexBackendError, match="newer track4tip"):
        migrate(directory)


def test_migrate_of_a_missing_index_is_unavailable(tmp_path: Path):
    with pytest.raises(IndexUnavailable, match="no embedded index to migrate"):
        migrate(tmp_path / "nowhere")


def test_corrupted_records_file_is_unavailable(directory: Path):
    (directory / RECORDS_FILE).write_bytes(b"this is not a database" * 100)
    for name in ("records.sqlite-wal", "records.sqlite-shm"):
        (directory / name).unlink(missing_ok=True)
    with pytest.raises(IndexUnavailable, match="cannot be read") as caught:
        EmbeddedIndex(directory).count()
    assert str(directory / RECORDS_FILE) in str(caught.value)


def test_an_index_that_was_never_set_up_is_unavailable(tmp_path: Path):
    with pytest.raises(IndexUnavailable, match="run setup first"):
        EmbeddedIndex(tmp_path / "empty").search(SearchQuery())


def test_a_missing_full_text_folder_is_rebuilt_on_open(directory: Path):
    shutil.rmtree(directory / FULLTEXT_DIR)
    with EmbeddedIndex(directory) as index:
        assert index.search(SearchQuery(q="nurses")).total == 1


def test_batches_handle_repeats_and_many_documents(tmp_path: Path):
    documents = [make_document(canonical_url=f"https://ads.example.org/{n}") for n in range(45)]
    edited = documents[3].model_copy(update={"text": "otra cosa", "content_hash": "0" * 64})
    with EmbeddedIndex(tmp_path / "index", batch_size=7) as index:
        index.setup()
        report = index.upsert(iter([*documents, documents[0], edited]))
        assert (report.created, report.updated, report.unchanged) == (45, 1, 1)
        assert index.count() == 45
        assert index.search(SearchQuery(size=100)).total == 45
        assert index.search(SearchQuery(q="otra")).total == 1


def test_a_reader_sees_the_writers_commits(directory: Path):
    with EmbeddedIndex(directory) as writer, EmbeddedIndex(directory) as reader:
        assert reader.search(SearchQuery(q="helicoptero")).total == 0
        writer.upsert([make_document(title="Piloto de helicóptero")])
        assert reader.count() == 7
        assert reader.search(SearchQuery(q="helicoptero")).total == 1


def test_two_writers_on_one_directory_both_write(directory: Path):
    # Each write holds tantivy's lock only while it commits (tests/index/test_writer_path.py).
    with EmbeddedIndex(directory) as first, EmbeddedIndex(directory) as second:
        first.upsert([make_document(title="Piloto de helicóptero")])
        second.upsert([make_document(title="Soldador naval")])
        assert first.search(SearchQuery(q="soldador")).total == 1
        assert second.search(SearchQuery(q="helicoptero")).total == 1
