"""Phone numbers in free text, normalised to E.164.

Ads in the corridor write numbers in many ways: "+58 412-555-0147", "0412 5550147" (national
format, no country), WhatsApp links. A national-format number only means something with a
region, so each text is read with the source's country first, then Venezuela (the origin of
most numbers in these ads), then the other corridor countries; a number takes the first region
in which it is a valid number. Numbers written with a "+" are kept when they are merely
possible, since real ads use new ranges the metadata may not know yet; national-format digit
runs are kept only when valid somewhere, because salaries and dates look like possible numbers.

Even valid national numbers are dropped when the way they are written says they are something
else: money ("$ 6.000.000" is a valid Curaçao number, "8.000.000" an Aruban one: a currency next
to the number, or thousands grouped with dots or commas, mean an amount), dates ("30-01-2024",
"2018-02-08 23:10"), year ranges ("2007-2009"), law numbers ("Lei 8.745/1993"), decimals
("1518694508.0"), sports scores ("6-4 6-2 4-6") and digits that continue a path ("/apa/6178016537").
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumber, PhoneNumberFormat, PhoneNumberMatcher

FALLBACK_REGIONS = ("VE", "CO", "PE", "EC", "BR", "DO", "TT", "CW", "AW")

_WHATSAPP_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:"
    r"wa\.me/\+?(?P<short>\d{7,15})"
    r"|api\.whatsapp\.com/send/?\?(?:[^\s#]*?&)?phone=\+?(?P<api>\d{7,15})"
    r")(?![\d])[^\s<>\"']*",
    re.IGNORECASE,
)
_MIN_DIGITS = 7
# Where a number may be: a run of digits and the separators numbers are written with. Only
# these windows (and one character either side, which the matcher's checks look at) are read,
# so a long page costs one regular-expression scan, not one matcher pass per region.
_NUMBER_RUN = re.compile(r"[+(\d][\d\s().\-/+]{5,}[\d)]")
# Written next to a national-format number, these make it an amount of money.
_CURRENCY_BEFORE = re.compile(r"(?:\$|€|\b(?:USD|COP|BRL|PEN|DOP|TTD|VES|Bs\.?|S/\.?))\s?$", re.I)
_CURRENCY_AFTER = re.compile(
    r"\s?(?:millones|millón|millon|milhões|milhão|mil\b|pesos|reais|dólares|dolares|"
    r"COP\b|USD\b|BRL\b|US\$|R\$|\$)",
    re.IGNORECASE,
)
# Pieces of a number's raw text that mean it is not a phone number.
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,4}(?:[.,]\d{3})+(?![\d.,]*\d)")
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}([-./])\d{1,2}\1(?:19|20)?\d\d|(?:19|20)\d\d-\d\d-\d\d)(?!\d)"
)
_YEAR_RANGE = re.compile(r"\(?(?:19|20)\d\d\s?[-–/]\s?(?:19|20)\d\d\)?")
_NUMBER_OF_YEAR = re.compile(r"/(?:19|20)?\d\d$")
_DECIMAL = re.compile(r"\d{6,}[.,]\d{1,2}")
_SCORES = re.compile(r"(?<!\d)\d-\d\s+\d-\d(?!\d)")
# Standards and laws are numbered too: "ISO 9001 - 27001", "Ley 1581", "nº 12.524".
_REFERENCE_BEFORE = re.compile(r"(?:\b(?:ISO|IEC|NTC|Lei|Ley|Decreto)|n[º°]|\bNo\.)\s*$", re.I)
# Glued to the end of an e-mail's domain by whitespace clean-up: "@ empresa . com . co305 3997372".
_DOMAIN_END = re.compile(r"\.\s?(?:com|co|net|org|ec|pe|br|ve)$", re.IGNORECASE)
_GLUED_WORD_AFTER = re.compile(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñãõç]")
# Two digit runs around a bare slash are a code or a fraction ("plaza 20111/99999").
_SLASHED = re.compile(r"\d+/\d+")


@dataclass(frozen=True, slots=True)
class PhoneMatch:
    """A phone number found at text[start:end], as written (`raw`) and in E.164."""

    start: int
    end: int
    raw: str
    e164: str


def regions_for(country: str | None) -> tuple[str, ...]:
    """The regions to read national-format numbers with: the source's country first."""
    first = (country.upper(),) if country else ()
    return first + tuple(region for region in FALLBACK_REGIONS if region not in first)


def _e164(number: PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _whatsapp_links(text: str) -> list[PhoneMatch]:
    found = []
    for match in _WHATSAPP_LINK.finditer(text):
        digits = match.group("short") or match.group("api")
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            found.append(PhoneMatch(match.start(), match.end(), match.group(), _e164(number)))
    return found


def _all_digits_written(raw: str, number: PhoneNumber) -> bool:
    """False when the region filled in digits (Trinidad's area code before "2.500.000")."""
    written = sum(ch.isdigit() for ch in raw)
    return written >= len(phonenumbers.national_significant_number(number))


def _candidates(text: str, regions: tuple[str, ...]) -> list[tuple[int, PhoneMatch]]:
    """(rank, match) for every number a region reads in the text; lower rank = preferred."""
    found = []
    for run in _NUMBER_RUN.finditer(text):
        if sum(char.isdigit() for char in run.group()) < _MIN_DIGITS:
            continue
        low, high = _window(text, run.start(), run.end())
        for rank, match in _window_candidates(text[low:high], regions):
            shifted = PhoneMatch(match.start + low, match.end + low, match.raw, match.e164)
            if shifted.raw.lstrip("(").startswith("+") or not _something_else(text, shifted):
                found.append((rank, shifted))
    return found


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """The run and one character either side, which the matcher's checks look at.

    A letter next to a number makes the matcher reject it (ids like "A2830999"). Scraped text
    glues blocks together, though: after an e-mail's domain ("...com . co305 3997372") the
    letter is the domain's, and a capitalised word right after ("7549Não", "2582Profesional")
    starts the next block; those letters are left out of the window.
    """
    low, high = max(0, start - 1), min(len(text), end + 1)
    if low < start and text[low].isalpha() and _DOMAIN_END.search(text, max(0, start - 8), start):
        low = start
    if _GLUED_WORD_AFTER.match(text, end):
        high = end
    return low, high


def _something_else(text: str, match: PhoneMatch) -> bool:
    """Whether a national-format number is written as money, a date, a law or a score."""
    raw = match.raw
    # Amounts never start with a trunk zero or a parenthesis ("0412 5550147 mil gracias").
    if raw[0] not in "0(" and (
        _CURRENCY_BEFORE.search(text, max(0, match.start - 5), match.start)
        or _CURRENCY_AFTER.match(text, match.end)
    ):
        return True
    if _REFERENCE_BEFORE.search(text, max(0, match.start - 10), match.start):
        return True
    if match.start > 1 and text[match.start - 1] == "/" and text[match.start - 2].isalnum():
        return True
    patterns = (_THOUSANDS, _DATE, _YEAR_RANGE, _DECIMAL, _SCORES)
    if any(pattern.search(raw) for pattern in patterns) or _SLASHED.fullmatch(raw):
        return True
    return _NUMBER_OF_YEAR.search(raw) is not None


@lru_cache(maxsize=4096)
def _window_candidates(text: str, regions: tuple[str, ...]) -> tuple[tuple[int, PhoneMatch], ...]:
    """The candidates of one window; cached, since spam repeats the same number many times."""
    candidates = []
    for rank, region in enumerate(regions):
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            if not _all_digits_written(match.raw_string, match.number):
                continue
            found = PhoneMatch(match.start, match.end, match.raw_string, _e164(match.number))
            candidates.append((rank, found))
    # Written with "+": the region is in the number itself, so possible is enough.
    for match in PhoneNumberMatcher(text, regions[0], leniency=Leniency.POSSIBLE):
        if match.raw_string.lstrip("(").startswith("+"):
            found = PhoneMatch(match.start, match.end, match.raw_string, _e164(match.number))
            candidates.append((len(regions), found))
    return tuple(candidates)


def _overlaps(match: PhoneMatch, taken: list[tuple[int, int]]) -> bool:
    """Whether `match` overlaps a span of `taken` (sorted, non-overlapping)."""
    index = bisect_right(taken, (match.start, match.end))
    before = taken[index - 1] if index > 0 else None
    after = taken[index] if index < len(taken) else None
    return (before is not None and before[1] > match.start) or (
        after is not None and after[0] < match.end
    )


def find_phones(text: str, country: str | None = None) -> list[PhoneMatch]:
    """Every phone number in `text`, in reading order, with its span and E.164 value."""
    taken = _whatsapp_links(text)
    spans = sorted((match.start, match.end) for match in taken)
    candidates = _candidates(text, regions_for(country))
    candidates.sort(key=lambda item: (item[0], item[1].start - item[1].end, item[1].start))
    for _rank, match in candidates:
        if not _overlaps(match, spans):
            insort(spans, (match.start, match.end))
            taken.append(match)
    return sorted(taken, key=lambda match: match.start)
