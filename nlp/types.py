"""Plain data types that analysis produces and every other stage consumes.

These are pydantic models with no behaviour beyond validation, so that importing them never
loads spaCy, torch or any model. Every span (`start`, `end`) is a character offset into one
field of the analysed input, named by `field` ("title", "text", or an attribute such as
"contact"), so evidence can be highlighted exactly where it was found.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

UNDETERMINED_LANGUAGE = "und"


class _Span(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str = "text"
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _end_after_start(self) -> _Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class EntityKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    HANDLE = "handle"
    MONEY = "money"
    AGE = "age"
    PERSON = "person"
    ORGANISATION = "organisation"
    LOCATION = "location"


class Entity(_Span):
    """Something named in the text; `value` is its normalised form (E.164, lower-cased e-mail).

    A place resolved with the gazetteer also carries its ISO country code and admin area.
    """

    kind: EntityKind
    text: str
    value: str
    country: str | None = None
    admin_area: str | None = None


class Strength(StrEnum):
    STRONG = "strong"
    MEDIUM = "medium"
    WEAK = "weak"


class IndicatorHit(_Span):
    """One match of a taxonomy indicator, with the words that triggered it."""

    indicator: str
    category: str
    strength: Strength
    evidence: str
    language: str


class RiskLabel(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ContributionSource(StrEnum):
    INDICATOR = "indicator"
    CLASSIFIER = "classifier"
    NETWORK = "network"


class RiskContribution(BaseModel):
    """One reason behind a risk score and how much of the score it accounts for."""

    model_config = ConfigDict(frozen=True)

    source: ContributionSource
    name: str
    weight: float = Field(ge=0.0, le=1.0)
    detail: str = ""


class Risk(BaseModel):
    """A combined score in [0, 1], its band, and the reasons an analyst can read."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0.0, le=1.0)
    label: RiskLabel
    explanation: list[str] = Field(default_factory=list)
    contributions: list[RiskContribution] = Field(default_factory=list)


class ClassifierScores(BaseModel):
    """Calibrated probabilities of the risk model, one per label, and the model that gave them."""

    model_config = ConfigDict(frozen=True)

    model: str
    probabilities: dict[str, float]


class NetworkEvidence(BaseModel):
    """What linking knows about a document's near-duplicates and shared contacts."""

    model_config = ConfigDict(frozen=True)

    cluster_size: int = Field(default=1, ge=1)
    network_size: int = Field(default=1, ge=1)
    countries: int = Field(default=0, ge=0)
    sites: int = Field(default=0, ge=0)


class TextKind(StrEnum):
    """What kind of source a text comes from (the crawler's source kinds)."""

    JOB_BOARD = "job_board"
    CLASSIFIEDS = "classifieds"
    SOCIAL = "social"
    NEWS = "news"


class TopicLabel(StrEnum):
    TRAFFICKING = "trafficking"
    OTHER = "other"


class Topic(BaseModel):
    """Whether a text is about trafficking, sexual or labour exploitation, smuggling of
    migrants or recruitment fraud: the calibrated probability, and the model's decision."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0.0, le=1.0)
    label: TopicLabel
    model: str


class TextInput(BaseModel):
    """What analysis reads: named text fields, the source's country as a hint, and the kind
    of source (an ad is scored for recruitment risk; a news report is not)."""

    model_config = ConfigDict(frozen=True)

    fields: dict[str, str]
    country: str | None = None
    kind: TextKind | None = None


class Annotations(BaseModel):
    """Everything analysis says about one input."""

    model_config = ConfigDict(frozen=True)

    language: str = UNDETERMINED_LANGUAGE
    language_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    entities: list[Entity] = Field(default_factory=list)
    indicators: list[IndicatorHit] = Field(default_factory=list)
    classifier: ClassifierScores | None = None
    risk: Risk = Field(default_factory=lambda: Risk(score=0.0, label=RiskLabel.NONE))
    topic: Topic | None = None
