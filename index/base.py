"""The contract every index backend keeps (embedded tantivy + SQLite, Elasticsearch).

One contract test suite (tests/index/test_contract.py) runs against every implementation, so a
caller — the CLI, the API, the alert engine — never needs to know which one it holds.

Write semantics, the same everywhere:

- `upsert` is idempotent by `Document.id`. A document whose `content_hash` is unchanged only
  refreshes `last_seen` (and its annotations, if newly analysed); a changed one becomes a new
  version, the old version kept; a taken-down document seen again is active again.
- Nothing is deleted: `mark_taken_down` records that an ad disappeared and when.
- Analysts' flags (`set_flags`) and linking's clusters and networks (`relink`) change the latest
  version in place: they are judgements about the ad, not a new wording of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from index.document import Document
from index.queries import SearchQuery, SearchResults
from nlp.types import Risk


@dataclass
class UpsertReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Documents the engine refused for good (Elasticsearch: written to the dead-letter file).
    rejected: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, other: UpsertReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected


@dataclass(frozen=True)
class LinkUpdate:
    """A document's clusters and networks after linking, and its risk re-scored with them."""

    doc_id: str
    cluster_ids: list[str] = field(default_factory=list)
    network_ids: list[str] = field(default_factory=list)
    risk: Risk | None = None


class IndexBackend(ABC):
    """A searchable store of Documents."""

    @abstractmethod
    def setup(self) -> None:
        """Create what the backend needs; safe to call on an existing index."""

    @abstractmethod
    def upsert(self, documents: Iterable[Document]) -> UpsertReport:
        """Write documents (see the module docstring for versioning)."""

    @abstractmethod
    def get(self, doc_id: str) -> Document | None:
        """The latest version of a document, or None."""

    @abstractmethod
    def versions(self, doc_id: str) -> list[Document]:
        """Every stored version of a document, oldest first."""

    @abstractmethod
    def mark_taken_down(self, doc_ids: Iterable[str], at: datetime) -> int:
        """Mark documents as taken down at `at`; returns how many changed."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run a search with filters, facets, highlights, sorting and pagination."""

    @abstractmethod
    def count(self) -> int:
        """How many documents (latest versions) the index holds."""

    @abstractmethod
    def export(self, query: SearchQuery, page_size: int = 500) -> Iterator[Document]:
        """Every document matching `query`'s words and filters, each once, past the 10,000-hit
        window and in bounded memory (`page`, `size` and facets are ignored)."""

    @abstractmethod
    def latest(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The latest version of each of these ids that exists, by id."""

    @abstractmethod
    def _rewrite_latest(self, documents: list[Document]) -> None:
        """Store these latest versions in place (same version number) and re-index them."""

    def set_flags(self, doc_id: str, categories: Iterable[str]) -> bool:
        """Set a document's current flag categories; False when there is no such document."""
        flags = sorted(set(categories))
        found = self._update_latest([doc_id], lambda d: d.model_copy(update={"flags": flags}))
        return doc_id in found

    def relink(self, updates: Iterable[LinkUpdate]) -> int:
        """Apply linking's clusters, networks and re-scored risk; returns documents changed."""
        by_id = {update.doc_id: update for update in updates}

        def link(document: Document) -> Document:
            update = by_id[document.id]
            return document.with_links(update.cluster_ids, update.network_ids, update.risk)

        return sum(self._update_latest(by_id, link).values())

    def _update_latest(
        self, doc_ids: Iterable[str], change: Callable[[Document], Document]
    ) -> dict[str, bool]:
        """Apply `change` to the latest version of each id that exists, store in place those it
        changed; returns, by id found, whether it changed. A backend that can read and write
        in one transaction overrides this (the embedded index), so that no concurrent write
        falls between the read and the write."""
        changed: dict[str, bool] = {}
        rewritten: list[Document] = []
        for doc_id, document in self.latest(doc_ids).items():
            updated = change(document)
            changed[doc_id] = updated != document
            if changed[doc_id]:
                rewritten.append(updated)
        if rewritten:
            self._rewrite_latest(rewritten)
        return changed

    def close(self) -> None:  # noqa: B027 - optional hook; most backends hold nothing to free
        """Release files and connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
