"""schema.org JobPosting from a page's JSON-LD (`<script type="application/ld+json">`).

Job boards publish JobPosting for search engines; it is usually cleaner than the visible markup,
so the listing spider reads it first and uses CSS selectors only to fill what it lacks. Real
pages nest postings in `@graph`, give `@type` as a list, put HTML inside `description`, or carry
JSON with raw control characters; all of that is tolerated. A script that is not JSON at all is
skipped, not fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

from crawlers.text import html_to_text


@dataclass(frozen=True)
class JobPosting:
    title: str = ""
    description: str = ""
    date_posted: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD document, @graph members included."""
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        yield data
        yield from _nodes(data.get("@graph", []))


def _has_type(node: dict[str, Any], wanted: str) -> bool:
    types = node.get("@type", [])
    types = types if isinstance(types, list) else [types]
    return any(str(t).rsplit("/", 1)[-1] == wanted for t in types)


def jsonld_objects(selector: Selector) -> Iterator[dict[str, Any]]:
    for script in selector.css('script[type="application/ld+json"]::text').getall():
        try:
            yield from _nodes(json.loads(script, strict=False))
        except json.JSONDecodeError:
            continue


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "").strip()
    if isinstance(value, list):
        return ", ".join(filter(None, (_name(item) for item in value)))
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
