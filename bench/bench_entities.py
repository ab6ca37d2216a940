"""Benchmark of entity extraction on 300-word synthetic ads: rate and memory.

    .venv/bin/python bench/bench_entities.py            # 300 documents per language
    .venv/bin/python bench/bench_entities.py --quick    # 60, a smoke run

Documents (Spanish, Portuguese, English; 300 words from an ad vocabulary with invented phones,
e-mails, links, handles, salaries, ages, names and corridor places) are generated with a fixed
seed. Measured in one run, on the same documents:

- baseline: the old facade, phones and e-mails only (nlp.entities.phones + the e-mail pattern);
- rules: every finder and the gazetteer, no spaCy (how pt, nl and pap are read);
- full: with the spaCy pipeline where the language has one, parsing each field itself;
- parsed: the same with the Docs handed in (`parsed=`), as the analyser does after parsing a
  batch with `nlp.pipe`: the cost of entity extraction proper.

It prints documents/s and entities/s of each and their ratio to the baseline, the one-off
cost of building the gazetteer (seconds, and the process's peak memory before and after), and
the peak Python allocation while extracting. Figures are printed, never asserted (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import random
import resource
import time
import tracemalloc
from collections.abc import Callable

from nlp.entities.contacts import find_emails
from nlp.entities.extraction import extract_entities
from nlp.entities.phones import find_phones
from nlp.entities.places import corridor_gazetteer
from nlp.language.spacy_pipelines import LanguagePipelines

WORDS = {
    "es": "trabajo exterior pasaporte pasaje pagado alojamiento incluido señoritas modelos "
    "anfitrionas hotel restaurante cocina limpieza sueldo fijo contrato empresa agencia "
    "compañía damas eventos experiencia joven urgente viaje documentos enviar foto edad "
    "requisitos buena presencia pago diario efectivo interesadas escribir llamar",
    "pt": "trabalho exterior passaporte passagem paga moradia incluída moças modelos hotel "
    "restaurante cozinha limpeza salário fixo contrato empresa agência eventos experiência "
    "jovem urgente viagem documentos foto idade interessadas ligar enviar",
    "en": "work abroad passport ticket paid housing included girls models hostesses hotel "
    "restaurant kitchen cleaning salary contract company agency events experience young "
    "urgent travel documents photo age requirements daily cash interested call send",
}
INSERTS = {
    "es": [
        "Llama al 0412 555 01{n:02d}.",
        "Escribe a empleos{n}@example.com.",
        "Sueldo US$ 1.{n:02d}0 mensuales.",
        "Chicas de 18 a 25 años.",
        "Trabajo en Curazao, viaje desde Maracaibo.",
        "Contactar a la Sra. Yelitza Marcano.",
        "Telegram: @empleos_caribe{n}",
        "Empresa Turismo Caribe C.A.",
    ],
    "pt": [
        "WhatsApp (95) 99555-01{n:02d}.",
        "Contato: vagas{n}@example.com.br.",
        "Salário R$ 2.{n:02d}0 por mês.",
        "Moças entre 18 e 30 anos.",
        "Vagas em Boa Vista e Manaus.",
        "Falar com a Sra. Francisca Albuquerque.",
        "https://t.me/vagas_norte{n}",
        "Agência Estrela do Norte.",
    ],
    "en": [
        "Call +1 868 755 01{n:02d}.",
        "Email jobs{n}@example.com.",
        "Pay TT$ 4,{n:02d}0 monthly.",
        "Ladies aged 18 to 25.",
        "Work in Port of Spain and Chaguanas.",
        "Contact Mr. Desmond Achong.",
        "Instagram @island_jobs{n}",
        "Caribbean Staffing Ltd is hiring.",
    ],
}
COUNTRY = {"es": "VE", "pt": "BR", "en": "TT"}


def make_documents(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(language, 300-word text) pairs with one of each insert per document."""
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        language = ("es", "pt", "en")[number % 3]
        words = rng.choices(WORDS[language].split(), k=300 - 8 * 6)
        for insert in INSERTS[language]:
            position = rng.randrange(len(words))
            words.insert(position, insert.format(n=number % 100))
        documents.append((language, " ".join(words)))
    return documents


def baseline(language: str, text: str) -> int:
    return len(find_phones(text, COUNTRY[language])) + len(find_emails(text))


def rules_only(language: str, text: str) -> int:
    return len(extract_entities({"text": text}, COUNTRY[language], "und"))


def full(language: str, text: str) -> int:
    return len(extract_entities({"text": text}, COUNTRY[language], language))


def measure(name: str, extract: Callable[[str, str], int], documents: list) -> float:
    tracemalloc.start()
    started = time.perf_counter()
    found = sum(extract(language, text) for language, text in documents)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = len(documents) / elapsed
    print(
        f"{name:9s} {rate:8.1f} docs/s {found / elapsed:9.1f} entities/s "
        f"({found / len(documents):.1f} per doc), peak allocation {peak / 2**20:.1f} MiB"
    )
    return rate


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 documents instead of 900")
    documents = make_documents(60 if parser.parse_args().quick else 900)

    before = peak_rss_mib()
    started = time.perf_counter()
    gazetteer = corridor_gazetteer()
    print(
        f"gazetteer: {len(gazetteer)} names built in {time.perf_counter() - started:.2f} s; "
        f"process peak {before:.0f} -> {peak_rss_mib():.0f} MiB"
    )
    pipelines = LanguagePipelines()
    for language in ("es", "en"):
        pipelines.get(language)
    full(*documents[0])  # the facade's own pipelines load here, outside the timing

    print(f"{len(documents)} documents of 300 words (es, pt, en)")
    base = measure("baseline", baseline, documents)
    rules = measure("rules", rules_only, documents)
    complete = measure("full", full, documents)
    docs = {}
    for language in ("es", "en"):
        texts = [text for lang, text in documents if lang == language]
        docs.update(zip(texts, pipelines.parse(texts, language), strict=True))

    def with_docs(language: str, text: str) -> int:
        parsed = {"text": docs[text]} if text in docs else None
        return len(extract_entities({"text": text}, COUNTRY[language], language, parsed))

    given = measure("parsed", with_docs, documents)
    print(
        f"ratios to baseline: rules {rules / base:.2f}x, full {complete / base:.2f}x, "
        f"parsed {given / base:.2f}x"
    )
    print(f"process peak memory {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
