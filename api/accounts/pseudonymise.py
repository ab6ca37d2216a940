"""Personal data out of research exports: keyed hashes for contacts, redaction for free text.

Researchers study how recruiters operate, not who they or their victims are. So an export
replaces every phone number, e-mail address and handle with a keyed hash (HMAC-SHA256 under a
secret the operator holds): the same phone gives the same token in every export made with the
same key, so ads can still be linked, but nobody without the key can test a guess of a number
against the token. In free text, each entity span becomes `[PHONE:1a2b3c4d]` (or `[PERSON]` for
a name, which is dropped rather than hashed), and a last pass removes anything that still looks
like a phone number or an e-mail address that the entity extractor missed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from nlp.types import Entity, EntityKind

# Contacts get a token that links ads; names and places of people get nothing.
HASHED_KINDS = frozenset({EntityKind.PHONE, EntityKind.EMAIL, EntityKind.HANDLE, EntityKind.URL})
DROPPED_KINDS = frozenset({EntityKind.PERSON})
# Salaries like "1.500.000 COP" have as many digits as a phone: their spans are not scrubbed.
KEPT_VERBATIM_KINDS = frozenset({EntityKind.MONEY, EntityKind.AGE})
SHORT_TOKEN_CHARS = 8
TOKEN_CACHE_SIZE = 16_384

# The safety net behind entity extraction: runs of 7+ digits (with the usual separators) and
# anything shaped like an e-mail address. Better to redact a reference number than leak a phone.
_PHONE_LIKE = re.compile(r"(?<![\w])\+?\d(?:[\s().\-/]*\d){6,}")  # 7+ digits
_EMAIL_LIKE = re.compile(
    r"[\w.+\-]+\s*(?:@|\(at\)|\[at\])\s*[\w\-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*\w+)+"
)
# `_EMAIL_LIKE` tried only where a run of user characters begins (see `_email_spans`).
_USER_CHAR = re.compile(r"[\w.+\-]")
_EMAIL_AT_RUN_START = re.compile(r"(?<![\w.+\-])" + _EMAIL_LIKE.pattern)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")


class Pseudonymiser:
    """Keyed tokens and redacted text; one instance per export (holds only the key)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        self._key = key
        # One ad network repeats the same few phones thousands of times.
        self._token = lru_cache(maxsize=TOKEN_CACHE_SIZE)(self._hash)

    def token(self, kind: str, value: str) -> str:
        """The keyed hash of a contact value: 64 hex digits, the same for the same value."""
        return self._token(kind, value)

    def _hash(self, kind: str, value: str) -> str:
        message = f"{kind}\x00{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def tokens(self, entities: Iterable[Entity], kind: EntityKind) -> list[str]:
        values = {entity.value for entity in entities if entity.kind == kind}
        return sorted(self.token(kind, value) for value in values)

    def redact(self, text: str, entities: Iterable[Entity]) -> str:
        """The text with each hashed or dropped entity replaced; the safety net runs over the
        text between them, and amounts of money are kept as written."""
        pieces: list[str] = []
        position = 0
        for entity in sorted(entities, key=lambda found: (found.start, -found.end)):
            replacement = self._replacement(entity)
            if entity.start < position or entity.end > len(text) or replacement is None:
                continue  # an overlapping or out-of-range span: the safety net still runs
            pieces.append(scrub(text[position : entity.start]))
            pieces.append(replacement)
            position = entity.end
        pieces.append(scrub(text[position:]))
        return "".join(pieces)

    def _replacement(self, entity: Entity) -> str | None:
        if entity.kind in DROPPED_KINDS:
            return f"[{entity.kind.value.upper()}]"
        if entity.kind in HASHED_KINDS:
            short = self.token(entity.kind, entity.value)[:SHORT_TOKEN_CHARS]
            return f"[{entity.kind.value.upper()}:{short}]"
        if entity.kind in KEPT_VERBATIM_KINDS:
            return entity.text if entity.text else None
        return None


def _phone_or_date(match: re.Match[str]) -> str:
    found = match.group(0)
    return found if _DATE.fullmatch(found.strip()) else "[PHONE]"


def _email_spans(text: str) -> Iterator[tuple[int, int]]:
    """The spans `_EMAIL_LIKE.finditer(text)` finds, in linear time.

    The user part must run to the end of its run of user characters (a space, "@", "(" or "["
    comes next, none of them a user character), so a start later in a run needs just what an
    earlier one did. Left to `finditer`, every start in a long run of letters rescans the rest
    of the run before failing: 20k letters and an "@" took 8.5 s. So the pattern is tried
    where a run begins, and where the last match ended in the middle of one.
    """
    position = 0
    while True:
        match = None
        if position > 0 and _USER_CHAR.match(text, position - 1):
            match = _EMAIL_LIKE.match(text, position)
        match = match or _EMAIL_AT_RUN_START.search(text, position)
        if match is None:
            return
        yield match.span()
        position = match.end()


def _redact_emails(text: str) -> str:
    pieces: list[str] = []
    copied_until = 0
    for start, end in _email_spans(text):
        pieces += [text[copied_until:start], "[EMAIL]"]
        copied_until = end
    pieces.append(text[copied_until:])
    return "".join(pieces)


def scrub(text: str) -> str:
    """Remove what still looks like a phone number or an e-mail address (dates stay)."""
    # A cheap test first: most text has no "@" at all.
    lowered = text.lower()
    if "@" in text or "(at)" in lowered or "[at]" in lowered:
        text = _redact_emails(text)
    return _PHONE_LIKE.sub(_phone_or_date, text)
