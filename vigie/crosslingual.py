"""Cross-lingual agreement for `vigie eval --crosslingual`: one happening written in several languages
should read as one typed, dated, geocoded record.

A set holds files named NN-<lang>.txt (one happening NN per number, one file per language) and,
optionally, a gold.jsonl with one gold event per file. For each file one event stands for the happening:
the event that matches its gold, else the one that matches the gold's type and evidence, else the best
by type and evidence; without gold, the most confident one. The versions agree on the type when all give
the same PLOVER type, on the date when all give the same day, and on the place when all give the same
gazetteer id; a missing version, date or place is a disagreement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigie.errors import InputError
from vigie.evaluation import (
    Event,
    Gold,
    date_matches,
    evidence_text,
    full_match,
    load_jsonl,
    place_matches,
    type_and_evidence_match,
    words,
)

DOC_NAME = re.compile(r"^(?P<key>.+)-(?P<lang>[a-z]{2,3})$")
ASPECTS = ("type", "date", "place")
EVIDENCE_SHARE = 0.5  # share of the gold evidence's words an event's sentence must hold (as in evaluation.covers)


def split_doc_id(doc_id: str) -> tuple[str, str] | None:
    """("07", "ru") for "07-ru"; None for a name that does not end in a language code."""
    found = DOC_NAME.match(doc_id)
    return (found["key"], found["lang"]) if found else None


def _coverage(gold: Gold, event: Event) -> float:
    gold_words = words(gold.get("evidence", ""))
    if not gold_words:
        return 0.0
    found = set(words(evidence_text(event)))
    return sum(w in found for w in gold_words) / len(gold_words)


def pick_event(events: Sequence[Event], gold: Gold | None) -> tuple[Event | None, str]:
    """The event that stands for the happening in one language version, and how it was chosen:
    "gold" (matches the gold in full), "type+evidence" (the gold's type and sentence, but another date
    or place), "evidence" (the gold's sentence, another type), "type" (the gold's type in another
    sentence), "confidence" (no gold), or "none" (no event).

    The gold's sentence comes before its type: the event of the sentence that reports the happening
    stands for it, even when mistyped, rather than a well-typed event from a sentence of background."""
    if not events:
        return None, "none"
    if gold is None:
        return max(events, key=lambda e: float(e.get("confidence") or 0.0)), "confidence"
    accepted = [str(t).upper() for t in gold.get("accept", [])]

    def rank(event: Event) -> tuple[float, ...]:
        coverage = _coverage(gold, event)
        return (coverage >= EVIDENCE_SHARE, str(event.get("type", "")).upper() in accepted, coverage,
                date_matches(gold, event, strict=True), place_matches(gold, event))

    for test, how in ((full_match, "gold"), (type_and_evidence_match, "type+evidence")):
        matching = [e for e in events if test(gold, e)]
        if matching:
            return max(matching, key=rank), how
    best = max(events, key=rank)
    return best, "evidence" if _coverage(gold, best) >= EVIDENCE_SHARE else "type"


def _place_id(event: Event | None) -> str | None:
    place = (event or {}).get("place") or {}
    return str(place["gazetteer_id"]) if isinstance(place, dict) and place.get("gazetteer_id") else None


def _value(event: Event | None, aspect: str) -> str | None:
    if event is None:
        return None
    if aspect == "place":
        return _place_id(event)
    value = event.get(aspect)
    return str(value).upper() if aspect == "type" and value else (str(value) if value else None)


@dataclass(frozen=True)
class Version:
    """One language version of a happening: its document, the event chosen for it and how."""

    doc: str
    lang: str
    event: Event | None
    how: str

    def value(self, aspect: str) -> str | None:
        return _value(self.event, aspect)


@dataclass(frozen=True)
class Happening:
    """The versions of one happening, keyed by language, and the languages the set expects."""

    key: str
    versions: Mapping[str, Version]
    langs: tuple[str, ...]

    def values(self, aspect: str) -> dict[str, str | None]:
        return {lang: (self.versions[lang].value(aspect) if lang in self.versions else None)
                for lang in self.langs}

    def agrees(self, aspect: str) -> bool:
        """Every expected language gives a value for `aspect`, and the same one."""
        values = list(self.values(aspect).values())
        return bool(values) and None not in values and len(set(values)) == 1

    @property
    def all_agree(self) -> bool:
        return all(self.agrees(aspect) for aspect in ASPECTS)

    def as_dict(self) -> dict[str, Any]:
        return {
            "happening": self.key,
            **{f"{aspect}_agrees": self.agrees(aspect) for aspect in ASPECTS},
            "all_agree": self.all_agree,
            "versions": {
                lang: {
                    "doc": v.doc, "how": v.how, "type": v.value("type"), "date": v.value("date"),
                    "place": v.value("place"),
                    "place_name": ((v.event or {}).get("place") or {}).get("canonical"),
                    "evidence": evidence_text(v.event) if v.event else None,
                }
                for lang, v in sorted(self.versions.items())
            },
        }


@dataclass
class CrossLingualReport:
    happenings: list[Happening] = field(default_factory=list)
    langs: tuple[str, ...] = ()

    def _share(self, test: Callable[[Happening], bool]) -> float:
        return sum(test(h) for h in self.happenings) / len(self.happenings) if self.happenings else 0.0

    @property
    def agreement(self) -> float:
        """Fraction of happenings whose versions all agree on type, date and place."""
        return self._share(lambda h: h.all_agree)

    def aspect_agreement(self, aspect: str) -> float:
        return self._share(lambda h: h.agrees(aspect))

    def as_dict(self) -> dict[str, Any]:
        return {
            "langs": list(self.langs),
            "happenings": len(self.happenings),
            "agreeing": sum(h.all_agree for h in self.happenings),
            "agreement": self.agreement,
            **{f"{aspect}_agreement": self.aspect_agreement(aspect) for aspect in ASPECTS},
            "per_happening": [h.as_dict() for h in self.happenings],
        }


def compare(events: Iterable[Event], golds: Iterable[Gold] = (), doc_ids: Iterable[str] = (),
            langs: Sequence[str] = ()) -> CrossLingualReport:
    """Group documents NN-<lang> into happenings, pick one event per document and compare the versions.

    The documents are those named in `golds` and `doc_ids`; `langs` are the languages every happening
    is expected in (by default all the languages seen).
    """
    by_doc: dict[str, list[Event]] = {}
    for event in events:
        by_doc.setdefault(str(event.get("doc_id", event.get("doc", ""))), []).append(event)
    gold_by_doc: dict[str, Gold] = {}
    for gold in golds:
        gold_by_doc.setdefault(str(gold.get("doc_id", gold.get("doc", ""))), gold)
    groups: dict[str, dict[str, str]] = {}
    for doc in {*gold_by_doc, *doc_ids, *by_doc}:
        parts = split_doc_id(doc)
        if parts is not None:
            groups.setdefault(parts[0], {})[parts[1]] = doc
    expected = tuple(langs) or tuple(sorted({lang for docs in groups.values() for lang in docs}))
    happenings = []
    for key in sorted(groups):
        versions = {}
        for lang, doc in groups[key].items():
            chosen, how = pick_event(by_doc.get(doc, []), gold_by_doc.get(doc))
            versions[lang] = Version(doc, lang, chosen, how)
        happenings.append(Happening(key, versions, expected))
    return CrossLingualReport(happenings, expected)


def evaluate_crosslingual(directory: Path, extract_events: Callable[[Any], list[Event]],
                          gold: Path | None = None) -> tuple[CrossLingualReport, list[Event]]:
    """Extract the events of every NN-<lang> article under `directory` and compare the versions;
    `gold` defaults to directory/gold.jsonl when there is one."""
    from vigie.readers import ReadFailure, read_articles

    gold = gold if gold is not None else directory / "gold.jsonl"
    golds = load_jsonl(gold) if gold.is_file() else []
    events: list[Event] = []
    doc_ids: list[str] = []
    for article in read_articles([directory]):
        if isinstance(article, ReadFailure):
            if Path(article.path).resolve() == gold.resolve():
                continue
            raise InputError(article.reason, where=article.path)
        if article.doc_id and split_doc_id(article.doc_id):
            doc_ids.append(article.doc_id)
            events += extract_events(article)
    if not doc_ids:
        raise InputError("no article named NN-<lang> (as 01-fr.txt)", where=str(directory))
    return compare(events, golds, doc_ids), events


def _cell(value: str | None, width: int) -> str:
    text = "—" if value is None else value
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def format_table(report: CrossLingualReport, *, details: bool = False) -> str:
    """One line per happening: each language's type, date and place, then what agrees."""
    width = {"type": 9, "date": 10, "place": 16}
    header = ["NN ".ljust(4)]
    for lang in report.langs:
        header.append(f"{lang}: " + " ".join(_cell(a, width[a]) for a in ASPECTS))
    header.append("type date place all")
    lines = [" | ".join(header)]
    for h in report.happenings:
        row = [_cell(h.key, 4)]
        for lang in report.langs:
            v = h.versions.get(lang)
            row.append(" " * (len(lang) + 2) + " ".join(_cell(v.value(a) if v else None, width[a]) for a in ASPECTS))
        marks = [("ok" if h.agrees(a) else "NO").ljust(len(a)) for a in ASPECTS]
        row.append(" ".join(marks) + " " + ("ok" if h.all_agree else "NO"))
        lines.append(" | ".join(row))
        if details:
            for lang, v in sorted(h.versions.items()):
                lines.append(f"     {lang} ({v.how}): {evidence_text(v.event)[:100] if v.event else '—'}")
    n = len(report.happenings)
    lines.append(
        f"agreement {report.agreement:.2f} ({sum(h.all_agree for h in report.happenings)}/{n} happenings agree "
        f"on type, date and place across {', '.join(report.langs)}); "
        + "; ".join(f"{a} {report.aspect_agreement(a):.2f}" for a in ASPECTS)
    )
    return "\n".join(lines)
