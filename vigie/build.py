"""Assemble EventRecords from a document's layers: each candidate gets its date, place, numbers,
attribution, flags and confidence from the spans around its trigger."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

from vigie.document import (
    CueMention,
    DateMention,
    Document,
    PlaceMention,
    QuantityMention,
    Sentence,
)
from vigie.lang.loader import LanguageData
from vigie.ontology import acled_labels, cameo_root
from vigie.records import Actors, Attribution, EventRecord, Evidence, Place, Quantity
from vigie.stages.attribution import STATUS_ORDER
from vigie.stages.events import EventCandidate
from vigie.stages.patterns import fold

PLACE_RANK = {"site": 0, "city": 1, "admin1": 2, "country": 3}
# Two candidates in one sentence that PLOVER codes as one happening (ONTOLOGY.md, "Frequent
# confusions"): a crowd that burns or loots stays PROTEST riot; troops sent to help are one
# movement, coded MOBILIZE, rather than MOBILIZE plus AID.
# A protest's demands and denunciations are part of the protest, not REQUEST or ACCUSE events.
SAME_HAPPENING = (
    ("PROTEST", "ASSAULT", {"primitive", "destroy", None}),
    ("MOBILIZE", "AID", None),
    ("PROTEST", "REQUEST", None),
    ("PROTEST", "ACCUSE", {"disapprove"}),
)
# Date flags worth an analyst's attention on the event itself.
EVENT_DATE_FLAGS = {"date_anomaly", "year_unknown"}
# How far from the publication date a written date must lie before its month is read as a slip.
MIN_CONTRADICTION_DAYS = 45
ORIGIN_WINDOW = 24  # characters between an origin marker ("depuis") and the place it governs
FUTURE_CUE_WINDOW = 24  # characters between a plan word ("doit", "prévu") and the date it sets
BACKGROUND_DAYS = 45  # a month- or year-precise date that ended this long before publication is history
MAIN_PLACE_SCORE = 0.3  # a place inferred from the story, not named with the event
OUTCOME_WINDOW = 90  # characters after a count in which "ont été tués" names what befell them
MIN_UNNAMED_COUNT = 2  # a bare number names nothing; a bare "4 000" next to a strike is a crowd
FOREIGN_MIN_SCORE = 0.7  # below this, a town outside the story's country is not trusted as an event place
CAPITAL_FEATURES = {"PPLC", "P.PPLC"}  # GeoNames class.code of a national capital, with or without the class
REPORT_CUE_WINDOW = 16  # characters between a reporting verb ("said") and the date it governs
# Speech acts are dated by when they were said, not by the day their content is set for
# ("agreed to reopen the crossing from next Monday").
SPOKEN_TYPES = {"AGREE", "THREATEN", "REQUEST", "REJECT", "ACCUSE", "CONCEDE", "SUPPORT"}


def event_id(doc: Document, evidence: tuple[int, int], trigger_start: int, event_type: str) -> str:
    key = f"{doc.content_hash}:{evidence[0]}:{evidence[1]}:{trigger_start}:{event_type}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _in(span_start: int, sentence: Sentence) -> bool:
    return sentence.start <= span_start < sentence.end


S = TypeVar("S", DateMention, PlaceMention, QuantityMention)


def _nearest(spans: Sequence[S], at: int) -> S | None:
    return min(spans, key=lambda s: abs(s.start - at), default=None)


def _closest_date(dates: Sequence[DateMention], cand: EventCandidate) -> DateMention | None:
    """The date nearest to the trigger's edges; on a tie the one before it: "во вторник пригрозил с
    понедельника блокировать" dates the threat by Tuesday, the Monday belongs to the blockade."""
    def gap(d: DateMention) -> tuple[int, bool]:
        return max(cand.trigger_start - d.end, d.start - cand.trigger_end, 0), d.start > cand.trigger_start
    return min(dates, key=gap, default=None)


def merge_same_happening(candidates: Sequence[EventCandidate]) -> list[EventCandidate]:
    dropped: set[int] = set()
    for keep_type, drop_type, modes in SAME_HAPPENING:
        for i, drop in enumerate(candidates):
            if drop.type != drop_type or (modes is not None and drop.mode not in modes):
                continue
            if any(c.type == keep_type and c.sentence == drop.sentence for c in candidates):
                dropped.add(i)
    for i, cand in enumerate(candidates):
        if cand.type == "ACCUSE" and cand.source and all(a.kind == "protesters" for a in cand.source):
            dropped.add(i)
    return [c for i, c in enumerate(candidates) if i not in dropped]


@functools.cache
def _words(lang: LanguageData, file: str, key: str) -> tuple[str, ...]:
    """A word list of the language's data, folded for comparison with folded text."""
    return tuple(fold(str(w)).strip() for w in lang.yaml(file).get(key, []))


def _is_locative(doc: Document, place: PlaceMention, lang: LanguageData) -> bool:
    before = fold(doc.text[max(0, place.start - ORIGIN_WINDOW) : place.start]).rstrip()
    words = before.replace("'", "' ").split()
    return any(" ".join(words[-len(m.split()):]) == m for m in _words(lang, "actors", "locative_markers") if words)


def _is_origin(doc: Document, place: PlaceMention, markers: tuple[str, ...]) -> bool:
    if place.role == "origin":
        return True
    before = fold(doc.text[max(0, place.start - ORIGIN_WINDOW) : place.start])
    return any(f"{m} " in before[-(len(m) + 8) :] or before.rstrip().endswith(m) for m in markers)


def _paragraph_start(doc: Document, pos: int) -> int:
    return doc.text.rfind("\n", 0, pos) + 1


def _weak_foreign(place: Place, focus: Place | None) -> bool:
    """A town abroad read with little confidence in a story about another country is most often a
    neighbourhood or village of that country sharing a foreign name ("Cienfuegos" in Santiago).
    A national capital is no such village: ministers speak in Belgrade about Kosovo."""
    return (focus is not None and focus.country is not None and place.country != focus.country
            and place.feature not in CAPITAL_FEATURES
            and place.precision in {"city", "site"} and (place.score or 0.0) < FOREIGN_MIN_SCORE)


def choose_place(doc: Document, cand: EventCandidate, sentence: Sentence, lang: LanguageData,
                 focus: Place | None) -> Place:
    """Where the event happened: the most precise place of its sentence that is not an origin
    ("troupes venues de Russie"), else the last precise place of its paragraph, else the story's country."""
    markers = _words(lang, "actors", "origin_markers")
    mentions: tuple[PlaceMention, ...] = doc.layer("places")
    resolved = [p for p in mentions if p.place.precision != "unknown" and not _is_origin(doc, p, markers)
                and (p.place.lat is not None or p.place.precision == "country")
                and not _weak_foreign(p.place, focus)]
    here = [p for p in resolved if _in(p.start, sentence)]
    specific = [p for p in here if p.place.precision != "country"]
    if specific:
        # "À Benghazi, le gouvernement a accusé les autorités de Tripoli": the place the sentence
        # is set in ("à", "in", "в") comes before a place that only qualifies a noun.
        return min(specific, key=lambda p: (PLACE_RANK.get(p.place.precision, 9), not _is_locative(doc, p, lang),
                                            abs(p.start - cand.trigger_start))).place
    paragraph = _paragraph_start(doc, sentence.start)
    earlier = [p for p in resolved if paragraph <= p.start < sentence.start and p.place.precision != "country"]
    carried = earlier[-1].place if earlier else None
    if here:
        countries = {p.place.country for p in here}
        if carried is not None and carried.country in countries:
            return carried
        return _nearest(here, cand.trigger_start).place  # type: ignore[union-attr]
    if carried is not None:
        return carried
    main = main_place(doc, focus)
    if main is not None:
        return main
    return focus if focus is not None else Place()


def main_place(doc: Document, focus: Place | None) -> Place | None:
    """The city or site a story is about: the first precise place of its focus country (news copy
    names it in the lead; later paragraphs bring background places)."""
    if focus is None or focus.country is None:
        return None
    mentions: tuple[PlaceMention, ...] = doc.layer("places")
    for mention in mentions:
        place = mention.place
        if place.country == focus.country and place.precision in {"city", "site"} and place.lat is not None:
            return place.model_copy(update={"name": None, "score": MAIN_PLACE_SCORE})
    return None


def choose_date(doc: Document, cand: EventCandidate, sentence: Sentence,
                lang: LanguageData) -> tuple[DateMention | None, str]:
    """The date mention for an event and how it was found: in its 'sentence', or carried over from
    an earlier sentence ('context'), as news copy keeps the day of the lead until it names another."""
    dates: tuple[DateMention, ...] = doc.layer("dates")
    # "By Wednesday morning twenty-nine had been freed": a limit that opens the sentence sets its time.
    here = [d for d in dates if _in(d.start, sentence)
            and (not _is_deadline(doc, d, lang)
                 or fold(doc.text[sentence.start:d.start]).strip() in _words(lang, "dates", "deadline_markers"))]
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
    paragraph = _paragraph_start(doc, sentence.start)
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
def _outcome_words(lang: LanguageData) -> dict[str, str]:
    participles = lang.yaml("numbers").get("participles") or {}
    return {fold(word): name for name, words in participles.items() for word in words}


_CLAUSE_END = re.compile(r"[,;.:!?]|\s(?:et|and|и|а)\s")


@functools.cache
def _aside(lang: LanguageData) -> re.Pattern[str] | None:
    words = [str(w) for w in lang.yaml("numbers").get("asides", [])]
    if not words:
        return None
    return re.compile(r",\s*(?:" + "|".join(re.escape(w) for w in words) + r")\b[^,]*,", re.IGNORECASE)


def outcome_names(doc: Document, quantity: QuantityMention, lang: LanguageData) -> list[str]:
    """What happened to the people counted: "sept soldats ont été tués" also counts seven dead."""
    words = _outcome_words(lang)
    if not words:
        return []
    tail = doc.text[quantity.end : quantity.end + OUTCOME_WINDOW]
    aside = _aside(lang)
    if aside is not None:
        tail = aside.sub(" ", tail, count=1)
    end = _CLAUSE_END.search(tail)
    clause = fold(tail[: end.start()] if end else tail)
    found = []
    for word, name in words.items():
        if name != quantity.name and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", clause):
            found.append(name)
    return found


# The count an event gives to people it names without saying what befell them: nine protesters
# "arrêtés" are nine arrested; 4,000 strikers are 4,000 protesters.
COUNT_BY_EVENT = {("COERCE", "arrest"): "arrested", ("PROTEST", None): "protesters", ("MOBILIZE", "troops"): "troops"}
PEOPLE_COUNTS = {"people", "protesters", "civilians", "troops", "police", None}


def event_count_name(event_type: str, mode: str | None, quantity: QuantityMention) -> str | None:
    name = COUNT_BY_EVENT.get((event_type, mode)) or COUNT_BY_EVENT.get((event_type, None))
    if name and quantity.name in PEOPLE_COUNTS and quantity.name != name:
        return name
    return None


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
    verbs = _words(lang, "dates", "plan_verbs")
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
    return any(re.search(rf"(?<!\w){re.escape(m)}$", before) for m in _words(lang, "dates", "deadline_markers"))


def is_background(doc: Document, date: DateMention | None) -> bool:
    """History a story recalls ("last year", "since 2017", "two years ago"), not what it reports:
    PLOVER codes only happenings reported as news."""
    if date is None or date.value is None or doc.published is None or "date_anomaly" in date.flags:
        return False
    last = date.end_value or date.value
    coarse = date.precision in {"month", "year"}
    return coarse and (doc.published - last).days > BACKGROUND_DAYS


def choose_status(cues: Sequence[CueMention]) -> tuple[str, str | None]:
    found = {c.kind: c.text for c in cues if c.kind in STATUS_ORDER}
    for status in STATUS_ORDER:
        if status in found:
            return status, found[status]
    return "asserted", None


def build_records(doc: Document, lang: LanguageData, focus: Place | None = None) -> list[EventRecord]:
    """Turn the document's event candidates into EventRecords."""
    candidates = merge_same_happening(doc.layer("event_candidates"))
    sentences = doc.sentences
    quantities: tuple[QuantityMention, ...] = doc.layer("quantities")
    owner: dict[int, int] = {}  # quantity index -> candidate index: each count belongs to the nearest trigger
    for qi, q in enumerate(quantities):
        if q.name is None and "translation_artefact" not in q.flags and q.value < MIN_UNNAMED_COUNT:
            continue
        same = [ci for ci, c in enumerate(candidates) if _in(q.start, sentences[c.sentence])]
        if same:
            owner[qi] = min(same, key=lambda ci: abs(candidates[ci].trigger_start - q.start))
    cues: tuple[CueMention, ...] = doc.layer("cues")
    records = []
    for ci, cand in enumerate(candidates):
        sentence = sentences[cand.sentence]
        following = sentences[cand.sentence + 1] if cand.sentence + 1 < len(sentences) else None
        my_cues = [c for c in cues if _in(c.start, sentence)]
        if following is not None:
            my_cues += [c for c in cues if c.scope == "previous" and _in(c.start, following)]
        flags: set[str] = {c.kind for c in my_cues if c.kind in {"loaded_language", "translation_artefact"}}
        status, cue = choose_status(my_cues)
        source = next((c.source for c in my_cues if c.kind == "source"), None)
        if status == "asserted" and source:
            status = "reported"

        date, how = choose_date(doc, cand, sentence, lang)
        if how == "sentence" and is_background(doc, date):
            continue
        date_fields: dict[str, str | None] = {"date": None, "date_end": None, "date_precision": "unknown",
                                              "date_status": "unresolved", "date_text": None}
        if date is not None:
            flags.update(set(date.flags) & EVENT_DATE_FLAGS)
            date_fields.update(
                date=date.value.isoformat() if date.value else None,
                date_end=date.end_value.isoformat() if date.end_value else None,
                date_precision=date.precision if date.value else "unknown",
                date_status=date.status if how == "sentence" else "approximate",
                date_text=date.text,
            )
            if date.value is None:
                date_fields["date_status"] = "unresolved"
            elif "date_anomaly" in date.flags:
                corrected = timeline_correction(doc, date)
                if corrected is not None:
                    date_fields.update(date=corrected.isoformat(), date_status="approximate")
                    flags.add("date_corrected")

        if date is not None and date.value is not None and doc.published is not None and how == "sentence":
            future = ("future" in date.flags or date.value > doc.published or _says_future(doc, date, lang)
                      or (date.start >= cand.trigger_end and _announced_plan(doc, cand, lang)))
            if future and "relative" in date.flags and date.precision == "day" and date.value < doc.published:
                # "la grève prévue vendredi", "doit se réunir vendredi": the weekday of a plan is the coming one
                date_fields["date"] = (date.value + dt.timedelta(days=7)).isoformat()
            if future and status in {"asserted", "reported"} and "date_anomaly" not in date.flags:
                status = "planned"  # something set for after the report has not happened yet

        place = choose_place(doc, cand, sentence, lang, focus)
        mine = [q for qi, q in enumerate(quantities) if owner.get(qi) == ci]
        for q in mine:
            flags.update(q.flags)
        values: dict[str, int | float] = {}
        for q in mine:
            implied = event_count_name(cand.type, cand.mode, q) if not q.flags else None
            for name in (q.name, *outcome_names(doc, q, lang), implied):
                if name:
                    values.setdefault(name, q.value)
        confidence = 0.35 + 0.3 * cand.weight
        confidence += 0.1 if place.precision in {"site", "city", "admin1"} else 0.0
        confidence += 0.1 if how == "sentence" else 0.0
        confidence += 0.05 if cand.source else 0.0
        confidence -= 0.1 if status in {"unconfirmed", "denied"} else 0.0
        acled_type, acled_subtype = acled_labels(cand.type, cand.mode)
        evidence = (sentence.start, sentence.end)
        records.append(
            EventRecord(
                id=event_id(doc, evidence, cand.trigger_start, cand.type),
                doc_id=doc.doc_id,
                type=cand.type,
                mode=cand.mode,
                cameo_root=cameo_root(cand.type, cand.mode),
                acled_type=acled_type,
                acled_subtype=acled_subtype,
                place=place,
                actors=Actors(source=list(cand.source), target=list(cand.target)),
                quantities=values,
                quantity_details=[
                    Quantity(name=q.name or "count", value=q.value, raw=q.text, approximate=q.approximate,
                             start=q.start, end=q.end)
                    for q in mine
                ],
                evidence=Evidence(text=sentence.text, start=sentence.start, end=sentence.end),
                trigger=cand.trigger_text,
                attribution=Attribution(source=source, status=status, cue=cue),
                flags=sorted(flags),
                confidence=round(max(0.05, min(1.0, confidence)), 3),
                lang=doc.lang,
                **date_fields,
            )
        )
    return records



def focus_place(doc: Document) -> Place | None:
    """The country the document is mostly about, as a place for events the text does not locate."""
    from vigie.stages.geocode import focus_country

    country = focus_country(doc)
    if country is None:
        return None
    mentions: tuple[PlaceMention, ...] = doc.layer("places")
    for mention in mentions:
        if mention.place.precision == "country" and mention.place.country == country:
            return mention.place.model_copy(update={"name": None, "score": None})
    return Place(country=country, precision="country")
