"""The toponym stage on the real gazetteer: seed article checks, ambiguity, inflection, non-places."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigie.document import Document, EntityMention, PlaceMention, Sentence, Token
from vigie.gazetteer import Gazetteer, default_path, ensure_gazetteer
from vigie.lang.loader import load_language
from vigie.stages.geocode import Geocoder, explain, focus_country

pytestmark = pytest.mark.slow

SEED = Path("/work/shared/seed/kazakhstan-2022-fr.txt")


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(a))


@pytest.fixture(scope="session")
def geocoder(tmp_path_factory: pytest.TempPathFactory) -> Geocoder:
    """A geocoder on the real index: the cached one when present, else built once for the session."""
    cached = default_path()
    path = cached if cached.exists() else ensure_gazetteer(tmp_path_factory.getbasetemp() / "gazetteer.sqlite")
    return Geocoder(Gazetteer(path))


@pytest.fixture(scope="session")
def fr_nlp() -> Any:
    spacy = pytest.importorskip("spacy")
    return spacy.load("fr_core_news_sm")


Analyse = Callable[[str], Document]


@pytest.fixture(scope="session")
def analyse_fr(fr_nlp: Any) -> Analyse:
    """French text -> Document with the sentences, tokens and entities layers the stage reads."""

    def analyse(text: str) -> Document:
        parsed = fr_nlp(text)
        sentences = [Sentence(s.start_char, s.end_char, s.text, i) for i, s in enumerate(parsed.sents)]
        sent_of = {tok.i: k for k, s in enumerate(parsed.sents) for tok in s}
        tokens = [
            Token(t.idx, t.idx + len(t.text), t.text, t.lemma_, t.pos_, t.dep_, t.head.i, sent_of[t.i]) for t in parsed
        ]
        entities = [EntityMention(e.start_char, e.end_char, e.text, e.label_) for e in parsed.ents]
        doc = Document(doc_id="test", text=text, lang="fr")
        return doc.with_layer("sentences", sentences).with_layer("tokens", tokens).with_layer("entities", entities)

    return analyse


def places(doc: Document) -> tuple[PlaceMention, ...]:
    found: tuple[PlaceMention, ...] = doc.layer("places")
    return found


def mention(doc: Document, text: str, nth: int = 0) -> PlaceMention:
    matches = [p for p in places(doc) if text in p.text]
    assert len(matches) > nth, f"no place mention containing {text!r}: {[p.text for p in places(doc)]}"
    return matches[nth]


def plain(text: str, lang: str = "fr") -> Document:
    """A document with no model layers at all: the stage scans the text against the gazetteer."""
    return Document(doc_id="plain", text=text, lang=lang)


# -- the seed article ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seed(geocoder: Geocoder, analyse_fr: Analyse) -> Document:
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    return geocoder(analyse_fr(SEED.read_text(encoding="utf-8")), load_language("fr"))


@pytest.fixture(scope="session")
def seed_plain(geocoder: Geocoder) -> Document:
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    return geocoder(plain(SEED.read_text(encoding="utf-8")), load_language("fr"))


@pytest.fixture(params=["with model layers", "text only"])
def seed_doc(request: pytest.FixtureRequest, seed: Document, seed_plain: Document) -> Document:
    return seed if request.param == "with model layers" else seed_plain


def test_geocode_keeps_the_offset_rule(seed_doc: Document) -> None:
    for p in places(seed_doc):
        assert seed_doc.text[p.start : p.end] == p.text


@pytest.mark.parametrize("name", ["Almaty", "Alma-Ata"])
def test_geocode_resolves_almaty_and_its_old_name(seed_doc: Document, name: str) -> None:
    found = [p for p in places(seed_doc) if p.text == name]
    assert found
    for p in found:
        assert p.place.gazetteer_id == "geonames:1526384" and p.place.country == "KZ"
        assert p.place.precision == "city" and p.place.canonical == "Almaty"
        assert p.place.lat is not None and p.place.lon is not None
        assert km(p.place.lat, p.place.lon, 43.25, 76.92) < 5


def test_geocode_reads_a_parenthesised_alias_as_the_same_place(seed_doc: Document) -> None:
    text = seed_doc.text
    start = text.index("Almaty (Alma-Ata)")
    pair = [p for p in places(seed_doc) if start <= p.start < start + len("Almaty (Alma-Ata)")]
    assert [p.text for p in pair] == ["Almaty", "Alma-Ata"]
    assert pair[0].place.gazetteer_id == pair[1].place.gazetteer_id


def test_geocode_resolves_the_airport_of_machulishchi_to_the_belarusian_site(seed_doc: Document) -> None:
    p = mention(seed_doc, "Machulishchi")
    assert p.text == "aéroport de Machulishchi"
    assert (p.place.precision, p.place.country, p.place.gazetteer_id) == ("site", "BY", "site:machulishchi")


def test_geocode_resolves_the_chkalovsky_airfield_near_moscow(seed_doc: Document) -> None:
    p = mention(seed_doc, "Chkalovsky")
    assert p.place.precision == "site" and p.place.country == "RU"
    assert p.place.lat is not None and p.place.lon is not None
    assert km(p.place.lat, p.place.lon, 55.878, 38.061) < 30


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Kazakhstan", "KZ"),
        ("Russie", "RU"),
        ("Biélorussie", "BY"),
        ("Arménie", "AM"),
        ("Kirghizistan", "KG"),
        ("Tadjikistan", "TJ"),
        ("Fédération de Russie", "RU"),
    ],
)
def test_geocode_reads_country_names_as_countries(seed_doc: Document, name: str, country: str) -> None:
    found = [p for p in places(seed_doc) if p.text == name]
    assert found
    for p in found:
        assert (p.place.precision, p.place.country, p.place.gazetteer_id) == ("country", country, f"country:{country}")


def test_geocode_resolves_moscou_to_moscow(seed_doc: Document) -> None:
    p = mention(seed_doc, "Moscou")
    assert (p.place.canonical, p.place.country, p.place.precision) == ("Moscow", "RU", "city")


def test_geocode_does_not_take_an_organisation_for_a_place(seed_doc: Document) -> None:
    start = seed_doc.text.index("Banque nationale du Kazakhstan")
    assert not [p for p in places(seed_doc) if start <= p.start < start + 30]


def test_geocode_does_not_take_a_person_or_a_common_word_for_a_place(seed_doc: Document) -> None:
    texts = {p.text for p in places(seed_doc)}
    assert not {"Tokayev", "Kassym-Zhomart Tokayev", "Avion", "Toile", "Les", "Il", "Sur"} & texts


def test_geocode_marks_the_countries_troops_came_from_as_origins(seed_doc: Document) -> None:
    start = seed_doc.text.index("depuis la Russie")
    listed = [p for p in places(seed_doc) if start < p.start < start + 90]
    assert [p.text for p in listed] == ["Russie", "Biélorussie", "Arménie", "Kirghizistan", "Tadjikistan"]
    assert {p.role for p in listed} == {"origin"}


def test_focus_country_of_the_seed_is_kazakhstan(seed_doc: Document) -> None:
    assert focus_country(seed_doc) == "KZ"


def test_geocode_never_places_a_name_it_cannot_resolve(seed_doc: Document) -> None:
    for p in places(seed_doc):
        if p.place.precision == "unknown":
            assert p.place.lat is None and p.place.lon is None


# -- ambiguity -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "name", "country"),
    [
        ("fr", "Des combats ont éclaté à Tripoli, capitale de la Libye, non loin de Misrata.", "Tripoli", "LY"),
        ("fr", "À Tripoli, dans le nord du Liban, la foule a marché vers la route de Beyrouth.", "Tripoli", "LB"),
        ("en", "Militias clashed in Tripoli overnight, Libya's interior ministry said.", "Tripoli", "LY"),
        ("en", "Protesters in Tripoli blocked roads, Lebanese media reported from Beirut.", "Tripoli", "LB"),
        ("fr", "À Saint-Denis, chef-lieu de La Réunion, des routes ont été bloquées.", "Saint-Denis", "RE"),
        ("en", "A storm damaged the courthouse in Paris, Texas, on Monday.", "Paris", "US"),
        ("fr", "Une manifestation a eu lieu à Paris devant l'Assemblée nationale.", "Paris", "FR"),
    ],
)
def test_geocode_chooses_by_document_context(geocoder: Geocoder, lang: str, text: str, name: str, country: str) -> None:
    doc = geocoder(plain(text, lang), load_language(lang))
    p = next(p for p in places(doc) if p.text == name)
    assert (p.place.country, p.place.precision) == (country, "city")


def test_geocode_paris_texas_reads_texas_as_a_state(geocoder: Geocoder) -> None:
    doc = geocoder(plain("A storm damaged the courthouse in Paris, Texas, on Monday.", "en"), load_language("en"))
    texas = next(p for p in places(doc) if p.text == "Texas")
    paris = next(p for p in places(doc) if p.text == "Paris")
    assert texas.place.precision == "admin1" and paris.place.admin1 == "Texas"


def test_geocode_leaves_a_small_far_away_homonym_unresolved(geocoder: Geocoder) -> None:
    text = "Au Kazakhstan, les manifestants d'Almaty ont rejoint ceux venus de Lisnave."
    doc = plain(text).with_layer("entities", [EntityMention(text.index("Lisnave"), len(text) - 1, "Lisnave", "LOC")])
    doc = geocoder(doc, load_language("fr"))
    p = mention(doc, "Lisnave")
    assert p.place.precision == "unknown" and p.place.lat is None


def test_geocode_keeps_an_unknown_loc_entity_as_an_unresolved_place(geocoder: Geocoder) -> None:
    text = "Des heurts ont été signalés à Zorvakhinsk, selon la police kazakhe."
    start = text.index("Zorvakhinsk")
    doc = plain(text).with_layer("entities", [EntityMention(start, start + 11, "Zorvakhinsk", "LOC")])
    p = mention(geocoder(doc, load_language("fr")), "Zorvakhinsk")
    assert p.place.precision == "unknown" and p.place.name == "Zorvakhinsk" and p.place.lat is None


# -- languages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "canonical"),
    [
        ("Вечером в Алматы снова собрались протестующие.", "Алматы", "Almaty"),
        ("Колонна техники стояла под Москвой всю ночь.", "Москвой", "Moscow"),
        ("Делегация прилетела из Бишкека утром.", "Бишкека", "Bishkek"),
        ("Беспорядки в Алма-Ате продолжались два дня.", "Алма-Ате", "Almaty"),
        ("Силы ОДКБ прибыли в Казахстан из России.", "России", "Russia"),
    ],
)
def test_geocode_reads_inflected_russian_names(geocoder: Geocoder, text: str, written: str, canonical: str) -> None:
    doc = geocoder(plain(text, "ru"), load_language("ru"))
    p = next(p for p in places(doc) if p.text == written)
    assert p.place.canonical == canonical


def test_geocode_finds_the_russian_airfield_by_its_site_word(geocoder: Geocoder) -> None:
    text = "Два самолёта Ил-76 приземлились на аэродроме Чкаловский под Москвой."
    doc = geocoder(plain(text, "ru"), load_language("ru"))
    p = mention(doc, "Чкаловский")
    assert p.place.gazetteer_id == "site:chkalovsky" and p.text == "аэродроме Чкаловский"


def test_geocode_finds_an_english_site_named_before_its_kind(geocoder: Geocoder) -> None:
    text = "Two transport planes landed at Chkalovsky airfield near Moscow on Thursday."
    doc = geocoder(plain(text, "en"), load_language("en"))
    p = mention(doc, "Chkalovsky")
    assert p.place.gazetteer_id == "site:chkalovsky" and p.text == "Chkalovsky airfield"


@pytest.mark.parametrize(
    ("lang", "text", "not_a_place"),
    [
        ("en", "Researchers at the China University of Geosciences published the map.", "China"),
        ("fr", "La Banque nationale du Kazakhstan a suspendu les paiements.", "Kazakhstan"),
        ("ru", "Национальный банк Казахстана приостановил работу банков.", "Казахстана"),
    ],
)
def test_geocode_without_a_model_skips_names_inside_organisations(
    geocoder: Geocoder, lang: str, text: str, not_a_place: str
) -> None:
    doc = geocoder(plain(text, lang), load_language(lang))
    assert not [p for p in places(doc) if not_a_place in p.text]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Les forces spéciales biélorusses et russes sont arrivées."),
        ("en", "Kazakh police and Russian paratroopers patrolled the streets."),
        ("ru", "Российские десантники и казахстанские военные патрулировали улицы."),
    ],
)
def test_geocode_does_not_take_demonyms_for_places(geocoder: Geocoder, lang: str, text: str) -> None:
    assert places(geocoder(plain(text, lang), load_language(lang))) == ()


def test_demonyms_still_set_the_document_country(geocoder: Geocoder) -> None:
    text = "Des pillards ont attaqué la mairie de Tripoli; la police libyenne et l'armée libyenne ont riposté."
    doc = geocoder(plain(text), load_language("fr"))
    assert mention(doc, "Tripoli").place.country == "LY"


def test_geocode_adds_an_empty_layer_to_a_text_without_places(geocoder: Geocoder) -> None:
    doc = geocoder(plain("Le gouvernement a démissionné hier soir."), load_language("fr"))
    assert "places" in doc.layers and places(doc) == ()


@pytest.mark.parametrize(
    ("lang", "text", "written", "region"),
    [
        ("fr", "De nouvelles frappes ont visé la région de Belgorod dans la nuit.", "Belgorod", "admin1:RU-BEL"),
        ("en", "Shelling was reported overnight in Kharkiv Oblast, officials said.", "Kharkiv", "admin1:UA-63"),
        ("ru", "Губернатор Белгородской области сообщил об обстреле.", "Белгородской области", "admin1:RU-BEL"),
        ("ru", "Ночью в Подмосковье сбили беспилотник.", "Подмосковье", "admin1:RU-MOS"),
    ],
)
def test_geocode_reads_regions(geocoder: Geocoder, lang: str, text: str, written: str, region: str) -> None:
    doc = geocoder(plain(text, lang), load_language(lang))
    p = next(p for p in places(doc) if p.text == written)
    assert (p.place.gazetteer_id, p.place.precision) == (region, "admin1")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Le Kremlin a démenti ces informations mardi."),
        ("en", "The White House declined to comment on the talks."),
        ("ru", "В Кремле отказались от комментариев."),
    ],
)
def test_geocode_does_not_take_buildings_standing_for_governments_for_places(
    geocoder: Geocoder, lang: str, text: str
) -> None:
    assert places(geocoder(plain(text, lang), load_language(lang))) == ()


def test_geocode_keeps_a_compound_name_whole_when_it_is_unknown(geocoder: Geocoder) -> None:
    text = "Les combats se poursuivent autour d'El-Facher, au Soudan."
    start = text.index("El-Facher")
    doc = plain(text).with_layer("entities", [EntityMention(start, start + 9, "El-Facher", "LOC")])
    doc = geocoder(doc, load_language("fr"))
    assert [(p.text, p.place.precision) for p in places(doc)] == [("El-Facher", "unknown"), ("Soudan", "country")]


def test_geocode_finds_sites_named_with_their_kind(geocoder: Geocoder) -> None:
    text = "Le détroit d'Ormuz a été fermé, et des drones ont visé la base aérienne de Hmeimim."
    doc = geocoder(plain(text), load_language("fr"))
    assert [p.place.gazetteer_id for p in places(doc)] == ["site:strait-of-hormuz", "site:hmeimim"]
    assert places(doc)[0].place.country is None  # international waters


def test_geocoder_load_is_cached_per_process(geocoder: Geocoder) -> None:
    path = geocoder.gazetteer.path
    assert Geocoder.load(path) is Geocoder.load(path)


_PIECES = ["Almaty", "Alma-Ata", "Москвой", "Paris", "Texas", "près de", "aéroport de", ", ", " (", ")", "Le ",
           "l'", "-", "\n", "Saint-Denis", "Banque", "du", "Kazakhstan", "В ", "из ", "é", "  "]  # fmt: skip


@given(
    st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=8)), max_size=25), st.sampled_from(["fr", "en", "ru"])
)
def test_geocode_keeps_offsets_on_any_text(geocoder: Geocoder, pieces: list[str], lang: str) -> None:
    doc = geocoder(plain("".join(pieces), lang), load_language(lang))
    for p in places(doc):
        assert doc.text[p.start : p.end] == p.text
        assert p.place.precision == "unknown" or p.place.gazetteer_id is not None


def test_geocoder_survives_pickling_for_worker_processes(geocoder: Geocoder) -> None:
    copy = pickle.loads(pickle.dumps(geocoder))
    doc = copy(plain("Des tirs ont été entendus à Almaty."), load_language("fr"))
    assert [p.place.gazetteer_id for p in places(doc)] == ["geonames:1526384"]


# -- helpers ---------------------------------------------------------------------------------------------


def test_explain_shows_candidates_and_the_decision(geocoder: Geocoder) -> None:
    report = explain("Des combats à Tripoli, en Libye.", "fr", geocoder)
    assert "geonames:2210247" in report and "Tripoli" in report and "country:LY" in report

