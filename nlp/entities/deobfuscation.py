"""Undo the tricks ads use to hide contacts from filters, keeping a map back to the original.

Recruiters who expect moderation write "w h a t s a p p", "+58 4I2 555 O147", "0 4 1 2 ...",
"empleos arroba correo punto com", put zero-width characters inside words or swap Latin letters
for Cyrillic and Greek look-alikes ("wһаtsарр"). `reveal(text)` returns the text an extractor
should read, plus an offset map: every span found in the revealed text is mapped back with
`Revealed.original_span`, so evidence always points at what the ad actually says.

The rewrite runs in passes, each a regular-expression substitution over the previous pass's
output; a pass records the pieces it rewrote, and spans are mapped back through the passes in
reverse. Text no pass touches costs one scan per pass and keeps the identity map.

Crawled text is hostile: the patterns must stay linear in its length. A pattern that scans a
long run and then fails would, tried again at every later start in that run, cost the square
of the run (20k characters took seconds). `_LinearFinder` tries such a pattern once per run:
after a failed attempt it resumes where no start it skipped could have matched; spelled
e-mails get the same from an atomic group. Why each skip is safe is said at its finder, and
tests/nlp/test_linear_patterns.py checks the finders against plain `finditer`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# Format characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft
# hyphen, Mongolian vowel separator, bidi marks and invisible operators.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# Compatibility forms that fold to ASCII under NFKC: full-width forms, mathematical letters
# and digits, circled/parenthesised digits, superscripts.
_COMPATIBLE = "\uff01-\uff5e\U0001d400-\U0001d7ff\u2460-\u24ff\u00b2\u00b3\u00b9\u2070-\u2079"
_CHAR_PASS = re.compile(f"[{_INVISIBLE}]+|[{_COMPATIBLE}]")

# Cyrillic and Greek letters that look like Latin ones, and what they stand for.
HOMOGLYPHS = str.maketrans(
    {
        **dict(
            zip("АВЕЅІЈКМНОРСТХУаеіјорсуһԁԛѕԝхӏ", "ABESIJKMHOPCTXYaeijopcyhdqswxl", strict=True)
        ),
        **dict(zip("ΑΒΕΗΙΚΜΝΟΡΤΥΧΖοικνρτυχ", "ABEHIKMNOPTYXZoikvptux", strict=True)),
    }
)
_LOOKALIKE_CLASS = "".join(sorted({chr(code) for code in HOMOGLYPHS}))
# Only from a word's start: a match always spans the whole word, and a start inside a word
# without a look-alike would rescan the rest of it (quadratic in the word's length).
_WORD_WITH_LOOKALIKE = re.compile(rf"(?<!\w)\w*[{_LOOKALIKE_CLASS}]\w*")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")

# Letters written for digits inside a number: "4I2", "O147", "58l2".
_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"}
_NUMBER_TOKEN = r"[OoIl|]*\d[\dOoIl|]*"
_NUMBER_WITH_LOOKALIKES = re.compile(
    rf"(?<![^\W\d_]){_NUMBER_TOKEN}(?:[ .\-]{_NUMBER_TOKEN})*(?![^\W\d_])"
)
# Single digits or single letters spaced out: "0 4 1 2 5 5 5", "w h a t s a p p", "t.e.l.e".
# The digits' gap is the same all along: tennis scores ("6-4 6-2 4-6 1-6") alternate two.
_SPACED_DIGITS = re.compile(r"(?<![\w])\d(?P<gap>[ .\-_]{1,2})\d(?:(?P=gap)\d){4,}(?![\w])")
_SPACED_LETTERS = re.compile(r"(?<![\w.])[^\W\d_](?:[ .\-_]{1,2}[^\W\d_]){3,}(?![\w])")
# "nombre arroba correo punto com", "name (at) mail [dot] org", "name @ mail . com".
_AT = r"\s*(?:[(\[{<]\s*(?:at|arroba|@)\s*[)\]}>]|\s(?:at|arroba)\s|@)\s*"
_DOT = r"\s*(?:[(\[{<]\s*(?:dot|punto|ponto|punt)\s*[)\]}>]|\s(?:dot|punto|ponto|punt)\s|\.)\s*"
_TLD = r"(?:com|net|org|info|biz|co|ve|pe|ec|br|do|tt|cw|aw|es|pt|nl|us|me|io)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.@])(?P<user>[a-z0-9][a-z0-9._+\-]*){_AT}"
    rf"(?P<domain>[a-z0-9][a-z0-9\-]*(?:{_DOT}[a-z0-9][a-z0-9\-]*)*?){_DOT}(?P<tld>{_TLD})\b",
    re.IGNORECASE,
)
_DOT_WORD = re.compile(_DOT, re.IGNORECASE)

Finder = Callable[[str], Iterator[re.Match[str]]]


@dataclass(frozen=True, slots=True)
class _LinearFinder:
    """`pattern.finditer`, the same matches, in linear time.

    `next_start(text, position)` is the first place at or after `position` where `pattern` may
    begin (its look-behind, its first characters), found at a bounded cost per character.
    After an attempt at `p` fails, `resume(text, p)` (> p) is the next place worth trying: the
    pattern's shape guarantees that no start skipped could match. So each attempt scans its
    own run once, instead of every start in a run rescanning the rest of it.
    """

    pattern: re.Pattern[str]
    next_start: Callable[[str, int], int | None]
    resume: Callable[[str, int], int]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        position = 0
        while (start := self.next_start(text, position)) is not None:
            match = self.pattern.match(text, start)
            if match is None:
                position = self.resume(text, start)
                continue
            yield match
            position = match.end()  # never empty: each pattern here consumes a character


def _searching(starts: re.Pattern[str]) -> Callable[[str, int], int | None]:
    """`next_start` for a pattern of bounded length (so the search stays linear)."""

    def next_start(text: str, position: int) -> int | None:
        found = starts.search(text, position)
        return found.start() if found else None

    return next_start


def _after(run: re.Pattern[str], back: int = 0) -> Callable[[str, int], int]:
    """Resume `back` characters before the end of the `run` that begins at the failed start."""

    def resume(text: str, start: int) -> int:
        found = run.match(text, start)
        return max(found.end() - back, start + 1) if found else start + 1

    return resume


# A number's first token from a later start in the same run of token characters lies inside
# the run, and the token from the failed start can stretch over it: that start would match.
# A start needs a digit after at most a few look-alikes, or else a run of them (bounded test).
_FIND_NUMBERS = _LinearFinder(
    _NUMBER_WITH_LOOKALIKES,
    _searching(re.compile(r"(?<![^\W\d_])(?=[OoIl|]{0,3}\d|[OoIl|]{4})[\dOoIl|]")),
    _after(re.compile(r"[\dOoIl|]+")),
)
# Each later digit of the failed start's chain (digits joined by its gap) but the last has
# the same gap, so its chain is a tail of the failed one; the last may begin another gap.
# A start needs six spaced digits (bounded test).
_FIND_SPACED_DIGITS = _LinearFinder(
    _SPACED_DIGITS,
    _searching(re.compile(r"(?<![\w])\d(?P<gap>[ .\-_]{1,2})\d(?:(?P=gap)\d){4}")),
    _after(re.compile(r"\d(?P<gap>[ .\-_]{1,2})\d(?:(?P=gap)\d)*"), back=1),
)
# Letters take any gap, so every later letter's chain is a tail of the failed start's chain.
# A start needs four spaced letters (bounded test).
_FIND_SPACED_LETTERS = _LinearFinder(
    _SPACED_LETTERS,
    _searching(re.compile(r"(?<![\w.])[^\W\d_](?:[ .\-_]{1,2}[^\W\d_]){3}")),
    _after(re.compile(r"[^\W\d_](?:[ .\-_]{1,2}[^\W\d_])*")),
)

# The user part of a spelled e-mail runs to the end of its run of user characters (what
# follows, a space, a bracket or "@", is none), so a later start in the same run needs what
# an earlier one needed: only the first place in a run where `_SPELLED_EMAIL` may start is
# worth trying. The atomic group skips to it and commits, and the search tries runs only from
# their first character, all inside the regex engine.
_USER_CHARS = r"a-z0-9._+\-"
_USER_CHAR = re.compile(f"[{_USER_CHARS}]", re.IGNORECASE)
_EMAIL_BODY = _SPELLED_EMAIL.pattern.removeprefix(r"(?<![\w.@])")
_EMAIL_IN_RUN = re.compile(
    rf"(?>[{_USER_CHARS}]*?(?<![\w.@])(?=[a-z0-9])){_EMAIL_BODY}", re.IGNORECASE
)
_EMAIL_AT_RUN_START = re.compile(rf"(?<![{_USER_CHARS}]){_EMAIL_IN_RUN.pattern}", re.IGNORECASE)


def _find_spelled_emails(text: str) -> Iterator[re.Match[str]]:
    """`_SPELLED_EMAIL.finditer(text)`, the same matches, in linear time."""
    position = 0
    while True:
        found = None
        if position > 0 and _USER_CHAR.match(text, position - 1):
            found = _EMAIL_IN_RUN.match(text, position)  # the rest of a run a match ended in
        found = found or _EMAIL_AT_RUN_START.search(text, position)
        if found is None:
            return
        # Matched again where the user part starts: the very match `finditer` would give.
        match = _SPELLED_EMAIL.match(text, found.start("user"))
        assert match is not None
        yield match
        position = match.end()


@dataclass(frozen=True, slots=True)
class _Piece:
    """Output text[new_start:new_end] replaced original text[old_start:old_end]."""

    new_start: int
    new_end: int
    old_start: int
    old_end: int


@dataclass(slots=True)
class _OffsetMap:
    """Maps offsets of one pass's output back to its input; identity outside the pieces."""

    pieces: list[_Piece] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    def add(self, piece: _Piece) -> None:
        self.pieces.append(piece)
        self._starts.append(piece.new_start)

    def _shift_before(self, position: int) -> tuple[_Piece | None, int]:
        """The last piece starting at or before `position`, and the offset shift after it."""
        index = bisect_right(self._starts, position) - 1
        if index < 0:
            return None, 0
        piece = self.pieces[index]
        return piece, piece.old_end - piece.new_end

    def start(self, position: int) -> int:
        piece, shift = self._shift_before(position)
        if piece is not None and position < piece.new_end:
            return _inside(piece, position, piece.old_start)
        return position + shift

    def end(self, position: int) -> int:
        piece, shift = self._shift_before(position - 1)
        if piece is not None and position <= piece.new_end:
            return _inside(piece, position, piece.old_end)
        return position + shift


def _inside(piece: _Piece, position: int, otherwise: int) -> int:
    """A same-length rewrite (look-alikes) maps char by char; others map to their edge."""
    if piece.new_end - piece.new_start == piece.old_end - piece.old_start:
        return piece.old_start + position - piece.new_start
    return otherwise


@dataclass(frozen=True, slots=True)
class Revealed:
    """The de-obfuscated text and the way back to the original's offsets."""

    original: str
    text: str
    _maps: tuple[_OffsetMap, ...] = ()

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Where revealed text[start:end] sits in the original text."""
        for offset_map in reversed(self._maps):
            start, end = offset_map.start(start), offset_map.end(end)
        return start, end


def _substitute(
    text: str, find: Finder, rewrite: Callable[[re.Match[str]], str]
) -> tuple[str, _OffsetMap]:
    """`pattern.sub(rewrite, text)` over the matches of `find` (a pattern's `finditer`) that
    also records where each rewritten piece came from."""
    parts: list[str] = []
    offset_map = _OffsetMap()
    copied_until = 0
    length = 0
    for match in find(text):
        replacement = rewrite(match)
        if replacement == match.group():
            continue
        parts.append(text[copied_until : match.start()])
        length += match.start() - copied_until
        offset_map.add(_Piece(length, length + len(replacement), match.start(), match.end()))
        parts.append(replacement)
        length += len(replacement)
        copied_until = match.end()
    if not offset_map.pieces:
        return text, offset_map
    parts.append(text[copied_until:])
    return "".join(parts), offset_map


def _fold_character(match: re.Match[str]) -> str:
    found = match.group()
    if unicodedata.category(found[0]) == "Cf":
        return ""
    return unicodedata.normalize("NFKC", found)


def _latinise_mixed_word(match: re.Match[str]) -> str:
    """Swap look-alikes only in words that also hold Latin letters or digits ("wһаtsарр")."""
    word = match.group()
    latin = _LATIN_OR_DIGIT.search(word)
    return word.translate(HOMOGLYPHS) if latin else word


def _digits_for_lookalikes(match: re.Match[str]) -> str:
    """ "4I2 555 O147" -> "412 555 0147" when the run is mostly real digits."""
    run = match.group()
    digits = sum(char.isdigit() for char in run)
    lookalikes = sum(char in _DIGIT_LOOKALIKES for char in run)
    if digits < 6 or lookalikes == 0 or lookalikes * 3 > digits:
        return run
    return "".join(_DIGIT_LOOKALIKES.get(char, char) for char in run)


def _squeeze(match: re.Match[str]) -> str:
    return "".join(char for char in match.group() if char.isalnum())


def _join_email(match: re.Match[str]) -> str:
    domain = _DOT_WORD.sub(".", match.group("domain"))
    return f"{match.group('user')}@{domain}.{match.group('tld')}"


_PASSES: tuple[tuple[Finder, Callable[[re.Match[str]], str]], ...] = (
    (_CHAR_PASS.finditer, _fold_character),
    (_WORD_WITH_LOOKALIKE.finditer, _latinise_mixed_word),
    (_FIND_NUMBERS.finditer, _digits_for_lookalikes),
    (_FIND_SPACED_DIGITS.finditer, _squeeze),
    (_FIND_SPACED_LETTERS.finditer, _squeeze),
    (_find_spelled_emails, _join_email),
)


def reveal(text: str) -> Revealed:
    """The text with obfuscation undone, and the map from its offsets to `text`'s."""
    current = text
    maps: list[_OffsetMap] = []
    for find, rewrite in _PASSES:
        current, offset_map = _substitute(current, find, rewrite)
        if offset_map.pieces:
            maps.append(offset_map)
    return Revealed(original=text, text=current, _maps=tuple(maps))
