"""Language identification: short ads in the corridor's languages, and honest "und"."""

from __future__ import annotations

import pytest

from nlp.langid import LanguageIdentifier
from nlp.types import UNDETERMINED_LANGUAGE


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier(seed=0, languages=("es", "pt", "en", "nl", "fr", "it", "de"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Se busca cocinera con experiencia para restaurante en Bogotá", "es"),
        ("Trabajo en Aruba. Pasaje pagado y alojamiento incluido.", "es"),
        ("Vaga para motorista em São Paulo com carteira assinada", "pt"),
        ("Oportunidade em Curaçao: hospedagem grátis e embarque imediato", "pt"),
        ("Nurse needed at the city hospital, night shifts", "en"),
        ("Hotel in Aruba hiring hostesses, free flights and accommodation", "en"),
        ("Wij zoeken een ervaren kok voor ons restaurant in Amsterdam", "nl"),
    ],
)
def test_short_ads_get_their_language(identifier, text, expected):
    language, confidence = identifier.identify(text)
    assert language == expected
    assert 0.8 <= confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hola",
        "+58 412-555-0147",
        "12345 67890 555 0147",
        "xkcd qwrtz plmkj vbnm",
        "gkfjd lwkrp ztnvb qmxcs hjyrf",
        "https://wa.me/584125550147 reclutamiento.caribe@example.com",
    ],
)
def test_too_little_or_gibberish_is_undetermined(identifier, text):
    assert identifier.identify(text) == (UNDETERMINED_LANGUAGE, 0.0)


def test_languages_outside_the_allowed_set_are_undetermined(identifier):
    # Papiamento: langdetect has no profile for it and confidently says Indonesian.
    assert identifier.identify("Bon dia, mi ta bai trabou awe na hotel")[0] == "und"


def test_an_empty_allow_list_accepts_any_language():
    open_identifier = LanguageIdentifier(seed=0, languages=())
    assert open_identifier.identify("Bon dia, mi ta bai trabou awe na hotel")[0] != "und"


def test_a_high_confidence_floor_gives_undetermined_not_a_guess():
    strict = LanguageIdentifier(seed=0, min_confidence=0.999999999)
    assert strict.identify("Pasajes pagados a Curazao, salida inmediata, solo WhatsApp") == (
        UNDETERMINED_LANGUAGE,
        0.0,
    )


def test_same_text_same_answer_every_time(identifier):
    text = "Pasajes pagados a Curazao, salida inmediata, solo WhatsApp"
    answers = {identifier.identify(text) for _ in range(5)}
    assert len(answers) == 1
