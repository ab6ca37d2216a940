"""Interface text in Spanish and English: a complete catalogue, and the language chosen by
cookie or Accept-Language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.console import i18n
from index.queries import FACET_FIELDS
from tests.api.conftest import HTML

API = Path(__file__).resolve().parents[2] / "api"
# The console's pages and the report layouts both translate with t().
TEMPLATE_DIRS = (API / "console" / "templates", API / "reporting" / "templates")


def test_every_key_has_every_language() -> None:
    missing = [
        (key, language)
        for key, texts in i18n.CATALOGUE.items()
        for language in i18n.LANGUAGES
        if not texts.get(language)
    ]
    assert not missing


def test_every_key_a_template_uses_exists() -> None:
    used = {
        key
        for folder in TEMPLATE_DIRS
        for template in folder.rglob("*.html")
        for key in re.findall(r"""\bt\(\s*['"]([a-z_]+)['"]\s*[,)]""", template.read_text())
    }
    assert len(used) > 40, "the templates use t()"
    # Facet titles are built from the field name: every facet field needs a key.
    used |= {f"facet_{field}" for field in FACET_FIELDS}
    assert not used - set(i18n.CATALOGUE), "add these keys to api/console/i18n.py"


def test_values_are_filled_in() -> None:
    assert i18n.t("page_of", "es", page=2, pages=5) == "página 2 de 5"
    assert i18n.t("no-such-key", "es") == "no-such-key"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-VE,es;q=0.9,en;q=0.8", "es"),
        ("fr-FR,en;q=0.5", "en"),
        ("en;q=0.1, es;q=0.9", "es"),
        ("", "en"),
        ("es;q=abc", "en"),
    ],
)
def test_language_from_accept_language(client: TestClient, header: str, expected: str) -> None:
    page = client.get("/", params={"q": "modelos"}, headers={**HTML, "accept-language": header})
    assert f'<html lang="{expected}">' in page.text
    assert ("3 resultados" if expected == "es" else "3 results") in page.text


def test_the_switch_sets_a_cookie_that_wins(client: TestClient) -> None:
    with TestClient(client.app, headers=client.headers) as browser:
        switched = browser.get(
            "/language", params={"lang": "es", "next": "/?q=modelos"}, follow_redirects=False
        )
        assert switched.status_code == 303
        assert switched.headers["location"] == "/?q=modelos"
        page = browser.get("/?q=modelos", headers={**HTML, "accept-language": "en"}).text
        assert "Buscar" in page and "página 1 de 1" in page
        assert browser.get("/language", params={"lang": "xx"}).status_code == 422
        away = browser.get(
            "/language",
            params={"lang": "en", "next": "https://evil.example"},
            follow_redirects=False,
        )
        assert away.headers["location"] == "/"
