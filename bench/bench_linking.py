"""Benchmark of near-duplicate linking: clustering time and peak memory as the corpus grows.

    .venv/bin/python bench/bench_linking.py                     # 10k and 100k documents
    .venv/bin/python bench/bench_linking.py --sizes 10000 1000000
    .venv/bin/python bench/bench_linking.py --quick             # 2k and 20k, a smoke run
    .venv/bin/python bench/bench_linking.py --evaluate          # cluster quality, no timing

Documents are short synthetic ads (~40 words from a small multilingual vocabulary), generated
lazily; one in five belongs to a planted templated group of 5-20 copies that differ in phone,
name, city and price. Each size runs in a fresh store (Linker in batches of 1,000,
the analysis stage's way) and prints documents per second, peak memory of the Python heap
(resident set) and the store size, then how each cost grows per 10x. The planted groups' pairwise
recall and precision are printed too, so a faster setting cannot hide lost clusters. Figures are
printed, never asserted (DESIGN.md §6). Peak RSS is the process's high-water mark so far,
so sizes are run smallest first.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from linking.config import LinkingSettings
from linking.evaluation import emscad_truth, evaluate_linking, score_clusters, synthetic_ads
from linking.linker import Linker, LinkInput

_WORDS_TEXT = (
    "trabajo exterior pasaporte visa pasaje pagado alojamiento incluido señoritas modelos "
    "anfitrionas hotel restaurante cocina limpieza sueldo fijo contrato empresa agencia eventos "
    "experiencia joven urgente viaje documentos trabalho passagem moradia salário agência "
    "work abroad ticket housing salary contract hostess lounge werk vliegticket onderdak "
    "trabou kas pasashi eksperensia kontrato semana mes dólares turno horario bono propina"
)
WORDS = _WORDS_TEXT.split()
CITIES = ["Lima", "Quito", "Cúcuta", "Boa Vista", "Willemstad", "Oranjestad", "Port of Spain"]
NAMES = ["María", "Ana", "Rosa", "Juliana", "Shanice", "Lotte", "Giselle"]
SITES = ["empleosya", "clasificados", "ofertas_exterior", "vagas"]
COUNTRIES = ["CO", "PE", "VE", "BR", "TT", "CW", "AW"]
BATCH = 1000


def synthetic_corpus(size: int, seed: int = 1) -> Iterator[tuple[LinkInput, str]]:
    """(input, true group) pairs; singletons are their own group."""
    rng = random.Random(seed)
    made = groups = 0
    while made < size:
        groups += 1
        template = " ".join(rng.choice(WORDS) for _ in range(36))
        planted = rng.random() < 0.04
        copies = rng.randint(5, 20) if planted else 1
        for _ in range(min(copies, size - made)):
            text = (
                f"{template} {rng.choice(CITIES)} {rng.randrange(300, 3000, 50)} USD "
                f"{rng.choice(NAMES)} +58 412 555 {rng.randint(1000, 9999)}"
            )
            doc_id = f"d{made}"
            yield (
                LinkInput(
                    doc_id=doc_id,
                    fields={"text": text},
                    site=rng.choice(SITES),
                    country=rng.choice(COUNTRIES),
                ),
                f"g{groups}",
            )
            made += 1


def run_size(size: int, settings: LinkingSettings) -> dict[str, float]:
    truth: dict[str, str] = {}
    predicted: dict[str, str] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "linking.sqlite3"
        with Linker.open(store, settings) as linker:
            batch: list[LinkInput] = []
            for item, group in synthetic_corpus(size):
                truth[item.doc_id] = group
                batch.append(item)
                if len(batch) == BATCH:
                    _record(linker.link(batch), predicted)
                    batch = []
            if batch:
                _record(linker.link(batch), predicted)
        elapsed = time.perf_counter() - started
        store_bytes = sum(path.stat().st_size for path in Path(folder).iterdir())
    for doc_id in truth:
        predicted.setdefault(doc_id, doc_id)
    scores = score_clusters(predicted, truth) if size <= 200_000 else None
    return {
        "seconds": elapsed,
        "rate": size / elapsed,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "store_mib": store_bytes / 2**20,
        "precision": scores.pairwise_precision if scores else float("nan"),
        "recall": scores.pairwise_recall if scores else float("nan"),
    }


def _record(result: object, predicted: dict[str, str]) -> None:
    for links in result.documents:  # type: ignore[attr-defined]
        predicted[links.doc_id] = (links.cluster_ids or [links.doc_id])[0]


def evaluate() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "emscad" / "train.csv"
    synthetic = synthetic_ads()
    emscad = emscad_truth(shared)
    for size in (3, 5):
        for threshold in (0.5, 0.6, 0.7, 0.8):
            settings = LinkingSettings(shingle_size=size, threshold=threshold)
            for name, ads, entities in (("synthetic", synthetic, True), ("emscad", emscad, False)):
                s = evaluate_linking(ads, settings, with_entities=entities)
                print(
                    f"shingles={size} threshold={threshold} {name:9} "
                    f"pairwise P={s.pairwise_precision:.3f} R={s.pairwise_recall:.3f}  "
                    f"B-cubed P={s.bcubed_precision:.3f} R={s.bcubed_recall:.3f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--evaluate", action="store_true")
    args = parser.parse_args()
    if args.evaluate:
        evaluate()
        return
    sizes = [2_000, 20_000] if args.quick else sorted(args.sizes)
    settings = LinkingSettings()
    print(
        f"num_perm={settings.num_perm} bands={settings.bands} "
        f"threshold={settings.threshold} shingles={settings.shingle_size}"
    )
    results = {}
    for size in sizes:
        results[size] = figures = run_size(size, settings)
        print(
            f"{size:>9,} docs: {figures['seconds']:8.1f} s  {figures['rate']:8.0f} docs/s  "
            f"peak RSS {figures['peak_rss_mib']:7.0f} MiB  store {figures['store_mib']:7.1f} MiB  "
            f"planted groups P={figures['precision']:.3f} R={figures['recall']:.3f}",
            flush=True,
        )
    for small, large in itertools.pairwise(sizes):
        grow = large / small
        time_ratio = results[large]["seconds"] / results[small]["seconds"]
        print(
            f"{small:,} -> {large:,} ({grow:.0f}x documents): time x{time_ratio:.1f} "
            f"(x{time_ratio ** (1 / math.log10(grow)):.2f} per 10x), "
            f"store x{results[large]['store_mib'] / results[small]['store_mib']:.1f}"
        )


if __name__ == "__main__":
    main()
