"""The contract every index backend keeps (embedded tantivy + SQLite, Elasticsearch).

One contract test suite (tests/index/test_contract.py) runs against every implementation, so a
caller — the CLI, the API, the alert engine — never needs to know which one it holds.

Write semantics, the same everywhere:

- `upsert` is idempotent by `Document.id`. A document whose `content_hash` is unchanged only
  refreshes `last_seen` (and its annotations, if newly analysed); a changed one becomes a new
  version, the old version kept; a taken-down document seen again is active again.
- Nothing is deleted: `mark_taken_down` records that an ad disappeared and when.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

from index.document import Document
from index.queries import SearchQuery, SearchResults


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
