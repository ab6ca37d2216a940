"""Compose the synthetic multilingual labelled set nlp/classifier/data/ads_multilingual.jsonl.

Each item is written from the phrase pools (phrases_*.yaml): an opening, one or two body
sentences, sometimes an extra one, and a closing, with invented slot values. Its labels are the
ones its category was written to carry (the hand labels). The indicator rules of
`nlp.pipeline.Analyzer` then label every item too (weak labels: recruitment fraud when the rule
risk is medium or more, trafficking risk when a strong indicator fires or the risk is high);
`label_source` is "rules" where the rules agree with the hand labels and "hand" where the hand
label overrode them. News items quote lures but recruit no one: trafficking_risk = 0.

Run from the repository root: .venv/bin/python scripts/labelled_set/build.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

from nlp.config import NlpSettings
from nlp.pipeline import Analyzer
from nlp.types import Strength, TextInput

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parents[1] / "nlp" / "classifier" / "data" / "ads_multilingual.jsonl"
SEED = 20240501
# category -> (kind, pool, recruitment_fraud, trafficking_risk)
CATEGORIES = {
    "benign_job": ("ad", "benign_job", 0, 0),
    "fee_scam": ("ad", "fee_scam", 1, 0),
    "lure": ("ad", "lure", 1, 1),
    "lure_post": ("post", "lure", 1, 1),
    "coercive": ("ad", "coercive", 0, 1),
    "news": ("news", "news", 0, 0),
    "benign_post": ("post", "benign_post", 0, 0),
}
COUNTS = {
    150: (40, 25, 30, 10, 10, 20, 15),
    130: (35, 22, 26, 9, 8, 17, 13),
    95: (26, 16, 19, 6, 6, 13, 9),
}
LANGUAGE_SIZES = {"es": 150, "pt": 130, "en": 130, "nl": 95, "pap": 95}


def load_pools() -> dict[str, dict]:
    pools: dict[str, dict] = {}
    for path in sorted(HERE.glob("phrases_*.yaml")):
        pools.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    return pools


def compose(pool: dict, slots: dict[str, list[str]], rng: random.Random) -> str:
    chosen = {name: rng.choice(values) for name, values in slots.items()}
    body = rng.sample(pool["body"], k=rng.choice((1, 2, 2)))
    sentences = [rng.choice(pool["open"]), *body]
    if rng.random() < 0.5:
        sentences.insert(rng.randint(1, len(sentences)), rng.choice(pool["extra"]))
    sentences.append(rng.choice(pool["close"]))
    text = " ".join(sentences).format(**chosen)
    return text[0].upper() + text[1:]


def rule_labels(analyzer: Analyzer, text: str) -> tuple[int, int]:
    annotations = analyzer.annotate_one(TextInput(fields={"text": text}))
    strong = any(hit.strength == Strength.STRONG for hit in annotations.indicators)
    score = annotations.risk.score
    return int(score >= 0.4), int(strong or score >= 0.7)


def items_for(language: str, pools: dict, rng: random.Random) -> list[dict]:
    items: list[dict] = []
    seen: set[str] = set()
    for category, count in zip(CATEGORIES, COUNTS[LANGUAGE_SIZES[language]], strict=True):
        kind, pool_name, fraud, trafficking = CATEGORIES[category]
        while sum(item["category"] == category for item in items) < count:
            text = compose(pools[language][pool_name], pools[language]["slots"], rng)
            if text not in seen:
                seen.add(text)
                items.append(
                    {
                        "id": f"{language}-{len(items) + 1:03d}",
                        "text": text,
                        "language": language,
                        "recruitment_fraud": fraud,
                        "trafficking_risk": trafficking,
                        "kind": kind,
                        "category": category,
                    }
                )
    return items


def main() -> None:
    rng = random.Random(SEED)
    pools = load_pools()
    analyzer = Analyzer(NlpSettings())
    items = [item for language in LANGUAGE_SIZES for item in items_for(language, pools, rng)]
    agree = {"recruitment_fraud": 0, "trafficking_risk": 0}
    for item in items:
        fraud_rule, trafficking_rule = rule_labels(analyzer, item["text"])
        item["rule_recruitment_fraud"] = fraud_rule
        item["rule_trafficking_risk"] = trafficking_rule
        agree["recruitment_fraud"] += fraud_rule == item["recruitment_fraud"]
        agree["trafficking_risk"] += trafficking_rule == item["trafficking_risk"]
        same = (fraud_rule, trafficking_rule) == (
            item["recruitment_fraud"],
            item["trafficking_risk"],
        )
        item["label_source"] = "rules" if same else "hand"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    kept = sum(item["label_source"] == "rules" for item in items)
    print(f"{len(items)} items -> {OUTPUT}; rules kept for {kept} ({kept / len(items):.1%})")
    print({label: f"{count / len(items):.1%}" for label, count in agree.items()})


if __name__ == "__main__":
    main()
