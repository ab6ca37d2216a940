"""Benchmark of analysis throughput and quality per encoder variant: torch float32, bfloat16
and dynamic int8, ONNX Runtime float32 and int8, and truncation at 512/256/128 tokens.

    .venv/bin/python bench/bench_nlp.py            # 32 documents, 60 real items, best of 2
    .venv/bin/python bench/bench_nlp.py --quick    # 8 documents, one repetition

For each variant, one after the other (each loaded, measured, released), it prints:

    raw        documents/s of tokenising ("passage: " + text, cut at the variant's window) and
               one forward pass per batch in input order with mean pooling: the floor
    full       documents/s of `Analyzer.annotate` (language, entities, indicators, the shipped
               risk model reading this variant's embeddings, risk), and full/raw
    cos        lowest cosine of its embeddings of the documents to torch float32 512's
    PR-AUC     the shipped risk model (models/risk-real-linear, lexical + encoder) on a fixed
               seeded subset of the real labelled items (labels/realdev, texts read from
               ../shared/data/realtext), mean over its three labels; "enc PR" the same for
               the embedding half of its logits alone, and its change against torch float32
               512; "max dp" the largest change of a shipped probability against it. The
               model was trained on these items, so the figures are in-sample: they measure
               how much a variant moves the shipped head's scores, not generalisation
               (tests/nlp/test_quality_gate.py does that, out of fold).
    RSS        peak resident memory while the variant was measured (VmHWM, reset before it)

Documents are synthetic: 300 words drawn from Spanish, Portuguese, English and Dutch word
lists (one language each, seeded), with an invented phone number and amount. A warm-up pass
runs before timing. "analysis without encoder" (risk on the lexical part is not possible with
the shipped model, so: no classifier) is timed first and last; ratios are against torch
float32 512's raw rate in the same run. Figures are printed, never asserted (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import average_precision_score

from nlp.classifier.labelled_data import LabelledExample
from nlp.classifier.linear import LinearRiskModel
from nlp.classifier.realdev import read_realdev
from nlp.classifier.text_preparation import prepare_for_classifier
from nlp.config import NlpSettings
from nlp.encoder.model import PASSAGE_PREFIX, Encoder
from nlp.pipeline import Analyzer
from nlp.types import TextInput

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RISK_MODEL = ROOT / "models" / "risk-real-linear"
# name: (runtime, precision, max tokens, overlap, max windows); the first is the reference.
VARIANTS = {
    "torch float32 512": ("torch", "float32", 512, 64, 8),
    "torch bfloat16 512": ("torch", "bfloat16", 512, 64, 8),
    "torch int8 512": ("torch", "int8", 512, 64, 8),
    "onnx float32 512": ("onnx", "float32", 512, 64, 8),
    "onnx int8 512": ("onnx", "int8", 512, 64, 8),
    "onnx float32 256x1": ("onnx", "float32", 256, 32, 1),
    "onnx float32 128x1": ("onnx", "float32", 128, 16, 1),
    "onnx int8 256x1": ("onnx", "int8", 256, 32, 1),
    "onnx int8 128x1": ("onnx", "int8", 128, 16, 1),
}
REFERENCE = "torch float32 512"

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
    """Tokenise with truncation at the variant's window and run the model, in input order."""
    keep = encoder.windowing.max_tokens - 1
    out = []
    for start in range(0, len(texts), batch_size):
        chunk = [PASSAGE_PREFIX + text for text in texts[start : start + batch_size]]
        encodings = encoder.tokenizer.encode_batch(chunk)
        out.append(encoder.forward([e.ids[:keep] + e.ids[-1:] for e in encodings]))
    return np.concatenate(out)


def variant_settings(name: str, threads: int) -> NlpSettings:
    runtime, precision, tokens, overlap, windows = VARIANTS[name]
    return NlpSettings(
        encoder_runtime=runtime,
        encoder_precision=precision,
        encoder_max_tokens=tokens,
        encoder_window_overlap=overlap,
        encoder_max_windows=windows,
        encoder_threads=threads,
    )


def real_subset(size: int, seed: int = 0) -> list[LabelledExample]:
    """A fixed seeded sample of the real labelled items (both classes of every label kept)."""
    items = read_realdev(ROOT / "labels" / "realdev" / "labels.jsonl", SHARED / "realtext")
    return random.Random(seed).sample(items, min(size, len(items)))


@dataclass
class Quality:
    full: float  # mean PR-AUC of the shipped model's probabilities
    encoder_part: float  # mean PR-AUC of the embedding half of its logits alone
    probabilities: np.ndarray


def shipped_quality(
    model: LinearRiskModel, items: list[LabelledExample], vectors: np.ndarray
) -> Quality:
    """Mean over labels of the shipped head's PR-AUC on `items` with these embeddings."""
    probabilities = model.probabilities([item.text for item in items], vectors)
    standardised = model._standardised(vectors)
    full, part = [], []
    for column, (label, spec) in enumerate(model.config.labels.items()):
        rows = [row for row, item in enumerate(items) if item.labels.get(label) is not None]
        truth = [items[row].labels[label] for row in rows]
        if not 0 < sum(truth) < len(truth) or "encoder" not in spec.features:
            continue
        width = standardised.shape[1]
        scale = 1 / np.sqrt(width) if spec.features != "encoder" else 1.0
        logits = standardised @ model.weights[f"{label}.coef"][-width:] * scale
        full.append(average_precision_score(truth, probabilities[rows, column]))
        part.append(average_precision_score(truth, logits[rows]))
    return Quality(float(np.mean(full)), float(np.mean(part)), probabilities)


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


def _reset_peak_rss() -> None:
    # Writing 5 to clear_refs resets VmHWM (Linux), so each variant's peak is its own.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Row:
    raw: float
    full: float
    cosine: float
    quality: Quality
    change: float  # largest change of a shipped probability against the reference variant
    rss: float
    loaded: float


@dataclass
class Workload:
    documents: list[TextInput]
    texts: list[str]
    real: list[LabelledExample]
    model: LinearRiskModel
    reference: np.ndarray | None = None
    reference_probabilities: np.ndarray | None = None
    batch_size: int = 16
    repeats: int = 1
    threads: int = 0


def measure(name: str, work: Workload) -> Row:
    _reset_peak_rss()
    started = time.perf_counter()
    encoder = Encoder.load(variant_settings(name, work.threads))
    loaded = time.perf_counter() - started
    work.model.encoder = encoder  # on purpose without the identity check: it is what we measure
    analyzer = Analyzer(NlpSettings(), classifier=work.model)
    stages = {
        "raw": lambda: raw_forward(encoder, work.texts, work.batch_size),
        "full": lambda: analyzer.annotate(work.documents),
    }
    rates = best_rates(stages, len(work.texts), work.repeats)
    vectors = encoder.embed_passages(work.texts)
    if work.reference is None:
        work.reference = vectors
    prepared = [
        prepare_for_classifier(i.text, False, work.model.config.max_words) for i in work.real
    ]
    quality = shipped_quality(work.model, work.real, encoder.embed_passages(prepared))
    if work.reference_probabilities is None:
        work.reference_probabilities = quality.probabilities
    change = float(np.max(np.abs(quality.probabilities - work.reference_probabilities)))
    cosine = float(np.min(np.sum(vectors * work.reference, axis=1)))
    row = Row(rates["raw"], rates["full"], cosine, quality, change, _peak_rss_mb(), loaded)
    work.model.encoder = None
    _release()
    return row


def _release() -> None:
    from nlp.encoder import model as encoder_module

    encoder_module._loaded.clear()  # one variant in memory at a time
    gc.collect()


def report(rows: dict[str, Row], without: list[float]) -> None:
    base = rows[REFERENCE]
    print(
        f"\n{'variant':20} {'raw/s':>6} {'full/s':>6} {'full/raw':>8} {'x ref':>6} "
        f"{'min cos':>7} {'PR-AUC':>6} {'enc PR':>6} {'dEncPR':>6} {'max dp':>6} "
        f"{'RSS MB':>6} {'load s':>6}"
    )
    for name, row in rows.items():
        drop = row.quality.encoder_part - base.quality.encoder_part
        print(
            f"{name:20} {row.raw:6.2f} {row.full:6.2f} {row.full / row.raw:8.2f} "
            f"{row.full / base.full:6.2f} {row.cosine:7.4f} {row.quality.full:6.3f} "
            f"{row.quality.encoder_part:6.3f} {drop:+6.3f} {row.change:6.3f} "
            f"{row.rss:6.0f} {row.loaded:6.1f}"
        )
    print(f"analysis without encoder: {' then '.join(f'{rate:.2f}' for rate in without)} docs/s")
    eligible = [
        name
        for name, row in rows.items()
        if base.quality.encoder_part - row.quality.encoder_part <= 0.01
        and base.quality.full - row.quality.full <= 0.01
    ]
    fastest = max(eligible, key=lambda name: rows[name].full)
    print(f"fastest full analysis within 0.01 PR-AUC of {REFERENCE}: {fastest}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 documents, one repetition")
    parser.add_argument("--documents", type=int, default=32)
    parser.add_argument("--real-items", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=0, help="encoder threads (0: default)")
    parser.add_argument("--variants", default="", help="comma-separated names (default: all)")
    options = parser.parse_args()
    count, repeats, real = (
        (8, 1, options.real_items)
        if options.quick
        else (options.documents, options.repeats, options.real_items)
    )
    documents = synthetic_documents(count)
    work = Workload(
        documents=documents,
        texts=[f"{d.fields['title']}\n{d.fields['text']}" for d in documents],
        real=real_subset(real),
        model=LinearRiskModel.load(RISK_MODEL),
        batch_size=options.batch_size,
        repeats=repeats,
        threads=options.threads,
    )
    wanted = [n.strip() for n in options.variants.split(",") if n.strip()] or list(VARIANTS)
    names = [REFERENCE, *[name for name in wanted if name != REFERENCE]]
    print(
        f"{count} synthetic documents of 300 words, {len(work.real)} real labelled items, "
        f"batch size {options.batch_size}, best of {repeats}, {torch.get_num_threads()} threads"
    )
    plain = Analyzer(NlpSettings(risk_model=None))
    without = [best_rates({"w": lambda: plain.annotate(documents)}, count, repeats)["w"]]
    rows = {}
    for name in names:
        rows[name] = measure(name, work)
        print(f"  measured {name}", flush=True)
    without.append(best_rates({"w": lambda: plain.annotate(documents)}, count, repeats)["w"])
    report(rows, without)


if __name__ == "__main__":
    main()
