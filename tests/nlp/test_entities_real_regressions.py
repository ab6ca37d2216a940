"""Regressions on real items: each fix to money and phones, on the ad or page that showed it.

The items are named by file and id and read from ../shared at test time (tests/nlp/shared_texts),
so no real text is in the repository; phone numbers are compared by country code and length,
never written out.
"""

from __future__ import annotations

import pytest

from nlp.entities.extraction import extract_entities
from nlp.types import EntityKind
from tests.nlp.shared_texts import REALWEB, page_text, realtext, realtext_country, require_shared

CO_JOBS = "jobs_es_CO_elempleo.jsonl"
EC_JOBS = "jobs_es_EC_computrabajo.jsonl"
EC_LINKEDIN = "jobs_es_EC_linkedin.jsonl"
BR_LINKEDIN = "jobs_pt_BR_linkedin.jsonl"


@pytest.fixture(autouse=True)
def _shared_data_is_here() -> None:
    require_shared()


def found(file: str, item_id: str, field: str = "text") -> tuple[list[str], list[str]]:
    """(money values, E.164 phones) the extractor reads in one field of a real item."""
    text = realtext(file, item_id, field)
    entities = extract_entities({field: text}, realtext_country(file, item_id), "und")
    money = [entity.value for entity in entities if entity.kind is EntityKind.MONEY]
    phones = [entity.value for entity in entities if entity.kind is EntityKind.PHONE]
    return money, phones


# 1. Salaries are not phone numbers: "$ 6.000.000" is also a valid Curaçao number, "8.000.000" an
# Aruban one, and both used to come out as phones with the salary lost.
@pytest.mark.parametrize(
    ("item_id", "salaries"),
    [
        ("co-ee-1884725740", ["6000000.00 COP", "6500000.00 COP"]),  # "$ 6.000.000 - $ 6.500.000"
        (
            "co-ee-1884735262",
            ["7000000.00 COP", "8000000.00 COP"],
        ),  # "Rango salarial: $ 7.000.000 -"
        (
            "co-ee-1884724499",
            ["6000000.00 COP", "8000000.00 COP"],
        ),  # "SALARIO: a convenir 6.000.000 a"
        ("co-ee-1884741654", ["7436000.00 COP"]),  # "Salario 7.436.000 +"
        ("co-ee-1884743557", ["7000000.00 COP"]),  # "indefinidoSalario de hasta 7000.000"
    ],
)
def test_colombian_salaries_are_money_not_phones(item_id, salaries):
    money, phones = found(CO_JOBS, item_id)
    assert money == salaries
    assert phones == []


# 2. Ranges keep their multiplier: "$4 a $4,5 millones" read 4.00 COP for the low end.
@pytest.mark.parametrize(
    ("file", "item_id", "field", "expected"),
    [
        (CO_JOBS, "co-ee-1884729970", "salary", ["4000000.00 COP", "4500000.00 COP"]),
        (CO_JOBS, "co-ee-1884742484", "salary", ["1500000.00 COP", "2000000.00 COP"]),
        (CO_JOBS, "co-ee-1884675819", "salary", ["21000000.00 COP"]),  # "Más de $21 millones"
        (CO_JOBS, "co-ee-1884715901", "text", ["5000000.00 COP", "5500000.00 COP"]),
        (EC_LINKEDIN, "ec-li-4006117799", "text", ["1800.00 USD", "2500.00 USD"]),  # "1.8K - 2.5K"
    ],
)
def test_ranges_share_their_multiplier(file, item_id, field, expected):
    money, _ = found(file, item_id, field)
    assert money == expected


# 3. Ways Colombian ads write millions: apostrophes, "M", and the bare "$3.5 a $ 4.0".
@pytest.mark.parametrize(
    ("item_id", "expected"),
    [
        ("co-ee-1884736959", ["2000000.00 COP", "2500000.00 COP"]),  # "$2'000.000 y $2'500.000"
        ("co-ee-1884722875", ["3500000.00 COP"]),  # "$3´500.000"
        ("co-ee-1884730159", ["14000000.00 COP"]),  # "Up to $14M COP"
        ("co-ee-1884722723", ["3500000.00 COP", "4000000.00 COP"]),  # "$3.5 a $ 4.0"
        ("co-ee-1884734545", ["5500000.00 COP"]),  # "Salario: 5'500.000", no "$"
    ],
)
def test_colombian_ways_of_writing_millions(item_id, expected):
    money, _ = found(CO_JOBS, item_id)
    assert money == expected


# 4. Computrabajo's salary field "1.000.00 US$ (Mensual) (1000)" was not read at all.
@pytest.mark.parametrize(
    ("item_id", "expected"),
    [
        ("ec-ct-57956B753A1FAFA161373E686DCF3405", ["1000.00 USD"]),
        ("ec-ct-2C4D285ECC44BE4461373E686DCF3405", ["459.00 USD"]),
    ],
)
def test_computrabajo_salary_field(item_id, expected):
    money, _ = found(EC_JOBS, item_id, "salary")
    assert money == expected


# 5. A bare number after a word for pay, in the country's currency; its range partner too.
@pytest.mark.parametrize(
    ("file", "item_id", "expected"),
    [
        (EC_JOBS, "ec-ct-7D9DF4605A242E0E61373E686DCF3405", ["850.00 USD", "1200.00 USD"]),
        (EC_LINKEDIN, "ec-li-4002843821", ["800.00 USD", "1000.00 USD"]),  # "800 / 1000"
        (EC_JOBS, "ec-ct-840AE592FD3FE7E061373E686DCF3405", ["471.00 USD", "525.00 USD"]),
    ],
)
def test_pay_words_give_bare_numbers_a_currency(file, item_id, expected):
    money, phones = found(file, item_id)
    assert money == expected
    assert phones == []


# 6. Large figures: multipliers in Portuguese and English, "$" with one is not a peso amount.
@pytest.mark.parametrize(
    ("file", "item_id", "expected"),
    [
        (BR_LINKEDIN, "br-li-4087034170", ["1200000000.00 BRL"]),  # "R$1.2 bilhões"
        (BR_LINKEDIN, "br-li-4144537840", ["10000000000.00 BRL"]),  # "R$10 Bi"
        (BR_LINKEDIN, "br-li-3998519007", ["80000000000.00 USD", "500000000000.00 USD"]),
        (EC_LINKEDIN, "ec-li-4000850566", ["200000000.00 USD"]),  # "$200+ million"
        # "$1M", "$110,000 and $190,000", "$1,000" in an Ecuadorian ad: dollars, not pesos.
        (
            EC_LINKEDIN,
            "ec-li-4020702623",
            ["1000000.00 USD", "110000.00 USD", "190000.00 USD", "1000.00 USD"],
        ),
    ],
)
def test_large_figures(file, item_id, expected):
    money, _ = found(file, item_id)
    assert money == expected


# 7. Things that are not money: a share of the minimum wage, SAP S/4 HANA, a percentage glued on.
@pytest.mark.parametrize(
    ("file", "item_id", "absent"),
    [
        (CO_JOBS, "co-ee-1884723904", "75.00 COP"),  # "Salario: $ 75 % SMLV"
        (CO_JOBS, "co-ee-1884731667", "4.00 PEN"),  # "SAP S/4 HANA"
        (BR_LINKEDIN, "br-li-4145967333", "250002.00 BRL"),  # "R$ 250,0020% de insalubridade"
    ],
)
def test_not_money(file, item_id, absent):
    money, _ = found(file, item_id)
    assert absent not in money


def test_a_glued_percentage_leaves_the_amount():
    money, _ = found(BR_LINKEDIN, "br-li-4145967333")
    assert money == ["250.00 BRL"]


# 8. Numbers that are not phones: standards, deadlines, year ranges, laws, scores, codes.
@pytest.mark.parametrize(
    ("file", "item_id"),
    [
        (EC_LINKEDIN, "ec-li-4000975866"),  # "ISO 9001 - 27001"
        (EC_LINKEDIN, "ec-li-4010244182"),  # "Fecha límite para aplicar: 30-01-2024"
        (EC_LINKEDIN, "ec-li-4010478397"),  # "Fecha límite 30.09.2024"
        ("news_en_LATAM_worldwide_newswire.jsonl", "ewn-nic-todaynicaragua-9"),  # "(2007-2009)"
        ("news_pt_BR_acervo_ordinary_sample.jsonl", "acervo-12452991"),  # "Lei Federal 8.745/1993"
        ("news_pt_BR_acervo_ordinary_sample.jsonl", "acervo-12374009"),  # "2.623.297 dos 5.834.512"
        ("news_es_fakedes_spanish_fake_news_corpus.jsonl", "fakedes-test-374"),  # "2015 / 423.012"
        ("news_nl_leestmeer_ordinary_sample.jsonl", "leestmeer-ord-01608"),  # "6-4 6-2 4-6 1-6 6-2"
        ("news_es_MX_ljzac_ordinary_sample.jsonl", "ljzac-ord-02037"),  # "plaza 20111/99999"
    ],
)
def test_not_phones(file, item_id):
    _, phones = found(file, item_id)
    assert phones == []


# 9. Phones glued to the words around them by whitespace clean-up are still found.
@pytest.mark.parametrize(
    ("file", "item_id", "prefix", "length"),
    [
        (CO_JOBS, "co-ee-1884727019", "+57", 13),  # "@ personalsoft . com . co305 ..."
        (CO_JOBS, "co-ee-1884729077", "+57", 13),  # "... 2 5 8 2Profesional"
        (BR_LINKEDIN, "br-li-4142369059", "+55", 14),  # "11. 94321-7549Não"
    ],
)
def test_glued_phones(file, item_id, prefix, length):
    _, phones = found(file, item_id)
    assert [(phone[:3], len(phone)) for phone in phones] == [(prefix, length)]


def test_newspaper_footer_phones_are_found_and_its_prices_read():
    path = REALWEB / "correio24horas.com.br" / "correio24horas.com.br-PMS.html"
    entities = extract_entities({"text": page_text(path)}, "BR", "und")
    phones = {entity.value for entity in entities if entity.kind is EntityKind.PHONE}
    money = {entity.value for entity in entities if entity.kind is EntityKind.MONEY}
    assert len(phones) == 4 and all(phone.startswith("+5571") for phone in phones)
    assert {"50000.00 BRL", "5.94 BRL", "175.00 BRL"} <= money
