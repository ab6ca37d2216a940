"""Money: currencies of the corridor, separators, multipliers, ranges, the bare "$"."""

from __future__ import annotations

import pytest

from nlp.entities.money import find_money


def values(text: str, country: str | None = None) -> list[str]:
    return [entity.value for entity in find_money(text, country)]


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Sueldo US$ 1.200,50 mensual", "VE", ["1200.50 USD"]),
        ("US$1,500.00", None, ["1500.00 USD"]),
        ("Bs. 350 diarios", None, ["350.00 VES"]),
        ("S/ 1.200 y R$ 2.500,00", None, ["1200.00 PEN", "2500.00 BRL"]),
        ("S/. 1.100 mensuales", "PE", ["1100.00 PEN"]),
        ("RD$ 25,000", "DO", ["25000.00 DOP"]),
        ("TT$ 5000", None, ["5000.00 TTD"]),
        ("NAf 1.500 of XCG 900", "CW", ["1500.00 ANG", "900.00 XCG"]),
        ("Afl. 2.000 pa luna", "AW", ["2000.00 AWG"]),
        ("1.000 euros", None, ["1000.00 EUR"]),
        ("1500 soles", "VE", ["1500.00 PEN"]),
        ("gana 2,5 millones de pesos", "CO", ["2500000.00 COP"]),
        ("500 mil pesos", None, ["500000.00 COP"]),
        ("R$ 10 mil por mês", "BR", ["10000.00 BRL"]),
        ("500$ semanales", "VE", ["500.00 USD"]),
    ],
)
def test_amounts_and_currencies(text, country, expected):
    assert values(text, country) == expected


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("CO", "500.00 COP"),
        ("DO", "500.00 DOP"),
        ("TT", "500.00 TTD"),
        ("EC", "500.00 USD"),
        ("VE", "500.00 USD"),
        (None, "500.00 USD"),
    ],
)
def test_a_bare_dollar_sign_is_the_source_countrys_currency(country, expected):
    assert values("$500 semanales", country) == [expected]


def test_six_figure_dollar_amounts_are_pesos():
    assert values("niñera en Bogotá, sueldo $900.000", "VE") == ["900000.00 COP"]
    assert values("$1.500.000 mensuales", None) == ["1500000.00 COP"]


def test_a_range_gives_both_bounds_in_the_same_currency():
    text = "pago de 800 a 1.200 dólares"
    found = find_money(text, "PE")
    assert [entity.value for entity in found] == ["800.00 USD", "1200.00 USD"]
    assert [text[entity.start : entity.end] for entity in found] == ["800", "1.200 dólares"]
    assert values("desde $800 - $1200", "EC") == ["800.00 USD", "1200.00 USD"]


@pytest.mark.parametrize(
    "text",
    [
        "Salario 1.500.000 mensuales",  # no currency: not guessed
        "Llamar al 0412 5550147",
        "Publicado el 12/05/2024",
        "S/N, Av. Principal",
        "$$$ rápido",
        "",
    ],
)
def test_numbers_without_a_currency_are_not_money(text):
    assert find_money(text, "CO") == []


def test_spans_cover_sign_and_amount():
    text = "Pago: US$ 1.200 al mes"
    [entity] = find_money(text)
    assert text[entity.start : entity.end] == entity.text == "US$ 1.200"
