"""Folding a token's text for case-, accent- and hidden-character-blind matching.

Kept apart from nlp/language/spacy_pipelines.py so that what only reads or validates patterns
(the taxonomy file, the console's flags) does not load spaCy.
"""

from __future__ import annotations

import unicodedata


def fold_token_text(text: str) -> str:
    """Lower case, accents and format characters (zero-width spaces, joiners) removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        char for char in decomposed if unicodedata.category(char) not in ("Mn", "Cf", "Me")
    )
    return kept.lower()
