"""Event coding on short French news sentences written for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from vigie.pipeline import extract
from vigie.records import Article, EventRecord

pytestmark = pytest.mark.slow
PUBLISHED = dt.date(2023, 5, 12)  # a Friday


def events_of(text: str, lang: str = "fr") -> list[EventRecord]:
    return extract(Article(text=text, doc_id="t", lang=lang, published=PUBLISHED)).events


def test_events_arrest_has_police_source_and_protester_target() -> None:
    [event] = events_of("Mardi, la police a arrêté douze militants écologistes devant la préfecture de Dakar.")
    assert (event.type, event.mode) == ("COERCE", "arrest")
    assert [a.kind for a in event.actors.source] == ["police"]
    assert [a.kind for a in event.actors.target] == ["protesters"]
    assert event.date == "2023-05-09"
    assert event.place.country == "SN"
    assert event.quantities == {"arrested": 12} or event.quantity_details


def test_events_negated_trigger_is_not_an_event() -> None:
    assert events_of("Aucun affrontement n'a été signalé dans la capitale depuis dimanche.") == []


def test_events_riot_that_burns_and_loots_is_one_protest() -> None:
    events = events_of("Des émeutiers ont pillé des magasins et incendié des voitures à Lyon dans la nuit.")
    assert [(e.type, e.mode) for e in events] == [("PROTEST", "riot")]


def test_events_two_happenings_in_one_sentence_are_two_events() -> None:
    events = events_of("L'état d'urgence a été décrété et le président a demandé l'aide de l'ONU.")
    assert sorted(e.type for e in events) == ["COERCE", "REQUEST"]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Le chef rebelle aurait été tué lors d'une frappe aérienne près de Kidal.", "unconfirmed"),
        ("Le ministère de la Défense a démenti avoir bombardé le village de Tessit.", "denied"),
        ("Selon un bilan provisoire, l'attaque a fait quatre morts à Gao.", "preliminary"),
        ("Une grève des cheminots est prévue jeudi prochain à Marseille.", "planned"),
    ],
)
def test_events_attribution_status(text: str, status: str) -> None:
    events = events_of(text)
    assert events and {e.attribution.status for e in events} == {status}


def test_events_cue_in_next_sentence_qualifies_the_claim() -> None:
    text = ("Des tirs ont été entendus près du palais présidentiel de Bamako. "
            "Aucune confirmation officielle n'a été donnée.")
    [event] = events_of(text)
    assert event.attribution.status == "unconfirmed"


def test_events_ids_are_stable_and_evidence_indexes_the_text() -> None:
    text = "Hier, des milliers de manifestants ont défilé à Tunis contre la hausse des prix."
    first, second = events_of(text), events_of(text)
    assert [e.id for e in first] == [e.id for e in second]
    for e in first:
        assert text[e.evidence.start : e.evidence.end] == e.evidence.text


def test_events_scare_quotes_are_loaded_language() -> None:
    [event] = events_of("Des « patriotes » ont attaqué un bureau de vote à Douala samedi.")
    assert "loaded_language" in event.flags


def test_events_bare_night_in_a_lead_is_dated_by_publication() -> None:
    [event] = events_of("Trois policiers ont été tués dans la nuit lors d'une attaque contre un poste à Mopti.")
    assert (event.type, event.date) == ("ASSAULT", "2023-05-12")


def test_events_bare_night_later_in_a_story_keeps_the_story_day() -> None:
    text = ("Le 3 mai, des manifestants ont bloqué le port de Douala.\n"
            "Dans la nuit, des inconnus ont incendié deux camions sur le quai.")
    events = events_of(text)
    assert [e.date for e in events] == ["2023-05-03", "2023-05-03"]


def test_events_threat_is_dated_by_its_own_day_not_the_threatened_one() -> None:
    [event] = events_of("Профсоюз докеров во вторник пригрозил с понедельника остановить работу порта Одессы.", "ru")
    assert (event.type, event.date) == ("THREATEN", "2023-05-09")


def test_events_hyphenated_compound_does_not_break_a_trigger() -> None:
    events = events_of("Nurses in Leeds staged a 48-hour strike on Monday to demand safer staffing.", "en")
    assert "PROTEST" in [e.type for e in events]


def test_events_a_capital_abroad_is_trusted_as_the_place() -> None:
    # the story's country is Venezuela; Lima has namesakes (Ohio) that lower its score, yet a capital stays
    text = ("Le ministre péruvien des Affaires étrangères a accusé jeudi les autorités du Venezuela de harceler "
            "les opposants, lors d'une conférence de presse à Lima.")
    events = [e for e in events_of(text) if e.type == "ACCUSE"]
    assert [(e.place.name, e.place.country) for e in events] == [("Lima", "PE")]


def test_events_eve_of_a_named_happening_is_not_dated_by_publication() -> None:
    [event] = events_of("Накануне обысков полиция задержала двух журналистов в Бишкеке.", "ru")
    assert (event.type, event.date) == ("COERCE", None)


def test_events_verb_and_object_far_apart_still_match_through_the_parse() -> None:
    events = events_of("Le Mali a remis lundi aux autorités nigériennes trois prisonniers capturés à la frontière.")
    assert ("RETREAT", "release") in [(e.type, e.mode) for e in events]


def test_events_compound_tense_split_by_an_aside_is_still_an_act() -> None:
    text = ("Le commandant de la garde a, pour sa part, menacé de « frapper sans pitié » toute bande qui "
            "rouvrirait le feu, et ordonné le déploiement de blindés.")
    assert {"THREATEN", "MOBILIZE"} <= {e.type for e in events_of(text)}
