"""The entities facade: every kind at once, spans into the original text, bad input.

Every name and number here is invented.
"""

from __future__ import annotations

import phonenumbers
import pytest

from nlp.entities.extraction import extract_entities, field_entities
from nlp.language.spacy_pipelines import LanguagePipelines
from nlp.types import EntityKind

AD = {
    "title": "Trabajo en Curazao para chicas de 18 a 25 años",
    "text": (
        "Buscamos señoritas para trabajar en Willemstad. Sueldo US$ 1.500 semanales, pasaje "
        "pagado desde Maracaibo. Interesadas escribir a la Sra. Yelitza Marcano al "
        "w h a t s a p p +58 4I2 555 O147 o a reclutamiento arroba ejemplo punto com. "
        "Telegram: @empleos_caribe. Empresa Turismo Caribe C.A. "
        "https://t.me/empleos_caribe?utm_source=x"
    ),
}


def summary(entities) -> list[tuple[str, str, str]]:
    return [(entity.kind.value, entity.field, entity.value) for entity in entities]


def assert_spans_point_into(fields: dict[str, str], entities) -> None:
    for entity in entities:
        assert fields[entity.field][entity.start : entity.end] == entity.text, entity


def test_every_kind_from_one_ad():
    entities = extract_entities(AD, "VE", "es")
    assert summary(entities) == [
        ("location", "title", "Curaçao"),
        ("age", "title", "18-25"),
        ("location", "text", "Willemstad"),
        ("money", "text", "1500.00 USD"),
        ("location", "text", "Maracaibo"),
        ("person", "text", "Yelitza Marcano"),
        ("phone", "text", "+584125550147"),
        ("email", "text", "reclutamiento@ejemplo.com"),
        ("handle", "text", "telegram:empleos_caribe"),
        ("organisation", "text", "Turismo Caribe C.A."),
        ("url", "text", "https://t.me/empleos_caribe"),
    ]
    assert_spans_point_into(AD, entities)


def test_obfuscated_contacts_keep_the_span_of_what_the_ad_shows():
    entities = extract_entities(AD, "VE", "es")
    shown = {entity.kind: entity.text for entity in entities}
    assert shown[EntityKind.PHONE] == "+58 4I2 555 O147"
    assert shown[EntityKind.EMAIL] == "reclutamiento arroba ejemplo punto com"


def test_entities_are_deduplicated_by_value_across_fields():
    fields = {
        "title": "Trabajo en Aruba: reclutamiento.caribe@example.com",
        "text": "Escribe a RECLUTAMIENTO.CARIBE@EXAMPLE.COM o llama al 0412 5550147",
        "contact": "+58 412-555-0147, https://wa.me/584125550147",
    }
    entities = extract_entities(fields, "CO")
    assert summary(entities) == [
        ("location", "title", "Aruba"),
        ("email", "title", "reclutamiento.caribe@example.com"),
        ("phone", "text", "+584125550147"),
    ]
    assert_spans_point_into(fields, entities)


def test_field_entities_keep_repeats_and_resolve_overlaps():
    text = "Info https://empleos.example.com/oferta/04125550147 o al 0412 5550147 o 0412 5550147"
    entities = field_entities(text, "VE")
    assert summary(entities) == [
        ("url", "text", "https://empleos.example.com/oferta/04125550147"),
        ("phone", "text", "+584125550147"),
        ("phone", "text", "+584125550147"),
    ]


def test_parsed_docs_are_used_instead_of_parsing_again():
    text = "Contactar a Wilmer Antúnez en Maracay"
    doc = LanguagePipelines().get("es")(text)
    with_doc = extract_entities({"text": text}, "VE", "es", parsed={"text": doc})
    assert summary(with_doc) == [
        ("person", "text", "Wilmer Antúnez"),
        ("location", "text", "Maracay"),
    ]
    assert with_doc == extract_entities({"text": text}, "VE", "es")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"text": ""},
        {"text": "   \n\t  "},
        {"text": "🙂🔥💵💵🏝️✈️"},
        {"text": "\u200b\u200c\u200d\ufeff" * 100},
        {"title": "👉👉", "text": "🇻🇪➡️🇨🇼 💃💃"},
    ],
)
def test_empty_and_emoji_only_inputs_give_no_entities(fields):
    for language in ("es", "pt", "und"):
        assert extract_entities(fields, "VE", language) == []


def test_text_full_of_zero_width_characters():
    text = "\u200b".join("Llama al 0412 5550147 en Caracas")
    entities = extract_entities({"text": text}, "VE", "pt")
    assert summary(entities) == [("phone", "text", "+584125550147")]
    assert_spans_point_into({"text": text}, entities)


@pytest.mark.parametrize(
    "text",
    [
        "wһаtsарр +58 4І2 555 О147",  # Cyrillic letters in the word and in the number
        "WhatsApp 0 4 1 2 5 5 5 0 1 4 7",
        "WhatsApp +58 4l2-555-Ol47",
        "WhatsApp ０４１２ ５５５ ０１４７",
    ],
)
def test_homoglyph_and_spaced_numbers_are_read(text):
    [phone] = extract_entities({"text": text}, "VE", "es")
    assert phone.value == "+584125550147"
    assert text[phone.start : phone.end] == phone.text


def test_mixed_languages_in_one_input():
    fields = {
        "title": "Trabajo en Curazao / Werk op Curaçao / Trabou na Kòrsou",
        "text": (
            "Se buscan meseras. Wij zoeken serveersters. Salário R$ 2.000, loon NAf 1.500. "
            "Call +1 868 755 0145. Bel Mevr. Jozefien Statia."
        ),
    }
    entities = extract_entities(fields, None, "es")
    assert summary(entities) == [
        ("location", "title", "Curaçao"),
        ("money", "text", "2000.00 BRL"),
        ("money", "text", "1500.00 ANG"),
        ("phone", "text", "+18687550145"),
        ("person", "text", "Jozefien Statia"),
    ]
    assert_spans_point_into(fields, entities)


def test_a_megabyte_of_text_is_read_without_crashing():
    block = (
        "Oferta en Cúcuta, sueldo $1.200.000, escribir a ofertas.frontera@example.com o al "
        "0412 5550147. Chicas de 18 a 25 años. Empresa Modelos Estelares. "
    )
    text = (block * (1_000_000 // len(block) + 1))[:1_000_000]
    tail = "Contacto final: cierre.oferta@example.org"
    entities = extract_entities({"text": text + tail}, "CO", "es")
    values = {entity.value for entity in entities}
    assert {"+584125550147", "1200000.00 COP", "18-25", "Cúcuta"} <= values
    # Contacts are read to the very end, past the part that spaCy parses.
    assert "cierre.oferta@example.org" in values
    assert_spans_point_into({"text": text + tail}, entities)


def test_every_phone_is_valid_e164():
    entities = extract_entities(AD, "VE", "es")
    for entity in entities:
        if entity.kind is EntityKind.PHONE:
            number = phonenumbers.parse(entity.value)
            assert phonenumbers.is_possible_number(number)
