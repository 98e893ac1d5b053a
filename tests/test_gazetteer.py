"""The gazetteer index: name folding, building, lookups; the real index is checked under `slow`."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from vigie.errors import ConfigError
from vigie.gazetteer import Gazetteer, default_path, ensure_gazetteer
from vigie.geo.build import build_gazetteer, index_version
from vigie.geo.names import fold_name, invert_iso_name
from vigie.geo.sources import SourcePlace, read_sites
from vigie.records import Place


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(a))


# -- name folding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Chkalovsky", "Chkalovskiy"),
        ("Chkalovskij", "Chkalovskiy"),
        ("Machulishchi", "Machulishchy"),
        ("Kryvyi Rih", "Kryvyy Rih"),
        ("Alma-Ata", "Alma Ata"),
        ("Biélorussie", "BIELORUSSIE"),
        ("N’Djamena", "N'Djamena"),
        ("Щёлково-3", "Щелково 3"),
        ("Saint-Denis", "Saint Denis"),
    ],
)
def test_fold_name_merges_spelling_variants(left: str, right: str) -> None:
    assert fold_name(left) == fold_name(right)


@pytest.mark.parametrize(("left", "right"), [("Sydney", "Sydni"), ("Paris", "Parma"), ("Москва", "Москве")])
def test_fold_name_keeps_distinct_names_apart(left: str, right: str) -> None:
    assert fold_name(left) != fold_name(right)


@pytest.mark.parametrize(
    ("iso", "running_text"),
    [
        ("Russie, Fédération de", "Fédération de Russie"),
        ("Korea, Republic of", "Republic of Korea"),
        ("Kazakhstan", None),
    ],
)
def test_invert_iso_name_reads_inverted_names_in_text_order(iso: str, running_text: str | None) -> None:
    assert invert_iso_name(iso) == running_text


# -- a tiny index, built from a handful of places --------------------------------------------------------


def place(
    gid: str, name: str, precision: str, country: str, lat: float, lon: float, pop: int, *alts: str
) -> SourcePlace:
    feature = {"city": "P.PPL", "country": "country", "site": "airbase"}[precision]
    made = SourcePlace(gid, name, country, lat, lon, precision, feature, population=pop)
    made.add_name(name, primary=True)
    for alt in alts:
        made.add_name(alt)
    return made


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    places = [
        place("country:KZ", "Kazakhstan", "country", "KZ", 48.0, 68.0, 18_000_000, "Казахстан"),
        place("geonames:1526384", "Almaty", "city", "KZ", 43.25249, 76.9115, 1_977_011, "Alma-Ata", "Алматы"),
        place("geonames:2210247", "Tripoli", "city", "LY", 32.88743, 13.18733, 1_302_947),
        place("geonames:266826", "Tripoli", "city", "LB", 34.43352, 35.84415, 229_398),
        place("site:machulishchi", "Machulishchi", "site", "BY", 53.775, 27.58, 0, "Мачулищи"),
        place("geonames:4717560", "Paris", "city", "US", 33.66094, -95.55551, 24_782),
    ]
    path = tmp_path_factory.mktemp("tiny") / "tiny.sqlite"
    report = build_gazetteer(path, places=places)
    assert report.places == len(places)
    return Gazetteer(path)


def test_lookup_finds_a_place_by_any_of_its_names(tiny: Gazetteer) -> None:
    for name in ("Almaty", "alma ata", "АЛМАТЫ"):
        (match,) = tiny.lookup(name)
        assert match.entry.gid == "geonames:1526384"
    assert tiny.lookup("Almaty")[0].primary and not tiny.lookup("Alma-Ata")[0].primary


def test_lookup_returns_every_place_of_a_shared_name_most_populous_first(tiny: Gazetteer) -> None:
    assert [m.entry.country for m in tiny.lookup("Tripoli")] == ["LY", "LB"]


def test_lookup_unifies_transliteration_endings(tiny: Gazetteer) -> None:
    assert tiny.lookup("Machulishchy")[0].entry.gid == "site:machulishchi"


def test_has_prefix_tells_whether_a_longer_name_may_follow(tiny: Gazetteer) -> None:
    assert tiny.has_prefix("alma ")
    assert not tiny.has_prefix("almaty ")


def test_get_and_to_place_fill_the_place_record(tiny: Gazetteer) -> None:
    entry = tiny.get("geonames:1526384")
    assert entry is not None
    record = entry.to_place("Alma-Ata", 0.9)
    assert (record.name, record.canonical, record.country, record.precision) == ("Alma-Ata", "Almaty", "KZ", "city")
    assert record.gazetteer_id == "geonames:1526384" and record.lat == pytest.approx(43.25249)
    assert Place.model_validate(record.model_dump()) == record  # built without validation, yet valid
    assert tiny.get("geonames:0") is None


def test_opening_a_missing_index_without_build_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="make gazetteer"):
        Gazetteer.open(tmp_path / "absent.sqlite", build=False)


def test_opening_a_file_that_is_not_an_index_fails_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match="not a gazetteer index"):
        Gazetteer(bogus)


def test_default_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VIGIE_GAZETTEER", str(tmp_path / "g.sqlite"))
    assert default_path() == tmp_path / "g.sqlite"
    monkeypatch.delenv("VIGIE_GAZETTEER")
    assert default_path().name == f"gazetteer-{index_version()}.sqlite"


# -- sites.tsv -------------------------------------------------------------------------------------------


def test_every_site_has_coordinates_a_kind_and_a_source() -> None:
    sites = read_sites()
    assert len(sites) >= 30
    for site in sites:
        assert site.lat is not None and -90 <= site.lat <= 90 and site.lon is not None and -180 <= site.lon <= 180
        assert site.feature in {"airport", "airbase", "square", "crossing", "strait", "power_plant", "canal"}
    text = Path(__file__).parents[1].joinpath("vigie/data/sites.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith(("#", "id\t"))]
    assert all(row[6].strip() for row in rows), "every site names where its coordinates come from"


@pytest.mark.parametrize(
    ("gid", "names", "lat", "lon"),
    [
        ("site:machulishchi", ["Machulishchi", "Machulishchy", "Мачулищи"], 53.775, 27.58),
        ("site:chkalovsky", ["Chkalovsky", "Chkalovskiy", "Чкаловский", "Tchkalovski"], 55.878, 38.061),
    ],
)
def test_required_sites_are_listed_with_their_aliases(gid: str, names: list[str], lat: float, lon: float) -> None:
    site = next(s for s in read_sites() if s.gid == gid)
    assert {fold_name(n) for n in names} <= set(site.keys)
    assert site.lat is not None and site.lon is not None
    assert km(site.lat, site.lon, lat, lon) < 3


# -- the real index --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_gazetteer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built index: the cached one when present, else built once into the session's temp dir."""
    cached = default_path()
    if cached.exists():
        return cached
    return ensure_gazetteer(tmp_path_factory.getbasetemp() / "gazetteer.sqlite")


@pytest.fixture(scope="session")
def gazetteer(built_gazetteer: Path) -> Gazetteer:
    return Gazetteer(built_gazetteer)


@pytest.mark.slow
def test_real_index_holds_cities_countries_regions_and_sites(built_gazetteer: Path) -> None:
    con = sqlite3.connect(built_gazetteer)
    counts = dict(con.execute("SELECT precision, count(*) FROM places GROUP BY precision").fetchall())
    con.close()
    assert counts["city"] > 230_000 and counts["country"] > 240 and counts["admin1"] > 3000 and counts["site"] >= 30


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Almaty", "Alma-Ata", "Алматы", "Алма-Ата"])
def test_real_index_knows_almaty_by_its_names(gazetteer: Gazetteer, name: str) -> None:
    best = gazetteer.lookup(name)[0].entry
    assert best.gid == "geonames:1526384" and best.country == "KZ"
    assert best.lat is not None and best.lon is not None and km(best.lat, best.lon, 43.25, 76.92) < 5


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Biélorussie", "BY"),
        ("Kirghizistan", "KG"),
        ("Russie", "RU"),
        ("Fédération de Russie", "RU"),
        ("Россия", "RU"),
        ("Российская Федерация", "RU"),
        ("Киргизия", "KG"),
        ("Росія", "RU"),
        ("Kyrgyzstan", "KG"),
        ("Tadjikistan", "TJ"),
        ("Arménie", "AM"),
    ],
)
def test_real_index_has_country_names_in_four_languages(gazetteer: Gazetteer, name: str, country: str) -> None:
    countries = [m.entry for m in gazetteer.lookup(name) if m.entry.precision == "country"]
    assert [c.gid for c in countries] == [f"country:{country}"]


@pytest.mark.slow
def test_real_index_ties_us_states_to_their_cities(gazetteer: Gazetteer) -> None:
    texas = next(m.entry for m in gazetteer.lookup("Texas") if m.entry.precision == "admin1")
    paris = next(m.entry for m in gazetteer.lookup("Paris") if m.entry.country == "US" and m.entry.admin1 == "Texas")
    assert texas.admin1_code == paris.admin1_code == "US.TX"

