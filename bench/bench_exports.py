"""Benchmark of research exports: peak memory and rate at growing sizes (bounded memory?).

    .venv/bin/python bench/bench_exports.py                  # 10k and 100k documents
    .venv/bin/python bench/bench_exports.py --sizes 1000000  # add a million (about an hour)
    .venv/bin/python bench/bench_exports.py --quick          # 1k and 10k, a smoke run

Synthetic annotated documents (bench_embedded_index's generator, plus a phone, an e-mail and
a handle each, so pseudonymisation has work to do) are written straight to an embedded index.
Each export then runs in a fresh child process — the same `export_stream` the API streams —
consuming the bytes as a client would. The child opens the index, then resets its peak RSS
(Linux: /proc/self/clear_refs) and reports RSS before and peak during the export; a baseline
child in the same run does one search page instead. Growth during the export that stays flat
from 10k to 100k documents means memory is bounded. Printed, never
asserted (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_embedded_index import synthetic_documents

from api.accounts.pseudonymise import Pseudonymiser
from api.exporting.datasets import ExportTable, export_stream
from api.exporting.writers import ExportFormat
from index.document import Document
from index.embedded import EmbeddedIndex
from index.queries import SearchQuery
from nlp.types import Entity, EntityKind

KEY = b"bench-pseudonymisation-key-0123456789"
CASES = [
    (ExportTable.DOCUMENTS, ExportFormat.JSONL),
    (ExportTable.DOCUMENTS, ExportFormat.PARQUET),
    (ExportTable.MODUS_OPERANDI, ExportFormat.CSV),
]


def _with_contacts(document: Document, number: int) -> Document:
    line, handle = f"{number % 10_000_000:07d}", f"ofertas{number % 97}"
    text = f"{document.text} WhatsApp +58 412 {line} correo r{number}@example.org @{handle}"
    spans = [
        (EntityKind.PHONE, f"+58 412 {line}", f"+58412{line}"),
        (EntityKind.EMAIL, f"r{number}@example.org", f"r{number}@example.org"),
        (EntityKind.HANDLE, f"@{handle}", f"telegram:{handle}"),
    ]
    entities = []
    for kind, shown, value in spans:
        start = text.index(shown)
        entities.append(
            Entity(
                field="text",
                start=start,
                end=start + len(shown),
                kind=kind,
                text=shown,
                value=value,
            )
        )
    return document.model_copy(update={"text": text, "entities": entities})


def documents(count: int) -> Iterator[Document]:
    for number, document in enumerate(synthetic_documents(count)):
        yield _with_contacts(document, number)


def build_index(directory: Path, count: int) -> float:
    started = time.perf_counter()
    with EmbeddedIndex(directory) as index:
        index.setup()
        index.upsert(documents(count))
    return time.perf_counter() - started


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss() -> float:
    """Forget the peak so far (Linux: writing 5 to clear_refs resets VmHWM); the RSS now."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mib("VmRSS")


def child(directory: Path, table: str, fmt: str) -> None:
    """Runs in a fresh process: one export (or, for `baseline`, one page) and its figures."""
    with EmbeddedIndex(directory) as index:
        index.count()  # open the index before the measurement starts
        before = reset_peak_rss()
        started = time.perf_counter()
        written = rows = 0
        if table == "baseline":
            rows = len(index.search(SearchQuery(size=100, facets=False)).hits)
        else:
            stream = export_stream(
                index, SearchQuery(), ExportTable(table), ExportFormat(fmt), Pseudonymiser(KEY)
            )
            for chunk in stream:
                written += len(chunk)
            rows = index.count()
        seconds = time.perf_counter() - started
    peak = _status_mib("VmHWM")
    figures = {"before": before, "rss": peak, "seconds": seconds, "bytes": written, "rows": rows}
    print(json.dumps(figures))


def run_child(directory: Path, table: str, fmt: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(directory), table, fmt]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(count: int, workdir: Path) -> dict[str, dict[str, float]]:
    directory = workdir / f"index-{count}"
    seconds = build_index(directory, count)
    print(f"\n{count:>9,} documents indexed in {seconds:.1f} s")
    baseline = run_child(directory, "baseline", "-")
    print(
        f"  baseline (one search page): RSS {baseline['before']:.0f} MiB before, "
        f"peak {baseline['rss']:.0f} MiB"
    )
    figures = {"baseline": baseline}
    for table, fmt in CASES:
        found = run_child(directory, table.value, fmt.value)
        growth = found["rss"] - found["before"]
        rate = count / found["seconds"]
        print(
            f"  {table.value:<15} {fmt.value:<8} peak RSS {found['rss']:6.0f} MiB "
            f"(+{growth:5.1f} during the export)  {rate:8,.0f} docs/s  "
            f"{found['bytes'] / 2**20:7.1f} MiB written"
        )
        figures[f"{table.value}.{fmt.value}"] = found | {"growth": growth}
    return figures


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k documents")
    parser.add_argument("--sizes", type=int, nargs="*", default=[], help="more sizes to run")
    arguments = parser.parse_args()
    sizes = [1_000, 10_000] if arguments.quick else [10_000, 100_000]
    sizes += arguments.sizes
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as workdir:
        results = {size: measure(size, Path(workdir)) for size in sizes}
    small, large = sizes[0], sizes[-1]
    print(f"\nlarge/small ({large:,} vs {small:,} documents, {large / small:.0f}x the rows):")
    for key in results[small]:
        if key == "baseline":
            continue
        before, after = results[small][key], results[large][key]
        memory = max(after["growth"], 1) / max(before["growth"], 1)
        time_ratio = after["seconds"] / before["seconds"]
        print(f"  {key:<26} RSS growth during export x{memory:.2f}   time x{time_ratio:.1f}")


if __name__ == "__main__":
    main()
