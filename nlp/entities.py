"""Contact entities of one input: phone numbers (E.164) and e-mail addresses (lower-cased).

These are the identifiers that tie ads of one network together, so each value appears once per
input (at its first occurrence) and keeps the field and span where it was found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from nlp.phones import find_phones
from nlp.types import Entity, EntityKind

_EMAIL = re.compile(
    r"(?<![\w.+-])[a-z0-9](?:[a-z0-9._%+-]*[a-z0-9_-])?@"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?![\w-])",
    re.IGNORECASE,
)


def find_emails(text: str, field: str = "text") -> list[Entity]:
    """E-mail addresses in `text`; `value` is the address lower-cased."""
    return [
        Entity(
            kind=EntityKind.EMAIL,
            field=field,
            start=match.start(),
            end=match.end(),
            text=match.group(),
            value=match.group().lower(),
        )
        for match in _EMAIL.finditer(text)
    ]


def find_phone_entities(text: str, country: str | None, field: str = "text") -> list[Entity]:
    """Phone numbers in `text` as entities whose `value` is E.164."""
    return [
        Entity(
            kind=EntityKind.PHONE,
            field=field,
            start=match.start,
            end=match.end,
            text=match.raw,
            value=match.e164,
        )
        for match in find_phones(text, country)
    ]


def extract_entities(fields: Mapping[str, str], country: str | None = None) -> list[Entity]:
    """Phones and e-mails of every field, each (kind, value) once, in field and text order."""
    seen: set[tuple[EntityKind, str]] = set()
    entities: list[Entity] = []
    for field, text in fields.items():
        found = find_phone_entities(text, country, field) + find_emails(text, field)
        for entity in sorted(found, key=lambda item: item.start):
            key = (entity.kind, entity.value)
            if key not in seen:
                seen.add(key)
                entities.append(entity)
    return entities
