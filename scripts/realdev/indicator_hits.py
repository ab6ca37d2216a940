"""The indicators' false-positive profile on real text, as analysis would find them.

    .venv/bin/python scripts/realdev/indicator_hits.py [--realtext ../shared/data/realtext]
        [--unlabelled-limit N] [--show INDICATOR] [--foreign] [--cache DIR]

For every indicator: ads (labels/realdev/labels.jsonl) with at least one hit among the ordinary
labelled ads (trafficking_risk 0 and recruitment_fraud 0) and among the risky ones
(trafficking_risk 1), then hits per 1000 unlabelled job ads (jobs_*.jsonl rows the labels do
not name, presumed ordinary). Language and matching are those of nlp/pipeline.py: the language
of the whole item, its pipeline's parse, `find_in_doc` with `match_all_languages` as configured.
`--show` prints the evidence of one indicator on ordinary ads, to see what fires wrongly;
`--foreign` the hits of another language's patterns than the ad's (quoted or mixed text);
`--cache` keeps the parsed Docs between runs (parsing is most of the time).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, DocBin

from nlp.classifier.realdev import item_text, read_realdev
from nlp.config import NlpSettings
from nlp.indicators.matching import Taxonomy, load_taxonomy
from nlp.language.identification import LanguageIdentifier
from nlp.risk import assess
from nlp.types import IndicatorHit, RiskLabel, TextKind

ROOT = Path(__file__).resolve().parents[2]
REALTEXT = ROOT.parent / "shared" / "data" / "realtext"
LABELS = ROOT / "labels" / "realdev" / "labels.jsonl"
JOB_FILES = "jobs_*.jsonl"
# What matching reads from a Doc: folded words, lemmas and sentence starts.
DOC_ATTRIBUTES = ["ORTH", "NORM", "LEMMA", "POS", "MORPH", "SENT_START"]


# Labelled ads by their labels: ordinary (risk 0, fraud 0), risky (risk 1), fraud only.
GROUPS = ("ordinary", "risky", "fraud")


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    group: str  # "ordinary", "risky", "fraud" (fraud only) or "unlabelled"


def labelled_ads(realtext: Path) -> list[Item]:
    items = []
    for example in read_realdev(LABELS, realtext):
        if example.kind != "ad":
            continue
        if example.labels["trafficking_risk"] == 1:
            group = "risky"
        elif example.labels["recruitment_fraud"] == 0:
            group = "ordinary"
        else:
            group = "fraud"
        items.append(Item(example.id, example.text, group))
    return items


def unlabelled_ads(realtext: Path, labelled: set[str], limit: int | None) -> list[Item]:
    items = []
    for path in sorted(realtext.glob(JOB_FILES)):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                key = f"{path.name}#{row['id']}"
                if key not in labelled and (text := item_text(row)):
                    items.append(Item(key, text, "unlabelled"))
    return items[:limit] if limit else items


class Matcher:
    """Language identification, parse and matching as nlp/pipeline.py does them."""

    def __init__(self, settings: NlpSettings, cache: Path | None) -> None:
        self.settings = settings
        self.taxonomy: Taxonomy = load_taxonomy(settings.taxonomy_path)
        self.identifier = LanguageIdentifier(
            seed=settings.seed,
            min_confidence=settings.language_min_confidence,
            min_letters=settings.language_min_letters,
            languages=settings.languages,
            backend=settings.language_backend,
            papiamento_min_confidence=settings.papiamento_min_confidence,
        )
        self.cache = cache
        self.foreign: list[tuple[Item, str, IndicatorHit]] = []

    def hits(self, items: list[Item], name: str) -> list[list[IndicatorHit]]:
        """Each item's hits; a hit's `language` is the patterns' language, which differs from
        the item's where it quotes or mixes another (`foreign`)."""
        languages = [self.identifier.identify(item.text)[0] for item in items]
        docs = self._docs(items, languages, name)
        found = []
        for item, doc, language in zip(items, docs, languages, strict=True):
            hits = self.taxonomy.find_in_doc(
                doc, language, all_languages=self.settings.match_all_languages
            )
            self.foreign += [(item, language, hit) for hit in hits if hit.language != language]
            found.append(hits)
        return found

    def _docs(self, items: list[Item], languages: list[str], name: str) -> list[Doc]:
        docs: list[Doc | None] = [None] * len(items)
        cap = self.settings.max_parsed_chars
        for language in dict.fromkeys(languages):
            positions = [i for i, found in enumerate(languages) if found == language]
            texts = [items[i].text[:cap] for i in positions]
            parsed = self._cached(name, language, texts)
            for position, doc in zip(positions, parsed, strict=True):
                docs[position] = doc
        return [doc for doc in docs if doc is not None]

    def _cached(self, name: str, language: str, texts: list[str]) -> list[Doc]:
        nlp = self.taxonomy.pipelines.get(language)
        path = self.cache / f"{name}-{language}.spacy" if self.cache else None
        if path is not None and path.exists():
            docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
            if [doc.text for doc in docs] == texts:
                return docs
        docs = self.taxonomy.pipelines.parse(texts, language)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            DocBin(attrs=DOC_ATTRIBUTES, docs=docs).to_disk(path)
        return docs


def ads_with_hit(items: list[Item], found: list[list[IndicatorHit]]) -> dict[str, Counter[str]]:
    """Per group, how many items each indicator fires on (once per item)."""
    counts: dict[str, Counter[str]] = {}
    for item, hits in zip(items, found, strict=True):
        counts.setdefault(item.group, Counter()).update({hit.indicator for hit in hits})
    return counts


def print_profile(
    labelled: dict[str, Counter[str]], totals: Counter[str], rate: Counter[str], unlabelled: int
) -> None:
    ordinary, risky, fraud = (labelled.get(group, Counter()) for group in GROUPS)
    ids = sorted(set().union(ordinary, risky, fraud, rate), key=lambda i: (-ordinary[i], i))
    sizes = ", ".join(f"{group} {totals[group]}" for group in GROUPS)
    print(f"ads with a hit, of: {sizes}; per 1000 of {unlabelled} unlabelled job ads")
    print(f"{'indicator':34} {'ordinary':>8} {'risky':>6} {'fraud':>6} {'per1000':>8}")
    for indicator in ids:
        per_1000 = 1000 * rate[indicator] / max(unlabelled, 1)
        print(
            f"{indicator:34} {ordinary[indicator]:>8} {risky[indicator]:>6} "
            f"{fraud[indicator]:>6} {per_1000:>8.1f}"
        )


def print_risk_bands(items: list[Item], found: list[list[IndicatorHit]]) -> None:
    """How many ads of each group the indicators alone (no classifier) put at medium or above:
    what the hits weigh together, not one by one."""
    at_medium: Counter[str] = Counter()
    for item, hits in zip(items, found, strict=True):
        label = assess(hits, kind=TextKind.JOB_BOARD).label
        at_medium[item.group] += label in (RiskLabel.MEDIUM, RiskLabel.HIGH)
    totals = Counter(item.group for item in items)
    bands = ", ".join(f"{group} {at_medium[group]} of {totals[group]}" for group in totals)
    print(f"at medium risk or above on indicators alone: {bands}")


def print_evidence(
    items: Iterable[Item], found: Iterable[list[IndicatorHit]], indicator: str
) -> None:
    for item, hits in zip(items, found, strict=True):
        for hit in hits:
            if hit.indicator == indicator and item.group in {"ordinary", "unlabelled"}:
                context = item.text[max(0, hit.start - 50) : hit.end + 50].replace("\n", " ")
                print(f"{item.group:10} {item.id:60} {hit.language} [{hit.evidence}] …{context}…")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realtext", type=Path, default=REALTEXT)
    parser.add_argument("--unlabelled-limit", type=int, default=None)
    parser.add_argument("--show", action="append", default=[], help="indicator to print")
    parser.add_argument("--foreign", action="store_true", help="print those hits")
    parser.add_argument("--cache", type=Path, default=None, help="folder for parsed Docs")
    args = parser.parse_args()
    matcher = Matcher(NlpSettings(), args.cache)
    labelled = labelled_ads(args.realtext)
    labelled_ids = {item.id for item in labelled}
    unlabelled = unlabelled_ads(args.realtext, labelled_ids, args.unlabelled_limit)
    labelled_found = matcher.hits(labelled, "labelled")
    unlabelled_found = matcher.hits(unlabelled, "unlabelled")
    rate = ads_with_hit(unlabelled, unlabelled_found).get("unlabelled", Counter())
    totals = Counter(item.group for item in labelled)
    print_profile(ads_with_hit(labelled, labelled_found), totals, rate, len(unlabelled))
    print_risk_bands([*labelled, *unlabelled], [*labelled_found, *unlabelled_found])
    print(f"hits by another language's patterns than the ad's: {len(matcher.foreign)}")
    if args.foreign:
        for item, language, hit in matcher.foreign:
            print(
                f"{item.group:10} {item.id:60} {language}->{hit.language} {hit.indicator} "
                f"[{hit.evidence}]"
            )
    for indicator in args.show:
        print(f"\n-- {indicator} on ordinary ads")
        print_evidence([*labelled, *unlabelled], [*labelled_found, *unlabelled_found], indicator)


if __name__ == "__main__":
    main()
