"""The baseline taxonomy: its ids, its examples and counter-examples, and broken files."""

from __future__ import annotations

import textwrap

import pytest

from nlp.errors import TaxonomyError
from nlp.indicators import fold_for_matching, load_taxonomy, parse_taxonomy
from nlp.types import Strength

BASELINE = load_taxonomy()

# The table of the shared spec: id -> (category, strength). Changing it is a taxonomy release.
SPEC_TABLE = {
    "free_travel": ("deceptive_recruitment", Strength.MEDIUM),
    "free_lodging": ("deceptive_recruitment", Strength.WEAK),
    "no_experience": ("deceptive_recruitment", Strength.WEAK),
    "high_pay_low_skill": ("deceptive_recruitment", Strength.MEDIUM),
    "age_requirement": ("abuse_of_vulnerability", Strength.MEDIUM),
    "appearance_requirement": ("abuse_of_vulnerability", Strength.MEDIUM),
    "document_retention": ("coercion", Strength.STRONG),
    "debt_bondage": ("coercion", Strength.STRONG),
    "no_documents_needed": ("deceptive_recruitment", Strength.MEDIUM),
    "whatsapp_only": ("contact_pattern", Strength.WEAK),
    "urgent_departure": ("deceptive_recruitment", Strength.WEAK),
    "work_abroad_caribbean": ("destination", Strength.MEDIUM),
    "hostess_model_role": ("sector_entertainment", Strength.MEDIUM),
    "escort_role": ("sector_sex_work", Strength.STRONG),
}


def _cases(kind: str) -> list[tuple[str, str, str]]:
    return [
        (indicator.id, language, sentence)
        for indicator in BASELINE.indicators
        for language, sentences in getattr(indicator, kind).items()
        for sentence in sentences
    ]


def test_baseline_has_exactly_the_spec_indicators():
    assert {
        indicator.id: (indicator.category, indicator.strength) for indicator in BASELINE.indicators
    } == SPEC_TABLE
    assert BASELINE.version


@pytest.mark.parametrize("indicator", BASELINE.indicators, ids=lambda indicator: indicator.id)
def test_every_indicator_is_described_and_exemplified_in_es_pt_en(indicator):
    for language in ("es", "pt", "en"):
        assert indicator.names.get(language)
        assert indicator.descriptions.get(language)
        assert indicator.patterns.get(language)
        assert indicator.examples.get(language)
        assert indicator.counter_examples.get(language)


@pytest.mark.parametrize(("indicator", "language", "sentence"), _cases("examples"))
def test_example_matches_its_indicator(indicator, language, sentence):
    assert BASELINE.matches(indicator, language, sentence)


@pytest.mark.parametrize(("indicator", "language", "sentence"), _cases("counter_examples"))
def test_counter_example_does_not_match(indicator, language, sentence):
    assert not BASELINE.matches(indicator, language, sentence)


def test_spans_point_at_the_evidence_in_the_original_text():
    text = "¡URGENTE! Damas de Compañía para Curaçao. PASAJES PAGADOS, sin papeles."
    hits = BASELINE.find(text, "es", field="text")
    assert {hit.indicator for hit in hits} == {
        "urgent_departure",
        "escort_role",
        "work_abroad_caribbean",
        "free_travel",
        "no_documents_needed",
    }
    for hit in hits:
        assert text[hit.start : hit.end] == hit.evidence
        assert hit.field == "text"
        assert hit.language == "es"
    evidence = {hit.indicator: hit.evidence for hit in hits}
    assert evidence["escort_role"] == "Damas de Compañía"
    assert evidence["free_travel"] == "PASAJES PAGADOS"


def test_patterns_respect_word_boundaries():
    # "escorts" inside a longer word, "sin papeles" glued to letters: not indicators.
    assert BASELINE.find("Servicio de Escortsmanía y sinpapeles", "und") == []


def test_undetermined_language_tries_every_language():
    hits = BASELINE.find("Trabalho em Aruba, passagem paga, WhatsApp only", "und")
    assert {(hit.indicator, hit.language) for hit in hits} == {
        ("work_abroad_caribbean", "pt"),
        ("free_travel", "pt"),
        ("whatsapp_only", "en"),
    }


def test_a_known_language_only_uses_its_own_patterns():
    assert BASELINE.find("Passagem paga", "en") == []
    assert [hit.indicator for hit in BASELINE.find("Passagem paga", "pt")] == ["free_travel"]


def test_overlapping_matches_of_one_indicator_become_one_hit():
    text = "El pasaje se descuenta del sueldo"
    [hit] = BASELINE.find(text, "es")
    assert hit.indicator == "debt_bondage"
    assert hit.evidence == "pasaje se descuenta del sueldo"


def test_folding_keeps_one_character_per_character():
    text = "İSTANBUL Straße, CORAZÓN, Ñandú, ﬁn"
    folded = fold_for_matching(text)
    assert len(folded) == len(text)
    assert folded.startswith("istanbul strasse"[:8])
    assert "corazon" in folded
    assert "nandu" in folded


# --- broken taxonomy files -------------------------------------------------------------------

GOOD_INDICATOR = """
  - id: free_travel
    category: deceptive_recruitment
    strength: medium
    names: {en: Free travel}
    patterns:
      en: ['free\\s+flights?']
"""


def _write(tmp_path, body: str):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_a_minimal_valid_file_loads(tmp_path):
    taxonomy = load_taxonomy(
        _write(tmp_path, 'taxonomy_version: "t1"\nindicators:' + GOOD_INDICATOR)
    )
    assert taxonomy.version == "t1"
    assert [hit.evidence for hit in taxonomy.find("We offer FREE flights", "en")] == [
        "FREE flights"
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("taxonomy_version: 1\nindicators: [unclosed", "is not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("indicators:" + GOOD_INDICATOR, "taxonomy_version is missing"),
        ("taxonomy_version: 1\nindicators: []\n", "non-empty list"),
        ("taxonomy_version: 1\nindicators:\n  - 42\n", "indicator #1 is not a mapping"),
        (
            "taxonomy_version: 1\nindicators:" + GOOD_INDICATOR + GOOD_INDICATOR,
            "more than once: ['free_travel']",
        ),
        (
            "taxonomy_version: 1\nindicators:" + GOOD_INDICATOR.replace("medium", "huge"),
            "indicator 'free_travel': strength",
        ),
        (
            "taxonomy_version: 1\nindicators:"
            + GOOD_INDICATOR.replace("free\\s+flights?", "(?:free"),
            "indicator 'free_travel': en pattern '(?:free' does not compile",
        ),
        (
            "taxonomy_version: 1\nindicators:"
            + GOOD_INDICATOR.replace("free\\s+flights?", "(?:free)?"),
            "indicator 'free_travel': en pattern '(?:free)?' matches empty text",
        ),
        (
            "taxonomy_version: 1\nindicators:" + GOOD_INDICATOR.replace("en: [", "English: ["),
            "'English' is not a language code",
        ),
        (
            "taxonomy_version: 1\nindicators:"
            + GOOD_INDICATOR.replace("    category: deceptive_recruitment\n", ""),
            "indicator 'free_travel': category: Field required",
        ),
        (
            "taxonomy_version: 1\nindicators:"
            + GOOD_INDICATOR.replace("id: free_travel", "id: Free Travel"),
            "indicator 'Free Travel': id",
        ),
    ],
)
def test_broken_files_give_a_clear_error(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(TaxonomyError) as raised:
        load_taxonomy(path)
    assert message in str(raised.value)
    assert str(path) in str(raised.value)


def test_unknown_field_is_rejected_with_its_name():
    body = "taxonomy_version: 1\nindicators:" + GOOD_INDICATOR + "    weight: 3\n"
    with pytest.raises(TaxonomyError, match=r"indicator 'free_travel': weight: Extra inputs"):
        parse_taxonomy(textwrap.dedent(body), "inline")


def test_missing_file_is_a_taxonomy_error(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read taxonomy"):
        load_taxonomy(tmp_path / "absent.yaml")
