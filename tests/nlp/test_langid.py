"""Language identification: short ads in the corridor's languages, and honest "und"."""

from __future__ import annotations

import pytest

from nlp.config import DEFAULT_LANGUAGES, NlpSettings
from nlp.errors import LanguageBackendError
from nlp.language.backends import BACKENDS, DEFAULT_FLOORS
from nlp.language.identification import (
    MAX_CHARACTERS,
    LanguageIdentifier,
    normalise_for_identification,
)
from nlp.types import UNDETERMINED_LANGUAGE

SHORT_ADS = [
    ("Se busca cocinera con experiencia para restaurante en Bogotá", "es"),
    ("Trabajo en Aruba. Pasaje pagado y alojamiento incluido.", "es"),
    ("Vaga para motorista em São Paulo com carteira assinada", "pt"),
    ("Oportunidade em Curaçao: hospedagem grátis e embarque imediato", "pt"),
    ("Nurse needed at the city hospital, night shifts", "en"),
    ("Hotel in Aruba hiring hostesses, free flights and accommodation", "en"),
    ("Wij zoeken een ervaren kok voor ons restaurant in Amsterdam", "nl"),
    ("Nos ta buska hende pa traha den hotel, bo ta haña bon pago", "pap"),
]


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier(seed=0, languages=DEFAULT_LANGUAGES)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "expected"), SHORT_ADS)
def test_short_ads_get_their_language_with_every_backend(backend, text, expected):
    identifier = LanguageIdentifier(seed=0, languages=DEFAULT_LANGUAGES, backend=backend)
    language, confidence = identifier.identify(text)
    assert language == expected
    assert DEFAULT_FLOORS[backend] <= confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "Hola",
        "+58 412-555-0147",
        "12345 67890 555 0147",
        "xkcd qwrtz plmkj vbnm",
        "gkfjd lwkrp ztnvb qmxcs hjyrf",
        "https://wa.me/584125550147 reclutamiento.caribe@example.com",
        "🔥🔥🔥 💰💰💰 📲📲📲 👉👉👉 ✅✅✅",
        "\u200b\u200c\u200d\ufeff" * 50,
        "@empleos_ya @ofertas_caribe #️⃣ !!!! ???? ....",
    ],
)
def test_too_little_or_gibberish_is_undetermined(identifier, text):
    assert identifier.identify(text) == (UNDETERMINED_LANGUAGE, 0.0)


def test_zero_width_characters_do_not_hide_the_language(identifier):
    hidden = "\u200b".join("Se busca cocinera con experiencia para restaurante en Bogotá")
    assert identifier.identify(hidden)[0] == "es"


def test_cyrillic_look_alike_letters_are_read_as_latin(identifier):
    # "Trabajo en Aruba, pasaje pagado..." with Cyrillic а, е, о, р, с written in.
    disguised = "Trаbаjо еn Аrubа, раsаjе раgаdо y аlоjаmiеntо inсluidо pаrа сhiсаs"
    assert "а" not in normalise_for_identification(disguised)
    assert identifier.identify(disguised)[0] == "es"


def test_styled_unicode_letters_are_folded(identifier):
    bold = "𝐒𝐞 𝐛𝐮𝐬𝐜𝐚𝐧 𝐜𝐡𝐢𝐜𝐚𝐬 𝐩𝐚𝐫𝐚 𝐭𝐫𝐚𝐛𝐚𝐣𝐚𝐫 𝐞𝐧 𝐞𝐥 𝐞𝐱𝐭𝐞𝐫𝐢𝐨𝐫, 𝐩𝐚𝐬𝐚𝐣𝐞 𝐩𝐚𝐠𝐚𝐝𝐨"
    assert identifier.identify(bold)[0] == "es"


def test_normalisation_keeps_words_and_drops_contacts_emoji_and_noise():
    text = "¡¡¡URGENTE!!! 🔥 Escribe a @reclutador_vip o ofertas@example.com, wa.me/58412 #trabajo"
    text += " +58 (412) 555-0147 https://example.com/oferta?id=7"
    assert normalise_for_identification(text) == "¡URGENTE! Escribe a o wa.me/ trabajo"


def test_a_megabyte_of_text_is_cut_and_still_identified(identifier):
    text = "Se busca personal de limpieza para hotel en Punta Cana con alojamiento. " * 15_000
    assert len(text) > 1_000_000
    assert len(normalise_for_identification(text)) <= MAX_CHARACTERS
    assert identifier.identify(text)[0] == "es"


def test_mixed_languages_get_the_majority_language(identifier):
    text = (
        "Se busca bartender para hotel en Aruba, must speak English, enviar hoja de vida por "
        "WhatsApp, pago quincenal y alojamiento incluido"
    )
    assert identifier.identify(text)[0] == "es"


def test_spanish_quoting_papiamento_stays_spanish(identifier):
    text = (
        "Alguien que sepa papiamento me puede decir qué significa «kon ta bai»? "
        "Me lo escribieron en un mensaje sobre una oferta de trabajo"
    )
    assert identifier.identify(text)[0] == "es"


def test_papiamento_is_reported_only_when_allowed():
    text = "Bon dia, mi ta bai trabou awe na hotel"
    assert LanguageIdentifier(languages=DEFAULT_LANGUAGES).identify(text)[0] == "pap"
    without = LanguageIdentifier(languages=("es", "pt", "en", "nl"))
    assert without.identify(text)[0] == UNDETERMINED_LANGUAGE


def test_an_empty_allow_list_accepts_any_language():
    open_identifier = LanguageIdentifier(seed=0, languages=())
    assert open_identifier.identify("Der Hund läuft schnell über die große Wiese")[0] == "de"


def test_languages_outside_the_allowed_set_are_undetermined(identifier):
    assert identifier.identify("Der Hund läuft schnell über die große Wiese")[0] == "de"
    strict = LanguageIdentifier(languages=("es", "en"))
    assert strict.identify("Der Hund läuft schnell über die große Wiese") == ("und", 0.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_high_confidence_floor_gives_undetermined_not_a_guess(backend):
    strict = LanguageIdentifier(seed=0, min_confidence=0.999999999, backend=backend)
    assert strict.identify("Pasajes pagados a Curazao, salida inmediata, solo WhatsApp") == (
        UNDETERMINED_LANGUAGE,
        0.0,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_text_same_answer_every_time(backend):
    text = "Pasajes pagados a Curazao, salida inmediata, solo WhatsApp"
    answers = {LanguageIdentifier(seed=0, backend=backend).identify(text) for _ in range(5)}
    assert len(answers) == 1


def test_an_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(LanguageBackendError, match=r"unknown language backend 'cld3'.*fasttext"):
        LanguageIdentifier(backend="cld3")


def test_backend_and_floors_come_from_settings(monkeypatch):
    monkeypatch.setenv("TRACK4TIP_NLP_LANGUAGE_BACKEND", "langdetect")
    monkeypatch.setenv("TRACK4TIP_NLP_PAPIAMENTO_MIN_CONFIDENCE", "0.7")
    settings = NlpSettings()
    assert (settings.language_backend, settings.papiamento_min_confidence) == ("langdetect", 0.7)
    assert settings.language_min_confidence is None
    assert "pap" in settings.languages


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TRACK4TIP_NLP_LANGUAGE_BACKEND", "cld3"),
        ("TRACK4TIP_NLP_PAPIAMENTO_MIN_CONFIDENCE", "1.5"),
        ("TRACK4TIP_NLP_LANGUAGE_MIN_CONFIDENCE", "-0.1"),
    ],
)
def test_broken_language_settings_are_rejected(monkeypatch, variable, value):
    from pydantic import ValidationError

    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable.removeprefix("TRACK4TIP_NLP_").lower()):
        NlpSettings()
