"""Errors raised by the nlp package.

    NlpError           anything analysis cannot do; carries a readable message
    ├── TaxonomyError  the indicator taxonomy cannot be read or does not validate
    ├── LabelledDataError  a labelled CSV/JSONL file is broken (names the file and line)
    │   └── TrainingDataError  readable, but too few or too uniform examples to train on
    ├── ClassifierError    a risk-model artifact is missing, broken or built for another encoder
    ├── LanguageBackendError  an unknown language-identification backend, or one that
    │                         cannot be built for the languages asked
    └── EncoderError       the text encoder cannot be built, found or loaded
        └── EncoderWeightsError  the packed weights it is rebuilt from are missing or corrupt
                                 (names the file)

Callers outside `nlp` catch `NlpError` and show its message.
"""

from __future__ import annotations


class NlpError(Exception):
    """Base class of every error the nlp package raises."""


class TaxonomyError(NlpError):
    """The indicator taxonomy file is missing, is not valid YAML, or breaks its schema."""


class LabelledDataError(NlpError):
    """A labelled data file cannot be read: missing, not CSV/JSONL, or a row breaks the schema."""


class TrainingDataError(LabelledDataError):
    """The labelled examples cannot be split into validation folds (too few, all alike)."""


class ClassifierError(NlpError):
    """A risk-model artifact folder is missing, incomplete, or does not fit the encoder given."""


class LanguageBackendError(NlpError):
    """The language backend named is unknown, or cannot be built for the languages asked."""


class EncoderError(NlpError):
    """The encoder checkpoint cannot be found, rebuilt or loaded (hub unreachable, bad folder)."""


class EncoderWeightsError(EncoderError):
    """The packed weights file the encoder is rebuilt from is missing, truncated or altered."""
