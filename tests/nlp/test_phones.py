"""Phone numbers: the formats ads use, WhatsApp links, region fallback, junk ignored."""

from __future__ import annotations

import pytest

from nlp.entities.extraction import field_entities
from nlp.entities.phones import FALLBACK_REGIONS, find_phones, regions_for
from nlp.types import EntityKind


def values(text: str, country: str | None = None) -> list[str]:
    return [match.e164 for match in find_phones(text, country)]


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Llamar al +58 412-555-0147", "CO", "+584125550147"),
        ("Llamar al 0412 5550147", "CO", "+584125550147"),
        ("Tel: 0412-555-0147", None, "+584125550147"),
        ("Cel 310 555 0199", "CO", "+573105550199"),
        ("+57 310 555 0199", "VE", "+573105550199"),
        ("WhatsApp 987 555 012", "PE", "+51987555012"),
        ("+51 987 555 012", None, "+51987555012"),
        ("(11) 95555-0123", "BR", "+5511955550123"),
        ("+55 11 95555-0123", "VE", "+5511955550123"),
        ("+599 9 555 0123", "VE", "+59995550123"),
        ("9 555 0123", "CW", "+59995550123"),
    ],
)
def test_formats_are_normalised_to_e164(text, country, expected):
    assert values(text, country) == [expected]


def test_possible_international_numbers_are_kept_even_when_not_valid():
    # Aruba and Trinidad's 555 ranges are not in the metadata; written with "+" they still count.
    assert values("+297 555 0123 / +1 868 555 0123", "VE") == ["+2975550123", "+18685550123"]


def test_wa_me_link_is_one_phone_spanning_the_link():
    text = "Escríbeme: https://wa.me/584125550147 hoy"
    [match] = find_phones(text, "VE")
    assert match.e164 == "+584125550147"
    assert text[match.start : match.end] == "https://wa.me/584125550147" == match.raw


def test_whatsapp_api_link_with_other_parameters():
    text = "https://api.whatsapp.com/send?text=hola&phone=573105550199 ok"
    [match] = find_phones(text, None)
    assert match.e164 == "+573105550199"
    assert text[match.start : match.end] == match.raw


def test_country_region_comes_first_then_venezuela():
    # "0412 5550147" is a valid Brazilian number too; the source's country decides.
    assert values("0412 5550147", "BR") == ["+554125550147"]
    assert values("0412 5550147", "PE") == ["+584125550147"]
    assert regions_for("pe")[:2] == ("PE", "VE")
    assert regions_for(None) == FALLBACK_REGIONS


@pytest.mark.parametrize(
    "text",
    [
        "Salario 1.500.000 COP mensuales, bono de 2.500.000",
        "Publicado el 2024-05-01, cierra el 12/05/2024",
        "Gana 3000 dólares, código 12345",
        "Llama al 555 0147",
        "+58 12",
        "https://wa.me/12",
        "",
    ],
)
def test_salaries_dates_and_invalid_numbers_are_ignored(text):
    assert find_phones(text, "CO") == []


def test_spans_point_at_the_number_as_written():
    text = "Info: 0412 5550147 o +57 310 555 0199."
    for match in find_phones(text, "CO"):
        assert text[match.start : match.end] == match.raw
    assert values(text, "CO") == ["+584125550147", "+573105550199"]


@pytest.mark.parametrize(
    "text",
    [
        "Salario: $ 6.000.000 - $ 6.500.000 de acuerdo a perfil",  # valid Curaçao numbers
        "SALARIO: a convenir 6.000.000 a 8.000.000 de acuerdo al perfil",  # valid Aruban ones
        "Salario 7.436.000 + contrato indefinido",
        "Salario de hasta 7000.000 - 100% remoto",
        "3.500.000 millones",
        "Fecha límite para aplicar: 30-01-2024",
        "Fecha límite 30.09.2024",
        '"created_at_std": "2018-02-08 23:10:13 UTC"',
        "the Ortega government between (2007-2009)",
        "a Lei Federal 8.745/1993 diz",
        "Conocimiento en normativas ISO 9001 - 27001.",
        '"created": 1518694508.0, "url"',
        '<a href="/fb/sfo/apa/6178016537" class="showcontact">',
        "AÑO 2015 / 423.012 fallecidos",
        "se le dio la plaza 20111/99999",
        "ID A2830999 en el sistema",
    ],
)
def test_money_dates_laws_and_codes_are_not_phones(text):
    assert find_phones(text, "CO") == []


def test_tennis_scores_are_not_spaced_out_phone_numbers():
    text = "maar het liep goed af: 6-4 6-2 4-6 1-6 6-2. De volgende"
    phones = [e for e in field_entities(text, "NL") if e.kind is EntityKind.PHONE]
    assert phones == []


def test_money_wins_over_a_phone_in_the_same_span():
    text = "Rango salarial: $ 7.000.000 - $ 8.000.000."
    kinds = [entity.kind for entity in field_entities(text, "CO")]
    assert kinds == [EntityKind.MONEY, EntityKind.MONEY]


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        # Scraped text glues blocks together: a domain before, a capitalised word after.
        ("Correo: ana @ empresa . com . co310 5550199", "CO", "+573105550199"),
        ("mail:[EMAIL] 11. 95555-0123Não perca", "BR", "+5511955550123"),
        ("WhatsApp 0412 5550147Interesados escribir", "VE", "+584125550147"),
    ],
)
def test_numbers_glued_to_the_next_block_are_found(text, country, expected):
    assert values(text, country) == [expected]
