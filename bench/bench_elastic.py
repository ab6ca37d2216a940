"""Benchmark of the Elasticsearch backend against raw `helpers.bulk` and the embedded index.

    scripts/es-node start
    .venv/bin/python bench/bench_elastic.py           # 100k documents
    .venv/bin/python bench/bench_elastic.py --quick   # 10k documents

1. Bulk rate: the same synthetic documents (bench_embedded_index.py) written through our
   indexer (`ElasticsearchIndex.upsert`: an mget of the stored versions per batch, the shared
   text analysis, serialisation of both records, retries, the final refresh) and through raw
   `helpers.bulk` of the very same records — for each document its latest record and its
   version record, into indices with the same mappings — whose bodies are built beforehand,
   outside the timing (the client still serialises them inside it, as it would for any
   caller); both end with a refresh. So the ratio says what our analysis and bookkeeping cost
   on top of writing the same data. The pair runs `--bulk-rounds` times (fresh indices each
   time, raw first) and the medians are compared: on a shared two-core machine one round can
   be off by 0.1. Goal: >= 0.9.
2. Search: p50/p95 of the same query mix on Elasticsearch and on the embedded index holding the
   same documents, and their ratio.

Figures are printed, never asserted. Indices are created under a unique prefix and deleted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from elasticsearch import Elasticsearch, helpers

# bench/ is a folder of scripts, not a package: import its sibling by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_embedded_index import (
    QUERY_MIX,
    percentile,
    search_latencies,
    synthetic_documents,
)

from index.elastic import ElasticsearchIndex
from index.elastic_bulk import CHUNK_SIZE, MAX_CHUNK_BYTES
from index.elastic_mapping import KINDS, MAPPING, document_source, version_id, version_source
from index.embedded import EmbeddedIndex


def raw_bulk_rate(client: Elasticsearch, prefix: str, documents: list) -> float:
    """helpers.bulk of prepared records into indices with the same mappings."""
    names = {kind: f"{prefix}-raw-{kind}" for kind in KINDS}
    for kind, name in names.items():
        client.indices.create(index=name, body=MAPPING.body(kind, 1, 0))
    actions = []
    for document in documents:
        first = document.model_copy(update={"version": 1})
        actions.append(
            {
                "_index": names["versions"],
                "_id": version_id(first),
                "_source": version_source(first),
            }
        )
        actions.append(
            {"_index": names["documents"], "_id": first.id, "_source": document_source(first)}
        )
    started = time.perf_counter()
    helpers.bulk(client, actions, chunk_size=CHUNK_SIZE, max_chunk_bytes=MAX_CHUNK_BYTES)
    client.indices.refresh(index=",".join(names.values()))
    return len(documents) / (time.perf_counter() - started)


def ours_rate(index: ElasticsearchIndex, documents: list) -> float:
    started = time.perf_counter()
    report = index.upsert(documents)
    elapsed = time.perf_counter() - started
    assert report.created == len(documents), report
    return len(documents) / elapsed


def _delete(client: Elasticsearch, prefix: str) -> None:
    names = list(client.indices.get(index=f"{prefix}-*").body)
    if names:
        client.indices.delete(index=",".join(names))


def bulk_rounds(client: Elasticsearch, prefix: str, documents: list, rounds: int) -> None:
    """Raw and ours in turn, each into fresh indices; medians, so one noisy round counts less.

    The last round's indices stay (ours under `prefix`) for the search measurements.
    """
    raws, ours = [], []
    for number in range(rounds):
        last = number == rounds - 1
        round_prefix = prefix if last else f"{prefix}-r{number}"
        index = ElasticsearchIndex(
            client, prefix=round_prefix, replicas=0, dead_letter=Path(tempfile.mkdtemp()) / "dl"
        )
        index.setup()
        raws.append(raw_bulk_rate(client, f"{round_prefix}-baseline", documents))
        ours.append(ours_rate(index, documents))
        _delete(client, f"{round_prefix}-baseline")
        if not last:
            _delete(client, round_prefix)
    raw, mine = statistics.median(raws), statistics.median(ours)
    print(f"documents: {len(documents)}; bulk rounds: {rounds} (medians)")
    print(f"bulk rate  raw helpers.bulk: {raw:8.0f} docs/s")
    print(f"bulk rate  our indexer:      {mine:8.0f} docs/s   ratio {mine / raw:.2f} (goal >= 0.9)")
    print("  ratio per round: " + " ".join(f"{o / r:.2f}" for o, r in zip(ours, raws, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k documents instead of 100k")
    parser.add_argument("--url", default="http://127.0.0.1:9200")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the query mix")
    parser.add_argument("--bulk-rounds", type=int, default=3, help="raw/ours bulk pairs")
    arguments = parser.parse_args()
    count = 10_000 if arguments.quick else 100_000
    documents = list(synthetic_documents(count))
    client = Elasticsearch(arguments.url, request_timeout=120)
    prefix = f"t4t-bench-{uuid.uuid4().hex[:8]}"
    index = ElasticsearchIndex(client, prefix=prefix)
    try:
        bulk_rounds(client, prefix, documents, arguments.bulk_rounds)
        elastic = search_latencies(index, arguments.rounds)  # type: ignore[arg-type]
        with tempfile.TemporaryDirectory() as workdir:
            embedded = EmbeddedIndex(Path(workdir) / "index")
            embedded.setup()
            embedded.upsert(documents)
            local = search_latencies(embedded, arguments.rounds)
            embedded.close()
        print(f"query mix: {len(QUERY_MIX)} queries x {arguments.rounds} rounds")
        for name, share in (("p50", 0.5), ("p95", 0.95)):
            es, em = percentile(elastic, share), percentile(local, share)
            print(
                f"search {name}  elasticsearch {es:7.1f} ms   embedded {em:7.1f} ms"
                f"   elasticsearch/embedded {es / em:.2f}"
            )
    finally:
        _delete(client, prefix)
        client.close()


if __name__ == "__main__":
    main()
