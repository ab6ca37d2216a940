"""The `track4tip` command as a user runs it: a real process, real files, real exit codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index.document import SCHEMA_VERSION, SourceKind
from index.embedded import EmbeddedIndex
from nlp.types import Topic, TopicLabel
from tests.factories import make_document
from tests.track4tip.cli_process import track4tip


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    with EmbeddedIndex(tmp_path / "index") as index:
        index.setup()
        index.upsert(
            [
                make_document(
                    canonical_url="https://example.org/ad/1",
                    title="Se buscan damas de compañía para Aruba",
                    text="Pasaje pagado, alojamiento incluido. Solo por WhatsApp.",
                ),
                make_document(
                    canonical_url="https://example.org/ad/2",
                    title="Cocinero con experiencia",
                    text="Restaurante en Lima busca cocinero. Contrato fijo.",
                ),
                make_document(
                    canonical_url="https://example.org/news/3",
                    kind=SourceKind.NEWS,
                    site="noticias.example.org",
                    title="Rescatan a víctimas de explotación laboral",
                    text="La policía rescató a trabajadores captados con ofertas falsas.",
                    indicator_ids=[],
                    risk_score=0.0,
                    topic=Topic(score=0.93, label=TopicLabel.TRAFFICKING, model="test"),
                ),
            ]
        )
    return tmp_path


def test_search_prints_the_hits_with_their_evidence(data_dir: Path) -> None:
    result = track4tip(data_dir, "search", '"damas de compañía"')
    assert result.returncode == 0, result.stderr
    assert "1 hits" in result.stdout
    assert "Se buscan damas de compañía para Aruba" in result.stdout
    assert "Cocinero" not in result.stdout


def test_search_finds_trafficking_news_by_topic_and_kind(data_dir: Path) -> None:
    result = track4tip(data_dir, "search", "--topic", "trafficking", "--kind", "news")
    assert result.returncode == 0, result.stderr
    assert "1 hits" in result.stdout
    assert "Rescatan a víctimas de explotación laboral" in result.stdout
    assert "news" in result.stdout and "topic trafficking 0.93" in result.stdout
    other = track4tip(data_dir, "search", "--kind", "job_board")
    assert "2 hits" in other.stdout and "Rescatan" not in other.stdout


def test_search_refuses_an_unknown_topic(data_dir: Path) -> None:
    result = track4tip(data_dir, "search", "--topic", "football")
    assert result.returncode == 2
    assert "Invalid value for '--topic'" in result.stdout + result.stderr


def test_an_index_of_another_schema_version_names_both_versions_and_the_fix(
    data_dir: Path,
) -> None:
    with sqlite3.connect(data_dir / "index" / "records.sqlite") as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    result = track4tip(data_dir, "search", "cocinero")
    assert result.returncode == 2
    message = " ".join(result.stdout.split())
    assert f"schema_version 0, but this track4tip reads schema_version {SCHEMA_VERSION}" in message
    assert "run `track4tip migrate`" in message
    assert "Traceback" not in result.stdout + result.stderr


def test_migrate_without_an_upgrade_path_fails_clearly(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "index" / "records.sqlite") as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    result = track4tip(data_dir, "migrate")
    assert result.returncode == 2
    assert "no upgrade from document schema_version 0" in " ".join(result.stdout.split())


def test_migrate_at_the_current_version_keeps_every_document(data_dir: Path) -> None:
    result = track4tip(data_dir, "migrate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Migrated 3 documents" in result.stdout
    assert "1 hits" in track4tip(data_dir, "search", "cocinero").stdout


def test_an_unknown_source_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    result = track4tip(tmp_path, "crawl", "--source", "nowhere")
    assert result.returncode == 2
    assert "nowhere" in result.stderr
    assert "empleosya" in result.stderr


def test_a_broken_profile_file_is_refused_with_its_path(tmp_path: Path) -> None:
    profiles = tmp_path / "broken.yaml"
    profiles.write_text("sources:\n  - name: x\n    spider: teleport\n")
    result = track4tip(tmp_path, "crawl", "--profiles", str(profiles))
    assert result.returncode == 2
    assert "broken.yaml" in result.stderr


def test_analyze_and_index_resume_from_the_spool_and_skip_unchanged_pages(tmp_path: Path) -> None:
    from crawlers.spool import SpoolWriter

    writer = SpoolWriter(tmp_path / "spool.sqlite")
    writer.append(make_document(canonical_url="https://example.org/ad/9", risk=None))
    writer.close()

    assert "Analysed 1 documents" in track4tip(tmp_path, "analyze").stdout
    assert "Analysed 0 documents" in track4tip(tmp_path, "analyze").stdout
    assert "1 new" in track4tip(tmp_path, "index").stdout
    assert "0 new, 0 changed (new version), 0 unchanged" in track4tip(tmp_path, "index").stdout


def test_analyze_with_a_risk_model_of_another_make_says_so_and_keeps_the_spool(
    tmp_path: Path,
) -> None:
    from crawlers.spool import SpoolWriter

    writer = SpoolWriter(tmp_path / "spool.sqlite")
    writer.append(make_document(canonical_url="https://example.org/ad/9", risk=None))
    writer.close()
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"format": 2, "kind": "linear", "name": "x"}')
    broken = track4tip(tmp_path, "analyze", TRACK4TIP_NLP_RISK_MODEL=str(model))
    assert broken.returncode == 2
    assert "invalid model config" in broken.stdout and "Traceback" not in broken.stderr
    assert "Analysed 1 documents" in track4tip(tmp_path, "analyze").stdout
