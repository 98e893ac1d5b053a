"""Counts: digits and words in three languages, approximation, ranges, units, and what is not a count.

Sentences are written for these tests; the seed article is read from ../shared, never copied.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigie.document import Document, QuantityMention
from vigie.lang.loader import load_language
from vigie.stages.dates import find_dates
from vigie.stages.quantities import find_quantities

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "kazakhstan-2022-fr.txt"


def quantities_of(text: str, lang: str, published: dt.date | None = dt.date(2022, 1, 6)) -> tuple[QuantityMention, ...]:
    doc = Document(doc_id="t", text=text, lang=lang, published=published)
    found: tuple[QuantityMention, ...] = find_quantities(doc, load_language(lang)).layer("quantities")
    assert all(text[q.start : q.end] == q.text for q in found)
    return found


def only(text: str, lang: str) -> QuantityMention:
    [mention] = quantities_of(text, lang)
    return mention


@pytest.mark.parametrize(
    ("lang", "text", "value", "name"),
    [
        ("fr", "Le contingent compte 3 600 militaires.", 3600, "troops"),
        ("fr", "Le contingent compte 3600 militaires.", 3600, "troops"),
        ("fr", "On dénombre 1 500 manifestants place de la Mairie.", 1500, "protesters"),
        ("fr", "Un convoi de 12,5 tonnes est arrivé.", 12.5, None),
        ("fr", "Trois soldats maliens ont été blessés.", 3, "troops"),
        ("fr", "Deux autres transports militaires ont décollé.", 2, "aircraft"),
        ("fr", "Deux cents personnes ont été arrêtées dans la nuit.", 200, "arrested"),
        ("fr", "Trois mille militaires sont arrivés.", 3000, "troops"),
        ("fr", "Quatre-vingt-dix-neuf morts ont été recensés.", 99, "dead"),
        ("fr", "Soixante et onze blessés sont à l'hôpital.", 71, "injured"),
        ("fr", "Selon l'armée, 3 000 hommes ont été déployés.", 3000, "troops"),
        ("fr", "Dans le cortège, 500 hommes et femmes défilaient.", 500, "people"),
        ("fr", "Environ 1,5 million de déplacés ont fui.", 1500000, "displaced"),
        ("fr", "Les ravisseurs détiennent 4 otages.", 4, "hostages"),
        ("fr", "Sept véhicules blindés ont été détruits.", 7, "vehicles"),
        ("en", "About 1,500 soldiers crossed the border.", 1500, "troops"),
        ("en", "Two hundred protesters gathered outside.", 200, "protesters"),
        ("en", "Some 3,000 Russian troops arrived.", 3000, "troops"),
        ("en", "Three other military transports landed.", 3, "aircraft"),
        ("en", "Forty people were arrested overnight.", 40, "arrested"),
        ("en", "One thousand, five hundred people marched.", 1500, "people"),
        ("ru", "Прибыли около трёх тысяч военных.", 3000, "troops"),
        ("ru", "Полиция задержала около двухсот человек.", 200, "people"),
        ("ru", "Задержаны более 200 человек.", 200, "arrested"),
        ("ru", "Погибли 12 человек.", 12, "dead"),
        ("ru", "Двое погибших, пятеро раненых.", 2, "dead"),
        ("ru", "Прибыли 3,6 тыс. военнослужащих.", 3600, "troops"),
        ("ru", "Полторы тысячи человек вышли на площадь.", 1500, "people"),
    ],
)
def test_quantities_reads_value_and_unit(lang: str, text: str, value: float, name: str | None) -> None:
    first = quantities_of(text, lang)[0]
    assert (first.value, first.name) == (value, name)


@pytest.mark.parametrize(
    ("lang", "text", "value", "flags"),
    [
        ("fr", "Une dizaine de blessés ont été soignés.", 10, ()),
        ("fr", "Une trentaine de véhicules ont brûlé.", 30, ()),
        ("fr", "Près de 40 blessés ont été évacués.", 40, ()),
        ("fr", "Plus de 200 personnes ont été interpellées.", 200, ()),
        ("fr", "Au moins 12 tués dans l'explosion.", 12, ()),
        ("fr", "Des centaines de manifestants ont défilé.", 200, ("vague",)),
        ("fr", "Des dizaines de milliers de manifestants ont défilé.", 20000, ("vague",)),
        ("fr", "Plus de mille manifestants ont défilé.", 1000, ()),
        ("en", "More than 40 people were arrested.", 40, ()),
        ("en", "Dozens of people were killed.", 24, ("vague",)),
        ("en", "Tens of thousands of demonstrators marched.", 20000, ("vague",)),
        ("en", "A few hundred rioters remained.", 200, ("vague",)),
        ("ru", "Около двухсот задержанных отпустили.", 200, ()),
        ("ru", "Сотни протестующих вышли на улицы.", 200, ("vague",)),
        ("ru", "Десятки тысяч человек вышли на улицы.", 20000, ("vague",)),
    ],
)
def test_quantities_approximate_and_vague_counts(lang: str, text: str, value: int, flags: tuple[str, ...]) -> None:
    mention = only(text, lang)
    assert (mention.value, mention.approximate, mention.flags) == (value, True, flags)


@pytest.mark.parametrize(
    ("lang", "text", "value", "name"),
    [
        ("fr", "Entre 20 et 30 otages sont retenus.", 20, "hostages"),
        ("fr", "De 20 à 30 blessés selon les sources.", 20, "injured"),
        ("fr", "On compte 20-30 manifestants.", 20, "protesters"),
        ("fr", "De 2 à 3 millions de personnes ont fui.", 2000000, "displaced"),
        ("en", "Between 20 and 30 hostages are held.", 20, "hostages"),
        ("ru", "От 20 до 30 заложников удерживают.", 20, "hostages"),
    ],
)
def test_quantities_ranges_keep_the_lower_bound(lang: str, text: str, value: int, name: str) -> None:
    mention = only(text, lang)
    assert (mention.value, mention.name, mention.approximate, mention.flags) == (value, name, True, ("range",))


@pytest.mark.parametrize(
    ("lang", "text", "span", "value", "flags"),
    [
        ("fr", "On attend 3600 XNUMX militaires.", "3600 XNUMX militaires", 3600, ("translation_artefact",)),
        ("fr", "Le contingent compte XNUMX militaires.", "XNUMX militaires", 0, ("translation_artefact", "value_lost")),
        ("fr", "On compte XNUMX,XNUMX blessés.", "XNUMX,XNUMX", 0, ("translation_artefact", "value_lost")),
        ("fr", "On compte 1,XNUMX blessés.", "1,XNUMX", 0, ("translation_artefact", "value_lost")),
        ("en", "About 3600 XNUMX troops arrived.", "About 3600 XNUMX troops", 3600, ("translation_artefact",)),
    ],
)
def test_quantities_translation_artefact(lang: str, text: str, span: str, value: int, flags: tuple[str, ...]) -> None:
    mention = only(text, lang)
    assert (mention.text[: len(span)], mention.value, mention.flags) == (span, value, flags)
    if "value_lost" in flags:
        assert mention.name is None  # never counted as "0 troops"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Le 6 janvier à 14h30, la place était vide."),
        ("fr", "Il y a trois jours, la place était vide."),
        ("fr", "En 2021, la place était vide."),
        ("fr", "Les chefs du G7 ont parlé des Su-25 et des Il-76."),
        ("fr", "Le 3e bataillon est resté en réserve."),
        ("fr", "Un grand nombre de magasins ont été pillés."),
        ("fr", "Les 3/4 du quartier sont privés d'eau."),
        ("en", "At 10 pm on January 6 the square was empty."),
        ("en", "The 2014-2022 period was calm."),
        ("en", "A man was seen near the gate."),
        ("ru", "В 2021 году на Ил-76 прибыл 20-летний солдат 21-й бригады."),
        ("ru", "Один человек пострадал."),
    ],
)
def test_quantities_ignores_dates_times_years_models_and_articles(lang: str, text: str) -> None:
    assert quantities_of(text, lang) == ()


@pytest.mark.parametrize(
    ("lang", "text", "value", "name"),
    [
        ("fr", "Le parti a obtenu 12,5 % des voix.", 12.5, "percent"),
        ("fr", "L'amende s'élève à 300 euros.", 300, "money"),
        ("en", "Prices rose by 12 percent.", 12, "percent"),
        ("en", "The fine is $300.", 300, "money"),
        ("ru", "Цены выросли на 12 процентов.", 12, "percent"),
    ],
)
def test_quantities_percent_and_money_are_named_apart(lang: str, text: str, value: float, name: str) -> None:
    assert (only(text, lang).value, only(text, lang).name) == (value, name)


def test_quantities_uses_the_dates_layer_when_present() -> None:
    lang = load_language("fr")
    doc = Document(doc_id="t", text="Le 6 janvier, 300 soldats sont arrivés.", lang="fr", published=dt.date(2022, 1, 6))
    [mention] = find_quantities(find_dates(doc, lang), lang).layer("quantities")
    assert (mention.value, mention.name) == (300, "troops")


@pytest.mark.skipif(not SEED.exists(), reason="shared/ seed not beside the project")
def test_quantities_on_the_seed_article() -> None:
    found = quantities_of(SEED.read_text(encoding="utf-8"), "fr")
    named = {q.name: q for q in found if q.name}
    assert (named["troops"].value, named["troops"].flags) == (3600, ("translation_artefact",))
    assert named["aircraft"].value == 2 and named["aircraft"].text.startswith("2 autres transports militaires")
    assert not any(q.value in (76, 2022) or q.text in ("6", "2", "5") for q in found)  # Il-76, dates


SPELLERS = ["fr", "en", "ru"]


@given(st.integers(min_value=2, max_value=9_999_999), st.sampled_from(SPELLERS))
def test_quantities_number_words_read_back(number: int, lang: str) -> None:
    """An independent speller (num2words) writes the integer; reading it back gives the same integer."""
    num2words = pytest.importorskip("num2words").num2words
    words = num2words(number, lang=lang)
    [mention] = quantities_of(words, lang)
    assert (mention.text, mention.value) == (words, number)

