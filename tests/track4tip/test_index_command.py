"""`track4tip index` and `track4tip search` as a user runs them (real processes, a real SQLite
spool, the embedded index, real linking): a page spooled twice before indexing (written to the
spool, and by two real crawls of the demo web), and an ad found gone, each counted for what
it is."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawlers.spool import SpoolReader, SpoolWriter
from index.document import Document, Status
from index.embedded import EmbeddedIndex
from tests.factories import make_document
from tests.track4tip.cli_process import FAST_CRAWL, track4tip
from track4tip.demo_site import DemoSite
from track4tip.pipeline import INDEXER

AD_URL = "https://empleos.example.org/aviso/meseras-aruba"


def _spool(data_dir: Path, *documents: Document) -> None:
    """Append to the analysed spool, as `track4tip analyze` does after each crawl."""
    writer = SpoolWriter(data_dir / "analysed.sqlite")
    for document in documents:
        writer.append(document)
    writer.close()


def _index(data_dir: Path, *arguments: str) -> str:
    result = track4tip(data_dir, "index", *arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return " ".join(result.stdout.split())


def _stored(data_dir: Path, doc_id: str) -> list[Document]:
    with EmbeddedIndex(data_dir / "index") as index:
        return index.versions(doc_id)


def _ad(text: str, **overrides: object) -> Document:
    fields = {"canonical_url": AD_URL, "title": "Meseras para Aruba", "text": text, **overrides}
    return make_document(**fields)


def test_a_page_spooled_by_two_crawls_is_indexed_once_as_its_latest_version(
    tmp_path: Path,
) -> None:
    # Two crawls of one site before any indexing: the ad twice, another ad between them.
    older = _ad("Meseras para Aruba, pago quincenal, escribir al correo.")
    other = make_document(canonical_url="https://empleos.example.org/aviso/cocinero")
    newer = _ad("Meseras para Aruba, pago semanal, pasaje pagado, solo por WhatsApp.")
    _spool(tmp_path, older, other, newer)

    summary = _index(tmp_path)
    assert "Indexed: 2 new, 0 changed (new version), 0 unchanged, 0 taken down." in summary
    assert "1 older versions skipped" in summary
    (stored,) = _stored(tmp_path, newer.id)
    assert stored.text == newer.text
    assert "1 hits" in track4tip(tmp_path, "search", "semanal").stdout
    assert "0 hits" in track4tip(tmp_path, "search", "quincenal").stdout

    # Nothing is lost: the spool keeps both versions, and the cursor is past them.
    reader = SpoolReader(tmp_path / "analysed.sqlite", INDEXER)
    assert reader.pending() == 0
    reader.close()
    again = _index(tmp_path)
    assert "0 new, 0 changed (new version), 0 unchanged, 0 taken down" in again
    assert "skipped" not in again

    # Two more crawls, both changed: one new version (the latest), one superseded.
    third = _ad("Meseras para Aruba, pago diario.", fetched_at=newer.fetched_at + timedelta(days=1))
    fourth = _ad("Meseras para Aruba, pago mensual.", fetched_at=third.fetched_at)
    _spool(tmp_path, third, fourth)
    assert "0 new, 1 changed (new version), 0 unchanged" in _index(tmp_path)
    assert [version.text for version in _stored(tmp_path, newer.id)] == [newer.text, fourth.text]


def test_a_batch_smaller_than_the_duplicates_gives_the_same_latest_text(tmp_path: Path) -> None:
    older = _ad("Meseras para Aruba, pago quincenal.")
    newer = _ad("Meseras para Aruba, pago semanal.")
    _spool(tmp_path, older, newer)
    # One document per batch: each version is its own batch, so both are versions.
    assert "1 new, 1 changed (new version)" in _index(tmp_path, "--batch-size", "1")
    assert _stored(tmp_path, newer.id)[-1].text == newer.text


def test_a_take_down_is_counted_apart_and_search_filters_and_shows_status(tmp_path: Path) -> None:
    ad = _ad("Meseras para Aruba, pasaje pagado, solo por WhatsApp.")
    cook = make_document(
        canonical_url="https://empleos.example.org/aviso/cocinero",
        title="Cocinero con experiencia",
        text="Restaurante en Lima busca cocinero. Contrato fijo.",
    )
    _spool(tmp_path, ad, cook)
    assert "2 new" in _index(tmp_path)

    # An incremental re-crawl found the ad gone (404): a content-less take-down document.
    gone_at = ad.fetched_at + timedelta(days=3)
    gone = _ad(
        "",
        title="",
        status=Status.TAKEN_DOWN,
        taken_down_at=gone_at,
        fetched_at=gone_at,
        indicator_ids=[],
    )
    _spool(tmp_path, gone)
    summary = _index(tmp_path)
    assert "Indexed: 0 new, 0 changed (new version), 0 unchanged, 1 taken down." in summary

    taken_down = track4tip(tmp_path, "search", "--status", "taken_down")
    assert taken_down.returncode == 0, taken_down.stderr
    assert "1 hits" in taken_down.stdout
    assert "Meseras para Aruba" in taken_down.stdout, "the index keeps what the ad said"
    assert f"taken down since {gone_at.date().isoformat()}" in taken_down.stdout
    active = track4tip(tmp_path, "search", "--status", "active")
    assert "1 hits" in active.stdout and "Cocinero con experiencia" in active.stdout
    assert "taken down" not in active.stdout
    everything = track4tip(tmp_path, "search")
    assert "2 hits" in everything.stdout and everything.stdout.count("taken down since") == 1

    # Seen gone again by the next re-crawl: already marked, so unchanged, not taken down again.
    _spool(tmp_path, gone.model_copy(update={"fetched_at": gone_at + timedelta(days=1)}))
    assert "0 new, 0 changed (new version), 1 unchanged, 0 taken down." in _index(tmp_path)


@pytest.mark.e2e
def test_two_crawls_of_the_demo_web_then_analyze_and_index(tmp_path: Path) -> None:
    # The way a new user met it: crawl a site twice, then analyse and index everything at once.
    with DemoSite() as site:
        for _ in range(2):
            crawled = track4tip(
                tmp_path,
                "crawl",
                "--source",
                "clasificados",
                "--base-url",
                site.base_url,
                **FAST_CRAWL,
            )
            assert crawled.returncode == 0, crawled.stdout + crawled.stderr
    assert track4tip(tmp_path, "analyze").returncode == 0
    summary = _index(tmp_path)
    assert "Indexed: 7 new, 0 changed (new version), 0 unchanged, 0 taken down." in summary
    assert "7 older versions skipped" in summary
    assert "0 new, 0 changed (new version), 0 unchanged, 0 taken down" in _index(tmp_path)
