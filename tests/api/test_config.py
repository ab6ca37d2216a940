"""ApiSettings read from TRACK4TIP_API_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.config import ApiSettings


def test_defaults() -> None:
    settings = ApiSettings()
    assert (settings.host, settings.port, settings.cors_origins) == ("127.0.0.1", 8000, [])


@pytest.mark.parametrize(
    "raw", ["https://a.example, https://b.example", '["https://a.example","https://b.example"]']
)
def test_cors_origins_from_a_list_or_commas(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("TRACK4TIP_API_CORS_ORIGINS", raw)
    assert ApiSettings().cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "eighty"), ("PORT", "70000"), ("CORS_ORIGINS", '["unclosed'), ("TITLE", "")],
)
def test_broken_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"TRACK4TIP_API_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        ApiSettings()
