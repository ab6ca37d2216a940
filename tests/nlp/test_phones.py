"""Phone numbers: the formats ads use, WhatsApp links, region fallback, junk ignored."""

from __future__ import annotations

import pytest

from nlp.entities.phones import FALLBACK_REGIONS, find_phones, regions_for


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
