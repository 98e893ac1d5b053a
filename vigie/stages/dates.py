"""Time expressions in a document, resolved against its publication date.

Two layers, cheapest first, as in trafilatura's fallback cascade: templates from
`vigie/lang/<code>/dates.yaml`, compiled once per language into a single regex, catch the phrasing news uses
("dans la nuit du 6 janvier", "mardi dernier", "в ночь на 6 января", "three days ago"); dateparser then reads
only the month names no template covered ("le six janvier"), so it runs a handful of times per document.
A day and month without a year take the year nearest to publication; relative words count from the
publication date; without one, both stay unresolved rather than get an invented year.
"""

from __future__ import annotations

import bisect
import calendar
import dataclasses
import datetime as dt
import functools
import logging
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from vigie.document import DateMention, Document
from vigie.errors import ConfigError
from vigie.lang.loader import LanguageData, load_language

logger = logging.getLogger(__name__)

READS: tuple[str, ...] = ()  # uses "sentences" when present, for the future-tense check
FILLS = "dates"

# Resolution kinds, most specific first: at one text position the first kind whose template matches wins.
KINDS = tuple(
    "date_range weekday_range date month_early month_mid month_late month_next month year ago in"  # noqa: SIM905
    " last_week this_week next_week last_month this_month next_month last_year this_year next_year"
    " weekday_last weekday_next weekday day_before_yesterday yesterday today day_after_tomorrow tomorrow"
    " eve next_day overnight".split()
)
MONTHS = tuple("january february march april may june july august september october november december".split())  # noqa: SIM905
WEEKDAYS = tuple("monday tuesday wednesday thursday friday saturday sunday".split())  # noqa: SIM905
DAY_OFFSETS = {"day_before_yesterday": -2, "yesterday": -1, "today": 0, "tomorrow": 1, "day_after_tomorrow": 2}
# "la veille", "the following day", "накануне": a day counted from the day the story has reached, or from
# publication when the story has named none; "la veille du scrutin" counts from a day it does not give.
STORY_OFFSETS = {"eve": -1, "next_day": 1}
# Words after which such a phrase takes a complement ("накануне выборов", "the day before the vote").
COMPLEMENT_POS = frozenset({"NOUN", "PROPN", "ADJ", "DET", "NUM"})
# A bare "overnight" ("dans la nuit", "ночью") is the night before publication in a lead, but in a story
# told day by day it is the night of the day in context: the date is "vague" and yields to any other.
PERIOD_SHIFTS = {"last": -1, "this": 0, "next": 1}
FUTURE_KINDS = frozenset(
    {"month_next", "in", "next_week", "next_month", "next_year", "weekday_next", "tomorrow", "day_after_tomorrow"}
)
# Early/mid/late month as thirds: about ten days, reported with precision "week".
MONTH_THIRDS = {"month_early": (1, 10), "month_mid": (11, 20), "month_late": (21, 31)}
# Placeholders that anchor a match: every template holds one of them or a literal word.
ANCHOR_FIELDS = ("day", "mm", "year", "month", "weekday", "unit")
# How far before its first anchor a match may start ("dans les premiers jours du mois de janvier").
ANCHOR_REACH = 48
# A report written at night may date events of the next morning: one day after publication is still normal.
AFTER_PUBLICATION_DAYS = 1
# A date with a guessed year this far from publication and from every other date is likely a slip
# (the seed's "5 août" inside a story of 2-6 January).
FAR_DAYS = 60
_TEMPLATE_CHARS = {"[": "(?:", "]": ")?", "(": "(?:", ")": ")", "|": "|"}
_LITERAL_CHARS = {" ": r"\s+", "'": "['’]", "-": "[-‐‑–]"}


class When(NamedTuple):
    value: dt.date | None
    end_value: dt.date | None = None
    precision: str = "day"
    status: str = "exact"
    flags: tuple[str, ...] = ()


UNANCHORED = When(None, None, "unknown", "unresolved", ("no_anchor",))
YEAR_UNKNOWN = When(None, None, "unknown", "unresolved", ("year_unknown",))


class DateGrammar(NamedTuple):
    regex: re.Pattern[str]
    alternatives: tuple[tuple[str, tuple[str, ...]], ...]  # per alternative: kind, captured field names
    months: dict[str, int]  # lower-cased form -> 1..12
    weekdays: dict[str, int]  # lower-cased form -> 0 (Monday)..6
    units: dict[str, str]  # lower-cased form -> day/week/month/year
    counts: dict[str, int]  # number words for {n}
    anchors: re.Pattern[str]  # a word that every match holds: only near these is the big regex tried
    vocabulary: frozenset[str]  # every word a match can be made of (besides numbers)
    month_names: re.Pattern[str]  # any month name, to find what the templates missed
    future_cues: re.Pattern[str] | None


def _literal(text: str) -> str:
    return "".join(_LITERAL_CHARS.get(ch) or re.escape(ch) for ch in text)


def _alternation(forms: list[str], case_sensitive: bool = False) -> str:
    body = "|".join(_literal(f) for f in sorted(set(forms), key=len, reverse=True))
    return f"(?-i:{body})" if case_sensitive else f"(?:{body})"


def _bad_data(code: str, message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(message, where=f"vigie/lang/{code}/dates.yaml", hint=hint)


def _forms(data: dict[str, Any], key: str, canon: tuple[str, ...], code: str, first: int = 0) -> dict[str, int]:
    """Written form -> index of its canonical name (months count from 1, weekdays from 0 as in Python)."""
    table = data.get(key) or {}
    if missing := [name for name in canon if name not in table]:
        raise _bad_data(code, f"{key}: missing {', '.join(missing)}")
    return {str(form).lower(): i for i, name in enumerate(canon, first) for form in table[name]}


def _compile_template(
    template: str, idx: int, fields: dict[str, str], words: dict[str, str], code: str
) -> tuple[str, tuple[str, ...]]:
    """One template as a regex alternative named a<idx>, and the fields it captures."""
    out: list[str] = []
    used: list[str] = []
    for piece in re.split(r"(\{\w+\})", template):
        name = piece[1:-1]
        if piece.startswith("{") and name in fields:
            out.append(f"(?P<a{idx}_{name}>{fields[name]})")
            used.append(name)
        elif piece.startswith("{"):
            if name not in words:
                raise _bad_data(code, f"unknown placeholder {piece} in {template!r}", "add it under `words:`")
            out.append(words[name])
        else:
            out.append("".join(_TEMPLATE_CHARS.get(ch) or _literal(ch) for ch in piece))
    return f"(?P<a{idx}>(?<!\\w){''.join(out)}(?!\\w))", tuple(used)


def _required_word(template: str) -> str:
    """The longest word a template always contains (outside optional and alternative parts)."""
    bare = re.sub(r"\{\w+\}", " ", template)
    while (shorter := re.sub(r"\[[^][()]*\]|\([^][()]*\)", " ", bare)) != bare:
        bare = shorter
    words: list[str] = re.findall(r"\w+", bare) or re.findall(r"\w+", template)
    return max(reversed(words), key=len)  # on a tie the later word, usually the rarer ("dans la nuit d'hier")


@functools.cache
def date_grammar(code: str) -> DateGrammar:
    """The compiled date templates of one language (built once per process)."""
    lang = load_language(code)
    data = lang.yaml("dates")
    capital = bool(data.get("names_capitalized", False))
    months = _forms(data, "months", MONTHS, code, first=1)
    weekdays = _forms(data, "weekdays", WEEKDAYS, code)
    units = {str(f).lower(): unit for unit, forms in (data.get("units") or {}).items() for f in forms}
    counts = {
        str(f).lower(): int(v)
        for v, forms in (lang.yaml("numbers").get("words") or {}).items()
        if float(v).is_integer() and 0 < v <= 100
        for f in forms
    }
    suffix = _alternation([str(s) for s in data.get("day_suffixes", [])]) + "?" if data.get("day_suffixes") else ""
    month_alt = _alternation([f for name in MONTHS for f in data["months"][name]], capital)
    weekday_alt = _alternation([f for name in WEEKDAYS for f in data["weekdays"][name]], capital)
    fields = {
        "day": rf"[0-3]?\d(?!\d){suffix}",
        "day2": rf"[0-3]?\d(?!\d){suffix}",
        "mm": r"[01]?\d(?!\d)",
        "year": r"(?:1[89]|2[01])\d\d(?!\d)",
        "month": month_alt,
        "month2": month_alt,
        "weekday": weekday_alt,
        "weekday2": weekday_alt,
        "n": r"\d{1,3}(?!\d)|" + _alternation(list(counts)),
        "unit": _alternation(list(units)),
    }
    words = {name: _alternation([str(f) for f in forms]) for name, forms in (data.get("words") or {}).items()}
    patterns = data.get("patterns") or {}
    if unknown := set(patterns) - set(KINDS):
        raise _bad_data(code, f"unknown pattern kinds {sorted(unknown)}", f"use one of {', '.join(KINDS)}")
    parts: list[str] = []
    alternatives: list[tuple[str, tuple[str, ...]]] = []
    keywords: set[str] = set()
    for kind in KINDS:
        for template in map(str, patterns.get(kind, [])):
            regex, used = _compile_template(template, len(alternatives), fields, words, code)
            parts.append(regex)
            alternatives.append((kind, used))
            if not set(used) & set(ANCHOR_FIELDS):
                keywords.add(_required_word(template))
    anchors = [fields[name] for name in ANCHOR_FIELDS] + [_alternation(sorted(keywords))] * bool(keywords)
    cues = [str(c) for c in data.get("future_cues", [])]
    return DateGrammar(
        regex=re.compile("|".join(parts) or r"(?!x)x", re.IGNORECASE),
        alternatives=tuple(alternatives),
        months=months,
        weekdays=weekdays,
        units=units,
        counts=counts,
        anchors=re.compile(rf"(?<!\w)(?:{'|'.join(anchors)})(?!\w)", re.IGNORECASE),
        # every word written anywhere in dates.yaml (names, lists, templates): a superset is harmless
        vocabulary=frozenset(w.lower() for w in _WORD.findall(repr(data) + " ".join(counts))),
        month_names=re.compile(rf"(?<!\w){month_alt}(?!\w)", re.IGNORECASE),
        future_cues=re.compile(rf"(?<!\w){_alternation(cues)}(?!\w)", re.IGNORECASE) if cues else None,
    )


class DateMatch(NamedTuple):
    start: int
    end: int
    kind: str
    fields: dict[str, str]


def match_dates(text: str, grammar: DateGrammar, start: int = 0, end: int | None = None) -> list[DateMatch]:
    """Every template match in the text, left to right, without overlaps.

    Trying fifty templates at every character is slow, so the regex runs only near anchors (a month, weekday,
    unit, digit or keyword), at the start of each word in the run of date words that leads up to the anchor;
    the earliest start that matches wins.
    """
    found: list[DateMatch] = []
    covered = 0
    for anchor in grammar.anchors.finditer(text, start, len(text) if end is None else end):
        if anchor.start() < covered:
            continue
        # a match is a run of date words ending at or after the anchor: try the starts of that run only
        starts = [anchor.start()]
        for word in reversed(list(_WORD.finditer(text, max(covered, anchor.start() - ANCHOR_REACH), anchor.start()))):
            if not (word.group()[0].isdigit() or word.group().lower() in grammar.vocabulary):
                break
            starts.insert(0, word.start())
        for pos in starts:
            m = grammar.regex.match(text, pos)
            if m is None or m.end() <= anchor.start():
                continue
            idx = int((m.lastgroup or "a0")[1:])
            kind, used = grammar.alternatives[idx]
            fields = {name: value for name in used if (value := m.group(f"a{idx}_{name}")) is not None}
            found.append(DateMatch(m.start(), m.end(), kind, fields))
            covered = m.end()
            break
    return found


def date_spans(doc: Document, lang: LanguageData, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of time expressions: the "dates" layer when present, else a template pass (no resolution)."""
    if "dates" in doc.layers:
        return [(d.start, d.end) for d in doc.layer("dates")]
    return [(m.start, m.end) for m in match_dates(doc.text, date_grammar(lang.code), start, end)]


_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s)|\n")


def sentence_bounds(doc: Document) -> list[tuple[int, int]]:
    """Sentence offsets: the "sentences" layer when present, else a split on end punctuation."""
    if doc.sentences:
        return [(s.start, s.end) for s in doc.sentences]
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(doc.text):
        bounds.append((start, m.end()))
        start = m.end()
    return [*bounds, (start, len(doc.text))]


def sentence_of(bounds: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    """The (start, end) of the sentence holding offset pos."""
    i = bisect.bisect_right([s for s, _ in bounds], pos) - 1
    return bounds[max(i, 0)] if bounds else (0, pos)


# -- resolution --------------------------------------------------------------------------------------------


def _digits(text: str) -> int:
    """The leading digits of a day with its suffix ("1er", "6th", "6-го")."""
    return int(re.match(r"\d+", text)[0])  # type: ignore[index]


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def nearest_year(month: int, day: int, published: dt.date) -> dt.date | None:
    """The date with this month and day nearest to publication (the earlier one on a tie)."""
    years = (published.year - 1, published.year, published.year + 1)
    candidates = [d for y in years if (d := _date(y, month, day)) is not None]
    return min(candidates, key=lambda d: (abs((d - published).days), d > published), default=None)


def _day(year: str | None, month: int, day: int, published: dt.date | None) -> When | None:
    if year:
        value = _date(int(year), month, day)
        return None if value is None else When(value)
    if _date(2000, month, day) is None:  # 31 février is no date in any year (2000 was a leap year)
        return None
    if published is None:
        return YEAR_UNKNOWN
    value = nearest_year(month, day, published)
    return None if value is None else When(value, flags=("year_inferred",))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _weekday(published: dt.date, weekday: int, mode: str) -> dt.date:
    back = (published.weekday() - weekday) % 7
    if mode == "after":
        return published + dt.timedelta(days=(-back) % 7 or 7)
    return published - dt.timedelta(days=back or 7 if mode == "before" else back)


def _resolve_days(kind: str, f: dict[str, str], pub: dt.date | None, g: DateGrammar) -> When | None:
    month = g.months[f["month"].lower()] if "month" in f else int(f["mm"])
    if not 1 <= month <= 12:
        return None
    first = _day(f.get("year"), month, _digits(f["day"]), pub)
    if kind == "date" or first is None:
        return first
    month2 = g.months[f["month2"].lower()] if "month2" in f else month
    last = _day(f.get("year"), month2, _digits(f["day2"]), pub)
    if last is None or last.value is None:
        return last
    start = _date(
        last.value.year - ((month, _digits(f["day"])) > (month2, _digits(f["day2"]))), month, _digits(f["day"])
    )
    return None if start is None or start > last.value else When(start, last.value, "day", "range", last.flags)


def _resolve_month(kind: str, f: dict[str, str], pub: dt.date | None, g: DateGrammar) -> When | None:
    month = g.months[f["month"].lower()]
    flags: tuple[str, ...] = ()
    if "year" in f:
        year = int(f["year"])
    elif pub is None:
        return YEAR_UNKNOWN
    else:  # news report months mostly in retrospect: the latest such month up to publication, unless "next"
        year = pub.year - (month > pub.month) if kind != "month_next" else pub.year + (month <= pub.month)
        flags = ("year_inferred",)
    first = dt.date(year, month, 1)
    if kind in MONTH_THIRDS:
        low, high = MONTH_THIRDS[kind]
        end = first.replace(day=min(high, _month_end(first).day))
        return When(first.replace(day=low), end, "week", "approximate", flags)
    return When(first, _month_end(first), "month", "exact", flags + (("future",) if kind == "month_next" else ()))


def _period(unit: str, day: dt.date, shift: int) -> When:
    """The week, month or year `shift` periods away from the one holding `day`."""
    if unit == "week":
        monday = day - dt.timedelta(days=day.weekday()) + dt.timedelta(weeks=shift)
        return When(monday, monday + dt.timedelta(days=6), "week", "approximate")
    if unit == "month":
        first = _add_months(day.replace(day=1), shift)
        return When(first, _month_end(first), "month", "approximate")
    return When(dt.date(day.year + shift, 1, 1), dt.date(day.year + shift, 12, 31), "year", "approximate")


def _resolve_relative(kind: str, f: dict[str, str], pub: dt.date, g: DateGrammar) -> When:
    flags = ("relative", "future") if kind in FUTURE_KINDS else ("relative",)
    if kind in DAY_OFFSETS:
        return When(pub + dt.timedelta(days=DAY_OFFSETS[kind]), flags=flags)
    if kind in STORY_OFFSETS:  # from publication until find_dates finds the story's day
        return When(pub + dt.timedelta(days=STORY_OFFSETS[kind]), status="approximate",
                    flags=(*flags, "story_relative"))
    if kind == "overnight":
        return When(pub, status="approximate", flags=(*flags, "vague"))
    if kind in ("ago", "in"):
        raw = f.get("n", "1").lower()
        n = (int(raw) if raw.isdigit() else g.counts.get(raw, 1)) * (1 if kind == "in" else -1)
        unit = g.units[f["unit"].lower()]
        if unit == "day":
            return When(pub + dt.timedelta(days=n), flags=flags)
        return _period(unit, pub, n)._replace(flags=flags)  # "il y a deux semaines": that week, roughly
    shift, _, period = kind.partition("_")
    if period in ("week", "month", "year"):
        return _period(period, pub, PERIOD_SHIFTS[shift])._replace(flags=flags)
    if kind == "weekday_range":
        end = _weekday(pub, g.weekdays[f["weekday2"].lower()], "on_or_before")
        gap = (g.weekdays[f["weekday2"].lower()] - g.weekdays[f["weekday"].lower()]) % 7 or 7
        return When(end - dt.timedelta(days=gap), end, "day", "range", flags)
    mode = {"weekday_last": "before", "weekday_next": "after"}.get(kind, "on_or_before")
    return When(_weekday(pub, g.weekdays[f["weekday"].lower()], mode), flags=flags)


def resolve(match: DateMatch, published: dt.date | None, grammar: DateGrammar) -> When | None:
    """The date a template match stands for; None when it names no real date (31 février)."""
    f = match.fields
    if match.kind in ("date", "date_range"):
        return _resolve_days(match.kind, f, published, grammar)
    if match.kind.startswith("month"):
        return _resolve_month(match.kind, f, published, grammar)
    if match.kind == "year":
        year = int(f["year"])
        return When(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", "exact")
    if published is None:
        return UNANCHORED
    return _resolve_relative(match.kind, f, published, grammar)


# -- dateparser fallback and anomalies ---------------------------------------------------------------------


def _search_dates(text: str, code: str, published: dt.date | None) -> list[tuple[str, dt.datetime]]:
    from dateparser.search import search_dates  # imported late: it costs about a second at first use

    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month"]}
    if published is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(published, dt.time())
    try:
        return list(search_dates(text, languages=[code], settings=settings) or [])
    except Exception as err:  # a parser failure costs one date, never the document
        logger.debug("dateparser failed", extra={"text": text, "error": str(err)})
        return []


def _fallback(
    text: str, taken: list[tuple[int, int]], code: str, g: DateGrammar, pub: dt.date | None
) -> list[DateMention]:
    """Dates around month names that no template covered, read by dateparser from a small window."""
    found: list[DateMention] = []
    for name in g.month_names.finditer(text):
        if any(s <= name.start() < e for s, e in taken):
            continue
        lo, hi = max(0, name.start() - 30), min(len(text), name.end() + 12)
        window = text[lo:hi]
        for sub, when in _search_dates(window, code, pub):
            start = lo + window.find(sub)
            end = start + len(sub)
            if sub not in window or not start <= name.start() < end or any(s < end and start < e for s, e in taken):
                continue
            if re.search(r"\d{4}", sub):
                resolved = When(when.date(), flags=("fallback",))
            elif pub is None:
                resolved = YEAR_UNKNOWN._replace(flags=("year_unknown", "fallback"))
            else:
                value = nearest_year(when.month, when.day, pub)
                resolved = When(value, flags=("year_inferred", "fallback"))
            found.append(DateMention(start, end, text[start:end], *resolved))
            taken.append((start, end))
    return found


def flag_anomalies(
    mentions: list[DateMention], published: dt.date | None, is_future: Callable[[DateMention], bool]
) -> list[DateMention]:
    """Add "date_anomaly" to dates that contradict the document's own timeline (values are kept)."""
    if published is None:
        return mentions
    timeline = [(i, m.value) for i, m in enumerate(mentions) if m.value and m.precision in ("day", "week")]
    out = []
    for i, m in enumerate(mentions):
        if m.value is not None and m.precision in ("day", "week"):
            late = (m.value - published).days > AFTER_PUBLICATION_DAYS and "future" not in m.flags
            far = "year_inferred" in m.flags and m.precision == "day" and abs((m.value - published).days) > FAR_DAYS
            far = far and all(abs((m.value - d).days) > FAR_DAYS for j, d in timeline if j != i)
            if far or (late and not is_future(m)):
                m = dataclasses.replace(m, flags=(*m.flags, "date_anomaly"))
        out.append(m)
    return out


def _takes_complement(doc: Document, end: int, blockers: frozenset[str]) -> bool:
    """Whether a word that names what the day is counted from follows ("la veille du scrutin")."""
    following = next((t for t in doc.tokens if t.start >= end), None)
    if following is not None and following.start - end <= 1:
        return following.pos in COMPLEMENT_POS or following.text.lower() in blockers
    word = _WORD.match(doc.text, end + 1) if doc.text[end : end + 1] == " " else None
    return word is not None and word.group().lower() in blockers


def count_from_story(mentions: list[DateMention], published: dt.date | None) -> list[DateMention]:
    """Re-anchor "la veille" / "the next day" (resolved from publication) on the last firm day before it."""
    out: list[DateMention] = []
    for m in mentions:
        if "story_relative" in m.flags and m.value is not None and published is not None:
            days = [d.value for d in out if d.value is not None and d.precision == "day"
                    and not {"future", "date_anomaly", "vague"} & set(d.flags)]
            if days:
                m = dataclasses.replace(m, value=days[-1] + (m.value - published))
        out.append(m)
    return out


def find_dates(doc: Document, lang: LanguageData) -> Document:
    """Add the "dates" layer: time expressions resolved against doc.published, with precision and flags."""
    g = date_grammar(lang.code)
    blockers = frozenset(str(w).lower() for w in lang.yaml("dates").get("complement_words", []))
    mentions = []
    for match in match_dates(doc.text, g):
        if match.kind in STORY_OFFSETS and _takes_complement(doc, match.end, blockers):
            continue
        when = resolve(match, doc.published, g)
        if when is not None:
            mentions.append(DateMention(match.start, match.end, doc.text[match.start : match.end], *when))
    taken = [(m.start, m.end) for m in mentions]
    mentions = sorted(mentions + _fallback(doc.text, taken, lang.code, g, doc.published), key=lambda m: m.start)
    bounds = sentence_bounds(doc)

    def is_future(m: DateMention) -> bool:
        start, end = sentence_of(bounds, m.start)
        return g.future_cues is not None and g.future_cues.search(doc.text, start, end) is not None

    return doc.with_layer(FILLS, count_from_story(flag_anomalies(mentions, doc.published, is_future), doc.published))
