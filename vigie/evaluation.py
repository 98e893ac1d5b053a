"""Gold loading, one-to-one matching and metrics for `vigie eval`.

The matching rules are those of the project's reference scorer (shared/tools/score_events.py), so that
both give the same figures on the same output: type in the gold's accepted types, evidence covering half
of the gold evidence's words, date within tolerance (or a flagged anomaly), place in the gold country and
within its radius; maximum bipartite matching, required golds first.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigie.errors import InputError

Event = dict[str, Any]
Gold = dict[str, Any]
EARTH_DIAMETER_KM = 12742
DEFAULT_RADIUS_KM = 50
DEFAULT_DATE_TOLERANCE = 1


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise InputError(f"line {number}: invalid JSON ({err.msg})", where=str(path)) from err
    return rows


def words(text: str | None) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text or "").lower())


def evidence_text(event: Event) -> str:
    evidence = event.get("evidence")
    return str(evidence.get("text", "")) if isinstance(evidence, dict) else str(evidence or "")


def covers(gold_evidence: str, system_evidence: str) -> bool:
    """True when the system evidence holds at least half of the gold evidence's words."""
    gold_words = words(gold_evidence)
    if not gold_words:
        return True
    found = set(words(system_evidence))
    return sum(w in found for w in gold_words) / len(gold_words) >= 0.5


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    rad = math.pi / 180
    a = (math.sin((lat2 - lat1) * rad / 2) ** 2
         + math.cos(lat1 * rad) * math.cos(lat2 * rad) * math.sin((lon2 - lon1) * rad / 2) ** 2)
    return EARTH_DIAMETER_KM * math.asin(math.sqrt(a))


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _flags(event: Event) -> list[str]:
    return [str(f).lower() for f in event.get("flags") or []]


def date_matches(gold: Gold, event: Event, *, strict: bool = False) -> bool:
    if not gold.get("date"):
        return True
    gold_date, system_date = _date(gold["date"]), _date(event.get("date"))
    if gold_date and system_date and abs((system_date - gold_date).days) <= gold.get("tol", DEFAULT_DATE_TOLERANCE):
        return True
    return bool(not strict and gold.get("date_anomaly") and any("date" in f for f in _flags(event)))


def place_matches(gold: Gold, event: Event) -> bool:
    place = event.get("place") or event.get("location") or {}
    place = place if isinstance(place, dict) else {}
    countries = gold.get("country")
    if countries:
        allowed = [countries] if isinstance(countries, str) else list(countries)
        if str(place.get("country", "")).upper() not in allowed:
            return False
    if gold.get("lat") is None:
        return True
    try:
        km = distance_km(float(place["lat"]), float(place["lon"]), gold["lat"], gold["lon"])
    except (KeyError, TypeError, ValueError):
        return False
    return km <= float(gold.get("radius_km", DEFAULT_RADIUS_KM))


def type_and_evidence_match(gold: Gold, event: Event) -> bool:
    return str(event.get("type", "")).upper() in gold["accept"] and covers(gold.get("evidence", ""),
                                                                          evidence_text(event))


def full_match(gold: Gold, event: Event) -> bool:
    return type_and_evidence_match(gold, event) and date_matches(gold, event) and place_matches(gold, event)


def maximum_matching(golds: Sequence[Gold], events: Sequence[Event],
                     ok: Callable[[Gold, Event], bool]) -> dict[int, int]:
    """Gold index -> event index, one-to-one, by augmenting paths; required golds are served first."""
    candidates = [[j for j, e in enumerate(events) if ok(g, e)] for g in golds]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in sorted(range(len(golds)), key=lambda i: not golds[i].get("required", True)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


@dataclass
class Score:
    system: int = 0
    matched: int = 0
    required: int = 0
    required_found: int = 0
    typed_required_found: int = 0
    dated: int = 0
    dated_ok: int = 0
    located: int = 0
    located_ok: int = 0
    checks: list[tuple[str, bool]] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.required_found / self.required if self.required else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def date_accuracy(self) -> float | None:
        return self.dated_ok / self.dated if self.dated else None

    @property
    def geo_accuracy(self) -> float | None:
        return self.located_ok / self.located if self.located else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision, "recall": self.recall, "f1": self.f1,
            "system": self.system, "matched": self.matched, "required": self.required,
            "required_found": self.required_found, "typed_required_found": self.typed_required_found,
            "date_accuracy": self.date_accuracy, "geo_accuracy": self.geo_accuracy,
            "checks": [{"check": name, "ok": ok} for name, ok in self.checks],
        }


def _doc(row: dict[str, Any]) -> str:
    return str(row.get("doc_id", row.get("doc", "")))


def score(events: Iterable[Event], golds: Iterable[Gold]) -> Score:
    """Precision, recall, date and place accuracy and the per-gold checks, over the gold's documents."""
    events, golds = list(events), list(golds)
    result = Score()
    for doc in sorted({_doc(g) for g in golds}):
        doc_golds = [g for g in golds if _doc(g) == doc]
        doc_events = [e for e in events if _doc(e) == doc]
        matched = maximum_matching(doc_golds, doc_events, full_match)
        loose = maximum_matching(doc_golds, doc_events, type_and_evidence_match)
        result.system += len(doc_events)
        result.matched += len(matched)
        used = set(matched.values())
        result.spurious += [f"{doc}: {e.get('type')} «{evidence_text(e)[:80]}»"
                            for j, e in enumerate(doc_events) if j not in used]
        for i, gold in enumerate(doc_golds):
            required = gold.get("required", True)
            if required:
                result.required += 1
                result.required_found += i in matched
                result.typed_required_found += i in loose
                if i not in matched:
                    result.misses.append(f"{doc}/{gold.get('id')}: {gold.get('label', '')}")
            if i in loose:
                event = doc_events[loose[i]]
                if gold.get("date"):
                    result.dated += 1
                    result.dated_ok += date_matches(gold, event, strict=True)
                if gold.get("lat") is not None:
                    result.located += 1
                    result.located_ok += place_matches(gold, event)
            _add_checks(result, gold, doc_events[matched[i]] if i in matched else None)
    return result


def _add_checks(result: Score, gold: Gold, event: Event | None) -> None:
    gid = gold.get("id")
    if gold.get("date_anomaly") and gold.get("required", True):
        result.checks.append((f"{gid} date anomaly flagged", bool(event) and any("date" in f for f in
                                                                                 _flags(event or {}))))
    if gold.get("status") and gold.get("required", True):
        status = str(((event or {}).get("attribution") or {}).get("status", "")).lower()
        result.checks.append((f"{gid} status in {gold['status']}", status in gold["status"]))
    for name, value in (gold.get("quantities") or {}).items():
        got = ((event or {}).get("quantities") or {}).get(name)
        result.checks.append((f"{gid} {name}={value}", got == value))


def format_report(result: Score, *, details: bool = False) -> str:
    lines = [("ok   " if ok else "MISS ") + name for name, ok in result.checks]
    date_acc = "n/a" if result.date_accuracy is None else f"{result.date_accuracy:.2f}"
    geo_acc = "n/a" if result.geo_accuracy is None else f"{result.geo_accuracy:.2f}"
    lines.append(
        f"events P={result.precision:.2f} R={result.recall:.2f} F1={result.f1:.2f} "
        f"(system {result.system}, matched {result.matched}; required gold {result.required}, "
        f"found {result.required_found}, type+evidence only {result.typed_required_found}); "
        f"date acc {date_acc}; geo acc {geo_acc}"
    )
    if details:
        lines += [f"missed   {m}" for m in result.misses] + [f"spurious {s}" for s in result.spurious]
    return "\n".join(lines)


def evaluate_documents(docs: Path, gold: Path,
                       extract_events: Callable[[Any], list[Event]]) -> tuple[Score, list[Event]]:
    """Score the events `extract_events` gives for each article of `docs` that the gold file names."""
    from vigie.readers import ReadFailure, read_articles

    golds = load_jsonl(gold)
    wanted = {_doc(g) for g in golds}
    events: list[Event] = []
    for article in read_articles([docs]):
        if isinstance(article, ReadFailure):
            if Path(article.path).resolve() == gold.resolve():
                continue  # the gold file often sits among the articles it annotates
            raise InputError(article.reason, where=article.path)
        if article.doc_id in wanted:
            events += extract_events(article)
    return score(events, golds), events
