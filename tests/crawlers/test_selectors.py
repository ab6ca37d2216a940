"""Field selectors (CSS, `xpath:`, lists of alternatives), hidden markup and card dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from parsel import Selector

from crawlers.dates import parse_relative_date
from crawlers.selectors import check_expression, first_attribute, first_text
from crawlers.text import html_to_text

CARD = Selector(
    """<div><h2>Cajero <span class="hide">Postulado</span></h2>
    <p class="co">Confidencial</p><time datetime="2024-05-01">ayer</time>
    <h3>Publicado hace 3 días</h3><h3>ACME</h3><a href="/o/1" data-jk="abc">ver</a></div>"""
)
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def test_css_xpath_and_alternatives() -> None:
    assert first_text(CARD, "h2") == "Cajero"  # the hidden tag is not visible text
    assert first_text(CARD, "xpath:(.//h3)[2]") == "ACME"
    assert first_text(CARD, ["p.missing a", "p.co"]) == "Confidencial"
    assert first_text(CARD, "a::attr(data-jk)") == "abc"
    assert first_text(CARD, "xpath:.//a/@href") == "/o/1"
    assert first_text(CARD, None) == first_text(CARD, "p.nothing") == ""
    assert first_attribute(CARD, ["p.none", "time"], "datetime") == "2024-05-01"
    assert first_attribute(CARD, "a::attr(href)", "datetime") is None


@pytest.mark.parametrize("broken", ["h2[[[", "xpath://*[", "xpath:((", "a::nonsense(x"])
def test_selectors_that_do_not_compile_are_refused(broken: str) -> None:
    with pytest.raises(ValueError, match="does not compile"):
        check_expression(broken)


def test_hidden_markup_is_not_text() -> None:
    markup = (
        '<p>Se busca <span hidden>x</span><i class="sr-only">y</i><b class="a hide">z</b>ya</p>'
    )
    assert html_to_text(markup) == "Se busca ya"


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("Hace  2  horas", timedelta(hours=2)),
        ("Hace 30 minutos", timedelta(minutes=30)),
        ("Publicado hace 3 días", timedelta(days=3)),
        ("Actualizado hace más de 15 días", timedelta(days=15)),
        ("Hace 30+ días", timedelta(days=30)),
        ("Hace 2 semanas", timedelta(weeks=2)),
        ("Hace 1 mes", timedelta(days=30)),
        ("Actualizado ayer", timedelta(days=1)),
        ("Hoy", timedelta(0)),
    ],
)
def test_relative_card_dates(text: str, age: timedelta) -> None:
    assert parse_relative_date(text, NOW) == NOW - age


@pytest.mark.parametrize("text", [None, "", "Publicado 11 Dic 2020", "hace mucho", "Hace x horas"])
def test_other_text_is_no_relative_date(text: str | None) -> None:
    assert parse_relative_date(text, NOW) is None
