"""Publication dates as publishers write them, read into timezone-aware datetimes.

Accepted: ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00-05:00`, a trailing `Z`) and RFC 822 as
used by RSS, including localised day and month names that real feeds emit
("Seg, 24 Set 2018 19:42:40 -0300" from UOL). A date without a zone is taken as UTC.
An unreadable date gives None: a page is still worth keeping without one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
