"""When an event happened: the date of its sentence nearest the trigger, else the day the story runs in; a
date that contradicts the timeline is corrected and flagged, a plan is dated on the day still to come."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from vigie.document import DateMention, Document, Sentence
from vigie.event_places import paragraph_start
from vigie.lang.loader import LanguageData
from vigie.stages.events import EventCandidate
from vigie.stages.patterns import fold, folded_words

# Date flags worth an analyst's attention on the event itself.
EVENT_DATE_FLAGS = {"date_anomaly", "year_unknown"}
# How far from the publication date a written date must lie before its month is read as a slip.
MIN_CONTRADICTION_DAYS = 45
FUTURE_CUE_WINDOW = 24  # characters between a plan word ("doit", "prévu") and the date it sets
BACKGROUND_DAYS = 45  # a month- or year-precise date that ended this long before publication is history
REPORT_CUE_WINDOW = 16  # characters between a reporting verb ("said") and the date it governs
# Speech acts are dated by when they were said, not by the day their content is set for
# ("agreed to reopen the crossing from next Monday").
SPOKEN_TYPES = {"AGREE", "THREATEN", "REQUEST", "REJECT", "ACCUSE", "CONCEDE", "SUPPORT"}


def _closest_date(dates: Sequence[DateMention], cand: EventCandidate) -> DateMention | None:
    """The date nearest to the trigger's edges; on a tie the one before it: "во вторник пригрозил с
    понедельника блокировать" dates the threat by Tuesday, the Monday belongs to the blockade."""
    def gap(d: DateMention) -> tuple[int, bool]:
        return max(cand.trigger_start - d.end, d.start - cand.trigger_end, 0), d.start > cand.trigger_start
    return min(dates, key=gap, default=None)


def choose_date(doc: Document, cand: EventCandidate, sentence: Sentence,
                lang: LanguageData) -> tuple[DateMention | None, str]:
    """The date mention for an event and how it was found: in its 'sentence', or carried over from
    an earlier sentence ('context'), as news copy keeps the day of the lead until it names another."""
    dates: tuple[DateMention, ...] = doc.layer("dates")
    # "By Wednesday morning twenty-nine had been freed": a limit that opens the sentence sets its time.
    here = [d for d in dates if sentence.holds(d.start)
            and (not _is_deadline(doc, d, lang)
                 or fold(doc.text[sentence.start:d.start]).strip() in folded_words(lang, "dates", "deadline_markers"))]
    if cand.type in SPOKEN_TYPES and doc.published is not None:
        published = doc.published
        here = [d for d in here if "future" not in d.flags and (d.value is None or d.value <= published)]
    if cand.type not in SPOKEN_TYPES:
        # "arrested eleven people after a demonstration on Saturday, the force said yesterday"
        happened = [d for d in here if not _is_report_date(doc, d, lang)]
        here = happened or here
    firm = [d for d in here if "vague" not in d.flags]
    if firm:
        return _closest_date(firm, cand), "sentence"
    earlier = [d for d in dates if d.start < sentence.start and d.value is not None
               and "date_anomaly" not in d.flags and "future" not in d.flags and "vague" not in d.flags]
    if not earlier:
        return (_closest_date(here, cand), "sentence") if here else (None, "")
    # News copy keeps the day of its lead: a paragraph that names no day of its own goes back to the
    # lead rather than to the flashback of the paragraph before ("The walkout began on Sunday").
    paragraph = paragraph_start(doc, sentence.start)
    lead_end = doc.text.find("\n", earlier[0].start)
    same = [d for d in earlier if d.start >= paragraph]
    lead = [d for d in earlier if lead_end == -1 or d.start < lead_end]
    if not same and lead and lead_end != -1 and lead_end < paragraph:
        told = [d for d in lead if not _is_report_date(doc, d, lang)]
        return (told or lead)[0], "context"
    return earlier[-1], "context"


@functools.cache
def _report_cues(lang: LanguageData) -> re.Pattern[str] | None:
    cues = [str(c) for c in lang.yaml("dates").get("report_cues", [])]
    if not cues:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(fold(c)) for c in cues) + r")\s*$")


def _is_report_date(doc: Document, date: DateMention, lang: LanguageData) -> bool:
    """"the force said yesterday": the day something was said, not the day it happened."""
    cues = _report_cues(lang)
    before = fold(doc.text[max(0, date.start - REPORT_CUE_WINDOW) : date.start])
    return cues is not None and cues.search(before) is not None


def timeline_correction(doc: Document, date: DateMention) -> dt.date | None:
    """The same day in the month the story otherwise runs in, for a date that contradicts the timeline.

    Translated and hastily edited copy most often gets the month wrong ("le 5 août" in a story of
    2-6 January); the day survives. None when the story has no timeline or the day does not fit it.
    """
    if date.value is None or date.precision != "day":
        return None
    others: list[dt.date] = [d.value for d in doc.layer("dates")
                             if d.value is not None and "date_anomaly" not in d.flags]
    anchor = doc.published
    if others:
        months = Counter((d.year, d.month) for d in others)
        (year, month), _ = months.most_common(1)[0]
    elif anchor is not None:
        year, month = anchor.year, anchor.month
    else:
        return None
    try:
        candidate = dt.date(year, month, date.value.day)
    except ValueError:
        return None
    if anchor is not None and (candidate > anchor + dt.timedelta(days=1)
                               or abs((date.value - anchor).days) < MIN_CONTRADICTION_DAYS):
        return None
    return candidate


@functools.cache
def _future_cues(lang: LanguageData) -> re.Pattern[str] | None:
    cues = [str(c) for c in lang.yaml("dates").get("future_cues", [])]
    if not cues:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in cues) + r")(?!\w)", re.IGNORECASE)


def _says_future(doc: Document, date: DateMention, lang: LanguageData) -> bool:
    """A plan word just before the date: "doit se réunir vendredi", "a convoqué pour vendredi"."""
    cues = _future_cues(lang)
    return cues is not None and cues.search(doc.text[max(0, date.start - FUTURE_CUE_WINDOW) : date.start]) is not None


def _announced_plan(doc: Document, cand: EventCandidate, lang: LanguageData) -> bool:
    """"called a march for Thursday", "announced a sit-in on Friday": the happening named as the
    object of a plan verb is set for the day the sentence names, which is still to come."""
    verbs = folded_words(lang, "dates", "plan_verbs")
    if not verbs or cand.type in SPOKEN_TYPES:
        return False
    tokens = doc.tokens
    inside = [i for i, tok in enumerate(tokens) if cand.trigger_start <= tok.start < cand.trigger_end]
    for i in inside:
        tok = tokens[i]
        if tok.head not in inside or tok.head == i:  # the head word of the trigger
            if tok.pos == "VERB":  # the trigger holds the plan verb itself: "call * march"
                return fold(tok.lemma) in verbs
            return (tok.pos == "NOUN" and tok.dep.split(":")[0] in {"obj", "dobj", "oprd"}
                    and fold(tokens[tok.head].lemma) in verbs)
    return False


def _is_deadline(doc: Document, date: DateMention, lang: LanguageData) -> bool:
    """"avant le 10 octobre", "by Friday": a limit set in the event, not the day it happened."""
    before = fold(doc.text[max(0, date.start - 16) : date.start]).rstrip()
    return any(re.search(rf"(?<!\w){re.escape(m)}$", before) for m in folded_words(lang, "dates", "deadline_markers"))


def is_background(doc: Document, date: DateMention | None) -> bool:
    """History a story recalls ("last year", "since 2017", "two years ago"), not what it reports:
    PLOVER codes only happenings reported as news."""
    if date is None or date.value is None or doc.published is None or "date_anomaly" in date.flags:
        return False
    last = date.end_value or date.value
    coarse = date.precision in {"month", "year"}
    return coarse and (doc.published - last).days > BACKGROUND_DAYS


class EventDate(NamedTuple):
    fields: dict[str, str | None]  # date, date_end, date_precision, date_status, date_text of the record
    flags: frozenset[str]
    found_in_sentence: bool  # False: carried over from the story (or no date at all)
    planned: bool  # set for after the report: the event has not happened yet


UNDATED = {"date": None, "date_end": None, "date_precision": "unknown", "date_status": "unresolved",
           "date_text": None}


def date_event(doc: Document, cand: EventCandidate, sentence: Sentence, lang: LanguageData) -> EventDate | None:
    """The record's date fields for one candidate; None when the sentence recalls history, not news."""
    date, how = choose_date(doc, cand, sentence, lang)
    if how == "sentence" and is_background(doc, date):
        return None
    fields: dict[str, str | None] = dict(UNDATED)
    flags: set[str] = set()
    if date is None or date.value is None:
        if date is not None:
            flags.update(set(date.flags) & EVENT_DATE_FLAGS)
            fields["date_text"] = date.text
        return EventDate(fields, frozenset(flags), how == "sentence", planned=False)
    flags.update(set(date.flags) & EVENT_DATE_FLAGS)
    fields.update(
        date=date.value.isoformat(),
        date_end=date.end_value.isoformat() if date.end_value else None,
        date_precision=date.precision,
        date_status=date.status if how == "sentence" else "approximate",
        date_text=date.text,
    )
    if "date_anomaly" in date.flags:
        corrected = timeline_correction(doc, date)
        if corrected is not None:
            fields.update(date=corrected.isoformat(), date_status="approximate")
            flags.add("date_corrected")
    planned = False
    if doc.published is not None and how == "sentence":
        future = ("future" in date.flags or date.value > doc.published or _says_future(doc, date, lang)
                  or (date.start >= cand.trigger_end and _announced_plan(doc, cand, lang)))
        if future and "relative" in date.flags and date.precision == "day" and date.value < doc.published:
            # "la grève prévue vendredi", "doit se réunir vendredi": the weekday of a plan is the coming one
            fields["date"] = (date.value + dt.timedelta(days=7)).isoformat()
        planned = future and "date_anomaly" not in date.flags
    return EventDate(fields, frozenset(flags), how == "sentence", planned)
