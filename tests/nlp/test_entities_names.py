"""Persons, organisations and locations: spaCy for es/en, rules and the gazetteer for the rest.

Every name here is invented.
"""

from __future__ import annotations

import pytest

from nlp.entities.names import find_names
from nlp.language.spacy_pipelines import LanguagePipelines
from nlp.types import EntityKind


@pytest.fixture(scope="module")
def pipelines() -> LanguagePipelines:
    return LanguagePipelines()


def kinds_and_values(entities) -> list[tuple[str, str]]:
    return [(entity.kind.value, entity.value) for entity in entities]


def test_spanish_model_names_are_filtered_for_precision(pipelines):
    text = (
        "Buscamos chicas para trabajar en Curazao. Interesadas escribir a la Sra. Yelitza "
        "Marcano al WhatsApp. Contactar a Wilmer Antúnez. Requisitos: pasaporte."
    )
    doc = pipelines.get("es")(text)
    found = find_names(text, "VE", doc)
    assert kinds_and_values(found) == [
        ("location", "Curaçao"),
        ("person", "Yelitza Marcano"),
        ("person", "Wilmer Antúnez"),
    ]
    for entity in found:
        assert text[entity.start : entity.end] == entity.text


def test_english_model_names(pipelines):
    text = "Contact Mr. Desmond Achong at Caribbean Staffing Ltd for work in Chaguanas."
    found = find_names(text, "TT", pipelines.get("en")(text))
    assert kinds_and_values(found) == [
        ("person", "Desmond Achong"),
        ("organisation", "Caribbean Staffing Ltd"),
        ("location", "Chaguanas"),
    ]
    assert found[-1].admin_area == "Chaguanas"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Falar com a Sra. Francisca Albuquerque", [("person", "Francisca Albuquerque")]),
        ("Meu nome é Rosângela Tavares", [("person", "Rosângela Tavares")]),
        ("Neem contact op met Dhr. Rignald Martina", [("person", "Rignald Martina")]),
        ("Tuma kontakto ku Shon Eldrick Pieternella", [("person", "Eldrick Pieternella")]),
        ("Ms. Anjali Persad-Mohan will call", [("person", "Anjali Persad-Mohan")]),
        ("Empresa Limpeza Total contrata", [("organisation", "Limpeza Total")]),
        ("Uitzendbureau Flex Personeel B.V. zoekt", [("organisation", "Flex Personeel B.V.")]),
        (
            "Contrate: Construtora Vale Verde Ltda",
            [("organisation", "Construtora Vale Verde Ltda")],
        ),
        ("Kompania Servisio Karibe ta kontrata", [("organisation", "Servisio Karibe")]),
    ],
)
def test_rules_without_a_model(text, expected):
    assert kinds_and_values(find_names(text)) == expected


def test_places_without_a_model_carry_country_and_admin_area():
    [place] = find_names("Trabou na Oranjestad awe", "AW")
    assert (place.kind, place.value, place.country, place.admin_area) == (
        EntityKind.LOCATION,
        "Oranjestad",
        "AW",
        None,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Empresa seria busca personal",  # a cue with no name after it
        "Sra. 123",
        "Contacto: WhatsApp",
        "",
        "🙂🙂🙂",
    ],
)
def test_no_names_where_there_are_none(text):
    assert find_names(text) == []
