"""Personal data out of research data: keyed hashes for contacts and ids, redaction for text.

Researchers study how recruiters operate, not who they or their victims are. So what they
receive replaces every phone number, e-mail address and handle with a keyed hash (HMAC-SHA256
under a secret the operator holds): the same phone gives the same token in every export made
with the same key, so ads can still be linked, but nobody without the key can test a guess of
a number against the token.

Ids are hashed the same way. A document id is a plain SHA-256 of the canonical URL, and the
`net-`/`dup-` ids of networks and clusters are built from one, so anyone could hash a candidate
URL and find the ad among exported ids. `pseudonym_id` gives each kind of id its own domain
label under the key ("doc-k…", "net-k…", "dup-k…"): stable for one key, so an export, a trend
and a network graph join up, and worthless without it.

In free text, each entity span becomes `[PHONE:1a2b3c4d]` (or `[PERSON]` for a name, which is
dropped rather than hashed), and `scrub` removes what the extractor missed. It reads the text
as `nlp.entities.deobfuscation.reveal` rewrites it first ("04I2-I23-45-67", "maria (arroba)
gmail punto com", spaced digits), and also catches spelled-out digits, `@handles` and profile
or chat links (`t.me/…`, `wa.me/…`), replacing their spans in the original text. A name the
extractor missed cannot be found this way, which is why researchers' exports leave free text
out (api/exporting/datasets.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from functools import lru_cache

from nlp.entities.deobfuscation import reveal
from nlp.types import Entity, EntityKind

# Contacts get a token that links ads; names and places of people get nothing.
HASHED_KINDS = frozenset({EntityKind.PHONE, EntityKind.EMAIL, EntityKind.HANDLE, EntityKind.URL})
DROPPED_KINDS = frozenset({EntityKind.PERSON})
# Salaries like "1.500.000 COP" have as many digits as a phone: their spans are not scrubbed.
KEPT_VERBATIM_KINDS = frozenset({EntityKind.MONEY, EntityKind.AGE})
SHORT_TOKEN_CHARS = 8
TOKEN_CACHE_SIZE = 16_384
# 128 bits: no collision among any number of documents a store will hold.
ID_HEX_CHARS = 32


class IdKind(StrEnum):
    """The kinds of ids researchers get keyed; each value is its own HMAC domain label."""

    DOCUMENT = "id:document"
    CLUSTER = "id:cluster"
    NETWORK = "id:network"


# "k" after the prefix is not a hex digit: a keyed id never looks like a real one.
ID_PREFIXES = {IdKind.DOCUMENT: "doc-k", IdKind.CLUSTER: "dup-k", IdKind.NETWORK: "net-k"}
_GROUP_KINDS = {"dup-": IdKind.CLUSTER, "net-": IdKind.NETWORK}

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
# Digits written as words, in the corridor's languages: "cuatro uno dos cinco ...".
_DIGIT_WORDS = (
    "cero|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve"  # es
    "|zero|um|dois|três|quatro|sete|oito|nove"  # pt
    "|one|two|three|four|five|six|seven|eight|nine"  # en
    "|nul|een|één|twee|drie|vier|vijf|zes|zeven|acht|negen"  # nl
)
_SPELLED_TOKEN = rf"(?:(?:{_DIGIT_WORDS})(?!\w)|\d+)"
# Only from a run's start, and each match consumes its run: linear in the text.
_SPELLED_RUN = re.compile(rf"(?<!\w){_SPELLED_TOKEN}(?:[\s,.\-/]+{_SPELLED_TOKEN})+", re.IGNORECASE)
_DIGIT_WORD = re.compile(rf"(?:{_DIGIT_WORDS})(?!\w)", re.IGNORECASE)
_DIGIT_WORD_SET = frozenset(_DIGIT_WORDS.split("|"))
# Words joined by the separators a spelled phone uses; possessive, so a long word that no
# separator follows is read once, not once per starting position.
_WORD_RUN = re.compile(r"(?<!\w)\w++(?:[\s,.\-/]++\w++)+")
_WORD = re.compile(r"\w+")
SPELLED_PHONE_DIGITS = 7
# Chat and profile links ("t.me/x", "wa.me/58...", "https://..."): a bare domain with no
# path ("empleos.example") names a site, not a person, and is kept.
_LINK = re.compile(
    r"(?<![\w@.\-/])(?:https?://\S+|www\.\S+|(?:[a-z0-9\-]+\.)+[a-z]{2,}/[^\s<>\"']*)",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w.@])@[a-z0-9_](?:[\w.]*\w)?", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"…»"


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

    def pseudonym_id(self, kind: IdKind, real_id: str) -> str:
        """The keyed id researchers get for a document, cluster or network id."""
        return ID_PREFIXES[kind] + self.token(kind, real_id)[:ID_HEX_CHARS]

    def pseudonym_ids(self, kind: IdKind, real_ids: Iterable[str]) -> list[str]:
        return [self.pseudonym_id(kind, real_id) for real_id in real_ids]

    def group_id(self, real_id: str) -> str:
        """The keyed id of a `net-…` or `dup-…` id."""
        kind = _GROUP_KINDS.get(real_id[:4])
        if kind is None:
            raise ValueError(f"{real_id!r} is neither a network nor a cluster id")
        return self.pseudonym_id(kind, real_id)

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


# --- the safety net ---------------------------------------------------------------------------

Span = tuple[int, int, str]


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


def _emails(text: str) -> Iterator[Span]:
    # A cheap test first: most text has no "@" at all.
    lowered = text.lower()
    if "@" in text or "(at)" in lowered or "[at]" in lowered:
        yield from ((start, end, "[EMAIL]") for start, end in _email_spans(text))


def _links(text: str) -> Iterator[Span]:
    for match in _LINK.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _TRAILING:
            end -= 1
        yield match.start(), end, "[URL]"


def _handles(text: str) -> Iterator[Span]:
    yield from ((match.start(), match.end(), "[HANDLE]") for match in _HANDLE.finditer(text))


def _phones(text: str) -> Iterator[Span]:
    for match in _PHONE_LIKE.finditer(text):
        if not _DATE.fullmatch(match.group().strip()):
            yield match.start(), match.end(), "[PHONE]"


def _spelled_phones(text: str) -> Iterator[Span]:
    """Runs like "cuatro uno dos 5 5 5 cero uno": seven digits or more, two of them words
    (a run of plain digits is a date or a phone that `_phones` judges).

    `_SPELLED_RUN` tries its forty-word alternation at every word start, which costs ~1 s a
    megabyte; it only runs inside runs of words that hold two digit words by a set lookup."""
    for candidate in _WORD_RUN.finditer(text):
        words = _WORD.findall(candidate.group().lower())
        if sum(word in _DIGIT_WORD_SET for word in words) >= 2:
            yield from _spelled_phones_in(text, candidate.start(), candidate.end())


def _spelled_phones_in(text: str, start: int, end: int) -> Iterator[Span]:
    for match in _SPELLED_RUN.finditer(text, start, end):
        run = match.group()
        words = len(_DIGIT_WORD.findall(run))
        digits = words + sum(char.isdigit() for char in run)
        if words >= 2 and digits >= SPELLED_PHONE_DIGITS:
            yield match.start(), match.end(), "[PHONE]"


_DETECTORS: tuple[Callable[[str], Iterator[Span]], ...] = (
    _emails,
    _links,
    _handles,
    _spelled_phones,
    _phones,
)


def _contact_spans(text: str) -> list[Span]:
    """Contact-like spans of `text`, overlapping ones merged into the earliest (a phone
    inside a `wa.me/…` link is part of the link)."""
    found = sorted(
        (span for detect in _DETECTORS for span in detect(text)),
        key=lambda span: (span[0], -span[1]),
    )
    merged: list[Span] = []
    for start, end, label in found:
        if merged and start < merged[-1][1]:
            last_start, last_end, last_label = merged[-1]
            merged[-1] = (last_start, max(last_end, end), last_label)
        else:
            merged.append((start, end, label))
    return merged


def scrub(text: str) -> str:
    """Remove what still looks like a contact — a phone number, an e-mail address, a handle,
    a chat or profile link — however it was disguised; dates and plain words stay."""
    revealed = reveal(text)
    spans = [
        (*revealed.original_span(start, end), label)
        for start, end, label in _contact_spans(revealed.text)
    ]
    pieces: list[str] = []
    position = 0
    for start, end, label in sorted(spans):
        if start < position:  # two revealed spans from one rewritten piece
            continue
        pieces += [text[position:start], label]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
