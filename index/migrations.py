"""Upgrades of stored Document records from one schema_version to the next.

`UPGRADES[n]` turns a record written under schema_version n into one for n + 1. When
`index.document.SCHEMA_VERSION` goes up, add exactly one function here; `upgrade_records` chains
them from whatever version a store holds. Records are upgraded a page at a time and each page
is checked by `Document.from_index` before it is written back, so an upgrade that produces an
invalid record stops the migration before that page is written and before the store is stamped.
Each record carries its own schema_version, so a rerun skips the pages already upgraded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from index.document import SCHEMA_VERSION, Document
from index.errors import IndexBackendError, IndexUnavailable
from index.records import RecordStore

Record = dict[str, Any]
Upgrade = Callable[[Record], Record]


def _v1_to_v2(record: Record) -> Record:
    """v2 added classifier scores, network ids and analysts' flags; v1 records had none."""
    return {"classifier": None, "network_ids": [], "flags": [], **record}


def _v2_to_v3(record: dict[str, Any]) -> dict[str, Any]:
    """v3 added the trafficking topic; v2 records were analysed without one."""
    return {"topic": None, **record}


UPGRADES: dict[int, Upgrade] = {1: _v1_to_v2, 2: _v2_to_v3}

_PAGE = 1000


def upgrade_steps(found: int, upgrades: Mapping[int, Upgrade]) -> list[tuple[int, Upgrade]]:
    """The chain of upgrades from `found` to SCHEMA_VERSION, or a clear error."""
    if found > SCHEMA_VERSION:
        raise IndexBackendError(
            f"the index was written by a newer track4tip (document schema_version {found}); "
            f"this one reads up to schema_version {SCHEMA_VERSION}: upgrade track4tip"
        )
    missing = [version for version in range(found, SCHEMA_VERSION) if version not in upgrades]
    if missing:
        raise IndexBackendError(
            f"no upgrade from document schema_version {missing[0]} to {missing[0] + 1}; "
            "this index cannot be migrated by this track4tip"
        )
    return [(version, upgrades[version]) for version in range(found, SCHEMA_VERSION)]


def upgrade_record(record: Record, steps: list[tuple[int, Upgrade]]) -> Record:
    """Apply the steps a record still needs (a rerun after a crash skips the done ones)."""
    for version, step in steps:
        if record.get("schema_version") == version:
            record = {**step(record), "schema_version": version + 1}
    return record


def upgrade_records(store: RecordStore, upgrades: Mapping[int, Upgrade] = UPGRADES) -> int:
    """Upgrade every stored version to SCHEMA_VERSION and stamp it; returns records read."""
    found = store.schema_version()
    if found is None:
        raise IndexUnavailable(f"{store.path} holds no track4tip index records to migrate")
    steps = upgrade_steps(found, upgrades)
    seen = 0
    for page in store.raw_batches(_PAGE):
        upgraded = [(doc_id, version, upgrade_record(rec, steps)) for doc_id, version, rec in page]
        for _, _, record in upgraded:
            Document.from_index(record)
        if steps:
            store.replace_raw(upgraded)
        seen += len(page)
    store.stamp_schema_version(SCHEMA_VERSION)
    return seen
