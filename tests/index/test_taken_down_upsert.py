"""A crawler's taken_down Document (a known ad now 404/410, no content) through `upsert`, on
every backend: the stored content stays and is only marked; seen again, it is active again."""

from __future__ import annotations

from datetime import datetime, timedelta

from index.base import IndexBackend
from index.document import Document, Status
from index.queries import SearchQuery
from tests.factories import BASE_TIME


def _gone(stored: Document, at: datetime) -> Document:
    """What the crawler spools for a vanished ad: same URL, no content, status taken_down."""
    return Document.collected(
        source=stored.source,
        url=stored.url,
        canonical_url=stored.canonical_url,
        title="",
        text="",
        fetched_at=at,
        status=Status.TAKEN_DOWN,
        taken_down_at=at,
    )


def test_taken_down_document_marks_and_keeps_the_stored_content(
    loaded: IndexBackend, docs: dict[str, Document]
) -> None:
    ad = docs["escort_es"]
    at = BASE_TIME + timedelta(days=10)
    before = loaded.get(ad.id)
    assert before is not None
    report = loaded.upsert([_gone(ad, at)])
    assert (report.created, report.updated) == (0, 0)
    stored = loaded.get(ad.id)
    assert stored is not None
    assert (stored.status, stored.taken_down_at) == (Status.TAKEN_DOWN, at)
    assert (stored.text, stored.title, stored.version) == (before.text, before.title, 1)
    assert stored.last_seen == before.last_seen, "last seen up, not the time it was gone"
    assert ad.id in {
        hit.document.id for hit in loaded.search(SearchQuery(status=[Status.TAKEN_DOWN])).hits
    }
    loaded.upsert([_gone(ad, at + timedelta(days=1))])  # gone again: nothing changes
    assert loaded.get(ad.id).taken_down_at == at  # type: ignore[union-attr]
    loaded.upsert([ad])  # back online with the same content
    assert loaded.get(ad.id).status == Status.ACTIVE  # type: ignore[union-attr]
