"""Money and phone numbers on real text: exact-match precision, recall and F1 against gold.

labels/entities/money_phone.jsonl names real items (job ads and news of ../shared/data/realtext
by file and id, captured pages of ../shared/realweb by path) with the amounts and phone numbers
a person read in them (labels/entities/GUIDELINE.md). Only references and gold values are in the
repository: the texts are read from ../shared here, and phone numbers are stored as SHA-256
digests of their E.164 form. A prediction counts when its value is exactly a gold value of the
same item: "4000000.00 COP" for money, the E.164 number for phones, each distinct value once per
item. A naive baseline (a currency sign before a number of four or more characters is money;
seven or more digits are a phone) is scored on the same items, so the figures can be compared.
Figures are printed for the whole set and for its dev part (the extractor was tuned on it) and
holdout part (labelled blind, measured once); the floors hold on the whole set. About 10 s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat

from nlp.entities.extraction import extract_entities
from nlp.types import EntityKind
from tests.nlp.shared_texts import REALWEB, page_text, phone_digest, realtext, require_shared

LABELS = Path(__file__).resolve().parents[2] / "labels" / "entities" / "money_phone.jsonl"
# Pinned a little below the F1 measured on the whole set when it was labelled: money 0.980,
# phones 0.980 (the holdout part, labelled before the extractor was run on it: 0.966 and 0.667,
# one of two numbers). Raise them when the extractor gets better; lower them only on purpose.
FLOORS = {"money": 0.96, "phone": 0.95}
CENT = Decimal("0.01")


@dataclass
class Item:
    """One labelled item: where its text is, and its gold values."""

    file: str
    id: str | None
    field: str
    country: str | None
    kinds: tuple[str, ...]
    money: frozenset[str]
    phones: frozenset[str]
    split: str


@dataclass
class Counts:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def add(self, predicted: set[str], gold: frozenset[str]) -> None:
        self.true_positives += len(predicted & gold)
        self.false_positives += len(predicted - gold)
        self.false_negatives += len(gold - predicted)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:24s} P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
            f"(tp {self.true_positives}, fp {self.false_positives}, fn {self.false_negatives})"
        )


@pytest.fixture(autouse=True)
def _shared_data_is_here() -> None:
    require_shared()


def money_value(amount: float | int, currency: str) -> str:
    """Gold money in the extractor's value form: "4000000.00 COP"."""
    return f"{Decimal(str(amount)).quantize(CENT)} {currency}"


def load_items(path: Path = LABELS) -> list[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
            items.append(
                Item(
                    file=row["file"],
                    id=row.get("id"),
                    field=row.get("field", "text"),
                    country=row["country"],
                    kinds=tuple(row.get("kinds", ("money", "phone"))),
                    money=frozenset(money_value(m["amount"], m["currency"]) for m in row["money"]),
                    phones=frozenset(row["phones"]),
                    split=row["split"],
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: {exc!r}") from exc
    return items


def item_text(item: Item) -> str:
    if item.file.startswith("realweb/"):
        return page_text(REALWEB / item.file.removeprefix("realweb/"))
    return realtext(item.file, item.id or "", item.field)


def extractor(text: str, country: str | None) -> tuple[set[str], set[str]]:
    entities = extract_entities({"text": text}, country, "und")
    money = {entity.value for entity in entities if entity.kind is EntityKind.MONEY}
    phones = {phone_digest(e.value) for e in entities if e.kind is EntityKind.PHONE}
    return money, phones


# The baseline: what a first regular expression would do.
_NAIVE_MONEY = re.compile(r"(US\$|R\$|RD\$|S/\.?|\$|€)\s?(\d[\d.,]{3,})")
_NAIVE_SIGNS = {"US$": "USD", "R$": "BRL", "RD$": "DOP", "S/": "PEN", "S/.": "PEN", "€": "EUR"}
_NAIVE_DOLLAR = {"CO": "COP", "DO": "DOP", "TT": "TTD"}
_NAIVE_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
E164 = PhoneNumberFormat.E164


def _naive_amount(written: str) -> Decimal:
    """The last separator before one or two digits is the decimal point; others are dropped."""
    parts = re.split(r"[.,](?=\d{1,2}$)", written.rstrip(".,"))
    cents = parts[1] if len(parts) > 1 else "0"
    return Decimal(re.sub(r"\D", "", parts[0]) + "." + cents).quantize(CENT)


def baseline(text: str, country: str | None) -> tuple[set[str], set[str]]:
    money = set()
    for match in _NAIVE_MONEY.finditer(text):
        sign = match.group(1)
        currency = _NAIVE_SIGNS.get(sign) or _NAIVE_DOLLAR.get(country or "", "USD")
        money.add(f"{_naive_amount(match.group(2))} {currency}")
    phones = set()
    for match in _NAIVE_PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) < 7:
            continue
        try:
            number = phonenumbers.parse(match.group(), country or "CO")
            phones.add(phone_digest(phonenumbers.format_number(number, E164)))
        except phonenumbers.NumberParseException:
            phones.add("raw:" + digits)
    return money, phones


Finder = Callable[[str, str | None], tuple[set[str], set[str]]]
Found = tuple[set[str], set[str]]  # (money values, phone digests) of one item


def score(
    items: list[Item], found: list[Found], errors: list[str] | None = None
) -> dict[str, Counts]:
    """Counts per kind; each item's misses and extras are appended to `errors` (values only)."""
    counts = {"money": Counts(), "phone": Counts()}
    for item, (money, phones) in zip(items, found, strict=True):
        for kind, predicted, gold in (("money", money, item.money), ("phone", phones, item.phones)):
            if kind not in item.kinds:
                continue
            counts[kind].add(predicted, gold)
            if errors is not None and predicted != gold:
                where = f"{item.file} {item.id or ''} {item.field}"
                missed, extra = sorted(gold - predicted), sorted(predicted - gold)
                errors.append(f"{where}: missed {missed} extra {extra}")
    return counts


@pytest.fixture(scope="module")
def items() -> list[Item]:
    require_shared()  # module fixtures run before the autouse one
    return load_items()


@pytest.fixture(scope="module")
def figures(items: list[Item]) -> dict[str, dict[str, Counts]]:
    """Scores on the whole set, printed with the dev and holdout parts and the baseline."""
    texts = [item_text(item) for item in items]
    result: dict[str, dict[str, Counts]] = {}
    errors: list[str] = []
    for name, finder in (("extractor", extractor), ("baseline", baseline)):
        found = [finder(text, item.country) for item, text in zip(items, texts, strict=True)]
        result[name] = score(items, found, errors if name == "extractor" else None)
        for split in ("dev", "holdout"):
            part = [
                (item, one) for item, one in zip(items, found, strict=True) if item.split == split
            ]
            result[f"{name} {split}"] = score([item for item, _ in part], [one for _, one in part])
    print(f"\n{len(items)} real items; the extractor's errors:", *errors, sep="\n  ")
    for name, counts in result.items():
        for kind, kind_counts in counts.items():
            print(kind_counts.line(f"{name} {kind}"))
    return result


def test_the_labelled_set_is_big_and_varied(items):
    assert len(items) >= 150
    assert sum(len(item.money) for item in items) >= 250
    assert sum(len(item.phones) for item in items) >= 20
    sources = {item.file.split("/")[0] if "/" in item.file else item.file for item in items}
    assert {"jobs_es_CO_elempleo.jsonl", "jobs_pt_BR_linkedin.jsonl", "realweb"} <= sources


def test_every_item_is_found_in_the_shared_data(items):
    for item in items:
        assert item_text(item).strip(), item


@pytest.mark.parametrize("kind", ["money", "phone"])
def test_extractor_f1_floor(figures, kind):
    assert figures["extractor"][kind].f1 >= FLOORS[kind]


@pytest.mark.parametrize("kind", ["money", "phone"])
def test_extractor_beats_the_baseline(figures, kind):
    assert figures["extractor"][kind].f1 > figures["baseline"][kind].f1


def test_a_broken_label_file_names_its_line(tmp_path):
    broken = tmp_path / "money_phone.jsonl"
    good = {
        "file": "f.jsonl",
        "id": "1",
        "country": "CO",
        "split": "dev",
        "money": [],
        "phones": [],
    }
    bad = {**good, "money": [{"amount": 5}]}
    broken.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ValueError, match=r"money_phone.jsonl:2: KeyError"):
        load_items(broken)
