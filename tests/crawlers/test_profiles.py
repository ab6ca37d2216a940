from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.profiles import DEMO_PROFILES, ProfileError, load_profiles, select_profiles
from index.document import SourceKind

GOOD = """
sources:
  - name: Demo
    site: demo
    kind: job_board
    spider: listing
    country: CO
    start_urls: [/empleos/]
    links: {detail: a.job-link}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_profiles_describe_the_four_demo_sources() -> None:
    profiles = {profile.site: profile for profile in load_profiles()}
    assert set(profiles) == {"empleosya", "clasificados", "noticias", "ofertas_exterior"}
    assert profiles["empleosya"].use_jsonld and profiles["empleosya"].kind is SourceKind.JOB_BOARD
    assert profiles["noticias"].spider == "feed"
    assert profiles["ofertas_exterior"].source.country == "VE"
    assert {profile.spider for profile in profiles.values()} == {"listing", "feed", "channel"}


def test_base_url_is_replaced_at_run_time() -> None:
    profile = load_profiles()[0].with_base_url("http://127.0.0.1:43567/")
    assert profile.absolute_start_urls() == ["http://127.0.0.1:43567/empleos/"]
    assert load_profiles()[0].with_base_url(None) == load_profiles()[0]


def test_a_profile_without_base_url_says_so(tmp_path: Path) -> None:
    (profile,) = load_profiles(_write(tmp_path, GOOD))
    with pytest.raises(ProfileError, match="'demo' has no base_url"):
        profile.absolute_start_urls()


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (GOOD.replace("spider: listing", "spider: crawler"), r"sources\[0\]\.spider"),
        (GOOD.replace("kind: job_board", "kind: forum"), r"sources\[0\]\.kind"),
        (GOOD.replace("country: CO", "country: Colombia"), r"sources\[0\]\.country"),
        (GOOD.replace("    start_urls: [/empleos/]\n", ""), r"sources\[0\]\.start_urls"),
        (GOOD.replace("a.job-link}", "a.job-link, listing: x}"), r"sources\[0\]\.links\.listing"),
        (GOOD.replace("site: demo", "site: Demo Site"), r"sources\[0\]\.site"),
        (GOOD + "    fields: {title: 'h1[[['}\n", r"sources\[0\]\.fields\.title"),
        (GOOD + "    fields: {date: ['time', 'xpath://*[']}\n", r"sources\[0\]\.fields\.date"),
        (GOOD + "    cards: {item: 'xpath:(('}\n", r"sources\[0\]\.cards\.item"),
        (GOOD + "    cards: {item: div, link_format: /x}\n", r"sources\[0\]\.cards\.link_format"),
        (GOOD + "    cards: {link: a}\n", r"sources\[0\]\.cards\.item"),
        ("sources: []\n", "sources"),
        ("just a string\n", "top level"),
    ],
)
def test_a_broken_profile_names_the_file_and_the_field(
    tmp_path: Path, broken: str, field: str
) -> None:
    path = _write(tmp_path, broken)
    with pytest.raises(ProfileError, match=rf"{path}: .*{field}"):
        load_profiles(path)


def test_invalid_yaml_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profiles(_write(tmp_path, "sources: [\n  - name: x\n bad"))
    with pytest.raises(ProfileError, match="cannot read profile file"):
        load_profiles(tmp_path / "missing.yaml")


def test_repeated_site_ids_are_refused(tmp_path: Path) -> None:
    twice = GOOD + GOOD.split("sources:\n", 1)[1]
    with pytest.raises(ProfileError, match=r"unique, repeated: \['demo'\]"):
        load_profiles(_write(tmp_path, twice))


def test_select_profiles_by_site() -> None:
    profiles = load_profiles(DEMO_PROFILES)
    assert [p.site for p in select_profiles(profiles, ["noticias"])] == ["noticias"]
    assert select_profiles(profiles, []) == profiles
    with pytest.raises(ProfileError, match="unknown source"):
        select_profiles(profiles, ["nope"])
