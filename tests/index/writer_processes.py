"""Real processes that write to one embedded index, for the fault and concurrency tests and
bench/bench_concurrent_writes.py: `python -m tests.index.writer_processes ROLE DIRECTORY ...`.

    stall     write once (upsert new documents, or flag seeded ones), then, after SQLite's
              commit and before tantivy's, print "committed <sequence>" and sleep to be killed
    index     wait for GO on stdin, then upsert batches: new documents plus a new wording of
              some seeded ones (flags must survive it); print a JSON summary
    flag      wait for GO on stdin, then flag every seeded document once (as the API's flag
              route does: `set_flags` with the current categories); print a JSON summary

Documents are numbered; number n's text holds `word(n)`, a made-up word that survives search
analysis unchanged, so a test can find each one by its text; `lost` lists what went missing.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from index.document import Document
from index.embedded import EmbeddedIndex
from index.queries import SearchQuery
from tests.factories import make_document

FLAG_CATEGORIES = ("coercion", "deceptive_recruitment")
GO = "GO"


def word(number: int, wording: int = 0) -> str:
    """Consonants only: no stemmer shortens them, no two numbers share one."""
    letters = "bcdfghjklm"
    return "xq" + "".join(letters[int(d)] for d in f"{wording}{number:06d}")


def ad(number: int, wording: int = 0) -> Document:
    return make_document(
        canonical_url=f"https://anuncios.example.org/aviso/{number}",
        title=f"Aviso {number}",
        text=f"Se busca personal {word(number, wording)} para hotel, pasaje pagado.",
    )


def flags_for(number: int) -> list[str]:
    return [FLAG_CATEGORIES[number % 2]]


def stall(directory: Path, operation: str, first: int, count: int) -> None:
    def stop_here(sequence: int) -> None:
        print(f"committed {sequence}", flush=True)
        time.sleep(120)

    index = EmbeddedIndex(directory, on_records_committed=stop_here)
    if operation == "upsert":
        index.upsert(ad(n) for n in range(first, first + count))
    elif operation == "flag":
        index.set_flags(ad(first).id, flags_for(first))
    raise SystemExit(f"the write returned instead of stalling ({operation})")


def index_batches(directory: Path, first: int, batches: int, size: int, seeded: int) -> None:
    """Batch b: `size` new documents, and a second wording of seeded document b (if any)."""
    index = EmbeddedIndex(directory)
    index.setup()
    _wait_for_go()
    started, written = time.time(), 0
    for batch in range(batches):
        new = [ad(n) for n in range(first + batch * size, first + (batch + 1) * size)]
        reworded = [ad(batch, wording=1)] if batch < seeded else []
        written += index.upsert([*new, *reworded]).written
    _summary(started, documents=written)
    index.close()


def flag_seeded(directory: Path, seeded: int) -> None:
    index = EmbeddedIndex(directory)
    index.setup()
    _wait_for_go()
    started, flagged, waits = time.time(), 0, []
    for number in range(seeded):
        before = time.perf_counter()
        flagged += index.set_flags(ad(number).id, flags_for(number))
        waits.append(time.perf_counter() - before)
    waits.sort()
    _summary(
        started,
        flags=flagged,
        p50_ms=waits[len(waits) // 2] * 1000,
        p95_ms=waits[int(len(waits) * 0.95)] * 1000,
        max_ms=waits[-1] * 1000,
    )
    index.close()


def lost(
    index: EmbeddedIndex, first: int, batches: int, size: int, seeded: int
) -> dict[str, list[int]]:
    """After an `index` and a `flag` run: the numbers of the documents the index lacks, by what
    it lacks. Every list is empty when nothing was lost."""
    new = range(first, first + batches * size)
    wording = {n: 1 if n < batches else 0 for n in range(seeded)}
    latest = index.latest(ad(n).id for n in range(seeded))
    flags = {n: latest[ad(n).id].flags if ad(n).id in latest else [] for n in range(seeded)}
    return {
        "new documents": [n for n in new if _found(index, n, 0) != (1, 1)],
        "new wordings": [n for n, w in wording.items() if _found(index, n, w) != (1, 1)],
        "flags in records": [n for n, got in flags.items() if got != flags_for(n)],
        "flags in the facet": [n for n in range(seeded) if not _flag_searchable(index, n)],
    }


def _flag_searchable(index: EmbeddedIndex, number: int) -> bool:
    query = SearchQuery(ids=[ad(number).id], flag=flags_for(number), facets=False)
    return index.search(query).total == 1


def _found(index: EmbeddedIndex, number: int, wording: int) -> tuple[int, int]:
    """Hits by id and by the document's own word."""
    by_id = index.search(SearchQuery(ids=[ad(number).id])).total
    return by_id, index.search(SearchQuery(q=word(number, wording))).total


def _wait_for_go() -> None:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != GO:
        raise SystemExit("expected GO on stdin")


def _summary(started: float, **counts: float) -> None:
    print(json.dumps({"started": started, "ended": time.time(), **counts}), flush=True)


def main(argv: list[str]) -> None:
    role, directory, *numbers = argv
    values = [int(n) if n.isdigit() else n for n in numbers]
    if role == "stall":
        stall(Path(directory), str(values[0]), int(values[1]), int(values[2]))
    elif role == "index":
        index_batches(Path(directory), *(int(v) for v in values))
    elif role == "flag":
        flag_seeded(Path(directory), int(values[0]))
    else:
        raise SystemExit(f"unknown role {role}")


if __name__ == "__main__":
    main(sys.argv[1:])
