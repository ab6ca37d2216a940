"""Merge labels/realdev/batches/*.jsonl into labels/realdev/labels.jsonl, in items.jsonl order.

    .venv/bin/python scripts/realdev/merge_labels.py

Refuses (exit 1, naming the batch) when a batch labels an item twice, labels an item that
items.jsonl does not list, or leaves one of its items unlabelled.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / "labels" / "realdev"
KEYS = ("file", "id", "kind", "recruitment_fraud", "trafficking_risk", "trafficking_topic", "note")


def main() -> int:
    items = [json.loads(line) for line in (FOLDER / "items.jsonl").read_text().splitlines()]
    wanted = {(item["file"], item["id"]): item["batch"] for item in items}
    labelled: dict[tuple[str, str], dict] = {}
    problems = []
    for batch in sorted((FOLDER / "batches").glob("*.jsonl")):
        for number, raw in enumerate(batch.read_text().splitlines(), start=1):
            if not raw.strip():
                continue
            line = json.loads(raw)
            key = (line["file"], str(line["id"]))
            if key not in wanted:
                problems.append(f"{batch.name}:{number}: {key} is not in items.jsonl")
            elif key in labelled:
                problems.append(f"{batch.name}:{number}: {key} labelled twice")
            labelled[key] = {name: line.get(name) for name in KEYS}
    missing = [key for key in wanted if key not in labelled]
    if missing:
        batches = sorted({wanted[key] for key in missing})
        problems.append(f"{len(missing)} items unlabelled (batches {batches})")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    lines = [json.dumps(labelled[key], ensure_ascii=False) for key in wanted]
    (FOLDER / "labels.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} labels written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
