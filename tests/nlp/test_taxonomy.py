"""The shipped taxonomy: its structure, examples and counter-examples, spans, broken files."""

from __future__ import annotations

import textwrap

import pytest

from nlp.errors import TaxonomyError
from nlp.indicators.matching import load_taxonomy, parse_taxonomy
from nlp.language.spacy_pipelines import LanguagePipelines
from nlp.types import Strength

PIPELINES = LanguagePipelines()
BASELINE = load_taxonomy(pipelines=PIPELINES)
CATEGORIES = {
    "deceptive_recruitment", "coercive_recruitment", "abuse_of_vulnerability", "forced_labour",
    "means_of_control", "sexual_exploitation", "sector",
}  # fmt: skip
SECTORS = {
    "sector_domestic_work", "sector_agriculture", "sector_construction",
    "sector_hospitality_bars", "sector_modelling_entertainment", "sector_sex_work",
    "sector_care_work",
}  # fmt: skip
# The 14 indicators of the first release: the demo web's ground truth (tests/site) names them.
FIRST_RELEASE = {
    "free_travel", "free_lodging", "no_experience", "high_pay_low_skill", "age_requirement",
    "appearance_requirement", "document_retention", "debt_bondage", "no_documents_needed",
    "whatsapp_only", "urgent_departure", "work_abroad_caribbean", "hostess_model_role",
    "escort_role",
}  # fmt: skip


def _cases(kind: str) -> list[tuple[str, str, str]]:
    return [
        (indicator.id, language, sentence)
        for indicator in BASELINE.indicators
        for language, sentences in getattr(indicator, kind).items()
        for sentence in sentences
    ]


def test_version_categories_and_size():
    assert BASELINE.version == "2026.2"
    ids = {indicator.id for indicator in BASELINE.indicators}
    assert len(ids) >= 35
    assert ids >= FIRST_RELEASE | SECTORS
    assert {indicator.category for indicator in BASELINE.indicators} == CATEGORIES
    for indicator in BASELINE.indicators:
        if indicator.category == "sector":
            assert indicator.strength is Strength.WEAK, indicator.id
    strong = {i.id for i in BASELINE.indicators if i.strength is Strength.STRONG}
    assert {"document_retention", "debt_bondage", "escort_role", "sexual_services"} <= strong


@pytest.mark.parametrize("indicator", BASELINE.indicators, ids=lambda indicator: indicator.id)
def test_every_indicator_is_described_and_exemplified(indicator):
    for language in ("es", "pt", "en"):
        assert indicator.names.get(language)
        assert indicator.descriptions.get(language)
        assert indicator.patterns.get(language) or indicator.terms.get(language)
    for language in indicator.languages:
        assert len(indicator.examples.get(language, [])) >= 2 or language == "pap", language
        assert indicator.counter_examples.get(language), language


@pytest.mark.parametrize(("indicator", "language", "sentence"), _cases("examples"))
def test_example_matches_its_indicator(indicator, language, sentence):
    assert BASELINE.matches(indicator, language, sentence)


@pytest.mark.parametrize(("indicator", "language", "sentence"), _cases("counter_examples"))
def test_counter_example_does_not_match(indicator, language, sentence):
    assert not BASELINE.matches(indicator, language, sentence)


def test_spans_point_at_the_evidence_in_the_original_text():
    text = "¡URGENTE! Damas de Compañía para Curaçao. PASAJES PAGADOS, sin papeles."
    hits = BASELINE.find(text, "es", field="text")
    assert {hit.indicator for hit in hits} >= {
        "urgent_departure", "escort_role", "free_travel", "no_documents_needed",
    }  # fmt: skip
    for hit in hits:
        assert text[hit.start : hit.end] == hit.evidence
        assert (hit.field, hit.language) == ("text", "es")
    evidence = {hit.indicator: hit.evidence for hit in hits}
    assert evidence["escort_role"] == "Damas de Compañía"
    assert evidence["free_travel"] == "PASAJES PAGADOS"


def test_find_in_doc_reads_a_doc_parsed_once():
    [doc] = PIPELINES.parse(["Te quitamos el pasaporte y pagas el pasaje con tu trabajo."], "es")
    hits = BASELINE.find_in_doc(doc, "es", field="body")
    assert {hit.indicator for hit in hits} >= {"document_retention", "debt_bondage"}
    assert all(hit.field == "body" for hit in hits)


def test_lemmas_match_inflections_the_pattern_does_not_list():
    # <retener> in the pattern: "retuvieron" is found through its lemma.
    [hit] = [
        h
        for h in BASELINE.find("Les retuvieron los pasaportes.", "es")
        if h.indicator == "document_retention"
    ]
    assert hit.evidence == "retuvieron los pasaportes"


def test_patterns_are_token_based_not_substrings():
    assert BASELINE.find("Servicio de Escortsmanía y sinpapeles", "und") == []


def test_a_negation_right_before_a_match_cancels_it():
    assert BASELINE.find("No hay pasaje pagado.", "es") == []
    assert [h.indicator for h in BASELINE.find("Pasaje pagado.", "es")] == ["free_travel"]


def test_excludes_cancel_an_overlapping_hit():
    assert not BASELINE.matches("escort_role", "es", "Se busca acompañante para adulto mayor")
    assert BASELINE.matches("escort_role", "es", "Se buscan acompañantes VIP")


def test_undetermined_language_tries_every_language():
    hits = BASELINE.find("Trabalho em Aruba, passagem paga, WhatsApp only", "und")
    assert {(hit.indicator, hit.language) for hit in hits} >= {
        ("work_abroad_caribbean", "pt"), ("free_travel", "pt"), ("whatsapp_only", "en"),
    }  # fmt: skip


def test_a_known_language_only_uses_its_own_patterns():
    assert BASELINE.find("Passagem paga", "en") == []
    assert [hit.indicator for hit in BASELINE.find("Passagem paga", "pt")] == ["free_travel"]


def test_overlapping_matches_of_one_indicator_become_one_hit():
    [hit] = BASELINE.find("El pasaje se descuenta del sueldo", "es")
    assert hit.indicator == "debt_bondage"
    assert hit.evidence == "pasaje se descuenta del sueldo"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀🙏🔥" * 50,
        "pa\u200bsa\u200bjes\u200b pa\u200dga\u200bdos",
        "w h a t s a p p  s o l o",
        "\x00\x01 control \ufeff characters",
        "Se buscan damas de compañía. " * 35_000,
    ],
    ids=["empty", "blank", "emoji", "zero-width", "spaced", "control", "1MB"],
)
def test_odd_texts_do_not_crash_and_spans_stay_exact(text):
    # A megabyte through the trained Spanish pipeline takes minutes on two cores; the blank
    # pipeline of an undetermined language exercises the same matching in seconds.
    hits = BASELINE.find(text, "es" if len(text) < 10_000 else "und")
    for hit in hits:
        assert text[hit.start : hit.end] == hit.evidence


def test_zero_width_characters_do_not_hide_an_indicator():
    text = "Pa\u200bsajes pa\u200bgados"
    [hit] = BASELINE.find(text, "es")
    assert (hit.indicator, hit.evidence) == ("free_travel", text)


# --- broken taxonomy files -------------------------------------------------------------------

GOOD_INDICATOR = """
  - id: free_travel
    category: deceptive_recruitment
    strength: medium
    names: {en: Free travel}
    patterns:
      en: ['free [flight|flights]']
"""


def _write(tmp_path, body: str):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_a_minimal_valid_file_loads(tmp_path):
    taxonomy = load_taxonomy(
        _write(tmp_path, 'taxonomy_version: "t1"\nindicators:' + GOOD_INDICATOR), PIPELINES
    )
    assert taxonomy.version == "t1"
    assert [hit.evidence for hit in taxonomy.find("We offer FREE flights", "en")] == [
        "FREE flights"
    ]


HEAD = "taxonomy_version: 1\nindicators:"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("taxonomy_version: 1\nindicators: [unclosed\n", ":3: not valid YAML"),
        ("taxonomy_version: 1\n  bad: indent\n", ":2: not valid YAML"),
        ("- just\n- a list\n", ":1: expected a mapping"),
        ("indicators:" + GOOD_INDICATOR, ":1: taxonomy_version is missing"),
        ("taxonomy_version: 1\nindicators: []\n", ":2: indicators must be a non-empty list"),
        ("taxonomy_version: 1\nindicators:\n  - 42\n", ":3: indicator #1 is not a mapping"),
        (HEAD + GOOD_INDICATOR + GOOD_INDICATOR, ":10: indicator id 'free_travel' appears more"),
        (HEAD + GOOD_INDICATOR.replace("medium", "huge"), ":5: indicator 'free_travel': strength"),
        (
            HEAD + GOOD_INDICATOR.replace("'free [flight|flights]'", "'free [flight'"),
            ":8: indicator 'free_travel': en pattern 'free [flight': slot '[flight' is not",
        ),
        (
            HEAD + GOOD_INDICATOR.replace("'free [flight|flights]'", "'free? _'"),
            ":8: indicator 'free_travel': en pattern 'free? _': at least one slot",
        ),
        (
            HEAD + GOOD_INDICATOR.replace("'free [flight|flights]'", "'free _{3,1}'"),
            "repeat {3,1} has min above max",
        ),
        (
            HEAD + GOOD_INDICATOR.replace("en: [", "English: ["),
            ":8: indicator 'free_travel': patterns: Value error, 'English' is not",
        ),
        (
            HEAD + GOOD_INDICATOR.replace("    category: deceptive_recruitment\n", ""),
            ":3: indicator 'free_travel': category: Field required",
        ),
        (
            HEAD + GOOD_INDICATOR.replace("id: free_travel", "id: Free Travel"),
            ":3: indicator 'Free Travel': id",
        ),
        (
            HEAD
            + GOOD_INDICATOR.replace(
                "patterns:\n      en: ['free [flight|flights]']", "terms: {en: ['!!!']}"
            ),
            "en term '!!!': term '!!!' has no letters",
        ),
        (HEAD + GOOD_INDICATOR + "    weight: 3\n", ":9: indicator 'free_travel': weight: Extra"),
        (HEAD + GOOD_INDICATOR + "board_chrome: Urgente\n", ":9: board_chrome must be a list"),
        (HEAD + GOOD_INDICATOR + "board_chrome: ['!!!']\n", ":9: board_chrome: term '!!!' has"),
    ],
)
def test_broken_files_give_file_and_line(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(TaxonomyError) as raised:
        load_taxonomy(path)
    assert f"{path}{message}" in str(raised.value) or (
        str(path) in str(raised.value) and message in str(raised.value)
    )
    assert message in str(raised.value)


def test_inline_source_is_named():
    with pytest.raises(TaxonomyError, match=r"^inline:1: expected a mapping"):
        parse_taxonomy("just text", "inline")


def test_missing_or_undecodable_file_is_a_taxonomy_error(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read taxonomy"):
        load_taxonomy(tmp_path / "absent.yaml")
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("taxonomy_version: 'año'\n".encode("latin-1"))
    with pytest.raises(TaxonomyError, match="cannot read taxonomy"):
        load_taxonomy(latin)
