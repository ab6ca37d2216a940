"""Indicators on real text (../shared, read in place): what they must find and must not.

Each case names a real item by file and id (../shared/data/realtext, see its MANIFEST) or a
real captured page (../shared/realweb); the texts are never copied here. Items are matched as
analysis matches them: the language of the whole item, that language's patterns, and another
language's only on the stretches written in it (`all_languages=True`, the default setting).
The false hits were found with scripts/realdev/indicator_hits.py; the lure phrasings come from
the lure ads of lures_quoted.jsonl and the quoted offers of the itnewslat warnings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from nlp.classifier.realdev import item_text
from nlp.config import DEFAULT_LANGUAGES
from nlp.indicators.matching import load_taxonomy
from nlp.language.identification import LanguageIdentifier
from nlp.language.spacy_pipelines import LanguagePipelines
from nlp.types import IndicatorHit
from tests.nlp.shared_texts import REALWEB, page_text, realtext_row, require_shared

TAXONOMY = load_taxonomy(pipelines=LanguagePipelines())
IDENTIFIER = LanguageIdentifier(languages=DEFAULT_LANGUAGES)

LURES = "lures_quoted.jsonl"
WARNINGS = "warnings_es_LATAM_itnewslat_scam_keyword.jsonl"
EC_LINKEDIN = "jobs_es_EC_linkedin.jsonl"
EC_COMPUTRABAJO = "jobs_es_EC_computrabajo.jsonl"
CO_ELEMPLEO = "jobs_es_CO_elempleo.jsonl"
BR_LINKEDIN = "jobs_pt_BR_linkedin.jsonl"
EN_NEWS = "news_en_LATAM_worldwide_newswire.jsonl"
CT_LIMA = "computrabajo/search-lima.html"
CT_BOGOTA = (
    "computrabajo/Trabajo de practicante en Bogotá, D.C., Bogotá, D.C. _ Bolsa de Empleo.html"
)


@pytest.fixture(autouse=True)
def _shared_data_is_here() -> None:
    require_shared()


def _item(name: str, item_id: str) -> tuple[str, str]:
    """The item's text as labelled (title, blank line, text) and its identified language."""
    text = item_text(realtext_row(name, item_id))
    return text, IDENTIFIER.identify(text)[0]


@cache
def _hits(name: str, item_id: str) -> tuple[IndicatorHit, ...]:
    text, language = _item(name, item_id)
    return tuple(TAXONOMY.find(text, language, all_languages=True))


def _found(name: str, item_id: str) -> set[str]:
    return {hit.indicator for hit in _hits(name, item_id)}


def _case(name: str, item_id: str, indicator: str) -> Any:
    return pytest.param(name, item_id, indicator, id=f"{item_id}-{indicator}")


# --- lure phrasings of real lure ads and warnings, each found -------------------------------

LURE_PHRASINGS = [
    _case(LURES, "lq0035", "free_travel"),  # "les financian el viaje"
    _case(LURES, "lq0096", "free_travel"),  # "les pagan el pasaje"
    _case(LURES, "lq0096", "debt_bondage"),  # "... para pagar una deuda que nunca termina"
    _case(LURES, "lq0085", "free_travel"),  # "paga todos los pasajes"
    _case(LURES, "lq0037", "free_travel"),  # "con traslado y documentación incluidos"
    _case(LURES, "lq0062", "free_travel"),  # "apoyo para traslado y hospedaje"
    _case(LURES, "lq0041", "free_travel"),  # pt "passagem aérea e moradia pagas"
    _case(LURES, "lq0041", "free_lodging"),
    _case(LURES, "lq0103", "free_travel"),  # pt "dão passagens, alimentação e dinheiro"
    _case(LURES, "lq0009", "free_lodging"),  # "con transporte, comida y vivienda"
    _case(LURES, "lq0078", "free_lodging"),  # en "free transportation and lodging"
    _case(WARNINGS, "itnewslat-00576", "free_travel"),  # "se hará cargo de su ... pasaje"
    _case(WARNINGS, "itnewslat-00576", "free_lodging"),  # "... de su hospedaje"
    _case(LURES, "lq0036", "debt_bondage"),  # "para saldar la deuda"
    _case(LURES, "lq0060", "debt_bondage"),  # "una deuda ... por el traslado y el alojamiento"
    _case(LURES, "lq0030", "debt_bondage"),  # pt "já chega endividada"
    _case(LURES, "lq0025", "document_retention"),  # "les quitan pasaportes y celulares"
    _case(LURES, "lq0025", "phone_confiscation"),
    _case(LURES, "lq0074", "document_retention"),  # "retiene la cédula de identidad"
    _case(LURES, "lq0029", "escort_role"),  # "trabajar como prepago"
    _case(LURES, "lq0039", "client_drinking"),  # "un sitio de alterne"
    _case(LURES, "lq0047", "hostess_model_role"),  # "estudios webcam ... reclutan chicas"
    _case(LURES, "lq0087", "hostess_model_role"),  # "están buscando modelos"
    _case(LURES, "lq0061", "appearance_requirement"),  # "fotografías de cuerpo completo"
    _case(LURES, "lq0046", "appearance_requirement"),  # "ganar dinero con tu belleza"
    _case(LURES, "lq0038", "high_pay_low_skill"),  # "dinero de forma rápida"
    _case(LURES, "lq0051", "sexual_services"),  # en "sexual favours"
    _case(WARNINGS, "itnewslat-00660", "no_experience"),  # "sin necesidad de experiencia"
]


@pytest.mark.parametrize(("name", "item_id", "indicator"), LURE_PHRASINGS)
def test_a_real_lure_phrasing_is_found(name: str, item_id: str, indicator: str) -> None:
    assert indicator in _found(name, item_id)


# --- ordinary real ads: the words that fired, and no longer count ---------------------------
# (A few cases guard the new lodging, travel and promoter patterns against the real wording
# they would otherwise catch: the hotel's discounts, the business trip, "promotor de ventas".)

ORDINARY_WORDING = [
    # Data, business and statistical "modelos", and a Net Promoter Score.
    _case(BR_LINKEDIN, "br-li-4145967144", "sector_modelling_entertainment"),
    _case(BR_LINKEDIN, "br-li-4131888859", "sector_modelling_entertainment"),
    _case(EC_LINKEDIN, "ec-li-4015112508", "sector_modelling_entertainment"),
    _case(CO_ELEMPLEO, "co-ee-1884739042", "sector_modelling_entertainment"),
    _case(EC_LINKEDIN, "ec-li-3967582607", "sector_modelling_entertainment"),
    _case(EC_LINKEDIN, "ec-li-4016408484", "sector_modelling_entertainment"),  # promotor de ventas
    # An employer in a hurry: "requiere de manera urgente", "requiere URGENTE".
    _case(CO_ELEMPLEO, "co-ee-1884725687", "urgent_departure"),
    _case(CO_ELEMPLEO, "co-ee-1884730285", "urgent_departure"),
    # Hours of a shift, days of travel, an age cap of 35, and "mayor de edad".
    _case(LURES, "lq0122", "age_requirement"),
    _case(EC_COMPUTRABAJO, "ec-ct-3312293550A5AD3861373E686DCF3405", "age_requirement"),
    _case(EC_COMPUTRABAJO, "ec-ct-A208934673BDC4F361373E686DCF3405", "age_requirement"),
    _case(CO_ELEMPLEO, "co-ee-1884732402", "age_requirement"),
    # A patient's companion, a child-care benefit, "a construção da empresa".
    _case(BR_LINKEDIN, "br-li-4143565584", "escort_role"),
    _case(BR_LINKEDIN, "br-li-4113987979", "escort_role"),
    _case(BR_LINKEDIN, "br-li-4143565584", "sector_construction"),
    _case(BR_LINKEDIN, "br-li-4143565584", "sector_domestic_work"),
    _case(EC_LINKEDIN, "ec-li-4017876091", "sector_construction"),  # "Stack Builders"
    # A health plan open "24h por dia, 7 dias por semana"; a full-time "disponibilidad
    # completa"; "10-12 hours a week".
    _case(BR_LINKEDIN, "br-li-4117827580", "excessive_hours"),
    _case(EC_COMPUTRABAJO, "ec-ct-FAB4FDF75EABCAC061373E686DCF3405", "excessive_hours"),
    _case(EC_LINKEDIN, "ec-li-4000848128", "excessive_hours"),
    # What foreigners must bring; "no ties or strings"; "you live in a country".
    _case(EC_LINKEDIN, "ec-li-4018760301", "targets_migrants"),
    _case(EC_LINKEDIN, "ec-li-4009359291", "single_no_children"),
    _case(EC_LINKEDIN, "ec-li-4011056214", "live_in_workplace"),
    # A hotel's staff discounts, a business trip's expenses, costs the worker bears.
    _case(EC_LINKEDIN, "ec-li-4015306779", "free_lodging"),
    _case(EC_LINKEDIN, "ec-li-4001259926", "free_lodging"),
    _case(EC_COMPUTRABAJO, "ec-ct-DAA4AF63A26D22C261373E686DCF3405", "free_lodging"),
    _case(EC_LINKEDIN, "ec-li-4015559886", "free_travel"),  # "apoyo en el traslado de productos"
    # A count a week, a company's revenue, a plan's fee discount, accounts payable, insurance.
    _case(EC_LINKEDIN, "ec-li-4016462564", "high_pay_low_skill"),
    _case(EC_LINKEDIN, "ec-li-4001360711", "high_pay_low_skill"),
    _case(EC_LINKEDIN, "ec-li-4002177366", "recruitment_fee"),
    _case(EC_COMPUTRABAJO, "ec-ct-69816135FF6287FA61373E686DCF3405", "recruitment_fee"),
    _case(EC_LINKEDIN, "ec-li-3997909341", "guaranteed_visa"),
    _case(EC_LINKEDIN, "ec-li-4008846328", "fines_and_deductions"),  # a sales quota
    # A car dealer's and a shop's "anfitriona"; a school canteen; collecting data.
    _case(EC_LINKEDIN, "ec-li-4010886951", "hostess_model_role"),
    _case(EC_COMPUTRABAJO, "ec-ct-0725E96D59EDD02461373E686DCF3405", "hostess_model_role"),
    _case(EC_COMPUTRABAJO, "ec-ct-38D7F1A0F7657A2461373E686DCF3405", "sector_hospitality_bars"),
    _case(CO_ELEMPLEO, "co-ee-1884722849", "sector_agriculture"),
    _case(EC_LINKEDIN, "ec-li-3982786009", "sector_domestic_work"),  # Executive Housekeeper
]


@pytest.mark.parametrize(("name", "item_id", "indicator"), ORDINARY_WORDING)
def test_ordinary_wording_of_a_real_ad_does_not_count(
    name: str, item_id: str, indicator: str
) -> None:
    assert indicator not in _found(name, item_id)


def test_fast_food_anfitrionas_are_neither_a_lure_role_nor_modelling() -> None:
    # A hard negative of lures_quoted: a chain hiring cashiers, hostesses and managers.
    assert not _found(LURES, "lq0116") & {"hostess_model_role", "sector_modelling_entertainment"}


# --- patterns of the document's language --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "item_id", "language"),
    [
        # Portuguese data-science ads: Spanish "modelos" fired on every one.
        (BR_LINKEDIN, "br-li-4145967144", "pt"),
        (BR_LINKEDIN, "br-li-4147018454", "pt"),
        # English news and an English ad: Spanish "night" (a nightclub) fired on them.
        (EN_NEWS, "ewn-col-bogotapost-6", "en"),
        (EC_LINKEDIN, "ec-li-4016706023", "en"),
    ],
)
def test_only_the_documents_language_counts_where_it_does_not_mix(
    name: str, item_id: str, language: str
) -> None:
    assert _item(name, item_id)[1] == language
    assert {hit.language for hit in _hits(name, item_id)} <= {language}


def test_another_languages_patterns_run_on_the_stretch_written_in_it() -> None:
    # A Spanish ad with its company's paragraph in English: English patterns find the English
    # words there, and not without the switch.
    text, language = _item(EC_LINKEDIN, "ec-li-3973039242")
    assert language == "es"
    mixed = TAXONOMY.find(text, language, all_languages=True)
    assert ("sector_agriculture", "en") in {(hit.indicator, hit.language) for hit in mixed}
    for hit in mixed:
        if hit.language == "en":
            assert IDENTIFIER.identify(_line_of(text, hit))[0] == "en"
    alone = TAXONOMY.find(text, language, all_languages=False)
    assert {hit.language for hit in alone} <= {"es"}


def _line_of(text: str, hit: IndicatorHit) -> str:
    start = text.rfind("\n", 0, hit.start) + 1
    end = text.find("\n", hit.end)
    return text[start : end if end != -1 else len(text)]


# --- board chrome on real listing pages ---------------------------------------------------


@cache
def _page(relative: str) -> str:
    return page_text(REALWEB / relative)


@cache
def _page_found(relative: str) -> frozenset[str]:
    hits = TAXONOMY.find(_page(relative), "es", all_languages=True)
    return frozenset(hit.indicator for hit in hits)


@pytest.mark.parametrize("relative", [CT_LIMA, CT_BOGOTA])
def test_computrabajo_badges_and_filters_never_count(relative: str) -> None:
    text = _page(relative)
    # "Se precisa Urgente" on cards, "Urgente" and "Sin Experiencia" in the filters, each
    # above its count: the words are there (the patterns alone match them), the board's.
    assert TAXONOMY.matches("no_experience", "es", text)
    assert not _page_found(relative) & {"urgent_departure", "no_experience"}


def test_a_title_on_statistical_models_is_not_modelling_work() -> None:
    # The Bogotá listing's "Practicante ... Analítica y Modelos Estadísticos" card.
    assert "sector_modelling_entertainment" not in _page_found(CT_BOGOTA)
