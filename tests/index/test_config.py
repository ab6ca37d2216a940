"""Index settings come from TRACK4TIP_* variables; open_index picks the backend they name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from index.backends import open_index
from index.config import IndexSettings
from index.embedded import EmbeddedIndex
from index.errors import IndexUnavailable


def test_defaults(monkeypatch: pytest.MonkeyPatch):
    for name in ("TRACK4TIP_BACKEND", "TRACK4TIP_DATA_DIR", "TRACK4TIP_ELASTICSEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = IndexSettings()
    assert settings.backend == "embedded"
    assert settings.embedded_dir == Path("var") / "index"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("TRACK4TIP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRACK4TIP_ELASTICSEARCH_URL", "http://127.0.0.1:9999")
    settings = IndexSettings()
    assert settings.embedded_dir == tmp_path / "index"
    assert settings.elasticsearch_url == "http://127.0.0.1:9999"


def test_env_file_is_read_only_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("TRACK4TIP_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TRACK4TIP_DATA_DIR=/srv/track4tip\n")
    assert IndexSettings().data_dir == Path("var")
    assert IndexSettings(_env_file=tmp_path / ".env").data_dir == Path("/srv/track4tip")


def test_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRACK4TIP_BACKEND", "solr")
    with pytest.raises(ValidationError, match="backend"):
        IndexSettings()


def test_open_index_sets_up_the_embedded_backend(tmp_path: Path):
    with open_index(IndexSettings(data_dir=tmp_path)) as index:
        assert isinstance(index, EmbeddedIndex)
        assert index.count() == 0
    assert (tmp_path / "index" / "records.sqlite").exists()


def test_elasticsearch_is_not_built_yet(tmp_path: Path):
    with pytest.raises(IndexUnavailable, match="not built yet"):
        open_index(IndexSettings(backend="elasticsearch", data_dir=tmp_path))
