"""Synthetic Documents for tests: `make_document(**overrides)` instead of hand-built dicts.

Every document is a realistic, entirely invented ad (no real person or phone number), already
annotated: language, a phone entity, indicator hits with evidence spans and a risk score.
Overrides are Document fields, plus a few shortcuts:

    site, country, kind      build the Source
    risk_score               build the Risk (label by the usual bands)
    indicator_ids            build one IndicatorHit per id, its evidence found in the text

The id and content hash follow from canonical_url, title, text and attributes unless given.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from index.document import Document, Source, SourceKind, content_hash, stable_id
from nlp.types import Entity, EntityKind, IndicatorHit, Risk, RiskLabel, Strength

BASE_TIME = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_numbers = itertools.count(1)

DEFAULT_TITLE = "Se busca recepcionista para hotel en Quito"
DEFAULT_TEXT = (
    "Empresa internacional contrata señoritas de 18 a 25 años para trabajar como recepcionistas "
    "en hotel de lujo. Pasaje pagado y alojamiento incluido, no se necesita experiencia. "
    "Interesadas escribir por WhatsApp al +593 99 000 0000 y enviar foto de cuerpo entero."
)
DEFAULT_INDICATORS = ("travel_paid", "no_experience")
_EVIDENCE = {
    "travel_paid": "Pasaje pagado",
    "no_experience": "no se necesita experiencia",
    "body_photo": "foto de cuerpo entero",
}


def risk_label_for(score: float) -> RiskLabel:
    if score >= 0.7:
        return RiskLabel.HIGH
    if score >= 0.4:
        return RiskLabel.MEDIUM
    if score > 0.0:
        return RiskLabel.LOW
    return RiskLabel.NONE


def make_risk(score: float) -> Risk:
    return Risk(score=score, label=risk_label_for(score), explanation=[f"score {score:.2f}"])


def make_indicator(indicator: str, text: str, language: str = "es") -> IndicatorHit:
    evidence = _EVIDENCE.get(indicator, text.split(" ")[0] if text else indicator)
    start = max(text.find(evidence), 0)
    return IndicatorHit(
        field="text",
        start=start,
        end=start + len(evidence),
        indicator=indicator,
        category=indicator.split("_")[0],
        strength=Strength.MEDIUM,
        evidence=evidence,
        language=language,
    )


def _phone_entities(text: str) -> list[Entity]:
    phone = "+593 99 000 0000"
    start = text.find(phone)
    if start < 0:
        return []
    return [
        Entity(
            field="text",
            start=start,
            end=start + len(phone),
            kind=EntityKind.PHONE,
            text=phone,
            value="+593990000000",
        )
    ]


def make_document(**overrides: Any) -> Document:
    """A new synthetic, annotated Document; see the module docstring for the overrides."""
    number = next(_numbers)
    fetched = overrides.pop("fetched_at", BASE_TIME + timedelta(minutes=number))
    source = overrides.pop("source", None) or Source(
        kind=overrides.pop("kind", SourceKind.JOB_BOARD),
        site=overrides.pop("site", "empleos.example.org"),
        country=overrides.pop("country", "EC"),
    )
    text = overrides.pop("text", DEFAULT_TEXT)
    language = overrides.pop("language", "es")
    indicator_ids = overrides.pop("indicator_ids", DEFAULT_INDICATORS)
    risk_score = overrides.pop("risk_score", 0.72)
    canonical_url = overrides.pop("canonical_url", f"https://{source.site}/aviso/{number}")
    fields: dict[str, Any] = {
        "source": source,
        "url": canonical_url + "?utm_source=test",
        "canonical_url": canonical_url,
        "fetched_at": fetched,
        "published_at": fetched - timedelta(days=1),
        "title": DEFAULT_TITLE,
        "text": text,
        "language": language,
        "language_confidence": 0.98,
        "entities": _phone_entities(text),
        "indicators": [make_indicator(name, text, language) for name in indicator_ids],
        "risk": make_risk(risk_score),
        "first_seen": fetched,
        "last_seen": fetched,
        **overrides,
    }
    fields.setdefault("id", stable_id(canonical_url))
    fields.setdefault(
        "content_hash",
        content_hash(fields["title"], fields["text"], fields.get("attributes") or {}),
    )
    return Document(**fields)
