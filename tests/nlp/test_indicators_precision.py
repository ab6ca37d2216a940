"""Which patterns run where: the document's language, quoted stretches, board chrome.

Synthetic strings for the mechanisms; tests/nlp/test_indicators_realtext.py holds the real
texts each fix comes from.
"""

from __future__ import annotations

import textwrap

from nlp.indicators.chrome import chrome_lines
from nlp.indicators.matching import load_taxonomy, parse_taxonomy
from nlp.language.spacy_pipelines import LanguagePipelines

PIPELINES = LanguagePipelines()
BASELINE = load_taxonomy(pipelines=PIPELINES)


def _found(text: str, language: str) -> set[tuple[str, str]]:
    hits = BASELINE.find(text, language, all_languages=True)
    return {(hit.indicator, hit.language) for hit in hits}


# --- the document's language, and another only where the text is written in it ------------


def test_english_words_spelt_like_spanish_ones_are_not_spanish() -> None:
    # "urge" (Spanish: it is urgent) and "night" (in Spanish ads: a night club) fired the
    # Spanish patterns on English text when every language ran on every text.
    text = "We urge all applicants to apply before Friday. Night shifts at the warehouse."
    assert {language for _, language in _found(text, "en")} <= {"en"}


def test_a_quoted_ad_is_matched_in_its_own_language() -> None:
    text = (
        "Police warned about posts circulating this month. One of them read: "
        "“Se buscan damas de compañía de 18 a 25 años”. Report such offers."
    )
    assert _found(text, "en") == {("escort_role", "es"), ("age_requirement", "es")}


def test_a_stretch_too_short_to_identify_keeps_the_documents_language() -> None:
    # Two Spanish words say too little about their language to switch patterns for them.
    assert _found("The ad only said: “sin papeles”. Police are looking into it.", "en") == set()


def test_the_other_language_is_identified_only_when_one_of_its_patterns_matched() -> None:
    asked: list[str] = []

    def identify(text: str) -> str:
        asked.append(text)
        return "es"

    taxonomy = load_taxonomy(pipelines=PIPELINES, identify=identify)
    taxonomy.find("Our accountant prepares the annual tax report.", "en", all_languages=True)
    assert asked == []
    taxonomy.find("Our ad read: “pasajes pagados para todas”.", "en", all_languages=True)
    assert asked


# --- lodging, food and travel the recruiter pays -------------------------------------------


def test_room_board_and_journey_listed_together() -> None:
    assert _found("Casa, comida, traslados. Escríbenos.", "es") >= {
        ("free_lodging", "es"),
        ("free_travel", "es"),
    }


def test_the_rest_is_on_us() -> None:
    text = "Você só precisa do passaporte, o resto é por nossa conta."
    assert ("free_travel", "pt") in _found(text, "pt")


def test_what_the_worker_pays_is_not_free() -> None:
    text = "Hospedaje y alimentación por cuenta del trabajador. El trabajador paga su pasaje."
    assert not {indicator for indicator, _ in _found(text, "es")} & {"free_lodging", "free_travel"}


# --- board chrome ---------------------------------------------------------------------------

FILTERS = "Experiencia\nSin Experiencia\n316\n1 año\n325\nJornada\nTiempo completo\n1.186\n"


def test_a_filter_facet_is_found_by_the_count_below_it() -> None:
    lines = [FILTERS[start:end] for start, end in chrome_lines(FILTERS, frozenset())]
    assert lines == ["Sin Experiencia", "1 año", "Tiempo completo"]


def test_a_facet_never_counts_but_the_ads_own_words_do() -> None:
    assert ("no_experience", "es") not in _found(FILTERS, "es")
    ad = FILTERS + "Cajero para minimarket\nRequisitos: sin experiencia, buena actitud.\n"
    [hit] = [hit for hit in BASELINE.find(ad, "es") if hit.indicator == "no_experience"]
    assert hit.evidence == "sin experiencia"
    assert ad[hit.start : hit.end] == hit.evidence


def test_a_line_that_is_a_board_label_never_counts() -> None:
    taxonomy = parse_taxonomy(
        textwrap.dedent(
            """
            taxonomy_version: t1
            board_chrome: [Se precisa Urgente]
            indicators:
              - id: urgent_departure
                category: deceptive_recruitment
                strength: weak
                names: {es: Salida inmediata}
                patterns: {es: ['urgente']}
            """
        ),
        pipelines=PIPELINES,
    )
    assert taxonomy.board_chrome == frozenset({"se precisa urgente"})
    text = "  SE PRECISA URGENTE  \nCocinero\nSe necesita cocinero urgente para hoy."
    [hit] = taxonomy.find(text, "es")
    assert text[hit.start : hit.end] == "urgente"
    assert hit.start > text.index("Cocinero")


def test_the_bundled_taxonomy_knows_computrabajos_badges() -> None:
    assert {"se precisa urgente", "empleo destacado"} <= BASELINE.board_chrome
