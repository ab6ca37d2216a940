"""Choose the items of the real development set (labels/realdev/items.jsonl), deterministically.

    .venv/bin/python scripts/realdev/select_items.py [--realtext ../shared/data/realtext]

Strata, each drawn with its own seeded generator so that changing one leaves the others alone:
all of lures_quoted (lure, scam and ordinary ads); Spanish and Portuguese job ads, part drawn
at random and part among ads a lure phrase matches (the hard negatives and the rare risky real
ads are there); every keyword-selected trafficking news item in es and en, most of the pt ones,
with ordinary news of the same outlets beside them; the job-offer scam warnings and other
security news; Dutch fraud/trafficking-keyword news and ordinary Dutch news. Only references
(file, id) are written; the texts stay in ../shared.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REALTEXT = ROOT.parent / "shared" / "data" / "realtext"
OUTPUT = ROOT / "labels" / "realdev" / "items.jsonl"
# Lure phrasings that make an ordinary board's ad worth a look (not labels).
LURE_HINT = re.compile(
    r"sin experiencia|buena presencia|se[ñn]oritas|damas|modelos?\b|anfitrion|exterior|"
    r"viaj|hospedaje|alojamiento|pasaje|whatsapp|ingresos? (altos|extra)|desde casa|"
    r"sem experi[eê]ncia|boa apar[eê]ncia|moças|exterior|alojamento|passagem",
    re.IGNORECASE,
)


def _rows(realtext: Path, name: str) -> list[dict]:
    with (realtext / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _sample(rows: list[dict], count: int, seed: int) -> list[dict]:
    rows = sorted(rows, key=lambda row: str(row["id"]))
    return random.Random(seed).sample(rows, min(count, len(rows)))


def _flag(row: dict, name: str) -> bool:
    return str(row.get(name)).lower() == "true"


def strata(realtext: Path) -> list[tuple[str, str, list[dict]]]:
    """(batch, file, rows) for every stratum."""
    out: list[tuple[str, str, list[dict]]] = []

    def add(batch: str, name: str, rows: list[dict]) -> None:
        out.append((batch, name, rows))

    add("lures", "lures_quoted.jsonl", _rows(realtext, "lures_quoted.jsonl"))
    for name, random_count, hinted_count, seed in (
        ("jobs_es_EC_computrabajo.jsonl", 50, 30, 11),
        ("jobs_es_EC_linkedin.jsonl", 35, 15, 12),
        ("jobs_es_CO_elempleo.jsonl", 30, 10, 13),
    ):
        rows = _rows(realtext, name)
        chosen = _sample(rows, random_count, seed)
        hinted = [
            row
            for row in rows
            if row not in chosen and LURE_HINT.search(f"{row['title']} {row['text']}")
        ]
        add("ads_es", name, chosen + _sample(hinted, hinted_count, seed + 100))
    for name, count, seed in (
        ("jobs_pt_BR_linkedin.jsonl", 60, 21),
        ("jobs_pt_BR_catho_titles.jsonl", 50, 22),
    ):
        add("ads_pt", name, _sample(_rows(realtext, name), count, seed))
    ljzac = _rows(realtext, "news_es_MX_ljzac_trafficking_keyword.jsonl")
    add("news_es_a", "news_es_MX_ljzac_trafficking_keyword.jsonl", ljzac[:80])
    add("news_es_b", "news_es_MX_ljzac_trafficking_keyword.jsonl", ljzac[80:])
    peru = _rows(realtext, "news_es_PE_perunews_headlines_leads.jsonl")
    peru_matched = [row for row in peru if row.get("matched_terms")]
    peru_other = [row for row in peru if not row.get("matched_terms")]
    add("news_es_b", "news_es_PE_perunews_headlines_leads.jsonl", peru_matched)
    add(
        "news_es_a",
        "news_es_MX_ljzac_ordinary_sample.jsonl",
        _sample(_rows(realtext, "news_es_MX_ljzac_ordinary_sample.jsonl"), 50, 31),
    )
    add("news_es_b", "news_es_PE_perunews_headlines_leads.jsonl", _sample(peru_other, 40, 32))
    add(
        "news_es_b",
        "news_es_fakedes_spanish_fake_news_corpus.jsonl",
        _sample(_rows(realtext, "news_es_fakedes_spanish_fake_news_corpus.jsonl"), 30, 33),
    )
    acervo = _sample(_rows(realtext, "news_pt_BR_acervo_trafficking_keyword.jsonl"), 180, 41)
    add("news_pt_a", "news_pt_BR_acervo_trafficking_keyword.jsonl", acervo[:100])
    add("news_pt_b", "news_pt_BR_acervo_trafficking_keyword.jsonl", acervo[100:])
    add(
        "news_pt_a",
        "news_pt_BR_acervo_ordinary_sample.jsonl",
        _sample(_rows(realtext, "news_pt_BR_acervo_ordinary_sample.jsonl"), 40, 42),
    )
    add(
        "news_pt_b",
        "news_pt_BR_fakebr_sample.jsonl",
        _sample(_rows(realtext, "news_pt_BR_fakebr_sample.jsonl"), 40, 43),
    )
    newswire = _rows(realtext, "news_en_LATAM_worldwide_newswire.jsonl")
    matched = [row for row in newswire if row.get("matched_terms")]
    other = [row for row in newswire if not row.get("matched_terms")]
    add("news_en", "news_en_LATAM_worldwide_newswire.jsonl", matched + _sample(other, 60, 51))
    warnings = _rows(realtext, "warnings_es_LATAM_itnewslat_scam_keyword.jsonl")
    job_related = [row for row in warnings if _flag(row, "job_offer_related")]
    rest = [row for row in warnings if not _flag(row, "job_offer_related")]
    add(
        "warnings_es",
        "warnings_es_LATAM_itnewslat_scam_keyword.jsonl",
        job_related + _sample(rest, 40, 61),
    )
    add(
        "news_nl",
        "news_nl_leestmeer_caribbean_fraud_keyword.jsonl",
        _sample(_rows(realtext, "news_nl_leestmeer_caribbean_fraud_keyword.jsonl"), 80, 71),
    )
    add(
        "news_nl",
        "news_nl_leestmeer_ordinary_sample.jsonl",
        _sample(_rows(realtext, "news_nl_leestmeer_ordinary_sample.jsonl"), 30, 72),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realtext", type=Path, default=REALTEXT)
    options = parser.parse_args()
    seen: set[tuple[str, str]] = set()
    lines = []
    for batch, name, rows in strata(options.realtext):
        for row in rows:
            key = (name, str(row["id"]))
            if key in seen:
                continue
            seen.add(key)
            lines.append(json.dumps({"file": name, "id": key[1], "batch": batch}))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} items written to {OUTPUT}")


if __name__ == "__main__":
    main()
