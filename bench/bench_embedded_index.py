"""Benchmark of the embedded index: indexing rate and search latency at two sizes.

    .venv/bin/python bench/bench_embedded_index.py           # 10k and 100k documents
    .venv/bin/python bench/bench_embedded_index.py --quick   # 1k and 10k, a smoke run

Synthetic documents (Spanish, Portuguese, English; ~80-word texts from a small vocabulary) are
generated lazily, so the run itself shows that upsert streams. For each size it prints the
indexing rate, then p50/p95 latency of a fixed query mix (words, phrases, OR, exclusion,
filters, ranges, every sort, a deep page; facets on), and finally the large/small ratios: how
cost grows with the index. Figures are printed, never asserted (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from index.document import Document, Source, SourceKind
from index.embedded import EmbeddedIndex
from index.queries import SearchQuery, Sort
from nlp.types import IndicatorHit, Risk, RiskLabel, Strength

_VOCABULARY_TEXT = {
    "es": "trabajo exterior pasaporte visa pasaje pagado alojamiento incluido señoritas modelos "
    "anfitrionas hotel restaurante cocina limpieza sueldo fijo contrato empresa agencia "
    "compañía damas eventos experiencia joven urgente viaje documentos Lima Quito Bogotá "
    "WhatsApp enviar foto edad requisitos buena presencia pago diario efectivo",
    "pt": "trabalho exterior passaporte visto passagem paga moradia incluída moças modelos "
    "hotel restaurante cozinha limpeza salário fixo contrato empresa agência eventos "
    "experiência jovem urgente viagem documentos Manaus Boa Vista WhatsApp foto idade",
    "en": "work abroad passport visa ticket paid housing included girls models hostesses hotel "
    "restaurant kitchen cleaning salary contract company agency events experience young "
    "urgent travel documents Port of Spain WhatsApp photo age requirements daily cash",
}
VOCABULARY = {language: text.split() for language, text in _VOCABULARY_TEXT.items()}
SITES = ["empleos.example.pe", "clasificados.example.ec", "vagas.example.br", "jobs.example.tt"]
COUNTRIES = ["PE", "EC", "BR", "TT", "CO", "VE"]
INDICATORS = ["travel_paid", "no_experience", "body_photo", "document_help", "escort_wording"]
BASE = datetime(2024, 1, 1, tzinfo=UTC)

QUERY_MIX = [
    SearchQuery(q="pasaporte"),
    SearchQuery(q="trabajo exterior"),
    SearchQuery(q='"pasaje pagado"'),
    SearchQuery(q="modelos OR anfitrionas"),
    SearchQuery(q="hotel -cocina"),
    SearchQuery(q="visa", country=["PE", "EC"], language=["es"]),
    SearchQuery(q="", risk_label=[RiskLabel.HIGH], sort=Sort.RISK),
    SearchQuery(q="passport", sort=Sort.PUBLISHED),
    SearchQuery(q="", indicator=["travel_paid"], sort=Sort.FETCHED),
    SearchQuery(q="urgente", published_from=BASE + timedelta(days=30), risk_min=0.5),
    SearchQuery(q="empresa", page=5, size=20),
    SearchQuery(q="", facets=True),
]


def synthetic_documents(count: int, seed: int = 7) -> Iterator[Document]:
    """`count` annotated documents, generated one at a time."""
    rng = random.Random(seed)
    for number in range(count):
        language = rng.choice(list(VOCABULARY))
        words = VOCABULARY[language]
        fetched = BASE + timedelta(minutes=number)
        score = round(rng.random(), 3)
        document = Document.collected(
            source=Source(
                kind=rng.choice(list(SourceKind)),
                site=rng.choice(SITES),
                country=rng.choice(COUNTRIES),
            ),
            url=f"https://ads.example.org/{number}",
            canonical_url=f"https://ads.example.org/{number}",
            title=" ".join(rng.choices(words, k=6)),
            text=" ".join(rng.choices(words, k=80)),
            fetched_at=fetched,
            published_at=fetched - timedelta(hours=rng.randint(1, 200)),
        )
        yield document.model_copy(
            update={
                "language": language,
                "risk": Risk(score=score, label=_label(score), explanation=["synthetic"]),
                "indicators": [_hit(name, language) for name in rng.sample(INDICATORS, 2)],
            }
        )


def _hit(indicator: str, language: str) -> IndicatorHit:
    return IndicatorHit(
        start=0,
        end=5,
        indicator=indicator,
        category="synthetic",
        strength=Strength.MEDIUM,
        evidence="words",
        language=language,
    )


def _label(score: float) -> RiskLabel:
    return RiskLabel.HIGH if score >= 0.7 else RiskLabel.MEDIUM if score >= 0.4 else RiskLabel.LOW


def index_rate(index: EmbeddedIndex, count: int) -> float:
    started = time.perf_counter()
    report = index.upsert(synthetic_documents(count))
    elapsed = time.perf_counter() - started
    assert report.created == count, report
    return count / elapsed


def search_latencies(index: EmbeddedIndex, rounds: int) -> list[float]:
    """Milliseconds per search, over `rounds` passes of the query mix (after one warm-up)."""
    for query in QUERY_MIX:
        index.search(query)
    timings = []
    for _ in range(rounds):
        for query in QUERY_MIX:
            started = time.perf_counter()
            index.search(query)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def measure(count: int, rounds: int, workdir: Path) -> dict[str, float]:
    with EmbeddedIndex(workdir / f"index-{count}") as index:
        index.setup()
        rate = index_rate(index, count)
        timings = search_latencies(index, rounds)
    figures = {
        "docs_per_s": rate,
        "p50_ms": percentile(timings, 0.5),
        "p95_ms": percentile(timings, 0.95),
    }
    print(
        f"{count:>7} docs: index {rate:8.0f} docs/s | search p50 {figures['p50_ms']:7.2f} ms"
        f"  p95 {figures['p95_ms']:7.2f} ms  ({len(timings)} searches)"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k documents")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    arguments = parser.parse_args()
    small, large = (1_000, 10_000) if arguments.quick else (10_000, 100_000)
    with tempfile.TemporaryDirectory(prefix="track4tip-bench-") as workdir:
        first = measure(small, arguments.rounds, Path(workdir))
        second = measure(large, arguments.rounds, Path(workdir))
    print(f"ratios {large // 1000}k/{small // 1000}k (x{large // small} documents):")
    print(f"  indexing rate x{second['docs_per_s'] / first['docs_per_s']:.2f}")
    print(f"  search p50    x{second['p50_ms'] / first['p50_ms']:.2f}")
    print(f"  search p95    x{second['p95_ms'] / first['p95_ms']:.2f}")


if __name__ == "__main__":
    main()
