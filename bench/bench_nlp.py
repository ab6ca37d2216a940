"""Benchmark of analysis throughput: the encoder's raw forward pass, `embed_passages`, and the
full analysis of 300-word documents, with the encoder's precision and window variants.

    .venv/bin/python bench/bench_nlp.py            # 32 documents, every variant, best of 2
    .venv/bin/python bench/bench_nlp.py --quick    # 8 documents, one repetition

A warm-up pass of every stage runs first and is not counted.

Documents are synthetic: 300 words drawn from Spanish, Portuguese, English and Dutch word
lists (one language each, seeded), with an invented phone number and amount. Stages:

    raw        tokenise ("passage: " + text, cut at 512 tokens) and one forward pass per batch
               of the same size, in input order, mean pooling: the floor any wrapper adds to
    embed      `Encoder.embed_passages` (length sorting, windows, weighting, normalisation)
    analysis   `Analyzer.annotate` (language, entities, indicators, risk) and, unless the
               Analyzer embeds by itself, `embed_passages` of the same texts after it

Every figure is documents/s, best of the repetitions, which run interleaved so that a busy
machine slows every stage alike; ratios are against `raw` float32 of the same run. Quality is
the lowest cosine of a variant's embeddings to float32 512-token ones. Peak RSS is the
process's (ru_maxrss). Figures are printed, never asserted (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import copy
import random
import resource
import time
from collections.abc import Callable

import numpy as np
import torch

from nlp.config import NlpSettings
from nlp.encoder.model import PASSAGE_PREFIX, Encoder, Windowing, quantise_linear_layers
from nlp.pipeline import Analyzer
from nlp.types import TextInput

WORDS = {
    "es": "trabajo exterior pasaporte visa pasaje pagado alojamiento incluido señoritas modelos "
    "hotel restaurante cocina limpieza sueldo fijo contrato empresa agencia compañía eventos "
    "experiencia joven urgente viaje documentos buena presencia pago diario efectivo se busca "
    "para en con por de la el los las una un que muy sin requisito escribir mensaje",
    "pt": "trabalho exterior passaporte visto passagem paga moradia incluída moças modelos hotel "
    "restaurante cozinha limpeza salário fixo contrato empresa agência eventos experiência "
    "jovem urgente viagem documentos precisa-se para em com por de da do uma um que sem",
    "en": "work abroad passport visa ticket paid housing included girls models hostesses hotel "
    "restaurant kitchen cleaning salary contract company agency events experience young urgent "
    "travel documents requirements daily cash hiring for in with by of the a an that no",
    "nl": "werk buitenland paspoort visum ticket betaald woning inbegrepen meisjes modellen hotel "
    "restaurant keuken schoonmaak salaris contract bedrijf bureau evenementen ervaring jong "
    "dringend reis documenten gezocht voor in met door van de het een dat geen goed",
}
COUNTRIES = {"es": "VE", "pt": "BR", "en": "TT", "nl": "CW"}


def synthetic_documents(count: int, words: int = 300, seed: int = 3) -> list[TextInput]:
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        language = list(WORDS)[number % len(WORDS)]
        vocabulary = WORDS[language].split()
        body = " ".join(rng.choices(vocabulary, k=words - 8))
        contact = f"WhatsApp +58 412 555 {number % 10000:04d}, pago 1.500 USD."
        documents.append(
            TextInput(
                fields={
                    "title": " ".join(rng.choices(vocabulary, k=6)),
                    "text": f"{body} {contact}",
                },
                country=COUNTRIES[language],
            )
        )
    return documents


def raw_forward(encoder: Encoder, texts: list[str], batch_size: int) -> np.ndarray:
    """Tokenise with truncation and run the model, batch by batch in input order."""
    out = []
    for start in range(0, len(texts), batch_size):
        chunk = [PASSAGE_PREFIX + text for text in texts[start : start + batch_size]]
        ids = [encoding.ids[:511] + encoding.ids[-1:] for encoding in _encode(encoder, chunk)]
        out.append(encoder.forward(ids))
    return np.concatenate(out)


def _encode(encoder: Encoder, texts: list[str]) -> list:
    return encoder.tokenizer.encode_batch(texts)


def encoder_variants(base: Encoder, wanted: set[str] | None) -> dict[str, Encoder]:
    """The loaded float32 model in the precisions and window plans worth comparing."""
    plans = {
        "float32 512": ("float32", {}),
        "bfloat16 512": ("bfloat16", {}),
        "int8 512": ("int8", {}),
        "bfloat16 256x1": ("bfloat16", {"max_tokens": 256, "overlap": 32, "max_windows": 1}),
        "bfloat16 128x1": ("bfloat16", {"max_tokens": 128, "overlap": 16, "max_windows": 1}),
    }
    models: dict[str, torch.nn.Module] = {"float32": base.model}
    variants = {}
    for name, (precision, plan) in plans.items():
        if wanted and name not in wanted and name != "float32 512":
            continue
        if precision not in models:
            copied = copy.deepcopy(base.model)
            models[precision] = (
                quantise_linear_layers(copied) if precision == "int8" else copied.to(torch.bfloat16)
            )
        windowing = Windowing(**plan) if plan else None
        variants[name] = Encoder(
            models[precision], base.tokenizer, name=base.name, windowing=windowing
        )
    return variants


def best_rates(stages: dict[str, Callable[[], object]], count: int, repeats: int) -> dict:
    for stage in stages.values():
        stage()  # warm-up: first calls allocate and pick kernels
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeats):
        for name, stage in stages.items():
            started = time.perf_counter()
            stage()
            times[name].append(time.perf_counter() - started)
    return {name: count / min(spent) for name, spent in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 documents, one repetition")
    parser.add_argument("--documents", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument(
        "--variants", default="", help="comma-separated variant names to run (default: all)"
    )
    options = parser.parse_args()
    count, repeats = (8, 1) if options.quick else (options.documents, options.repeats)
    if options.threads:
        torch.set_num_threads(options.threads)
    started = time.perf_counter()
    base = Encoder.load(NlpSettings(encoder_precision="float32"))
    loaded = time.perf_counter() - started
    print(
        f"encoder loaded in {loaded:.1f} s; {torch.get_num_threads()} torch threads; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    documents = synthetic_documents(count)
    texts = [f"{d.fields['title']}\n{d.fields['text']}" for d in documents]
    tokens = [len(base.tokenizer.encode(PASSAGE_PREFIX + text).ids) for text in texts]
    print(
        f"{count} documents of 300 words, {np.mean(tokens):.0f} tokens on average "
        f"(max {max(tokens)}), batch size {options.batch_size}, best of {repeats}"
    )

    wanted = {name.strip() for name in options.variants.split(",") if name.strip()}
    variants = encoder_variants(base, wanted)
    reference = base.embed_passages(texts)
    stages: dict[str, Callable[[], object]] = {}
    for name, encoder in variants.items():
        if name.endswith(" 512"):
            stages[f"raw {name}"] = lambda e=encoder: raw_forward(e, texts, options.batch_size)
        stages[f"embed {name}"] = lambda e=encoder: e.embed_passages(texts, options.batch_size)
    analyzer = Analyzer.from_settings(NlpSettings())
    without_encoder = Analyzer(NlpSettings())
    embeds_itself = analyzer.annotate(documents[:1])[0].classifier is not None
    chosen = "bfloat16 512" if "bfloat16 512" in variants else "float32 512"
    fastest = variants[chosen]
    stages[f"analysis ({chosen})"] = lambda: (
        analyzer.annotate(documents),
        None if embeds_itself else fastest.embed_passages(texts, options.batch_size),
    )
    stages["analysis without encoder"] = lambda: without_encoder.annotate(documents)
    rates = best_rates(stages, count, repeats)
    quality = {
        name: float(np.min(np.sum(e.embed_passages(texts) * reference, axis=1)))
        for name, e in variants.items()
    }
    baseline = rates["raw float32 512"]
    print(f"\n{'stage':34} {'docs/s':>8} {'x raw f32':>10} {'min cos':>8}")
    for name, rate in rates.items():
        variant = name.split(" ", 1)[1] if name.startswith(("raw ", "embed ")) else None
        cosine = f"{quality[variant]:.4f}" if variant in quality else ""
        print(f"{name:34} {rate:8.2f} {rate / baseline:10.2f} {cosine:>8}")
    for precision in [name for name in variants if name.endswith(" 512")]:
        ratio = rates[f"embed {precision}"] / rates[f"raw {precision}"]
        print(f"embed_passages / raw forward, {precision}: {ratio:.2f}")
    full = (
        rates["analysis (bfloat16 512)"]
        / rates[f"raw {'bfloat16 512' if 'bfloat16 512' in variants else 'float32 512'}"]
    )
    print(f"full analysis / raw bfloat16 forward: {full:.2f}")
    print(
        "analysis ran: language, entities, indicators, risk"
        + (
            ", classifier (inside the Analyzer)"
            if embeds_itself
            else "; the Analyzer does not embed yet, so embed_passages ran after it"
        )
    )
    print(
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
        f"({len({id(e.model) for e in variants.values()})} encoder models held at once)"
    )


if __name__ == "__main__":
    main()
