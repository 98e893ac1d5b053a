"""Ukrainian, the language added by data files alone: the fallback path (no model, pymorphy3-uk lemmas).

Sentences are written for these tests; examples.txt holds the smoke sentences of vigie/lang/uk/.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest

from vigie.document import Document
from vigie.lang.loader import load_language
from vigie.pipeline import extract
from vigie.records import Article, EventRecord
from vigie.stages.dates import find_dates
from vigie.stages.quantities import find_quantities

PUBLISHED = dt.date(2025, 3, 6)  # a Thursday


def _examples() -> list[tuple[str, str]]:
    text = resources.files("vigie.lang").joinpath("uk", "examples.txt").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [(expected, sentence) for expected, sentence in rows]


def events_of(text: str) -> list[EventRecord]:
    extraction = extract(Article(text=text, doc_id="t", lang="uk", published=PUBLISHED))
    assert extraction.document.lang == "uk"
    return extraction.events


def test_ukrainian_uses_the_fallback_path() -> None:
    lang = load_language("uk")
    assert lang.backend == "none"
    assert lang.config["lemmatizer"] == "pymorphy3-uk"


@pytest.mark.parametrize(("expected", "sentence"), _examples())
def test_examples_give_their_type(expected: str, sentence: str) -> None:
    types = {e.type for e in events_of(sentence)}
    if expected == "-":
        assert not types
    else:
        assert expected.split("/")[0] in types, f"{sentence!r} gave {sorted(types)}"


def test_arrest_with_its_count() -> None:
    [event] = [e for e in events_of("Поліція затримала дванадцять протестувальників біля парламенту.")
               if e.type == "COERCE"]
    assert event.mode == "arrest"
    assert event.quantities.get("arrested") == 12


def test_protest_in_an_inflected_city() -> None:
    [event] = events_of("У вівторок кілька сотень людей вийшли на мітинг у Києві.")
    assert event.type == "PROTEST"
    assert event.date == "2025-03-04"
    assert event.place.country == "UA"


def test_shelling_with_dead() -> None:
    events = events_of("Унаслідок обстрілу Харкова загинули четверо людей.")
    assault = [e for e in events if e.type == "ASSAULT"]
    assert assault and assault[0].quantities.get("dead") == 4
    assert assault[0].place.country == "UA"


def test_hedged_claim_is_unconfirmed() -> None:
    [event] = events_of("За непідтвердженими даними, військові нібито обстріляли колону біженців.")
    assert event.type == "ASSAULT"
    assert event.attribution.status == "unconfirmed"


def test_denied_claim() -> None:
    events = events_of("Міністерство спростувало повідомлення про побиття затриманих у відділку.")
    assert any(e.attribution.status == "denied" for e in events)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Акція відбулася у вівторок.", "2025-03-04"),
        ("Переговори пройшли 2 березня.", "2025-03-02"),
        ("Учора ввечері в місті пролунали вибухи.", "2025-03-05"),
        ("Обстріл стався в ніч на середу.", "2025-03-05"),
    ],
)
def test_dates_resolve(text: str, value: str) -> None:
    doc = Document(doc_id="t", text=text, lang="uk", published=PUBLISHED)
    mentions = find_dates(doc, load_language("uk")).layer("dates")
    assert [m.value.isoformat() for m in mentions if m.value] == [value]


@pytest.mark.parametrize(
    ("text", "value", "name"),
    [
        ("Біля парламенту зібралося близько трьох тисяч демонстрантів.", 3000, "protesters"),
        ("На площу вийшли близько двохсот протестувальників.", 200, "protesters"),
        ("Загинули сорок три людини.", 43, "dead"),
    ],
)
def test_numbers_in_words(text: str, value: int, name: str) -> None:
    lang = load_language("uk")
    doc = find_dates(Document(doc_id="t", text=text, lang="uk", published=PUBLISHED), lang)
    found = [q for q in find_quantities(doc, lang).layer("quantities") if q.value == value]
    assert found and found[0].name == name
