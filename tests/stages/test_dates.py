"""Time expressions: templates per language, resolution against the publication date, anomalies.

Sentences are written for these tests; the seed article is read from ../shared, never copied.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vigie.document import DateMention, Document
from vigie.lang.loader import load_language
from vigie.stages.dates import find_dates, nearest_year

THURSDAY = dt.date(2022, 1, 6)
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "kazakhstan-2022-fr.txt"


def dates_of(text: str, lang: str, published: dt.date | None = THURSDAY) -> tuple[DateMention, ...]:
    doc = Document(doc_id="t", text=text, lang=lang, published=published)
    return find_dates(doc, load_language(lang)).layer("dates")


def only(text: str, lang: str, published: dt.date | None = THURSDAY) -> DateMention:
    [mention] = dates_of(text, lang, published)
    assert text[mention.start : mention.end] == mention.text
    return mention


@pytest.mark.parametrize(
    ("lang", "text", "span", "value"),
    [
        ("fr", "Le 2 janvier, les chauffeurs ont bloqué la route.", "Le 2 janvier", "2022-01-02"),
        ("fr", "Le 1er janvier 2022, la taxe a doublé.", "Le 1er janvier 2022", "2022-01-01"),
        ("fr", "Le mardi 4 janvier, la police a dispersé la foule.", "Le mardi 4 janvier", "2022-01-04"),
        ("en", "On January 2, drivers blocked the road.", "On January 2", "2022-01-02"),
        ("en", "The tax doubled on the 1st of January 2022.", "on the 1st of January 2022", "2022-01-01"),
        ("ru", "2 января водители перекрыли дорогу.", "2 января", "2022-01-02"),
        ("ru", "6-го января 2022 года начались аресты.", "6-го января 2022 года", "2022-01-06"),
    ],
)
def test_dates_resolves_day_and_month(lang: str, text: str, span: str, value: str) -> None:
    mention = only(text, lang)
    assert (mention.text, str(mention.value), mention.precision, mention.status) == (span, value, "day", "exact")


@pytest.mark.parametrize(
    ("lang", "text", "span"),
    [
        ("fr", "Dans la nuit du 6 janvier, des tirs ont retenti.", "Dans la nuit du 6 janvier"),
        ("fr", "Une opération était prévue pour le matin du 6 janvier.", "le matin du 6 janvier"),
        ("en", "Shots rang out on the night of January 6.", "on the night of January 6"),
        ("ru", "В ночь на 6 января в центре города слышали выстрелы.", "В ночь на 6 января"),
        ("ru", "Утром 6 января начался штурм.", "Утром 6 января"),
    ],
)
def test_dates_reads_night_and_morning_phrases(lang: str, text: str, span: str) -> None:
    mention = only(text, lang)
    assert (mention.text, mention.value) == (span, dt.date(2022, 1, 6))


@pytest.mark.parametrize(
    ("lang", "text", "published", "value"),
    [
        ("fr", "hier", THURSDAY, "2022-01-05"),
        ("fr", "avant-hier soir", THURSDAY, "2022-01-04"),
        ("fr", "mardi", THURSDAY, "2022-01-04"),
        ("fr", "jeudi", THURSDAY, "2022-01-06"),  # a bare weekday may be the day of publication
        ("fr", "mardi dernier", THURSDAY, "2022-01-04"),
        ("fr", "mercredi dernier", dt.date(2022, 1, 10), "2022-01-05"),
        ("fr", "lundi soir", THURSDAY, "2022-01-03"),
        ("fr", "il y a trois jours", THURSDAY, "2022-01-03"),
        ("fr", "ce matin", THURSDAY, "2022-01-06"),
        ("fr", "aujourd'hui", THURSDAY, "2022-01-06"),
        ("en", "yesterday", THURSDAY, "2022-01-05"),
        ("en", "on Tuesday", THURSDAY, "2022-01-04"),
        ("en", "last Wednesday", dt.date(2022, 1, 10), "2022-01-05"),
        ("en", "Monday evening", THURSDAY, "2022-01-03"),
        ("en", "three days ago", THURSDAY, "2022-01-03"),
        ("ru", "вчера", THURSDAY, "2022-01-05"),
        ("ru", "позавчера", THURSDAY, "2022-01-04"),
        ("ru", "во вторник", THURSDAY, "2022-01-04"),
        ("ru", "в прошлую среду", dt.date(2022, 1, 10), "2022-01-05"),
        ("ru", "в понедельник вечером", THURSDAY, "2022-01-03"),
        ("ru", "три дня назад", THURSDAY, "2022-01-03"),
    ],
)
def test_dates_resolves_relative_words_from_publication(lang: str, text: str, published: dt.date, value: str) -> None:
    mention = only(text, lang, published)
    assert (str(mention.value), mention.precision, mention.text) == (value, "day", text)
    assert "relative" in mention.flags


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("fr", "jeudi prochain", "2022-01-13"),
        ("fr", "demain", "2022-01-07"),
        ("en", "next Thursday", "2022-01-13"),
        ("ru", "в следующий четверг", "2022-01-13"),
    ],
)
def test_dates_marked_future_look_forward(lang: str, text: str, value: str) -> None:
    mention = only(text, lang)
    assert str(mention.value) == value
    assert "future" in mention.flags and "date_anomaly" not in mention.flags


@pytest.mark.parametrize(
    ("lang", "text", "precision", "value", "end_value"),
    [
        ("fr", "la semaine dernière", "week", "2021-12-27", "2022-01-02"),
        ("en", "last week", "week", "2021-12-27", "2022-01-02"),
        ("ru", "на прошлой неделе", "week", "2021-12-27", "2022-01-02"),
        ("fr", "le mois dernier", "month", "2021-12-01", "2021-12-31"),
        ("en", "last year", "year", "2021-01-01", "2021-12-31"),
        ("fr", "début janvier", "week", "2022-01-01", "2022-01-10"),
        ("fr", "mi-mars", "week", "2021-03-11", "2021-03-20"),
        ("en", "late December", "week", "2021-12-21", "2021-12-31"),
        ("ru", "в начале января", "week", "2022-01-01", "2022-01-10"),
    ],
)
def test_dates_periods_are_approximate_spans(lang: str, text: str, precision: str, value: str, end_value: str) -> None:
    mention = only(text, lang)
    assert (mention.precision, str(mention.value), str(mention.end_value)) == (precision, value, end_value)
    assert mention.status == "approximate"


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [("fr", "en mars", "2021-03-01"), ("en", "in March", "2021-03-01"), ("ru", "в марте", "2021-03-01")],
)
def test_dates_month_alone_is_the_latest_before_publication(lang: str, text: str, value: str) -> None:
    mention = only(text, lang)
    assert (str(mention.value), mention.precision, mention.flags) == (value, "month", ("year_inferred",))


@pytest.mark.parametrize(("lang", "text"), [("fr", "le 28 décembre"), ("en", "December 28"), ("ru", "28 декабря")])
def test_dates_infers_the_year_nearest_to_publication(lang: str, text: str) -> None:
    mention = only(text, lang, dt.date(2022, 1, 3))
    assert mention.value == dt.date(2021, 12, 28)
    assert mention.flags == ("year_inferred",)


@pytest.mark.parametrize(
    ("month", "day", "value"),
    [(12, 20, dt.date(2021, 12, 20)), (8, 5, dt.date(2021, 8, 5)), (7, 7, dt.date(2022, 7, 7)), (2, 29, None)],
)
def test_dates_nearest_year_looks_both_ways(month: int, day: int, value: dt.date | None) -> None:
    assert nearest_year(month, day, THURSDAY) == value  # 29 February: no such day in 2021-2023


@pytest.mark.parametrize(
    ("lang", "text", "flag"),
    [
        ("fr", "le 2 janvier", "year_unknown"),
        ("en", "January 2", "year_unknown"),
        ("ru", "2 января", "year_unknown"),
        ("fr", "hier", "no_anchor"),
        ("en", "last week", "no_anchor"),
        ("ru", "в прошлую среду", "no_anchor"),
    ],
)
def test_dates_without_publication_date_stay_unresolved(lang: str, text: str, flag: str) -> None:
    mention = only(text, lang, published=None)
    assert (mention.value, mention.status, mention.precision, mention.flags) == (None, "unresolved", "unknown", (flag,))


def test_dates_full_date_resolves_without_publication_date() -> None:
    assert only("Le 2 janvier 2022, la grève a commencé.", "fr", published=None).value == dt.date(2022, 1, 2)


@pytest.mark.parametrize(
    ("lang", "text", "value", "end_value"),
    [
        ("fr", "du 2 au 5 janvier", "2022-01-02", "2022-01-05"),
        ("fr", "dans la nuit du 5 au 6 janvier", "2022-01-05", "2022-01-06"),
        ("fr", "du 30 décembre au 2 janvier", "2021-12-30", "2022-01-02"),
        ("fr", "le 4 et le 5 janvier", "2022-01-04", "2022-01-05"),
        ("en", "January 4 and 5", "2022-01-04", "2022-01-05"),
        ("fr", "dans la nuit de samedi à dimanche", "2022-01-01", "2022-01-02"),
        ("en", "between January 2 and 5", "2022-01-02", "2022-01-05"),
        ("ru", "в ночь с 5 на 6 января", "2022-01-05", "2022-01-06"),
        ("ru", "в ночь с пятницы на субботу", "2021-12-31", "2022-01-01"),
    ],
)
def test_dates_ranges_have_both_ends(lang: str, text: str, value: str, end_value: str) -> None:
    mention = only(text, lang)
    assert (str(mention.value), str(mention.end_value), mention.status) == (value, end_value, "range")


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [("fr", "le 14/03", "2022-03-14"), ("en", "03/14/2022", "2022-03-14"), ("ru", "14.03.2022", "2022-03-14")],
)
def test_dates_reads_numeric_dates_in_the_language_order(lang: str, text: str, value: str) -> None:
    assert str(only(text, lang, dt.date(2022, 3, 20)).value) == value


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Le contingent s'élèvera à 3600 militaires."),
        ("fr", "Deux Il-76 et un Su-25 ont atterri."),
        ("fr", "Maintenant, les banques sont fermées."),
        ("en", "Protesters march 5 km to the square and may stay."),
        ("ru", "Около 3600 военных прибыли на Ил-76."),
        ("ru", "Министр говорил о защите окружающей среды и о среде обитания."),
    ],
)
def test_dates_ignores_numbers_and_words_that_are_no_dates(lang: str, text: str) -> None:
    assert dates_of(text, lang) == ()


def test_dates_invalid_day_is_no_date() -> None:
    assert dates_of("le 31 février", "fr") == ()


@pytest.mark.parametrize(("lang", "text"), [("fr", "Le six janvier, la ville était calme."), ("ru", "шестого января")])
def test_dates_dateparser_reads_what_templates_miss(lang: str, text: str) -> None:
    [mention] = dates_of(text, lang)
    assert mention.value == dt.date(2022, 1, 6)
    assert "fallback" in mention.flags


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Le 20 janvier, la police a tiré sur la foule."),
        ("en", "On January 20 the police fired on the crowd."),
        ("ru", "20 января полиция открыла огонь."),
    ],
)
def test_dates_flags_a_past_event_dated_after_publication(lang: str, text: str) -> None:
    assert "date_anomaly" in only(text, lang).flags


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Les élections auront lieu le 20 janvier."),
        ("en", "The vote will be held on January 20."),
        ("ru", "Выборы состоятся 20 января."),
    ],
)
def test_dates_planned_event_after_publication_is_no_anomaly(lang: str, text: str) -> None:
    assert "date_anomaly" not in only(text, lang).flags


def test_dates_flags_a_date_far_from_the_story_timeline() -> None:
    text = "Le 2 janvier, la grève a commencé. Le 5 août, la foule a pris la mairie. Hier, le calme est revenu."
    first, slip, yesterday = dates_of(text, "fr")
    assert slip.text == "Le 5 août" and "date_anomaly" in slip.flags
    assert slip.value == dt.date(2021, 8, 5)  # the value stays: the event builder decides
    assert "date_anomaly" not in first.flags and "date_anomaly" not in yesterday.flags


@pytest.mark.skipif(not SEED.exists(), reason="shared/ seed not beside the project")
def test_dates_on_the_seed_article() -> None:
    text = SEED.read_text(encoding="utf-8")
    mentions = dates_of(text, "fr", dt.date(2022, 1, 6))
    by_day = {m.text.split()[-2] + " " + m.text.split()[-1]: m for m in mentions}
    assert all(m.value == dt.date(2022, 1, 6) for m in mentions if m.text.endswith("6 janvier"))
    assert sum(m.text.endswith("6 janvier") for m in mentions) == 2
    assert by_day["2 janvier"].value == dt.date(2022, 1, 2)
    assert "date_anomaly" in by_day["5 août"].flags
    assert not any("date_anomaly" in m.flags for m in mentions if "janvier" in m.text)
    assert all(m.value is None or m.value.year == 2022 or "date_anomaly" in m.flags for m in mentions)



@pytest.mark.parametrize(
    ("lang", "text", "span"),
    [
        ("en", "Two guards were wounded overnight in a raid on the depot.", "overnight"),
        ("fr", "Deux gardiens ont été blessés dans la nuit lors d'un raid contre le dépôt.", "dans la nuit"),
        ("ru", "Двое охранников были ранены ночью при нападении на склад.", "ночью"),
    ],
)
def test_dates_bare_overnight_is_a_vague_publication_day(lang: str, text: str, span: str) -> None:
    mention = only(text, lang)
    assert (mention.text, mention.value, mention.status) == (span, THURSDAY, "approximate")
    assert "vague" in mention.flags


def test_dates_night_with_a_day_is_not_vague() -> None:
    mention = only("Dans la nuit du 4 janvier, des tirs ont retenti.", "fr")
    assert (str(mention.value), mention.flags) == ("2022-01-04", ("year_inferred",))


@pytest.mark.parametrize(
    ("lang", "text", "span", "value"),
    [
        ("fr", "Le 3 janvier, la police a fermé le pont.\nLa veille, des tirs avaient été entendus.", "La veille",
         "2022-01-02"),
        ("en", "On Monday police arrested ten students. The next day, hundreds protested outside the station.",
         "The next day", "2022-01-04"),
        ("ru", "Накануне в Бишкеке задержали двух журналистов.", "Накануне", "2022-01-05"),
    ],
)
def test_dates_eve_and_next_day_count_from_the_story_or_publication(
    lang: str, text: str, span: str, value: str
) -> None:
    mention = next(m for m in dates_of(text, lang) if m.text == span)
    assert (str(mention.value), mention.status) == (value, "approximate")


@pytest.mark.parametrize(
    ("lang", "text"),
    [("fr", "La veille du scrutin, des militants ont manifesté."), ("en", "The day before the vote, crowds gathered.")],
)
def test_dates_eve_of_an_unnamed_day_is_no_date(lang: str, text: str) -> None:
    assert dates_of(text, lang) == ()
