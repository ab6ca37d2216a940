"""The versioned indices behind the Elasticsearch backend's aliases: setup and migration.

    <prefix>-documents -> <prefix>-documents-v<N>   latest versions, searchable (elastic_mapping)
    <prefix>-versions  -> <prefix>-versions-v<N>    every version of every document

`migrate()` moves to a new mapping version without stopping searches: it creates the new
indices, copies every record into them with a client-side scan + bulk (the stripped test node
has no reindex module, and re-deriving the searchable fields in Python is what a mapping change
needs anyway), then swaps both aliases in one atomic request. Writers should be stopped while
it runs: a document written to the old index after the copy began is not carried over.

Errors of the client pass through; index/elastic.py turns them into this package's errors.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

from index.document import Document
from index.elastic_bulk import BulkWriter, batched
from index.elastic_mapping import KINDS, IndexNames, SourceBuilder
from index.elastic_mapping import Mapping as IndexMapping
from index.errors import IndexBackendError, IndexUnavailable
from index.migrations import Upgrade, upgrade_record, upgrade_steps

SCAN_PAGE = 1000
# In-flight searches that resolved the old alias get this long before the old index goes.
OLD_INDEX_GRACE_SECONDS = 2.0


class VersionedIndices:
    """Creates, finds and migrates the versioned indices of one prefix."""

    def __init__(
        self,
        client: Elasticsearch,
        names: IndexNames,
        writer: BulkWriter,
        *,
        shards: int = 1,
        replicas: int | None = None,
    ) -> None:
        self.client = client
        self.names = names
        self.writer = writer
        self.shards = shards
        self.replicas = replicas

    def setup(self, mapping: IndexMapping) -> None:
        """Create `mapping`'s indices and aliases unless the aliases exist."""
        for kind in KINDS:
            current = self.aliased_index(kind)
            if current is None:
                self._create(kind, mapping)
                self.client.indices.put_alias(
                    index=self.names.index(kind, mapping.version), name=self.names.alias(kind)
                )
            elif self.names.version_of(current) != mapping.version:
                raise IndexBackendError(
                    f"{self.names.alias(kind)} points to {current}, but this track4tip "
                    f"writes mapping version {mapping.version}; run `track4tip migrate`"
                )

    def aliased_index(self, kind: str) -> str | None:
        try:
            found = self.client.indices.get_alias(name=self.names.alias(kind))
        except NotFoundError:
            return None
        return sorted(found.body)[0]

    def _create(self, kind: str, mapping: IndexMapping) -> str:
        name = self.names.index(kind, mapping.version)
        if not self.client.indices.exists(index=name):
            self.client.indices.create(
                index=name,
                body=mapping.body(kind, self.shards, self.replicas),
                wait_for_active_shards="1",
            )
        return name

    def migrate(self, target: IndexMapping, upgrades: Mapping[int, Upgrade]) -> int:
        """Copy every record into `target`'s indices, upgrading old records; swap the aliases.

        Returns how many records (every version of every document) were copied.
        """
        sources = {kind: self.aliased_index(kind) for kind in KINDS}
        if None in sources.values():
            raise IndexUnavailable(f"no track4tip indices under {self.names.prefix}-* to migrate")
        copied = sum(self._copy(kind, str(sources[kind]), target, upgrades) for kind in KINDS)
        self._swap_aliases(sources, target)
        return copied

    def _copy(
        self, kind: str, source: str, target: IndexMapping, upgrades: Mapping[int, Upgrade]
    ) -> int:
        destination = self._create(kind, target)
        if destination == source:
            return 0
        convert = target.to_document_source if kind == "documents" else target.to_version_source
        copied = 0
        hits = helpers.scan(self.client, index=source, size=SCAN_PAGE, _source=["document"])
        for page in batched(hits, SCAN_PAGE):
            actions = [
                {
                    "_index": destination,
                    "_id": hit["_id"],
                    "_source": _source(convert, _upgraded(hit, upgrades)),
                }
                for hit in page
            ]
            self.writer.write(actions)
            copied += len(page)
        self.client.indices.refresh(index=destination)
        return copied

    def _swap_aliases(self, sources: dict[str, str | None], target: IndexMapping) -> None:
        operations: list[dict[str, Any]] = []
        for kind, source in sources.items():
            destination = self.names.index(kind, target.version)
            if source == destination:
                continue
            alias = self.names.alias(kind)
            operations.append({"remove": {"index": source, "alias": alias}})
            operations.append({"add": {"index": destination, "alias": alias}})
        if not operations:
            return
        # One request: searches see either the old indices or the new ones, never neither.
        self.client.indices.update_aliases(actions=operations)
        time.sleep(OLD_INDEX_GRACE_SECONDS)
        old = [op["remove"]["index"] for op in operations if "remove" in op]
        self.client.indices.delete(index=",".join(old))


def _source(convert: SourceBuilder, document: Document) -> dict[str, Any]:
    return convert(document, document.to_index())


def _upgraded(hit: dict[str, Any], upgrades: Mapping[int, Upgrade]) -> Document:
    """The stored record of a hit, upgraded to this SCHEMA_VERSION."""
    record = hit["_source"]["document"]
    steps = upgrade_steps(int(record.get("schema_version", 0)), upgrades)
    return Document.from_index(upgrade_record(record, steps))
