"""Settings of linking, read from TRACK4TIP_LINKING_* environment variables.

Built where the indexing process (or the API, for reading the store) starts and handed to
`linking.linker.Linker`; nothing in `linking` reads the environment on its own. The defaults
were chosen on the labelled near-duplicate set (bench/bench_linking.py --evaluate): see README
"Networks".
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LinkingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACK4TIP_LINKING_", extra="ignore")

    threshold: float = Field(
        default=0.6,
        gt=0.0,
        le=1.0,
        description="Estimated Jaccard similarity of word shingles from which two ads are "
        "near-duplicates (entities masked).",
    )
    shingle_size: int = Field(
        default=3, ge=1, le=10, description="Words per shingle for near-duplicate detection."
    )
    num_perm: int = Field(
        default=128, ge=16, le=1024, description="MinHash permutations per signature."
    )
    bands: int = Field(
        default=32,
        ge=1,
        description="LSH bands (num_perm must be a multiple); more bands find less similar pairs.",
    )
    bucket_cap: int = Field(
        default=8,
        ge=1,
        description="Documents an LSH bucket keeps; bounds the work boilerplate text causes.",
    )
    max_identifier_degree: int = Field(
        default=100,
        ge=2,
        description="A phone, e-mail, handle or URL carried by more documents than this is "
        "too common (a board's own address) and links nothing.",
    )
