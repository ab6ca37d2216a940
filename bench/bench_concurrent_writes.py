"""Benchmark: an analyst flagging while the worker indexes, two processes on one embedded index.

    .venv/bin/python bench/bench_concurrent_writes.py           # 40 batches of 100, 200 flags
    .venv/bin/python bench/bench_concurrent_writes.py --quick   # 10 batches of 50, 40 flags

The processes are the roles of tests/index/writer_processes.py, each its own interpreter with
its own EmbeddedIndex, as `track4tip serve` and `track4tip run` are: the worker upserts batches
of new documents plus a new wording of one flagged document per batch; the analyst calls
`set_flags` once per seeded document, as the API's flag route does. In the same run, each on a
fresh copy of one seeded index:

1. single writer (the baseline): the worker alone, then the analyst alone;
2. concurrent: both released at the same moment.

It prints documents indexed, flags written and what was lost (documents not found by id and
by text, flags missing from the records or the facet: must be 0), then throughput and flag
latency, and the concurrent/single-writer ratios. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedded import EmbeddedIndex  # noqa: E402
from tests.index.writer_processes import GO, ad, lost  # noqa: E402

FIRST_NEW = 1_000_000
Summary = dict[str, float]


def seed(directory: Path, flags: int) -> None:
    with EmbeddedIndex(directory) as index:
        index.setup()
        index.upsert(ad(n) for n in range(flags))


def run_together(*commands: list[str]) -> list[Summary]:
    """Start the processes, wait until each is ready, release them at once, collect summaries."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.index.writer_processes", *command],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    for process in processes:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise SystemExit(f"a writer process did not start: {process.args}")
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(GO + "\n")
        process.stdin.flush()
    summaries = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a writer process failed ({process.returncode}): {process.args}")
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    return summaries


def measure(seeded: Path, work: Path, batches: int, size: int, flags: int) -> dict[str, object]:
    """One baseline and one concurrent run; returns their summaries and what each lost."""
    worker = ["index", "", str(FIRST_NEW), str(batches), str(size), str(flags)]
    analyst = ["flag", "", str(flags)]
    figures: dict[str, object] = {}
    for mode in ("single", "concurrent"):
        directory = work / mode
        shutil.copytree(seeded, directory)
        worker[1] = analyst[1] = str(directory)
        if mode == "single":
            summaries = [*run_together(list(worker)), *run_together(list(analyst))]
        else:
            summaries = run_together(list(worker), list(analyst))
        with EmbeddedIndex(directory) as index:
            missing = lost(index, FIRST_NEW, batches, size, flags)
        figures[mode] = (summaries, missing)
    return figures


def report(figures: dict[str, object]) -> None:
    rates: dict[str, tuple[float, float, float, float]] = {}
    for mode, (summaries, missing) in figures.items():  # type: ignore[attr-defined]
        worker, analyst = summaries
        indexing = worker["ended"] - worker["started"]
        flagging = analyst["ended"] - analyst["started"]
        wall = max(worker["ended"], analyst["ended"]) - min(worker["started"], analyst["started"])
        busy = indexing + flagging if mode == "single" else wall
        lost_total = sum(len(numbers) for numbers in missing.values())
        print(
            f"{mode:>10}: {worker['documents']:.0f} documents indexed, "
            f"{analyst['flags']:.0f} flags written, lost {lost_total} "
            f"({', '.join(f'{kind} {len(n)}' for kind, n in missing.items())})"
        )
        print(
            f"{'':>10}  indexing {worker['documents'] / indexing:7.0f} docs/s, "
            f"flagging {analyst['flags'] / flagging:5.1f} flags/s, "
            f"flag latency p50 {analyst['p50_ms']:.0f} ms p95 {analyst['p95_ms']:.0f} ms "
            f"max {analyst['max_ms']:.0f} ms; both done in {busy:.1f} s"
        )
        rates[mode] = (
            worker["documents"] / indexing,
            analyst["flags"] / flagging,
            analyst["p95_ms"],
            busy,
        )
    ratios = [now / then for now, then in zip(rates["concurrent"], rates["single"], strict=True)]
    print(
        f"concurrent / single writer: indexing rate x{ratios[0]:.2f}, "
        f"flagging rate x{ratios[1]:.2f}, flag p95 x{ratios[2]:.2f}, "
        f"time for both x{ratios[3]:.2f} (below 1: the two overlapped)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    arguments = parser.parse_args()
    batches, size, flags = (10, 50, 40) if arguments.quick else (40, 100, 200)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        seed(work / "seeded", flags)
        print(f"{batches} batches of {size} new documents (+1 new wording each), {flags} flags")
        report(measure(work / "seeded", work, batches, size, flags))


if __name__ == "__main__":
    main()
