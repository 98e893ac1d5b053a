"""Assemble EventRecords from a document's layers: each candidate gets its date, place, numbers,
attribution, flags and confidence from the spans around its trigger."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence

from vigie.document import (
    CueMention,
    Document,
    QuantityMention,
)
from vigie.event_dates import date_event
from vigie.event_places import choose_place
from vigie.lang.loader import LanguageData
from vigie.ontology import acled_labels, cameo_root
from vigie.records import Actors, Attribution, EventRecord, Evidence, Place, Quantity
from vigie.stages.attribution import STATUS_ORDER
from vigie.stages.events import EventCandidate
from vigie.stages.patterns import fold

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
OUTCOME_WINDOW = 90  # characters after a count in which "ont été tués" names what befell them
MIN_UNNAMED_COUNT = 2  # a bare number names nothing; a bare "4 000" next to a strike is a crowd


def event_id(doc: Document, evidence: tuple[int, int], trigger_start: int, event_type: str) -> str:
    key = f"{doc.content_hash}:{evidence[0]}:{evidence[1]}:{trigger_start}:{event_type}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


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
        same = [ci for ci, c in enumerate(candidates) if sentences[c.sentence].holds(q.start)]
        if same:
            owner[qi] = min(same, key=lambda ci: abs(candidates[ci].trigger_start - q.start))
    cues: tuple[CueMention, ...] = doc.layer("cues")
    records = []
    for ci, cand in enumerate(candidates):
        sentence = sentences[cand.sentence]
        following = sentences[cand.sentence + 1] if cand.sentence + 1 < len(sentences) else None
        my_cues = [c for c in cues if sentence.holds(c.start)]
        if following is not None:
            my_cues += [c for c in cues if c.scope == "previous" and following.holds(c.start)]
        flags: set[str] = {c.kind for c in my_cues if c.kind in {"loaded_language", "translation_artefact"}}
        status, cue = choose_status(my_cues)
        source = next((c.source for c in my_cues if c.kind == "source"), None)
        if status == "asserted" and source:
            status = "reported"

        when = date_event(doc, cand, sentence, lang)
        if when is None:
            continue
        flags |= when.flags
        if when.planned and status in {"asserted", "reported"}:
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
        confidence += 0.1 if when.found_in_sentence else 0.0
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
                **when.fields,
            )
        )
    return records
