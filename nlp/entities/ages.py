"""Ages and age ranges that ads ask for: "18 años", "de 18 a 25 años", "mayores de 18",
"edad: 20-35", "entre 18 e 30 anos", "aged 18 to 25", "tussen 18 en 30 jaar", "18 aña".

Value: "18" or "18-25". Numbers of years that are not ages are the main trap ("2 años de
experiencia", "contrato de 3 años", "hace 5 años"), so a single number of years counts only
with an age cue (a word for age, "tener 18 años", "chicas de 18 años", "mayores de 18",
"X años de edad"), and nothing followed by a word for experience, contract or time is read.
Ages outside 14-70 are ignored.
"""

from __future__ import annotations

import re

from nlp.entities.spans import without_overlaps
from nlp.types import Entity, EntityKind

_YEARS = r"(?:años|anos|año|ano|anios|years?|yrs?|jaar|aña|ana)"
_JOIN = r"(?:-|–|a|al|y|e|to|and|en|tot|hasta|te|i|pa|te/m|t/m)"
_NUMBER = r"(?<![\d.,])(?P<{name}>\d{{2}})(?![\d.,]\d)"
_LOW, _HIGH, _SINGLE = (_NUMBER.format(name=name) for name in ("low", "high", "single"))
# Words after "N años" that make it a duration, not an age.
_NOT_AGE_AFTER = re.compile(
    r"\s*(?:de\s+|of\s+|van\s+|di\s+)?(?:experiencia|experiência|experience|ervaring|"
    r"trabajo|trabalho|work|contrato|contract|antigüedad|servicio|garantía|garantia|"
    r"estudios|carrera|residencia|ago|atrás|atras)",
    re.IGNORECASE,
)
_AGE_WORD = r"(?:edad(?:es)?|idade|age[ds]?|leeftijd|edat|edad:)"
_PEOPLE = (
    r"(?:chicas|chicos|jóvenes|jovenes|mujeres|hombres|señoritas|senoritas|muchachas|"
    r"muchachos|damas|personas|niñas|modelos|meninas|moças|mulheres|jovens|girls|women|"
    r"meisjes|vrouwen|hende|muhe|mucha|hóvennan)"
)
_CUE_BEFORE = (
    rf"(?:{_AGE_WORD}\s*(?:[:=]|de|entre|between|tussen|from|desde|min\.?|max\.?|mínima|minima|"
    r"máxima|maxima|mínimo|minimo|máximo|maximo|minimum|maximum)?"
    r"|mayores\s+de|mayor\s+de|menores\s+de|maiores\s+de|maior\s+de|over|under|older\s+than|"
    r"ouder\s+dan|boven\s+de|vanaf|mas\s+grandi\s+ku|tin|tener|tengas|tenga|tiene|tengo|tienes|"
    r"tenha|ter|tem|tenho|tens|a\s+partir\s+de|i\s+am|i'm|ik\s+ben|"
    rf"{_PEOPLE}\s+(?:de|entre|from|between|van|di))"
)
# The cue is looked for just before each number (a pattern that starts with the number lets
# the scan skip quickly through long pages; one that starts with optional words does not).
_CUE_ENDING = re.compile(
    rf"(?<!\w)(?:{_CUE_BEFORE})\s*(?:(?:entre|from|de|between|tussen|los|a)\s+)?$", re.IGNORECASE
)
_RANGE = re.compile(
    rf"{_LOW}\s*(?:{_YEARS}\s*)?{_JOIN}\s*{_HIGH}\s*(?P<years>{_YEARS})?(?:\s+de\s+edad)?",
    re.IGNORECASE,
)
_CUED_AGE = re.compile(rf"{_SINGLE}\s*(?:{_YEARS}|\+)?", re.IGNORECASE)
# "18+" alone is how ads say "adults only".
_ADULTS = re.compile(r"(?<![\w+])(?P<single>1[89]|2[01])\+(?![\w+])")
_AGE_OF = re.compile(
    rf"{_SINGLE}\s*{_YEARS}\s+(?:de\s+edad|of\s+age|old|de\s+idade|oud)", re.IGNORECASE
)
_YOUNGEST, _OLDEST = 14, 70


def find_ages(text: str, field: str = "text") -> list[Entity]:
    """Ages and age ranges in `text`, in reading order; value "18" or "18-25"."""
    cued = [match for match in _CUED_AGE.finditer(text) if _cued(text, match.start())]
    singles = [*cued, *_AGE_OF.finditer(text), *_ADULTS.finditer(text)]
    found = _ranges(text, field)
    for match in sorted(singles, key=lambda match: match.start("single")):
        age = int(match.group("single"))
        if _YOUNGEST <= age <= _OLDEST and not _is_duration(text, match.end()):
            found.append(_age(field, match.start("single"), match.end(), text, str(age)))
    # Ranges first: "18" inside "18 a 25 años" is part of the range.
    return without_overlaps(found)


def _ranges(text: str, field: str) -> list[Entity]:
    found = []
    for match in _RANGE.finditer(text):
        low, high = int(match.group("low")), int(match.group("high"))
        if not (_YOUNGEST <= low < high <= _OLDEST):
            continue
        if not (match.group("years") or _cued(text, match.start())):
            continue
        if _is_duration(text, match.end()):
            continue
        start = match.start("low")
        found.append(_age(field, start, match.end(), text, f"{low}-{high}"))
    return found


def _cued(text: str, start: int) -> bool:
    return _CUE_ENDING.search(text, max(0, start - 48), start) is not None


def _is_duration(text: str, end: int) -> bool:
    return _NOT_AGE_AFTER.match(text, end) is not None


def _age(field: str, start: int, end: int, text: str, value: str) -> Entity:
    while end > start and text[end - 1].isspace():
        end -= 1
    return Entity(
        kind=EntityKind.AGE, field=field, start=start, end=end, text=text[start:end], value=value
    )
