"""Errors raised by the nlp package.

    NlpError           anything analysis cannot do; carries a readable message
    └── TaxonomyError  the indicator taxonomy cannot be read or does not validate

Callers outside `nlp` catch `NlpError` and show its message.
"""

from __future__ import annotations


class NlpError(Exception):
    """Base class of every error the nlp package raises."""


class TaxonomyError(NlpError):
    """The indicator taxonomy file is missing, is not valid YAML, or breaks its schema."""
