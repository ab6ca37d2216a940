"""Benchmark of the Elasticsearch backend against raw `helpers.bulk` and the embedded index.

    scripts/es-node start
    .venv/bin/python bench/bench_elastic.py           # 100k documents
    .venv/bin/python bench/bench_elastic.py --quick   # 10k documents

1. Bulk rate: the same synthetic documents (bench_embedded_index.py) written through our
   indexer (`ElasticsearchIndex.upsert`: mget of the stored versions, the shared text analysis,
   two records per document, retries, refresh) and through raw `helpers.bulk` of the very
   sources our indexer sends to the documents index, prepared beforehand (no analysis, no
   version records, no refresh): the ratio says what our bookkeeping costs. Goal: >= 0.9.
2. Search: p50/p95 of the same query mix on Elasticsearch and on the embedded index holding the
   same documents, and their ratio.

Figures are printed, never asserted. Indices are created under a unique prefix and deleted.
"""

from __future__ import annotations

import argparse
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
from index.elastic_mapping import MAPPING, document_source
from index.embedded import EmbeddedIndex


def raw_bulk_rate(client: Elasticsearch, prefix: str, documents: list) -> float:
    """helpers.bulk of prepared sources into an index with the same mapping."""
    name = f"{prefix}-raw"
    client.indices.create(index=name, body=MAPPING.body("documents", 1, 0))
    actions = [
        {
            "_index": name,
            "_id": d.id,
            "_source": document_source(d.model_copy(update={"version": 1})),
        }
        for d in documents
    ]
    started = time.perf_counter()
    helpers.bulk(client, actions, chunk_size=1000, max_chunk_bytes=20 * 1024 * 1024)
    return len(actions) / (time.perf_counter() - started)


def ours_rate(index: ElasticsearchIndex, documents: list) -> float:
    started = time.perf_counter()
    report = index.upsert(documents)
    elapsed = time.perf_counter() - started
    assert report.created == len(documents), report
    return len(documents) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k documents instead of 100k")
    parser.add_argument("--url", default="http://127.0.0.1:9200")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the query mix")
    arguments = parser.parse_args()
    count = 10_000 if arguments.quick else 100_000
    documents = list(synthetic_documents(count))
    client = Elasticsearch(arguments.url, request_timeout=120)
    prefix = f"t4t-bench-{uuid.uuid4().hex[:8]}"
    index = ElasticsearchIndex(
        client, prefix=prefix, replicas=0, dead_letter=Path(tempfile.mkdtemp()) / "dead.jsonl"
    )
    try:
        index.setup()
        raw = raw_bulk_rate(client, prefix, documents)
        ours = ours_rate(index, documents)
        print(f"documents: {count}")
        print(f"bulk rate  raw helpers.bulk: {raw:8.0f} docs/s")
        print(
            f"bulk rate  our indexer:      {ours:8.0f} docs/s   "
            f"ratio {ours / raw:.2f} (goal >= 0.9)"
        )
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
        names = list(client.indices.get(index=f"{prefix}-*").body)
        if names:
            client.indices.delete(index=",".join(names))
        client.close()


if __name__ == "__main__":
    main()
