"""schema.org JobPosting from a page's JSON-LD (`<script type="application/ld+json">`).

Job boards publish JobPosting for search engines; it is usually cleaner than the visible markup,
so the listing spider reads it first and uses CSS selectors only to fill what it lacks. Real
pages nest postings in `@graph`, give `@type` as a list, put HTML inside `description`, or carry
JSON with raw control characters; all of that is tolerated. A script that is not JSON at all is
skipped, not fatal.

A hostile page may nest JSON a hundred thousand levels deep or publish megabytes of it, so
scripts over `MAX_SCRIPT_CHARS` are skipped, a parse that runs out of stack is a script that
is not JSON, and the walk is iterative and stops at `MAX_DEPTH` levels and `MAX_NODES` objects.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

from crawlers.text import html_to_text

MAX_SCRIPT_CHARS = 1_000_000
MAX_DEPTH = 16  # real pages nest @graph in a list or two; deeper is no posting we could use
MAX_NODES = 1_000


@dataclass(frozen=True)
class JobPosting:
    title: str = ""
    description: str = ""
    date_posted: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD document, @graph members included, in document order."""
    pending: deque[tuple[Any, int]] = deque([(data, 0)])
    yielded = 0
    while pending and yielded < MAX_NODES:
        item, depth = pending.popleft()
        if depth > MAX_DEPTH:
            continue
        if isinstance(item, list):
            pending.extendleft((child, depth + 1) for child in reversed(item))
        elif isinstance(item, dict):
            yielded += 1
            yield item
            pending.appendleft((item.get("@graph", []), depth + 1))


def _has_type(node: dict[str, Any], wanted: str) -> bool:
    types = node.get("@type", [])
    types = types if isinstance(types, list) else [types]
    return any(str(t).rsplit("/", 1)[-1] == wanted for t in types)


def jsonld_objects(selector: Selector) -> Iterator[dict[str, Any]]:
    for script in selector.css('script[type="application/ld+json"]::text').getall():
        if len(script) > MAX_SCRIPT_CHARS:
            continue
        try:
            data = json.loads(script, strict=False)
        except (json.JSONDecodeError, RecursionError):  # deep nesting exhausts the decoder
            continue
        yield from _nodes(data)


def _name(value: Any, depth: int = 0) -> str:
    """A value's text; nested lists are joined, down to MAX_DEPTH levels."""
    if isinstance(value, dict):
        return str(value.get("name") or "").strip()
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            return ""
        return ", ".join(filter(None, (_name(item, depth + 1) for item in value)))
    return str(value or "").strip()


def _location(posting: dict[str, Any]) -> str:
    places = posting.get("jobLocation") or []
    places = places if isinstance(places, list) else [places]
    parts: list[str] = []
    for place in places:
        address = place.get("address", {}) if isinstance(place, dict) else {}
        if isinstance(address, dict):
            for key in ("addressLocality", "addressRegion", "addressCountry"):
                value = _name(address.get(key))
                if value and value not in parts:
                    parts.append(value)
    return ", ".join(parts)


def _salary(posting: dict[str, Any]) -> str:
    salary = posting.get("baseSalary")
    if not isinstance(salary, dict):
        return _name(salary)
    currency = salary.get("currency") or posting.get("salaryCurrency") or ""
    value = salary.get("value")
    amount: Any = value
    unit = ""
    if isinstance(value, dict):
        unit = str(value.get("unitText") or "")
        amount = value.get("value")
        if amount in (None, "", 0):
            low, high = value.get("minValue"), value.get("maxValue")
            amount = f"{low}-{high}" if low and high else (low or high)
    if amount in (None, "", 0):  # some boards publish 0 for "not disclosed"
        return ""
    return " ".join(str(part) for part in (currency, amount, unit and f"/ {unit}") if part)


def _attributes(posting: dict[str, Any]) -> dict[str, str]:
    contact = posting.get("applicationContact")
    candidates = {
        "company": _name(posting.get("hiringOrganization")),
        "location": _location(posting),
        "salary": _salary(posting),
        "employment_type": _name(posting.get("employmentType")),
        "valid_through": _name(posting.get("validThrough")),
        "contact": _contact(contact) if isinstance(contact, dict) else _name(contact),
    }
    return {key: value for key, value in candidates.items() if value}


def _contact(contact: dict[str, Any]) -> str:
    parts = (contact.get(key) for key in ("name", "telephone", "email", "url"))
    return " ".join(str(part).strip() for part in parts if part)


def extract_job_posting(selector: Selector) -> JobPosting | None:
    """The page's first schema.org JobPosting, or None when it has none."""
    for node in jsonld_objects(selector):
        if _has_type(node, "JobPosting"):
            return JobPosting(
                title=html_to_text(_name(node.get("title"))),
                description=html_to_text(str(node.get("description") or "")),
                date_posted=_name(node.get("datePosted")) or None,
                attributes=_attributes(node),
            )
    return None
