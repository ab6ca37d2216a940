"""The model card (README.md) of a trained risk model, written from its config and metrics."""

from __future__ import annotations

from typing import Any

from nlp.classifier.scoring import ModelConfig

# Measured with `track4tip model train` settings on the multilingual set and 300 EMSCAD rows
# (grouped folds): normalising like EMSCAD lowered multilingual fraud F1 0.985 -> 0.974,
# Papiamento fraud F1 and EMSCAD PR-AUC 0.860 -> 0.845, for +0.006 EMSCAD F1. So it is off.
NORMALISATION_FINDING = (
    "on grouped folds, normalising cost multilingual fraud F1 0.985 → 0.974 and EMSCAD "
    "PR-AUC 0.860 → 0.845 for +0.006 EMSCAD F1"
)

_INTENDED_USE = """\
## Intended use

Ranking public job ads, classifieds and social posts for review by counter-trafficking
analysts: which items look like recruitment fraud, and which look like trafficking-risk
recruitment (lures abroad, debts, retained documents, sexualised roles). It is one signal in
the risk score next to the indicator rules and the network evidence, never a verdict about a
person, and it must not be used to make decisions about individuals without human review."""

_LIMITS = """\
## Limits

- The multilingual set is synthetic: composed from phrase pools written for this purpose (see
  scripts/labelled_set/), so its items share wording and its scores are optimistic; they show
  that the model separates the categories it was shown, not how it does on real ads.
- EMSCAD is English, 2012–2014, US-centred, and pre-processed (lower case, no punctuation or
  stop words); the fraud it knows is mostly fake corporate jobs, not Caribbean lures.
- trafficking_risk is trained only on the synthetic set (EMSCAD has no such label).
- Papiamento and Dutch have the fewest examples; Papiamento orthography varies (Curaçao vs
  Aruba) and only Curaçao spelling is in the set.
- Inputs are cut after `max_words` words; a lure at the end of a long page can be missed.
- Thresholds are chosen on the same out-of-fold predictions the F1 is reported on, which
  flatters F1 slightly; PR-AUC does not depend on a threshold.
- News about trafficking is labelled 0 (reporting is not recruiting); the model is trained to
  tell them apart, but quoted ads inside articles remain a source of false positives."""


def render_model_card(
    config: ModelConfig, metrics: dict[str, Any], manifest: dict[str, Any]
) -> str:
    sections = [
        f"# Risk model `{config.name}`",
        "Calibrated probabilities of **recruitment_fraud** and **trafficking_risk** for a text, "
        "from a small classification head over frozen multilingual-e5-small embeddings. "
        "Rebuild it with `track4tip model train`; evaluate it with `track4tip model evaluate`.",
        _INTENDED_USE,
        _data_section(manifest),
        _method_section(config, manifest),
        _metrics_section(metrics),
        _calibration_section(metrics, config),
        _LIMITS,
    ]
    return "\n\n".join(sections) + "\n"


def _data_section(manifest: dict[str, Any]) -> str:
    lines = [
        "## Data",
        "",
        "| file | rows | labelled (fraud / trafficking) | positives (fraud / trafficking) "
        "| languages | SHA-256 |",
        "|---|---|---|---|---|---|",
    ]
    for entry in manifest["files"]:
        labelled, positives = entry["labelled"], entry["positives"]
        languages = ", ".join(f"{code} {count}" for code, count in entry["languages"].items())
        lines.append(
            f"| `{entry['source']}` | {entry['rows']} | {labelled['recruitment_fraud']} / "
            f"{labelled['trafficking_risk']} | {positives['recruitment_fraud']} / "
            f"{positives['trafficking_risk']} | {languages} | `{entry['sha256'][:16]}…` |"
        )
    lines.append("")
    for entry in manifest["files"]:
        sources = entry.get("label_sources", {})
        if "rules" in sources or "hand" in sources:
            kept = sources.get("rules", 0)
            total = kept + sources.get("hand", 0)
            lines.append(
                f"`{entry['source']}`: weak labels from the indicator rules (nlp.pipeline."
                f"Analyzer: fraud when the rule risk is medium or more; trafficking when a strong "
                f"indicator fires or the risk is high) were kept for {kept} of {total} items "
                f"({kept / max(1, total):.1%} agreement on both labels); the others keep the "
                f"label their author wrote them to carry (`label_source: hand`), re-read on a "
                f"sample rather than item by item. The rules miss fee scams entirely and fire "
                f"on news quoting lures."
            )
    for source, groups in manifest.get("near_duplicate_groups", {}).items():
        lines.append(
            f"\nNear-duplicate groups in `{source}` (MinHash over word 5-grams, Jaccard ≥ 0.5): "
            f"{groups['rows']} rows in {groups['groups']} groups; "
            f"**{groups['rows_in_multi_member_groups']} rows sit in groups of two or more** "
            f"(largest {groups['largest_group']})."
        )
    return "\n".join(lines)


def _method_section(config: ModelConfig, manifest: dict[str, Any]) -> str:
    head = config.training.get("head", {})
    return "\n".join(
        [
            "## Method",
            "",
            f"- Encoder (frozen): `{config.encoder}` (`{config.encoder_identity}`), mean-pooled "
            f'"passage: " embeddings ({config.embedding_dim}-d); inputs cut after '
            f"{config.max_words or 'no'} words; EMSCAD-style normalisation of inputs: "
            f"{'on' if config.normalise_input else 'off'} ({NORMALISATION_FINDING}).",
            f"- Head: dropout {config.dropout} → dense {config.hidden} + GELU → dropout → one "
            f"logit per label; multi-label sigmoid, loss masked where a label is missing, "
            f"positives weighted by the negative/positive ratio; full-batch AdamW "
            f"(epochs {head.get('epochs')}, lr {head.get('learning_rate')}, weight decay "
            f"{head.get('weight_decay')}), seed {manifest['seed']}.",
            f"- Validation: {manifest['folds']} folds grouped by near-duplicate cluster and "
            f"stratified by source and labels; every figure below is out-of-fold.",
            "- Calibration per label on the out-of-fold logits, chosen by cross-fitted Brier "
            "score among Platt, temperature and isotonic.",
            "- Thresholds (best out-of-fold F1): "
            + ", ".join(f"{label} {value}" for label, value in config.thresholds.items())
            + ".",
        ]
    )


def _metrics_section(metrics: dict[str, Any]) -> str:
    lines = [
        "## Metrics (out-of-fold, near-duplicate-grouped)",
        "",
        "R@5%: share of all positives among the top 5% of items by probability (a review budget).",
        "",
        "| label | slice | n | positives | precision | recall | F1 | PR-AUC | R@5% | Brier | ECE |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, slices in metrics["validation"].items():
        for name, values in slices.items():
            cells = [
                values[key]
                for key in (
                    "precision",
                    "recall",
                    "f1",
                    "pr_auc",
                    "recall_at_budget",
                    "brier",
                    "ece",
                )
            ]
            shown = " | ".join("–" if cell is None else f"{cell:.3f}" for cell in cells)
            lines.append(f"| {label} | {name} | {values['n']} | {values['positives']} | {shown} |")
    return "\n".join(lines)


def _calibration_section(metrics: dict[str, Any], config: ModelConfig) -> str:
    lines = [
        "## Calibration (cross-fitted on the out-of-fold logits)",
        "",
        "| label | method | Brier | ECE | chosen |",
        "|---|---|---|---|---|",
    ]
    for label, methods in metrics["calibration"].items():
        for method, values in methods.items():
            chosen = "✓" if config.calibration.get(label) == method else ""
            lines.append(f"| {label} | {method} | {values['brier']} | {values['ece']} | {chosen} |")
    for title, table in metrics.get("comparisons", {}).items():
        lines += ["", f"**{title}**", "", table]
    return "\n".join(lines)
