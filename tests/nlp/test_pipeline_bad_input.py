"""The whole analysis (with the risk classifier) on inputs that break naive pipelines: each gets
a defined result and nothing crashes (issue: empty, 1 MB, mixed, emoji-only, zero-width,
homoglyph and spaced-out contacts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.config import NlpSettings
from nlp.pipeline import Analyzer
from nlp.types import UNDETERMINED_LANGUAGE, EntityKind, RiskLabel, TextInput

RISK_MODEL = Path(__file__).resolve().parents[2] / "models" / "risk-real-linear"
AD = "Se buscan chicas para trabajar en Aruba, pasaje pagado, escribir al +58 412 555 0147. "


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.from_settings(NlpSettings(risk_model=RISK_MODEL))


def _one(analyzer: Analyzer, text: str, title: str = "") -> object:
    (result,) = analyzer.annotate([TextInput(fields={"title": title, "text": text}, country="VE")])
    return result


def test_empty_and_emoji_only_texts_are_undetermined_and_risk_free(analyzer):
    for text in ("", "   ", "🔥💃🏽✈️💰🌴" * 20):
        result = _one(analyzer, text)
        assert result.language == UNDETERMINED_LANGUAGE
        assert result.indicators == []
        assert result.risk.label == RiskLabel.NONE
        assert result.classifier is None


def test_a_one_megabyte_page_is_analysed(analyzer):
    text = AD * (1_000_000 // len(AD))
    result = _one(analyzer, text, title="Trabajo en Aruba")
    assert result.language == "es"
    assert result.classifier is not None
    assert {e.value for e in result.entities if e.kind == EntityKind.PHONE} == {"+584125550147"}
    assert any(hit.indicator == "free_travel" for hit in result.indicators)


def test_zero_width_and_spaced_out_contacts_keep_original_spans(analyzer):
    hidden = "Escríbe\u200bme al w h a t s a p p +58 4I2 555 0147, pasaje\u200b pagado"
    result = _one(analyzer, hidden, title="Empleo en Curazao")
    phones = [e for e in result.entities if e.kind == EntityKind.PHONE]
    assert [e.value for e in phones] == ["+584125550147"]
    for entity in result.entities:
        field = {"title": "Empleo en Curazao", "text": hidden}[entity.field]
        assert field[entity.start : entity.end] == entity.text


def test_homoglyphs_do_not_hide_an_indicator(analyzer):
    a = "\u0430"  # Cyrillic, looks like a Latin "a"
    text = f"P{a}s{a}je p{a}g{a}do y alojamiento incluido en Aruba."
    result = _one(analyzer, text, title="Trabajo para señoritas")
    assert result.language == "es"
    assert result.risk.label != RiskLabel.NONE


def test_mixed_languages_get_one_language_and_every_languages_hits(analyzer):
    text = (
        "Free flights and accommodation for hostesses. Passagem paga e alojamento. "
        "Pasaje pagado, salida inmediata a Curazao."
    )
    result = _one(analyzer, text)
    assert result.language in {"en", "es", "pt", UNDETERMINED_LANGUAGE}
    assert {hit.language for hit in result.indicators} >= {"en", "pt", "es"}
