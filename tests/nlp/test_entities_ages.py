"""Ages: ranges and single ages in five languages; years of experience are not ages."""

from __future__ import annotations

import pytest

from nlp.entities.ages import find_ages


def values(text: str) -> list[str]:
    return [entity.value for entity in find_ages(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Buscamos chicas de 18 a 25 años para trabajar", ["18-25"]),
        ("edad: 20-35", ["20-35"]),
        ("Edad máxima 28 años", ["28"]),
        ("mayores de 18", ["18"]),
        ("Requisitos: tener 18 años cumplidos", ["18"]),
        ("mujeres entre 18 y 30 años", ["18-30"]),
        ("25 años de edad", ["25"]),
        ("tengo 23 años", ["23"]),
        ("Moças a partir de 18 anos", ["18"]),
        ("entre 18 e 30 anos", ["18-30"]),
        ("aged 18 to 25", ["18-25"]),
        ("over 21 years old", ["21"]),
        ("Must be 18+.", ["18"]),
        ("tussen 18 en 30 jaar", ["18-30"]),
        ("Leeftijd vanaf 20 jaar", ["20"]),
        ("muhe di 18 pa 25 aña", ["18-25"]),
    ],
)
def test_ages_and_ranges(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2 años de experiencia",
        "10 a 20 años de experiencia",
        "contrato de 3 años",
        "hace 15 años",
        "5 anos de experiência",
        "3 years of experience",
        "minimaal 2 jaar ervaring",
        "salario 18 a 25 dolares",
        "de 5 a 10 años",  # outside the ages ads ask for
        "mayores de 99",
        "",
    ],
)
def test_durations_and_other_numbers_are_not_ages(text):
    assert find_ages(text) == []


def test_span_starts_at_the_number():
    text = "Chicas de 18 a 25 años."
    [entity] = find_ages(text)
    assert text[entity.start : entity.end] == entity.text == "18 a 25 años"
