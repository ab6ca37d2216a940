"""E-mails, URLs and social handles: canonical values and exact spans."""

from __future__ import annotations

import pytest

from nlp.entities.contacts import (
    canonical_url,
    find_emails,
    find_handles,
    find_urls,
    profile_handle,
)
from nlp.types import EntityKind


def test_emails_are_lower_cased_with_exact_spans():
    text = "Envía tu CV a Reclutamiento.Caribe@Example.com o a rrhh@empresa-uno.example.org."
    found = find_emails(text)
    assert [entity.value for entity in found] == [
        "reclutamiento.caribe@example.com",
        "rrhh@empresa-uno.example.org",
    ]
    for entity in found:
        assert text[entity.start : entity.end] == entity.text
        assert entity.kind is EntityKind.EMAIL


def test_things_that_are_not_emails_are_ignored():
    assert find_emails("precio: 20@ 5, usuario @canal, correo@, @example.com, a@b") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "https://www.Empleos.example.com/oferta/12/?utm_source=fb#top",
            "https://empleos.example.com/oferta/12",
        ),
        ("www.empleos.example.com", "https://empleos.example.com"),
        ("t.me/empleos_ya", "https://t.me/empleos_ya"),
        ("http://example.org/a?id=7&fbclid=xyz", "https://example.org/a?id=7"),
        ("https://localhost/x", None),
        ("http://[::1", None),
    ],
)
def test_canonical_urls(raw, expected):
    assert canonical_url(raw) == expected


def test_urls_in_text_end_before_punctuation():
    text = "Más info en https://ofertas.example.com/caribe. También (www.empleos.example.org/ve)."
    found = find_urls(text)
    assert [entity.text for entity in found] == [
        "https://ofertas.example.com/caribe",
        "www.empleos.example.org/ve",
    ]
    assert [entity.value for entity in found] == [
        "https://ofertas.example.com/caribe",
        "https://empleos.example.org/ve",
    ]
    for entity in found:
        assert text[entity.start : entity.end] == entity.text


def test_numbers_abbreviations_and_emails_are_not_urls():
    assert find_urls("Salario 1.500.000, Empresa S.A., correo ventas@example.com, v2.0") == []


def test_whatsapp_links_are_left_to_the_phone_finder():
    assert find_urls("https://wa.me/584125550147 y api.whatsapp.com/send?phone=584125550147") == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://t.me/Empleos_Ya", "telegram:empleos_ya"),
        ("https://t.me/s/empleos_ya", None),
        ("https://t.me/joinchat/AAAA", None),
        ("https://instagram.com/modelos.caribe", "instagram:modelos.caribe"),
        ("https://instagram.com/p/Cx123", None),
        ("https://facebook.com/viajes.caribe.ya", "facebook:viajes.caribe.ya"),
        ("https://facebook.com/groups/12345", None),
        ("https://tiktok.com/@estudio_rosa", "tiktok:estudio_rosa"),
        ("https://tiktok.com/video/1", None),
        ("https://example.com/empleos", None),
    ],
)
def test_profile_links_give_handles(url, expected):
    assert profile_handle(url) == expected


def test_a_profile_link_is_a_url_and_a_handle_on_one_span():
    text = "Canal: https://t.me/empleos_caribe"
    url, handle = find_urls(text)
    assert (url.kind, url.value) == (EntityKind.URL, "https://t.me/empleos_caribe")
    assert (handle.kind, handle.value) == (EntityKind.HANDLE, "telegram:empleos_caribe")
    assert (url.start, url.end) == (handle.start, handle.end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Telegram: @Empleos_Caribe", "telegram:empleos_caribe"),
        ("síguenos en IG @modelos.vip", "instagram:modelos.vip"),
        ("Escríbenos por Facebook a @viajes.caribe", "facebook:viajes.caribe"),
        ("tik tok @estudio_rosa", "tiktok:estudio_rosa"),
        ("volg @uitzend.curacao op TikTok", "tiktok:uitzend.curacao"),
    ],
)
def test_handles_after_or_before_a_platform_name(text, expected):
    [handle] = find_handles(text)
    assert handle.value == expected
    assert text[handle.start : handle.end] == handle.text
    assert handle.text.startswith("@")


def test_handles_need_a_platform_and_a_valid_name():
    assert find_handles("escribe a @alguien o a ventas@example.com") == []
    assert find_handles("Telegram: @abc") == []  # Telegram names have five characters or more
