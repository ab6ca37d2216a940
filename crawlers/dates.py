"""Publication dates as publishers write them, read into timezone-aware datetimes.

Accepted: ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00-05:00`, a trailing `Z`) and RFC 822 as
used by RSS, including localised day and month names that real feeds emit
("Seg, 24 Set 2018 19:42:40 -0300" from UOL). A date without a zone is taken as UTC.
An unreadable date gives None: a page is still worth keeping without one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# Portuguese and Spanish month abbreviations that differ from English ones.
_MONTHS = {
    "fev": "Feb", "abr": "Apr", "mai": "May", "ago": "Aug", "set": "Sep", "out": "Oct",
    "dez": "Dec", "ene": "Jan", "dic": "Dec", "jan": "Jan", "feb": "Feb", "mar": "Mar",
    "apr": "Apr", "may": "May", "jun": "Jun", "jul": "Jul", "aug": "Aug", "sep": "Sep",
    "oct": "Oct", "nov": "Nov", "dec": "Dec",
}  # fmt: skip
_RFC822 = re.compile(
    r"^(?:[^\W\d]+\.?,?\s*)?(\d{1,2})\s+([^\W\d]+)\.?\s+(\d{2,4})(?:\s+(\d{1,2}:\d{2}(?::\d{2})?))?"
    r"\s*(.*)$"
)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_iso(value: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _parse_rfc822(value: str) -> datetime | None:
    match = _RFC822.match(value)
    if not match:
        return None
    day, month, year, clock, zone = match.groups()
    english_month = _MONTHS.get(month[:3].lower())
    if english_month is None:
        return None
    normalised = f"{day} {english_month} {year} {clock or '00:00:00'} {zone or '+0000'}"
    try:
        return _aware(parsedate_to_datetime(normalised))
    except (TypeError, ValueError):
        return None


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware datetime, or None when the text is not a date we can read."""
    if not value or not value.strip():
        return None
    text = value.strip()
    return _parse_iso(text) or _parse_rfc822(text)


# Listing cards say how long ago an ad was posted ("Hace 2 horas", "Publicado hace más de 15
# días", "Actualizado ayer"); that is read against the time the page was fetched. "más de 15
# días" gives 15 days: the latest moment the text allows.
_RELATIVE = re.compile(
    r"^(?:(?:publicad[oa]|actualizad[oa])\s+)?(?:hace\s+(?:más de\s+)?(\d+)\+?\s*"
    r"(minuto|hora|día|dia|semana|mes)(?:s|es)?|(ayer|hoy))\b",
    re.IGNORECASE,
)
_UNITS = {
    "minuto": timedelta(minutes=1),
    "hora": timedelta(hours=1),
    "día": timedelta(days=1),
    "dia": timedelta(days=1),
    "semana": timedelta(weeks=1),
    "mes": timedelta(days=30),
}


def parse_relative_date(value: str | None, now: datetime) -> datetime | None:
    """`now` less the age a Spanish relative date states, or None for any other text."""
    if not value:
        return None
    match = _RELATIVE.match(" ".join(value.split()))
    if match is None:
        return None
    count, unit, word = match.groups()
    if word:
        return now - timedelta(days=1 if word.lower() == "ayer" else 0)
    return now - int(count) * _UNITS[unit.lower()]
