"""The text patterns stay linear on hostile crawled text, and find what they found before.

Each pattern fixed for issue 13 once cost the square of a run's length: every start inside a
long run of digits, pipes, letters or spaced characters rescanned the rest of the run before
failing (20k characters: 5 to 10 s; 1 MB would have taken hours). Here each one gets the
shape that made it quadratic, 1 MB of it, after the same at 20k characters (so a regression
fails in seconds at the small size rather than hanging at the large one).

The budget is a ratio to a plain linear scan of the same input measured in the same test:
one character-class search over the text, which looks at every character once (about 10 ms
per MB). A linear pattern looks at each character a bounded number of times — each attempt
scans its own run, once — plus a Python step per match or failed run, so it lands within
a few dozen scans; 50x leaves room for that and for noise, and the 0.5 s allowance absorbs
scheduler hiccups on a busy machine, where the baseline is only milliseconds. A quadratic
pattern is out by a factor of the run's length (10^4 to 10^6 here), far beyond either.
Whole `reveal()` runs six passes with Python callbacks, so it gets 200x and 1 s, and so
does `scrub()`, which runs `reveal()` and then its own detectors.

Equivalence is checked by differential testing: thousands of short random texts built from
the characters each pattern cares about, where the old unbounded `finditer` is still cheap,
must give the same matches through the linear finders.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable

import pytest

from api.accounts import pseudonymise
from nlp.entities import deobfuscation
from nlp.entities.deobfuscation import reveal

SIZES = (20_000, 1_000_000)
RATIO = 50.0
ALLOWANCE_SECONDS = 0.5
PIPELINE_RATIO = 200.0
PIPELINE_ALLOWANCE_SECONDS = 1.0
# A class no input here contains: the search visits every character and finds nothing.
_LINEAR_SCAN = re.compile(r"[\x00-\x08]")


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _baseline(text: str) -> float:
    """The plain linear scan of `text`: the best of three, so one hiccup does not inflate it."""
    return min(_seconds(lambda: _LINEAR_SCAN.search(text)) for _ in range(3))


def _shape(unit: str, size: int, tail: str = "") -> str:
    return (unit * (size // len(unit) + 1))[:size] + tail


def _matches(find: Callable[[str], Iterable[re.Match[str]]]) -> Callable[[str], object]:
    return lambda text: sum(1 for _ in find(text))


# (pattern, the input shape that made it quadratic: repeated unit and tail)
ADVERSARIAL = {
    "look-alike word: a long word": (
        _matches(deobfuscation._WORD_WITH_LOOKALIKE.finditer),
        "a",
        "",
    ),
    "number: a run of pipes": (_matches(deobfuscation._FIND_NUMBERS.finditer), "|", "a"),
    "number: pipes and look-alikes": (_matches(deobfuscation._FIND_NUMBERS.finditer), "l|", "a"),
    "spaced digits: gaps starting with _": (
        _matches(deobfuscation._FIND_SPACED_DIGITS.finditer),
        "1_ ",
        "",
    ),
    "spaced digits: alternating gaps": (
        _matches(deobfuscation._FIND_SPACED_DIGITS.finditer),
        "1_.",
        "1a",
    ),
    "spaced letters: gaps starting with _": (
        _matches(deobfuscation._FIND_SPACED_LETTERS.finditer),
        "a_ ",
        "",
    ),
    "spelled e-mail: letters and dashes": (
        _matches(deobfuscation._find_spelled_emails),
        "a-",
        "",
    ),
    "spelled e-mail: a run then an 'at'": (
        _matches(deobfuscation._find_spelled_emails),
        "a+",
        " arroba mail",
    ),
    # scrub's own detectors (e-mails, links, handles, spelled and plain phones); the whole
    # scrub also runs reveal() first and is budgeted as a pipeline below.
    "scrub: a long word then @": (pseudonymise._contact_spans, "a", "@"),
    "scrub: dotted letters then @": (pseudonymise._contact_spans, "a.", "@"),
    "scrub: dashes then (at)": (pseudonymise._contact_spans, "a-", " (at) x"),
    "scrub: digits and separators": (pseudonymise._contact_spans, "1 (", ""),
    "scrub: digit words and separators": (pseudonymise._contact_spans, "uno (", ""),
    "scrub: a long run of words": (pseudonymise._contact_spans, "a ", ""),
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_each_pattern_is_linear_on_its_worst_shape(name: str) -> None:
    work, unit, tail = ADVERSARIAL[name]
    for size in SIZES:
        text = _shape(unit, size, tail)
        budget = RATIO * _baseline(text) + ALLOWANCE_SECONDS
        took = _seconds(lambda: work(text))  # noqa: B023 - called before the loop moves on
        assert took <= budget, f"{name} at {size} characters: {took:.3f} s > {budget:.3f} s"


def test_reveal_is_linear_on_all_shapes_at_once() -> None:
    units = ["a", "|", "l|", "1_ ", "1_.", "a_ ", "a-", "a+", "wһ ", "1 ", "x arroba y "]
    for size in SIZES:
        text = "\n".join(_shape(unit, size // len(units)) for unit in units)
        budget = PIPELINE_RATIO * _baseline(text) + PIPELINE_ALLOWANCE_SECONDS
        took = _seconds(lambda: reveal(text))  # noqa: B023 - called before the loop moves on
        assert took <= budget, f"reveal at {size} characters: {took:.3f} s > {budget:.3f} s"


def test_scrub_is_linear_on_all_shapes_at_once() -> None:
    units = ["a", "a.", "a-", "1 (", "uno (", "a ", "uno ", "x@", "t.me/", "@a "]
    for size in SIZES:
        text = "\n".join(_shape(unit, size // len(units)) for unit in units)
        budget = PIPELINE_RATIO * _baseline(text) + PIPELINE_ALLOWANCE_SECONDS
        took = _seconds(lambda: pseudonymise.scrub(text))  # noqa: B023 - called at once
        assert took <= budget, f"scrub at {size} characters: {took:.3f} s > {budget:.3f} s"


# --- the same matches as before ----------------------------------------------------------

CASES = 4_000
# Pieces the random texts are made of: what each pattern looks for, and what breaks it up.
_NUMBER_PIECES = list("1234OoIl|| .-ax")
_DIGIT_PIECES = ["1 ", "1.", "1-", "1_", "1", " ", "a", "1 1 1 ", "1.1.1.", "_ ", "1 1", "9_."]
_LETTER_PIECES = ["a ", "b.", "c-", "d_", "e", " ", "1", "a b c ", "x.y.z.", "_ ", ".", "k_-"]
_EMAIL_PIECES = [
    "a", "b-c", "-x", "+y", "_", "é", ".", "x.y", " at ", " arroba ", "@", " @ ", "(at)",
    "{at}", " punto ", " dot ", "[dot]", "com", "co", "ve", " ", "1", "A-B",
    "ana arroba mail punto com", "x (at) y [dot] org",
]  # fmt: skip
_SCRUB_PIECES = [
    "a", "b-c", "x+y", ".", "@", " ", "(at)", "[at]", "(dot)", "[dot]", "com", "é", "_",
    "a@b.com", "x (at) y (dot) org",
]  # fmt: skip


def _texts(seed: int, pieces: list[str], longest: int = 14) -> list[str]:
    chooser = random.Random(seed)
    return [
        "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, longest)))
        for _ in range(CASES)
    ]


def _found(matches: Iterable[re.Match[str]]) -> list[tuple[tuple[int, int], dict[str, str]]]:
    return [(match.span(), match.groupdict()) for match in matches]


FINDERS = {
    "numbers": (
        deobfuscation._FIND_NUMBERS.finditer,
        deobfuscation._NUMBER_WITH_LOOKALIKES,
        _NUMBER_PIECES,
    ),
    "spaced digits": (
        deobfuscation._FIND_SPACED_DIGITS.finditer,
        deobfuscation._SPACED_DIGITS,
        _DIGIT_PIECES,
    ),
    "spaced letters": (
        deobfuscation._FIND_SPACED_LETTERS.finditer,
        deobfuscation._SPACED_LETTERS,
        _LETTER_PIECES,
    ),
    "spelled e-mails": (
        deobfuscation._find_spelled_emails,
        deobfuscation._SPELLED_EMAIL,
        _EMAIL_PIECES,
    ),
}


@pytest.mark.parametrize("name", list(FINDERS))
def test_linear_finders_find_what_finditer_finds(name: str) -> None:
    find, pattern, pieces = FINDERS[name]
    seen = 0
    for text in _texts(13, pieces, longest=30):
        expected = _found(pattern.finditer(text))
        assert _found(find(text)) == expected, repr(text)
        seen += len(expected)
    assert seen > CASES // 20  # the texts did exercise the pattern


def test_the_look_alike_word_pattern_finds_what_it_did_unanchored() -> None:
    before = re.compile(rf"\w*[{deobfuscation._LOOKALIKE_CLASS}]\w*")
    seen = 0
    for text in _texts(17, list("abаеһ 1_.é"), longest=30):
        expected = [match.span() for match in before.finditer(text)]
        found = [match.span() for match in deobfuscation._WORD_WITH_LOOKALIKE.finditer(text)]
        assert found == expected, repr(text)
        seen += len(expected)
    assert seen > CASES // 20


def test_scrub_redacts_the_e_mails_it_did() -> None:
    changed = 0
    for text in _texts(19, _SCRUB_PIECES) + _texts(23, list("ab.+-@ ()[]atdo1_é"), longest=30):
        expected = [match.span() for match in pseudonymise._EMAIL_LIKE.finditer(text)]
        assert list(pseudonymise._email_spans(text)) == expected, repr(text)
        changed += bool(expected)
    assert changed > CASES // 20
