"""Bulk writes to Elasticsearch that never drop a document silently.

`BulkWriter.write(actions)` sends index actions with `helpers.streaming_bulk`:

- items the cluster refuses for now (429 too many requests, 502/503/504 while a shard moves to
  another node) are retried by streaming_bulk with exponential back-off;
- a connection error or timeout re-sends the whole set, also with back-off: every action is an
  `index` of a fixed id with a body derived from the document, so sending one twice is harmless;
- items the cluster rejects for good (a mapping conflict, a document too large) go to the
  dead-letter file, one JSON object per line with the reason and the document, and are counted;
- when the retries run out the writer raises `IndexUnavailable`, and the caller (the indexer)
  leaves the batch in its spool, to be written by the next run;
- an action written only if the stored record is still the one read (`if_seq_no` and
  `if_primary_term`, see ElasticIndex._update_latest) that finds it changed gets 409: that is
  no fault of the document, so it is not dead-lettered but handed back (`write_checked`) for
  the caller to read again and redo.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch, helpers

from index.errors import IndexUnavailable

RETRY_STATUSES = (429, 502, 503, 504)
VERSION_CONFLICT = 409
CHUNK_SIZE = 1000
MAX_CHUNK_BYTES = 20 * 1024 * 1024

Action = dict[str, Any]
T = TypeVar("T")


class BulkWriter:
    """Writes index actions; see the module docstring for retries and the dead-letter file."""

    def __init__(
        self,
        client: Elasticsearch,
        dead_letter: Path,
        *,
        retries: int = 5,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self.client = client
        self.dead_letter = dead_letter
        self.retries = retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        # Whole sets sent again after a connection error (429s are retried inside
        # streaming_bulk, item by item, and not counted here).
        self.resends = 0
        self._dead_letter_lock = threading.Lock()

    def write(self, actions: Iterable[Action]) -> set[tuple[str, str]]:
        """Send every action; returns the (index, id) pairs the cluster rejected for good."""
        return self.write_checked(actions)[0]

    def write_checked(
        self, actions: Iterable[Action]
    ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """Send every action; returns the (index, id) pairs rejected for good and those whose
        `if_seq_no` condition failed (the record changed since it was read)."""
        pending = _last_action_per_id(actions)
        for attempt in range(self.retries + 1):
            try:
                return self._send(pending)
            except (TransportConnectionError, ConnectionTimeout) as error:
                if attempt == self.retries:
                    raise IndexUnavailable(
                        f"cannot reach Elasticsearch after {attempt + 1} attempts ({error}); "
                        "the documents stay in the spool and the next run indexes them"
                    ) from error
                time.sleep(self._backoff(attempt))
                self.resends += 1
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, actions: list[Action]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        rejected: list[tuple[Action, dict[str, Any]]] = []
        conflicts: set[tuple[str, str]] = set()
        by_key = {(a["_index"], a["_id"]): a for a in actions}
        results = helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=CHUNK_SIZE,
            max_chunk_bytes=MAX_CHUNK_BYTES,
            raise_on_error=False,
            max_retries=self.retries,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            retry_on_status=RETRY_STATUSES,
            yield_ok=False,
        )
        try:
            for ok, item in results:
                if not ok:
                    outcome = next(iter(item.values()))
                    if outcome.get("status") == VERSION_CONFLICT:
                        conflicts.add((outcome["_index"], outcome["_id"]))
                    else:
                        rejected.append((_original(by_key, outcome), outcome))
        except ApiError as error:
            raise IndexUnavailable(f"Elasticsearch refused the bulk request: {error}") from error
        still_busy = [outcome for _, outcome in rejected if outcome.get("status") in RETRY_STATUSES]
        if still_busy:
            raise IndexUnavailable(
                f"Elasticsearch stayed busy after {self.retries} retries "
                f"({still_busy[0].get('error')}); the documents stay in the spool"
            )
        self._dead_letter(rejected)
        return {(outcome["_index"], outcome["_id"]) for _, outcome in rejected}, conflicts

    def _dead_letter(self, rejected: list[tuple[Action, dict[str, Any]]]) -> None:
        if not rejected:
            return
        self.dead_letter.parent.mkdir(parents=True, exist_ok=True)
        at = datetime.now(UTC).isoformat()
        with self._dead_letter_lock, self.dead_letter.open("a", encoding="utf-8") as out:
            for action, outcome in rejected:
                entry = {
                    "at": at,
                    "index": outcome.get("_index"),
                    "id": outcome.get("_id"),
                    "status": outcome.get("status"),
                    "reason": outcome.get("error"),
                    "document": _record_of(action),
                }
                out.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    def _backoff(self, attempt: int) -> float:
        return min(self.max_backoff, self.initial_backoff * 2**attempt)


def _last_action_per_id(actions: Iterable[Action]) -> list[Action]:
    """One action per (index, id), the last one given, in first-seen order.

    A batch may carry the same ad twice (two listings of one URL); only its final state counts.
    """
    latest: dict[tuple[str, str], Action] = {}
    for action in actions:
        latest[(action["_index"], action["_id"])] = action
    return list(latest.values())


def _original(by_key: dict[tuple[str, str], Action], outcome: dict[str, Any]) -> Action:
    # Actions name the alias; the outcome names the concrete index. Match by id, then index.
    for (index, doc_id), action in by_key.items():
        if doc_id == outcome.get("_id") and outcome.get("_index", "").startswith(index):
            return action
    return {}


def _record_of(action: Action) -> Any:
    """The Document record an action carries; its source may be serialised already."""
    source = action.get("_source", {})
    if isinstance(source, bytes | str):
        source = json.loads(source)
    return source.get("document")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last one shorter), read lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
