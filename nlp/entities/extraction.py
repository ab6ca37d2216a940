"""Entities of one input: contacts, money, ages, persons, organisations and places.

The facade over the finders (nlp.entities.phones, nlp.entities.contacts, nlp.entities.money,
nlp.entities.ages, nlp.entities.names). Each field is first de-obfuscated
(nlp.entities.deobfuscation: zero-width characters, look-alike letters, spaced-out digits,
"arroba"/"punto" e-mails); contacts, money and ages are read from the revealed text and their spans
mapped back, so every span points into the ORIGINAL field and `text` is what the ad actually shows,
while `value` is the normalised identifier. Names are read from the original text, with the spaCy
Doc of the field when the language has a trained pipeline (`parsed`, or parsed here through
nlp.language.spacy_pipelines).

Where findings overlap, the more specific one wins: links, e-mails and handles, then money, then
phone numbers and ages, then names (a phone inside a link is the link's; "$ 6.000.000" is a
salary even though it is also a valid Curaçao number; "18 años" inside a salary is not an age).
Money goes before phones because a currency or a thousands separator says more than a run of
digits that some numbering plan accepts. Each (kind,
value) is reported once per input, at its first occurrence in field order, because these
values are what links ads together.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from nlp.entities.ages import find_ages
from nlp.entities.contacts import find_emails, find_handles, find_urls
from nlp.entities.deobfuscation import Revealed, reveal
from nlp.entities.money import find_money
from nlp.entities.names import find_names
from nlp.entities.phones import find_phones
from nlp.entities.spans import without_overlaps
from nlp.types import UNDETERMINED_LANGUAGE, Entity, EntityKind

if TYPE_CHECKING:  # spaCy is imported only when a field is parsed
    from spacy.tokens import Doc

    from nlp.language.spacy_pipelines import LanguagePipelines

# Longer fields are parsed by spaCy only up to here (names and places of a scraped 1 MB page
# are in its first pages; contacts, money and ages are still read in the whole field).
MAX_PARSED_CHARS = 100_000


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


def extract_entities(
    fields: Mapping[str, str],
    country: str | None = None,
    language: str = UNDETERMINED_LANGUAGE,
    parsed: Mapping[str, Doc] | None = None,
) -> list[Entity]:
    """Every entity of every field, each (kind, value) once, in field and text order."""
    seen: set[tuple[EntityKind, str]] = set()
    entities: list[Entity] = []
    for field, text in fields.items():
        if not text:
            continue
        doc = (parsed or {}).get(field) or _parse(text, language)
        for entity in field_entities(text, country, field, doc):
            key = (entity.kind, entity.value)
            if key not in seen:
                seen.add(key)
                entities.append(entity)
    return entities


def field_entities(
    text: str, country: str | None, field: str = "text", doc: Doc | None = None
) -> list[Entity]:
    """The entities of one field, overlaps resolved, in text order (duplicates kept)."""
    revealed = reveal(text)
    shown = revealed.text
    links = [*find_emails(shown, field), *find_urls(shown, field), *find_handles(shown, field)]
    found = [
        *_links_first(links),
        *find_money(shown, country, field),
        *find_phone_entities(shown, country, field),
        *find_ages(shown, field),
    ]
    found = [_to_original(entity, revealed) for entity in found]
    found += find_names(text, country, doc, field)
    return without_overlaps(found)


def _links_first(links: list[Entity]) -> list[Entity]:
    """URLs before handles and e-mails; a URL and its profile handle share one span."""
    order = {EntityKind.URL: 0, EntityKind.HANDLE: 1, EntityKind.EMAIL: 2}
    return sorted(links, key=lambda entity: (order[entity.kind], entity.start))


def _to_original(entity: Entity, revealed: Revealed) -> Entity:
    if not revealed.changed:
        return entity
    start, end = revealed.original_span(entity.start, entity.end)
    return entity.model_copy(
        update={"start": start, "end": end, "text": revealed.original[start:end]}
    )


def _parse(text: str, language: str) -> Doc | None:
    """The field's Doc when the language has a trained pipeline, else None (rules only)."""
    pipelines = _pipelines()
    if not pipelines.has_trained_pipeline(language):
        return None
    return pipelines.get(language)(text[:MAX_PARSED_CHARS])


@cache
def _pipelines() -> LanguagePipelines:
    from nlp.language.spacy_pipelines import LanguagePipelines

    return LanguagePipelines()
