"""Index settings come from TRACK4TIP_* variables; open_index picks the backend they name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from index.backends import migrate_index, open_index
from index.config import IndexSettings
from index.elastic import ElasticsearchIndex
from index.embedded import EmbeddedIndex
from index.errors import IndexUnavailable
from tests.elasticsearch_node import delete_prefix, elasticsearch_url, free_port, unique_prefix
from tests.factories import make_document


def test_defaults(monkeypatch: pytest.MonkeyPatch):
    for name in ("TRACK4TIP_INDEX_BACKEND", "TRACK4TIP_DATA_DIR", "TRACK4TIP_ELASTICSEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = IndexSettings()
    assert settings.index_backend == "embedded"
    assert settings.embedded_dir == Path("var") / "index"
    assert settings.elasticsearch_urls == ["http://127.0.0.1:9200"]
    assert settings.dead_letter_path == Path("var") / "elasticsearch-dead-letter.jsonl"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("TRACK4TIP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRACK4TIP_INDEX_BACKEND", "elasticsearch")
    monkeypatch.setenv("TRACK4TIP_ELASTICSEARCH_URL", "http://127.0.0.1:9999, https://es2:9200")
    monkeypatch.setenv("TRACK4TIP_ELASTICSEARCH_API_KEY", "c2VjcmV0")
    monkeypatch.setenv("TRACK4TIP_ELASTICSEARCH_USERNAME", "analyst")
    monkeypatch.setenv("TRACK4TIP_ELASTICSEARCH_PASSWORD", "s3cret")
    monkeypatch.setenv("TRACK4TIP_ELASTICSEARCH_CA_CERTS", "/etc/ssl/es-ca.pem")
    monkeypatch.setenv("TRACK4TIP_ELASTICSEARCH_REPLICAS", "2")
    settings = IndexSettings()
    assert settings.index_backend == "elasticsearch"
    assert settings.embedded_dir == tmp_path / "index"
    assert settings.elasticsearch_urls == ["http://127.0.0.1:9999", "https://es2:9200"]
    assert settings.elasticsearch_api_key is not None
    assert settings.elasticsearch_api_key.get_secret_value() == "c2VjcmV0"
    assert "s3cret" not in repr(settings)
    assert settings.elasticsearch_ca_certs == Path("/etc/ssl/es-ca.pem")
    assert settings.elasticsearch_replicas == 2


def test_env_file_is_read_only_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("TRACK4TIP_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TRACK4TIP_DATA_DIR=/srv/track4tip\n")
    assert IndexSettings().data_dir == Path("var")
    assert IndexSettings(_env_file=tmp_path / ".env").data_dir == Path("/srv/track4tip")


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("TRACK4TIP_INDEX_BACKEND", "solr", "index_backend"),
        ("TRACK4TIP_ELASTICSEARCH_URL", "127.0.0.1:9200", "http:// or https://"),
        ("TRACK4TIP_ELASTICSEARCH_URL", "http://a:9200,ftp://b", "ftp://b"),
        ("TRACK4TIP_ELASTICSEARCH_INDEX_PREFIX", "Track4Tip*", "index_prefix"),
        ("TRACK4TIP_ELASTICSEARCH_REPLICAS", "-1", "replicas"),
        ("TRACK4TIP_ELASTICSEARCH_TIMEOUT", "0", "timeout"),
        ("TRACK4TIP_ELASTICSEARCH_RETRIES", "many", "retries"),
        ("TRACK4TIP_ELASTICSEARCH_USERNAME", "analyst", "_PASSWORD"),
    ],
)
def test_broken_settings_are_refused(monkeypatch, name: str, value: str, complaint: str):
    monkeypatch.delenv("TRACK4TIP_ELASTICSEARCH_PASSWORD", raising=False)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=complaint):
        IndexSettings()


def test_open_index_sets_up_the_embedded_backend(tmp_path: Path):
    with open_index(IndexSettings(data_dir=tmp_path)) as index:
        assert isinstance(index, EmbeddedIndex)
        assert index.count() == 0
    assert (tmp_path / "index" / "records.sqlite").exists()


def test_open_index_sets_up_elasticsearch_and_migrate_finds_nothing_to_do(tmp_path: Path):
    settings = IndexSettings(
        index_backend="elasticsearch",
        elasticsearch_url=elasticsearch_url(),
        elasticsearch_index_prefix=unique_prefix(),
        data_dir=tmp_path,
    )
    try:
        with open_index(settings) as index:
            assert isinstance(index, ElasticsearchIndex)
            index.upsert([make_document()])
            assert index.count() == 1
        assert migrate_index(settings) == 0
    finally:
        with ElasticsearchIndex.from_settings(settings) as index:
            delete_prefix(index.client, settings.elasticsearch_index_prefix)


def test_open_index_reports_an_unreachable_cluster(tmp_path: Path):
    settings = IndexSettings(
        index_backend="elasticsearch",
        elasticsearch_url=f"http://127.0.0.1:{free_port()}",
        elasticsearch_timeout=2,
        data_dir=tmp_path,
    )
    with pytest.raises(IndexUnavailable, match="cannot reach Elasticsearch"):
        open_index(settings)
    with pytest.raises(IndexUnavailable, match="cannot reach Elasticsearch"):
        migrate_index(settings)
