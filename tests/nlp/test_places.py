"""The corridor gazetteer: resolution to country and admin area, ambiguity, common words."""

from __future__ import annotations

from importlib import resources

import pycountry
import pytest
import yaml

from nlp.entities.places import CORRIDOR, corridor_gazetteer, find_places, fold


def resolved(text: str, country: str | None = None) -> list[tuple[str, str, str, str | None]]:
    return [
        (text[m.start : m.end], m.place.name, m.place.country, m.place.admin_area)
        for m in find_places(text, country)
    ]


def test_cucuta_resolves_to_norte_de_santander_however_it_is_written():
    for written in ("Cúcuta", "Cucuta", "CÚCUTA", "San José de Cúcuta"):
        place = corridor_gazetteer().resolve(written)
        assert (place.name, place.country, place.admin_area) == (
            "Cúcuta",
            "CO",
            "Norte de Santander",
        )


@pytest.mark.parametrize(
    ("name", "country", "admin_area"),
    [
        ("Maracaibo", "VE", "Zulia"),
        ("Caracas", "VE", "Distrito Capital"),
        ("Lima", "PE", "Lima"),
        ("Guayaquil", "EC", "Guayas"),
        ("Boa Vista", "BR", "Roraima"),
        ("Santo Domingo", "DO", "Distrito Nacional"),
        ("Port of Spain", "TT", "Port of Spain"),
        ("Willemstad", "CW", None),
        ("Oranjestad", "AW", None),
        ("Táchira", "VE", "Táchira"),
        ("Kòrsou", "CW", None),
    ],
)
def test_corridor_places(name, country, admin_area):
    place = corridor_gazetteer().resolve(name)
    assert (place.country, place.admin_area) == (country, admin_area)


def test_ambiguous_names_follow_the_written_area_then_the_source_country():
    assert resolved("Oferta en San Cristóbal, Táchira", "DO")[0][2:] == ("VE", "Táchira")
    assert resolved("Oferta en San Cristóbal", "DO")[0][2:] == ("DO", "San Cristóbal")
    assert resolved("Oferta en San Cristóbal", "VE")[0][2:] == ("VE", "Táchira")
    # No country: the most populous place.
    assert resolved("Trabajo en Valencia")[0][1:3] == ("Valencia", "VE")


def test_a_country_named_in_the_text_decides_before_population():
    gazetteer = corridor_gazetteer()
    assert gazetteer.resolve("San Cristóbal", None, "", frozenset({"DO"})).country == "DO"


def test_text_spans_and_canonical_values():
    text = "Trabajo en Cúcuta, Norte de Santander. Viaje desde Caracas a Bogotá y EE.UU."
    assert resolved(text, "VE") == [
        ("Cúcuta", "Cúcuta", "CO", "Norte de Santander"),
        ("Norte de Santander", "Norte de Santander", "CO", "Norte de Santander"),
        ("Caracas", "Caracas", "VE", "Distrito Capital"),
        ("Bogotá", "Bogotá", "CO", "Bogotá D.C."),
        ("EE.UU", "Estados Unidos", "US", None),
    ]


def test_names_that_are_common_words_need_a_place_cue():
    assert resolved("Meta: ganar dinero. Natal es una palabra. Una amiga. Pasaje pagado.") == []
    assert resolved("Simón Bolívar y la Sra. Miranda") == []
    assert resolved("Vive en Natal")[0][1:3] == ("Natal", "BR")
    assert resolved("trabajo en Miranda")[0][1:3] == ("Miranda", "VE")
    assert resolved("Pereira, Risaralda")[0][1:4] == ("Pereira", "CO", "Risaralda")


def test_lower_case_words_are_not_places():
    assert resolved("la lima de uñas y el cali de siempre") == []


def test_the_admin_table_names_real_iso_subdivisions():
    table = yaml.safe_load(
        resources.files("nlp.entities").joinpath("data", "admin_areas.yaml").read_text()
    )
    for country, codes in table["codes"].items():
        assert country in CORRIDOR
        for iso in codes.values():
            assert pycountry.subdivisions.get(code=f"{country}-{iso}") is not None, iso


def test_almost_every_corridor_city_has_its_admin_area():
    gazetteer = corridor_gazetteer()
    cities = {
        place
        for place in gazetteer.all_places()
        if place.kind == "city" and place.country not in ("CW", "AW") and place.population
    }
    with_area = [place for place in cities if place.admin_area]
    assert len(cities) > 3000
    assert len(with_area) / len(cities) > 0.98


def test_the_gazetteer_is_built_once():
    assert corridor_gazetteer() is corridor_gazetteer()


def test_fold():
    assert fold("  San José  de\u200bCúcuta ") == "san jose decucuta"
    assert fold("EE.UU.") == "ee uu"
