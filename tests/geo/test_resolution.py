"""Toponym resolution on the real gazetteer: qualifiers, country names that are also towns or regions,
acronym aliases, and resolution mode (`Geocoder.resolve_spans`) reading each span in its document."""

from __future__ import annotations

import pytest

from vigie.document import Document, EntityMention, PlaceMention
from vigie.gazetteer import Gazetteer, default_path, ensure_gazetteer
from vigie.geo.rules import place_rules
from vigie.lang.loader import load_language
from vigie.stages.geocode import Geocoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def geocoder(tmp_path_factory: pytest.TempPathFactory) -> Geocoder:
    cached = default_path()
    path = cached if cached.exists() else ensure_gazetteer(tmp_path_factory.getbasetemp() / "gazetteer.sqlite")
    return Geocoder(Gazetteer(path))


def resolve(geocoder: Geocoder, text: str, names: list[str], lang: str = "en") -> dict[str, PlaceMention]:
    """Resolution mode: each name (its first occurrence) is a given span of the text."""
    spans = [(text.index(n), text.index(n) + len(n)) for n in names]
    doc = Document(doc_id="t", text=text, lang=lang)
    return {p.text: p for p in geocoder.resolve_spans(doc, load_language(lang), spans)}


def found(geocoder: Geocoder, text: str, lang: str) -> list[PlaceMention]:
    """Finding mode on the text alone (no model layers)."""
    doc = geocoder(Document(doc_id="t", text=text, lang=lang), load_language(lang))
    return list(doc.layer("places"))


# -- acronym aliases --------------------------------------------------------------------------------------


def test_an_acronym_alias_is_marked_as_such() -> None:
    rules = place_rules(load_language("fr"))
    assert "eau" in rules.acronyms and "eau" in rules.aliases
    assert "emirats" not in rules.acronyms


def test_an_acronym_alias_matches_when_written_in_capitals(geocoder: Geocoder) -> None:
    places = found(geocoder, "Les EAU ont rappelé leur ambassadeur après la réunion de mardi.", "fr")
    assert any(p.text == "EAU" and p.place.country == "AE" for p in places)


@pytest.mark.parametrize(
    "text",
    [
        "L'Agence de l'Eau a publié mardi un rapport alarmant sur les nappes.",
        "Eau potable : les habitants de la commune attendent toujours les camions-citernes.",
    ],
)
def test_an_acronym_alias_does_not_match_an_ordinary_word(geocoder: Geocoder, text: str) -> None:
    assert not any(p.place.country == "AE" for p in found(geocoder, text, "fr"))


# -- qualifiers and homonyms ------------------------------------------------------------------------------


def test_a_town_qualified_by_its_state_beats_the_country_of_the_same_name(geocoder: Geocoder) -> None:
    text = "A gas leak at a depot in Lebanon, Pennsylvania, forced dozens of families out overnight."
    got = resolve(geocoder, text, ["Lebanon", "Pennsylvania"])
    assert (got["Lebanon"].place.country, got["Lebanon"].place.precision) == ("US", "city")


def test_a_state_holding_the_other_towns_beats_the_country_of_the_same_name(geocoder: Geocoder) -> None:
    text = "Ballot counters in Atlanta were evacuated, officials in the state of Georgia said on Friday."
    got = resolve(geocoder, text, ["Atlanta", "Georgia"])
    assert got["Georgia"].place.gazetteer_id == "admin1:US-GA"


def test_the_country_stays_a_country_among_its_own_towns(geocoder: Geocoder) -> None:
    text = "Crowds filled the avenues of Tbilisi, the biggest march Georgia has seen, and Batumi followed."
    got = resolve(geocoder, text, ["Tbilisi", "Georgia", "Batumi"])
    assert got["Georgia"].place.gazetteer_id == "country:GE"


def test_a_region_with_no_reading_inside_it_leaves_the_town_unknown(geocoder: Geocoder) -> None:
    # The index knows no Russian name for the Ukrainian Oleksandriya: Egypt's Alexandria must not stand in.
    text = "Беспилотник повредил склад в Александрии Кировоградской области, сообщили местные власти."
    got = resolve(geocoder, text, ["Александрии", "Кировоградской области"], "ru")
    assert got["Кировоградской области"].place.country == "UA"
    assert got["Александрии"].place.country in (None, "UA")


def test_a_comma_and_in_qualify_the_name_before(geocoder: Geocoder) -> None:
    text = "Deux lycées ont fermé à Springfield, dans l'Ohio, après des menaces, a indiqué la police de Columbus."
    got = resolve(geocoder, text, ["Springfield", "Ohio", "Columbus"], "fr")
    assert got["Springfield"].place.admin1 == got["Ohio"].place.admin1 == "Ohio"


def test_a_country_name_that_is_also_a_big_town_where_the_story_lies(geocoder: Geocoder) -> None:
    text = "Des locataires ont manifesté à Grenade, puis à Malaga, contre la flambée des loyers."
    got = resolve(geocoder, text, ["Grenade", "Malaga"], "fr")
    assert (got["Grenade"].place.country, got["Grenade"].place.precision) == ("ES", "city")


def test_a_country_name_alone_is_the_country(geocoder: Geocoder) -> None:
    got = resolve(geocoder, "Une délégation de la Grenade est arrivée à l'ONU.", ["Grenade"], "fr")
    assert got["Grenade"].place.precision == "country"


def test_other_names_of_the_story_tip_an_ambiguous_town(geocoder: Geocoder) -> None:
    text = "Smoke from a warehouse fire near Cordoba drifted as far as Seville on Sunday."
    got = resolve(geocoder, text, ["Cordoba", "Seville"])
    assert got["Cordoba"].place.country == got["Seville"].place.country == "ES"


# -- resolution mode --------------------------------------------------------------------------------------


def test_resolution_mode_reads_demonyms_as_document_context(geocoder: Geocoder) -> None:
    got = resolve(geocoder, "Lebanese soldiers were deployed in Tripoli after the clashes.", ["Tripoli"])
    assert got["Tripoli"].place.country == "LB"


def test_resolution_mode_resolves_every_span_and_keeps_no_state_between_calls(geocoder: Geocoder) -> None:
    text = "Farmers from Lyon joined the blockade in Paris, Texas, while Dallas sent police."
    names = ["Lyon", "Paris", "Texas", "Dallas"]
    first = resolve(geocoder, text, names)
    assert list(first) == names  # text order, nothing dropped
    assert first["Paris"].place.country == "US"
    assert resolve(geocoder, text, names) == first
    # A document read on its own is resolved the same whatever was read before it.
    alone = resolve(geocoder, "Farmers blocked the ring road around Lyon on Monday.", ["Lyon"])
    assert alone["Lyon"].place.country == "FR"


def test_resolution_mode_counts_countries_named_inside_organisations(geocoder: Geocoder) -> None:
    text = "La Banque nationale du Kazakhstan a relevé son taux directeur, a annoncé son siège d'Almaty."
    org = "Banque nationale du Kazakhstan"
    start = text.index(org)
    doc = Document(doc_id="t", text=text, lang="fr").with_layer(
        "entities", [EntityMention(start, start + len(org), org, "ORG")]
    )
    almaty = text.index("Almaty")
    found = geocoder.finder(load_language("fr")).given(doc, [(almaty, almaty + len("Almaty"))])
    assert found.countries["KZ"] == 1
    assert [m.text for m in found.mentions] == ["Almaty"]


def test_a_qualifier_is_the_region_holding_the_town_not_the_country_of_its_name(geocoder: Geocoder) -> None:
    text = "Dock workers at the port of Augusta, Georgia, walked out on Monday."
    places = resolve(geocoder, text, ["Augusta", "Georgia"])
    assert (places["Georgia"].place.precision, places["Georgia"].place.country) == ("admin1", "US")
    assert places["Augusta"].place.country == "US"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Somali officials said the road to Baidoa reopened after two weeks."),
        ("fr", "Des responsables somaliens ont annoncé la réouverture de la route de Baidoa."),
    ],
)
def test_a_demonym_backs_a_mid_size_town_of_its_country(geocoder: Geocoder, lang: str, text: str) -> None:
    places = {p.text: p.place for p in found(geocoder, text, lang)}
    assert places["Baidoa"].country == "SO" and places["Baidoa"].precision == "city"
