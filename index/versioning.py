"""What an upsert does to one document, decided once for every backend (index/base.py).

Given the stored latest version (or None) and an incoming document, `revise` says whether the
document is new, a new version, or unchanged, what to store, and whether the searchable part
changed (so an unchanged re-crawl costs a cheap record update, not a full-text re-index).
An incoming document with status taken_down (a crawler found a known ad gone) carries no
content: it only marks the stored one, which keeps its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from index.document import SCHEMA_VERSION, Document, Status
from index.errors import DocumentFormatError, SchemaVersionMismatch


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Revision:
    change: Change
    document: Document
    searchable_changed: bool

    @property
    def is_new_version(self) -> bool:
        return self.change != Change.UNCHANGED


_ANNOTATION_FIELDS = (
    "language",
    "language_confidence",
    "entities",
    "indicators",
    "classifier",
    "risk",
    "topic",
    "cluster_ids",
    "network_ids",
)
# Fields the full-text index holds besides the content itself.
_SEARCHABLE_FIELDS = (
    "language",
    "entities",
    "indicators",
    "risk",
    "topic",
    "status",
    "cluster_ids",
    "network_ids",
    "flags",
)


def revise(stored: Document | None, incoming: Document) -> Revision:
    """The revision an upsert of `incoming` makes over `stored`."""
    if stored is None:
        first = incoming.model_copy(update={"version": 1})
        return Revision(Change.CREATED, first, searchable_changed=True)
    if incoming.status == Status.TAKEN_DOWN:
        return _take_down(stored, incoming)
    if stored.content_hash != incoming.content_hash:
        changed = incoming.model_copy(
            update={
                "version": stored.version + 1,
                "first_seen": stored.first_seen,
                # Flags are the analysts' judgement of the ad: a new wording keeps them.
                "flags": stored.flags,
                "status": Status.ACTIVE,
                "taken_down_at": None,
            }
        )
        return Revision(Change.UPDATED, changed, searchable_changed=True)
    refreshed = stored.model_copy(update=_refresh(stored, incoming))
    return Revision(
        Change.UNCHANGED,
        refreshed,
        searchable_changed=_searchable(stored) != _searchable(refreshed),
    )


def _take_down(stored: Document, incoming: Document) -> Revision:
    """A crawler saw a known ad gone (404/410): the stored content stays, only marked, with
    the time it was gone; `last_seen` stays the last time it was seen up."""
    if stored.status == Status.TAKEN_DOWN:
        return Revision(Change.UNCHANGED, stored, searchable_changed=False)
    gone_at = incoming.taken_down_at or incoming.fetched_at
    marked = stored.model_copy(update={"status": Status.TAKEN_DOWN, "taken_down_at": gone_at})
    return Revision(Change.UNCHANGED, marked, searchable_changed=True)


def _refresh(stored: Document, incoming: Document) -> dict[str, object]:
    """Updates for an unchanged re-crawl: seen again, active again, newer annotations kept."""
    update: dict[str, object] = {
        "last_seen": max(stored.last_seen, incoming.last_seen),
        "status": Status.ACTIVE,
        "taken_down_at": None,
    }
    # An unannotated re-crawl must not wipe the annotations analysis already made.
    if incoming.is_annotated:
        update.update({name: getattr(incoming, name) for name in _ANNOTATION_FIELDS})
    return update


def _searchable(document: Document) -> tuple[object, ...]:
    return tuple(getattr(document, name) for name in _SEARCHABLE_FIELDS)


def check_submitted(batch: list[Document]) -> None:
    """Refuse the whole batch before writing any of it."""
    for item in batch:
        if not isinstance(item, Document):
            raise DocumentFormatError(f"upsert takes Document objects, got {type(item).__name__}")
        if item.schema_version != SCHEMA_VERSION:
            raise SchemaVersionMismatch(
                found=item.schema_version, expected=SCHEMA_VERSION, where=f"document {item.id}"
            )
