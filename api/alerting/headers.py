"""Text bound for a mail or HTTP header: one line, without control characters.

A header ends at a line break, so CR or LF inside a value starts a header of the value's
choosing (`Bcc: ...`) in code that does not check, and makes Python's e-mail package, which
does, raise. The other C0 and C1 controls (NUL, ESC, DEL, U+0085) and the Unicode line and
paragraph separators are refused as well: `str.splitlines`, and so the e-mail package, counts
several of them as line breaks, and none of them belongs in a name or an address.

Rule names and addresses are ours to refuse (the API does, and the senders do again, for rows
that were written past the API); a crawled title is someone else's text that an alert must
still carry, so it is folded onto one line instead (`one_line`).
"""

from __future__ import annotations

import unicodedata

# Cc: C0, DEL and C1 controls (tab, CR, LF, NUL, ESC, U+0085 ...); Zl, Zp: U+2028, U+2029.
_REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def _refused(character: str) -> bool:
    return unicodedata.category(character) in _REFUSED_CATEGORIES


def control_characters(text: str) -> list[str]:
    """The control characters and line separators in `text`, each once, as U+XXXX."""
    return list(dict.fromkeys(f"U+{ord(char):04X}" for char in text if _refused(char)))


def refuse_control_characters(text: str, what: str) -> str:
    """`text` unchanged, or ValueError naming `what` and the characters found."""
    found = control_characters(text)
    if found:
        raise ValueError(
            f"{what} must not contain control characters or line breaks (found {', '.join(found)})"
        )
    return text


def one_line(text: str) -> str:
    """`text` with control characters and runs of white space folded into single spaces."""
    return " ".join("".join(" " if _refused(char) else char for char in text).split())
