"""Template summaries of near-duplicate clusters: the shared text and the slots that vary.

In the spirit of InfoShield (Lee et al., ICDE 2021), reimplemented from the paper's idea, not
its code. The members' token sequences (entities already replaced by slot tokens of their kind)
are aligned against a centre member (a centre-star multiple alignment). A centre word most
members agree on belongs to the template; runs of words they disagree on, words several members
insert, and every entity become slots, with the values each member fills in.

Minimum description length decides whether the cluster is really templated: encoding every
member word by word costs `raw_bits`; encoding the template once plus, per member, its slot
fillers and its deviations from the template costs `template_bits`. The cluster is templated
when the template saves bits, i.e. when one text generated the members rather than chance.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

_WORD = re.compile(r"\w+(?:[.'’-]\w+)*|[^\w\s]", re.UNICODE)
# The centre is chosen among this many members; alignment itself uses all of them.
_CENTRE_CANDIDATES = 15
_VALUES_KEPT = 25


@dataclass(frozen=True)
class Token:
    """A word, or an entity as one token: `kind` is its entity kind and `text` its value."""

    text: str
    kind: str | None = None

    @property
    def key(self) -> str:
        return f"<{self.kind}>" if self.kind else self.text.casefold()


@dataclass(frozen=True)
class Slot:
    """A place in the template where members differ; `values` are the distinct fillers seen."""

    index: int
    kind: str
    values: list[str]
    filled_by: int


@dataclass(frozen=True)
class Template:
    text: str
    slots: list[Slot]
    members: int
    raw_bits: float
    template_bits: float
    templated: bool

    @property
    def compression(self) -> float:
        """Template cost over raw cost: below 1 the template explains the members."""
        return self.template_bits / self.raw_bits if self.raw_bits else 1.0


@dataclass
class _Alignment:
    """One member against the centre: tokens per centre position and insertions before it."""

    aligned: list[list[Token]]
    inserted: list[list[Token]] = field(default_factory=list)


def tokenize(text: str, entities: Sequence[tuple[str, int, int, str]] = ()) -> list[Token]:
    """Words of `text`, each (kind, start, end, value) entity span becoming one token."""
    tokens: list[Token] = []
    cursor = 0
    for kind, start, end, value in sorted(entities, key=lambda entity: entity[1]):
        if start < cursor or end > len(text):
            continue
        tokens.extend(Token(word) for word in _WORD.findall(text[cursor:start]))
        tokens.append(Token(value, kind))
        cursor = end
    tokens.extend(Token(word) for word in _WORD.findall(text[cursor:]))
    return tokens


def summarise(members: Sequence[Sequence[Token]]) -> Template:
    """The template of a cluster's members (at least one)."""
    if not members:
        raise ValueError("a template needs at least one member")
    centre = members[_centre_index(members)]
    alignments = [_align(centre, member) for member in members]
    keep = _agreed_positions(centre, alignments)
    elements = _template_elements(centre, alignments, keep)
    text, slots = _render(centre, alignments, elements)
    raw = sum(_raw_cost(member, members) for member in members)
    cost = _template_cost(centre, alignments, elements, keep, members)
    return Template(
        text=text,
        slots=slots,
        members=len(members),
        raw_bits=raw,
        template_bits=cost,
        templated=len(members) > 1 and cost < raw,
    )


def _centre_index(members: Sequence[Sequence[Token]]) -> int:
    candidates = range(min(len(members), _CENTRE_CANDIDATES))
    keys = [[token.key for token in member] for member in members[:_CENTRE_CANDIDATES]]

    def agreement(index: int) -> float:
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(keys[index])
        total = 0.0
        for other in candidates:
            matcher.set_seq1(keys[other])
            total += matcher.ratio()
        return total

    return max(candidates, key=agreement)


def _align(centre: Sequence[Token], member: Sequence[Token]) -> _Alignment:
    alignment = _Alignment(
        aligned=[[] for _ in centre], inserted=[[] for _ in range(len(centre) + 1)]
    )
    matcher = SequenceMatcher(
        None, [token.key for token in centre], [token.key for token in member], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                alignment.aligned[i1 + offset].append(member[j1 + offset])
        elif tag == "replace":
            alignment.aligned[i1].extend(member[j1:j2])
        elif tag == "insert":
            alignment.inserted[i1].extend(member[j1:j2])
    return alignment


def _agreed_positions(centre: Sequence[Token], alignments: list[_Alignment]) -> list[bool]:
    """Centre words that at least half of the members share exactly (entities never)."""
    keep = []
    for position, token in enumerate(centre):
        same = sum(
            1
            for alignment in alignments
            if [t.key for t in alignment.aligned[position]] == [token.key]
        )
        keep.append(token.kind is None and same * 2 >= len(alignments))
    return keep


def _template_elements(
    centre: Sequence[Token], alignments: list[_Alignment], keep: list[bool]
) -> list[tuple[int, int]]:
    """The template as centre ranges: (p, p + 1) a word or entity, (a, b) a slot over a..b-1.

    A slot may be empty (a == b): a gap where at least half of the members insert words.
    Neighbouring disagreements merge into one slot; each entity stays a slot of its own.
    """
    elements: list[tuple[int, int]] = []
    for position in range(len(centre) + 1):
        inserting = sum(1 for alignment in alignments if alignment.inserted[position])
        gap = inserting > 0 and inserting * 2 >= len(alignments)
        at_end = position == len(centre)
        if gap and (at_end or keep[position]):
            elements.append((position, position))
        if at_end:
            break
        if keep[position]:
            elements.append((position, position + 1))
            continue
        previous = elements[-1] if elements else None
        if (
            previous
            and previous[1] == position
            and not keep[previous[0]]
            and centre[previous[0]].kind is None
            and centre[position].kind is None
        ):
            elements[-1] = (previous[0], position + 1)
        else:
            elements.append((position, position + 1))
    return elements


def _filler(alignment: _Alignment, start: int, end: int) -> list[Token]:
    tokens = list(alignment.inserted[start])
    for position in range(start, end):
        tokens.extend(alignment.aligned[position])
        if position + 1 < end:
            tokens.extend(alignment.inserted[position + 1])
    return tokens


def _is_slot(centre: Sequence[Token], keep: list[bool], element: tuple[int, int]) -> bool:
    start, end = element
    return end - start != 1 or not keep[start] or centre[start].kind is not None


def _render(
    centre: Sequence[Token], alignments: list[_Alignment], elements: list[tuple[int, int]]
) -> tuple[str, list[Slot]]:
    words: list[str] = []
    slots: list[Slot] = []
    keep = _agreed_positions(centre, alignments)
    for start, end in elements:
        if not _is_slot(centre, keep, (start, end)):
            words.append(centre[start].text)
            continue
        fillers = [_filler(alignment, start, end) for alignment in alignments]
        kinds = {token.kind or "text" for filler in fillers for token in filler}
        kind = kinds.pop() if len(kinds) == 1 else "text"
        values = Counter(" ".join(token.text for token in filler) for filler in fillers if filler)
        slots.append(
            Slot(
                index=len(slots),
                kind=kind,
                values=[value for value, _ in values.most_common(_VALUES_KEPT)],
                filled_by=sum(1 for filler in fillers if filler),
            )
        )
        words.append(f"[{kind}]")
    return " ".join(words), slots


def _raw_cost(member: Sequence[Token], members: Sequence[Sequence[Token]]) -> float:
    return (len(member) + 1) * _word_bits(members)


def _template_cost(
    centre: Sequence[Token],
    alignments: list[_Alignment],
    elements: list[tuple[int, int]],
    keep: list[bool],
    members: Sequence[Sequence[Token]],
) -> float:
    word = _word_bits(members)
    cost = (len(elements) + 1) * (word + 1)  # the template once, each element flagged
    covered = _covered_gaps(elements, centre, keep)
    for alignment in alignments:
        for start, end in elements:
            if _is_slot(centre, keep, (start, end)):
                filler = _filler(alignment, start, end)
                cost += _length_bits(len(filler)) + len(filler) * word
            elif [t.key for t in alignment.aligned[start]] == [centre[start].key]:
                cost += 1  # matches the template
            else:
                cost += (
                    1
                    + _length_bits(len(alignment.aligned[start]))
                    + word * len(alignment.aligned[start])
                )
        for position, extra in enumerate(alignment.inserted):
            if extra and position not in covered:
                cost += 1 + _length_bits(len(extra)) + len(extra) * word
    return cost


def _covered_gaps(
    elements: list[tuple[int, int]], centre: Sequence[Token], keep: list[bool]
) -> set[int]:
    """Gap positions whose insertions belong to a slot's filler."""
    covered: set[int] = set()
    for start, end in elements:
        if _is_slot(centre, keep, (start, end)):
            covered.update(range(start, max(end, start + 1)))
    return covered


def _word_bits(members: Sequence[Sequence[Token]]) -> float:
    vocabulary = {token.key for member in members for token in member}
    return math.log2(len(vocabulary) + 2)


def _length_bits(length: int) -> float:
    """Elias gamma code length of length + 1."""
    return 2 * math.floor(math.log2(length + 1)) + 1
