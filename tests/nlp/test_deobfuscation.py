"""De-obfuscation: what each trick becomes, and spans that map back to the original text."""

from __future__ import annotations

import re

import pytest

from nlp.entities.deobfuscation import reveal


def original_of(text: str, revealed_part: str) -> str:
    """The original text behind the first occurrence of `revealed_part` in the revealed text."""
    result = reveal(text)
    start = result.text.index(revealed_part)
    begin, end = result.original_span(start, start + len(revealed_part))
    return text[begin:end]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("w h a t s a p p", "whatsapp"),
        ("t.e.l.e.g.r.a.m", "telegram"),
        ("+58 4I2 555 O147", "+58 412 555 0147"),
        ("0 4 1 2 5 5 5 0 1 4 7", "04125550147"),
        ("0412\u200b555\u200c0147", "04125550147"),
        ("wһаtsарр", "whatsapp"),  # Cyrillic һ, а, р
        ("\uff10\uff14\uff11\uff12", "0412"),  # full-width digits
        ("empleos arroba correo punto com", "empleos@correo.com"),
        ("name (at) mail [dot] org", "name@mail.org"),
        ("hr @ tobago-resorts . com", "hr@tobago-resorts.com"),
    ],
)
def test_tricks_are_undone(text, expected):
    assert reveal(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Salario de 1.500.000 pesos, 2 años de experiencia.",
        "Hola, me llamo Ana. Vivo en Lima y trabajo o estudio.",
        "Мама мыла раму",  # all Cyrillic: a Russian sentence is left alone
        "Total: 1 2 3",  # too few spaced digits to be a number
        "Llamar al 0412 5550147 o al 0414 5550148",  # "o" between numbers is a word
        "hello 04125550147",  # letters of a word next to a number stay letters
        "",
    ],
)
def test_ordinary_text_is_left_as_it_is(text):
    result = reveal(text)
    assert result.text == text
    assert not result.changed


def test_spans_map_back_to_what_the_ad_shows():
    text = "Info: w h a t s a p p +58 4I2 555 O147 o ventas arroba ejemplo punto com"
    assert original_of(text, "whatsapp") == "w h a t s a p p"
    assert original_of(text, "412") == "4I2"  # same-length rewrites map char by char
    assert original_of(text, "0147") == "O147"
    assert original_of(text, "ventas@ejemplo.com") == "ventas arroba ejemplo punto com"


def test_removed_invisible_characters_are_inside_the_mapped_span():
    text = "Tel 04\u200b12 555\ufeff0147 hoy"
    result = reveal(text)
    match = re.search(r"0412 5550147", result.text)
    assert match is not None
    start, end = result.original_span(match.start(), match.end())
    assert text[start:end] == "04\u200b12 555\ufeff0147"
    assert text[end:] == " hoy"


def test_spans_after_a_shortened_piece_are_shifted_back():
    text = "0 4 1 2 5 5 5 0 1 4 7 y Caracas"
    result = reveal(text)
    start = result.text.index("Caracas")
    assert result.original_span(start, start + 7) == (text.index("Caracas"), len(text))


def test_a_megabyte_of_obfuscated_text_is_revealed_in_one_pass():
    text = ("Llama al 0 4 1 2 5 5 5 0 1 4 7 \u200b wһаtsарр " * 25_000)[:1_000_000]
    result = reveal(text)
    assert "04125550147 " in result.text
    assert "\u200b" not in result.text
    last = result.text.rindex("whatsapp")
    begin, end = result.original_span(last, last + 8)
    assert text[begin:end] == "wһаtsарр"
