"""Phone numbers in free text, normalised to E.164.

Ads in the corridor write numbers in many ways: "+58 412-555-0147", "0412 5550147" (national
format, no country), WhatsApp links. A national-format number only means something with a
region, so each text is read with the source's country first, then Venezuela (the origin of
most numbers in these ads), then the other corridor countries; a number takes the first region
in which it is a valid number. Numbers written with a "+" are kept when they are merely
possible, since real ads use new ranges the metadata may not know yet; national-format digit
runs are kept only when valid somewhere, because salaries and dates look like possible numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    return candidates


def _overlaps(match: PhoneMatch, taken: list[PhoneMatch]) -> bool:
    return any(match.start < other.end and other.start < match.end for other in taken)


def find_phones(text: str, country: str | None = None) -> list[PhoneMatch]:
    """Every phone number in `text`, in reading order, with its span and E.164 value."""
    taken = _whatsapp_links(text)
    if sum(ch.isdigit() for ch in text) < _MIN_DIGITS:
        return taken
    candidates = _candidates(text, regions_for(country))
    candidates.sort(key=lambda item: (item[0], item[1].start - item[1].end, item[1].start))
    for _rank, match in candidates:
        if not _overlaps(match, taken):
            taken.append(match)
    return sorted(taken, key=lambda match: match.start)
