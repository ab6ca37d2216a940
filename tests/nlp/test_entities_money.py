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
        "1.500.000 mensuales",  # no currency and no word for pay: not guessed
        "Salario a convenir. Más de 1.000.000 usuarios",  # the pay word is in another sentence
        "Salario: $ 75 % SMLV",  # a share of the minimum wage
        "Experiencia en SAP S/4 HANA",  # software, not four soles
        "Ingresos 0412-5550147",  # a phone number after a pay word
        "Salario 2024 competitivo",  # a year
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


def test_a_pay_word_gives_a_bare_number_the_countrys_currency():
    assert values("Salario: 4.000.000", "CO") == ["4000000.00 COP"]
    assert values("Salario máximo 7000000", "CO") == ["7000000.00 COP"]
    assert values("SUELDO aproximado de 850-1200.", "EC") == ["850.00 USD", "1200.00 USD"]
    assert values("REMUNERACIÓN 800 / 1000 en base al perfil", "EC") == [
        "800.00 USD",
        "1000.00 USD",
    ]
    assert values("Salário 3.500 por mês", "BR") == ["3500.00 BRL"]
    # Where the country has two currencies, or is unknown, the number stays unread.
    assert values("Salario 1.500.000 mensuales", "VE") == []
    assert values("Salario 1.500.000 mensuales", None) == []


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("$4 a $4,5 millones", "CO", ["4000000.00 COP", "4500000.00 COP"]),
        ("Sueldo entre $8 a $10 millones", "CO", ["8000000.00 COP", "10000000.00 COP"]),
        ("Salario entre 2 y 3 millones", "CO", ["2000000.00 COP", "3000000.00 COP"]),
        ("Salario 1.5 - 2 millones", "CO", ["1500000.00 COP", "2000000.00 COP"]),
        ("R$ 2 a 3 mil", "BR", ["2000.00 BRL", "3000.00 BRL"]),
        ("USD 2.5K and 3.2K", "EC", ["2500.00 USD", "3200.00 USD"]),
        ("deals of $100-250k", "EC", ["100000.00 USD", "250000.00 USD"]),
        ("$5-20k USD", None, ["5000.00 USD", "20000.00 USD"]),
        # The low end keeps its own size when the multiplier would make it the higher one.
        ("R$ 500 a 3 mil", "BR", ["500.00 BRL", "3000.00 BRL"]),
        ("entre 4 a 10 euros", "EC", ["4.00 EUR", "10.00 EUR"]),
        ("Salario: $ 3´500.000 a 4´000.000", "CO", ["3500000.00 COP", "4000000.00 COP"]),
    ],
)
def test_ranges_share_multiplier_and_currency(text, country, expected):
    assert values(text, country) == expected


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Salario $3'800.000", "CO", ["3800000.00 COP"]),
        ("Salario $5´000.000", "CO", ["5000000.00 COP"]),
        ("Salario: $6’300.000", "CO", ["6300000.00 COP"]),
        ("Salario $ 4' 000.000.", "CO", ["4000000.00 COP"]),
        ("Salario $9, 500,000", "CO", ["9500000.00 COP"]),
        ("Salario: $4.270000+ beneficios", "CO", ["4270000.00 COP"]),
        ("Salario: 2770.000 + aux", "CO", ["2770000.00 COP"]),
        ("1.000.00 US$ (Mensual) (1000)", "EC", ["1000.00 USD"]),
        ("Sueldo: $1,536.00 + Beneficios", "EC", ["1536.00 USD"]),
        ("Sueldo: $779,20 + Beneficios", "EC", ["779.20 USD"]),
        ("Cesta de R$ 250,0020% de insalubridade", "BR", ["250.00 BRL"]),
    ],
)
def test_separators_as_ads_write_them(text, country, expected):
    assert values(text, country) == expected


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Salary: Up to $10M COP monthly", "CO", ["10000000.00 COP"]),
        ("Salario 3mm, contrato indefinido", "CO", ["3000000.00 COP"]),
        ("salario de 5M a 6'5M", "CO", ["5000000.00 COP", "6500000.00 COP"]),
        ("mais de R$10 Bi anuais", "BR", ["10000000000.00 BRL"]),
        ("receita de € 22,5 bilhões", "BR", ["22500000000.00 EUR"]),
        ("With $200+ million in annual revenue", "EC", ["200000000.00 USD"]),
        ("Salario: 3.500.000-4.000.000 millones", "CO", ["3500000.00 COP", "4000000.00 COP"]),
    ],
)
def test_multipliers(text, country, expected):
    assert values(text, country) == expected


def test_colombian_salaries_written_in_millions_without_saying_so():
    assert values("Salario: $3.5 a $ 4.0", "CO") == ["3500000.00 COP", "4000000.00 COP"]
    # Written to the cent, the range is an hourly wage; elsewhere "$3.5" is dollars.
    assert values("between $18.67 to $20 per hour", "CO") == ["18.67 COP", "20.00 COP"]
    assert values("Salario: $3.5 a $ 4.0", "VE") == ["3.50 USD", "4.00 USD"]


def test_a_code_after_the_number_beats_a_bare_dollar_sign():
    assert values("Salario: de $10.000.000COP en adelante", "VE") == ["10000000.00 COP"]
    assert values("Sueldo $1676 USD", "CO") == ["1676.00 USD"]


def test_dollar_figures_with_a_multiplier_are_not_pesos():
    assert values("this would be $150M per year", None) == ["150000000.00 USD"]
    assert values("$71,700 - $201,550", None) == ["71700.00 USD", "201550.00 USD"]
    assert values("between $110,000 and $190,000", "EC") == ["110000.00 USD", "190000.00 USD"]


def test_pesos_of_other_countries():
    assert values("una inversión de 705 millones de pesos", "MX") == ["705000000.00 MXN"]
    assert values("sueldo líquido $600.000", "CL") == ["600000.00 CLP"]
