"""Settings of the analysis stage, read from TRACK4TIP_NLP_* environment variables.

Built once where a process starts and handed to `nlp.pipeline.Analyzer`; nothing in `nlp`
reads the environment on its own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The corridor's languages plus the European ones its ads are confused with. langdetect knows
# no Papiamento and labels it Indonesian, Afrikaans or Estonian with high confidence, so a
# language outside this list is reported as undetermined rather than as a wrong guess.
DEFAULT_LANGUAGES = ("es", "pt", "en", "nl", "fr", "it", "de")


class NlpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_NLP_", extra="ignore")

    seed: int = Field(default=0, description="Seed of langdetect's sampling, for repeatable runs.")
    language_min_confidence: float = Field(
        default=0.80,
        ge=0.0,
        le=1.0,
        description="Below this probability the language is reported as 'und'.",
    )
    language_min_letters: int = Field(
        default=12,
        ge=1,
        description="Texts with fewer letters than this are too short to identify: 'und'.",
    )
    languages: tuple[str, ...] = Field(
        default=DEFAULT_LANGUAGES,
        description="Languages that may be reported; others become 'und'. Empty: all of them.",
    )
    taxonomy_path: Path | None = Field(
        default=None,
        description="Indicator taxonomy YAML; default: the baseline shipped in nlp/data.",
    )
    # On by default: ads are quoted across languages (a Spanish ad in an English news story,
    # Portuguese phrases in a Spanish post), and on the demo web and the taxonomy's
    # counter-examples it added no false hit.
    match_all_languages: bool = Field(
        default=True,
        description=(
            "Match every language's indicator patterns, not only the detected language's "
            "(finds a Spanish ad quoted in an English article)."
        ),
    )
    explanation_language: str = Field(
        default="en",
        description="Language of the indicator names used in risk explanations (es, pt, en).",
    )
