"""The source catalogue (crawlers/sources/): every file loads, the corridor's countries are
covered, templates are applied, disabled profiles are skipped and refused by name, a profile is
`verified` only where a named test checks it against a real capture, and every profile key is
documented in crawlers/sources/README.md and every profile listed in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from crawlers.profiles import (
    SOURCES_DIR,
    ProfileError,
    SourceProfile,
    load_profiles,
    profile_files,
    select_profiles,
)
from tests.track4tip.cli_process import track4tip

ROOT = Path(__file__).resolve().parents[2]
CORRIDOR = ("EC", "PE", "BR", "CO", "DO", "TT", "CW", "AW", "VE")
# Each verified profile, and the test that checks it against its real capture.
_BOARDS = "tests/crawlers/test_real_boards.py::"
VERIFIED_BY = {
    "computrabajo_co": _BOARDS + "test_computrabajo_colombia_listing_card",
    "computrabajo_pe": _BOARDS + "test_computrabajo_peru_listing_card",
    "bumeran_ar": _BOARDS + "test_every_card_of_every_capture_becomes_a_document",
    "elempleo_co": _BOARDS + "test_every_card_of_every_capture_becomes_a_document",
    "indeed_mx": _BOARDS + "test_every_card_of_every_capture_becomes_a_document",
}


@pytest.fixture(scope="module")
def catalogue() -> list[SourceProfile]:
    return load_profiles(SOURCES_DIR, include_disabled=True)


def test_every_country_of_the_corridor_has_news_and_social_sources(
    catalogue: list[SourceProfile],
) -> None:
    for country in CORRIDOR:
        kinds = {p.kind for p in catalogue if p.country == country}
        assert {"news", "social"} <= kinds, f"{country}: {kinds}"
    boards = {p.country for p in catalogue if p.kind in ("job_board", "classifieds")}
    assert {"EC", "PE", "BR", "CO", "DO", "VE"} <= boards


def test_a_country_file_holds_only_its_country(catalogue: list[SourceProfile]) -> None:
    for path in profile_files(SOURCES_DIR):
        if path.stem.upper() in CORRIDOR:
            countries = {p.country for p in load_profiles(path, include_disabled=True)}
            assert countries == {path.stem.upper()}, path.name


def test_verified_profiles_name_their_test_and_the_others_ship_disabled(
    catalogue: list[SourceProfile],
) -> None:
    verified = {p.site for p in catalogue if p.verified}
    assert verified == set(VERIFIED_BY), "a verified profile needs a test against a capture"
    for node in VERIFIED_BY.values():
        path, name = node.split("::")
        assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), node
    assert all(not p.enabled for p in catalogue if not p.verified)


def test_a_template_gives_its_keys_and_the_profile_its_own(catalogue: list[SourceProfile]) -> None:
    by_site = {p.site: p for p in catalogue}
    ecuador, colombia = by_site["computrabajo_ec"], by_site["computrabajo_co"]
    assert ecuador.cards == colombia.cards and ecuador.cards is not None
    assert ecuador.base_url == "https://ec.computrabajo.com" and ecuador.use_jsonld
    folha = by_site["folha_br"]
    assert folha.feed.item_hosts == ["www1.folha.uol.com.br"] and folha.feed.fetch_items
    assert by_site["reddit_vzla"].feed.fetch_items is False


def test_an_unknown_template_is_refused_with_the_file_and_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("sources:\n  - {template: nope, name: X, site: x, start_urls: [/]}\n")
    with pytest.raises(ProfileError, match=r"x\.yaml: sources\[0\]\.template: 'nope' not in"):
        load_profiles(path)


def test_disabled_profiles_are_skipped_and_refused_by_name() -> None:
    enabled = load_profiles(SOURCES_DIR)
    assert {p.site for p in enabled} == set(VERIFIED_BY)
    with pytest.raises(ProfileError, match=r"\['elpitazo_ve'\] are disabled .*enabled: true"):
        select_profiles(enabled, ["elpitazo_ve"])


def test_the_crawl_command_says_a_named_source_is_disabled(tmp_path: Path) -> None:
    result = track4tip(tmp_path, "crawl", "--profiles", "crawlers/sources", "-s", "reddit_vzla")
    assert result.returncode == 2
    assert "disabled" in result.stderr and "not verified" in result.stderr
    assert not (tmp_path / "crawls").exists(), "no crawl was started"


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, info in model.model_fields.items():
        keys.add(prefix + name)
        annotation = info.annotation
        nested = [a for a in (*getattr(annotation, "__args__", ()), annotation) if _is_model(a)]
        for sub in nested:
            inner = prefix + name + ("[]." if name == "page_actions" else ".")
            keys |= _keys(sub, inner)
    return keys


def _is_model(candidate: object) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def test_every_profile_key_is_documented() -> None:
    documented = set(
        re.findall(r"`([\w.\[\]]+)`", (SOURCES_DIR / "README.md").read_text(encoding="utf-8"))
    )
    missing = sorted(_keys(SourceProfile) - documented - {"template"})
    assert missing == [], f"document these keys in crawlers/sources/README.md: {missing}"
    assert "template" in documented


def test_the_readme_catalogue_lists_every_profile(catalogue: list[SourceProfile]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| [A-Z—-]{1,2} \| `([a-z0-9_\-]+)`", readme, flags=re.MULTILINE))
    assert {p.site for p in catalogue} <= rows
