"""Benchmark of indicator matching: documents per second on ~300-word ads, by language.

    .venv/bin/python bench/bench_indicators.py            # 200 documents per language
    .venv/bin/python bench/bench_indicators.py --docs 40  # a smoke run

Synthetic 300-word documents are drawn from a vocabulary of recruitment-ad words (with the
taxonomy's lures mixed in). For each language the run measures, in the same process:
plain `nlp.pipe` over the texts (the baseline: parsing alone), then parsing plus
`Taxonomy.find_in_doc` with the detected language's patterns and with every language's
patterns (the default). It prints docs/s and the ratio to the baseline; never asserted.
"""

from __future__ import annotations

import argparse
import random
import time

from nlp.indicators.matching import load_taxonomy
from nlp.language.spacy_pipelines import LanguagePipelines

_VOCABULARY = {
    "es": "trabajo en el exterior pasaporte visa pasajes pagados alojamiento incluido señoritas "
    "modelos anfitrionas hotel restaurante cocina limpieza sueldo fijo contrato empresa agencia "
    "damas de compañía eventos sin experiencia joven urgente viaje documentos Lima Curazao la "
    "el y de para con solo por WhatsApp enviar foto edad 18 a 25 años buena presencia pago",
    "pt": "trabalho no exterior passaporte visto passagem paga moradia inclusa moças modelos "
    "hotel restaurante cozinha limpeza salário fixo contrato empresa agência eventos sem "
    "experiência jovem urgente viagem documentos Aruba o a de para com WhatsApp foto idade",
    "en": "work abroad passport visa free flights housing provided girls models hostesses hotel "
    "restaurant kitchen cleaning salary contract company agency events no experience young "
    "urgent travel documents Trinidad the a of for with WhatsApp only photo aged 18 to 25",
}


def _documents(language: str, count: int, words: int = 300) -> list[str]:
    rng = random.Random(7)
    vocabulary = _VOCABULARY[language].split()
    return [" ".join(rng.choice(vocabulary) for _ in range(words)) for _ in range(count)]


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="documents per language")
    args = parser.parse_args()
    pipelines = LanguagePipelines()
    taxonomy = load_taxonomy(pipelines=pipelines)
    print(f"taxonomy {taxonomy.version}: {len(taxonomy.indicators)} indicators")
    for language in ("es", "pt", "en"):
        texts = _documents(language, args.docs)
        nlp = pipelines.get(language)
        list(nlp.pipe(texts[:5]))  # warm-up: first batch allocations
        taxonomy.find(texts[0], language)  # warm-up: matchers compile for this vocabulary
        started = time.perf_counter()
        docs = list(nlp.pipe(texts, batch_size=pipelines.batch_size))
        parse_seconds = time.perf_counter() - started
        rows = [("parse only (baseline)", parse_seconds, 0)]
        for label, everything in (("own language", False), ("all languages", True)):
            started = time.perf_counter()
            hits = sum(
                len(taxonomy.find_in_doc(doc, language, all_languages=everything)) for doc in docs
            )
            rows.append(
                (f"parse + match, {label}", parse_seconds + time.perf_counter() - started, hits)
            )
        baseline = _rate(len(texts), parse_seconds)
        for label, seconds, hits in rows:
            rate = _rate(len(texts), seconds)
            print(
                f"{language}  {label:<32} {rate:8.1f} docs/s  {rate / baseline:5.2f}x  hits={hits}"
            )


if __name__ == "__main__":
    main()
