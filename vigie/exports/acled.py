"""An ACLED-style CSV: ACLED's column names and value types, one row an event and day (ONTOLOGY.md section 3).

Only events with an ACLED event type are written (the record's labels, else the PLOVER -> ACLED table); undated
events are left out, since ACLED's unit is one event at one place on one day. A record spanning several days
(day precision, date_end set) gives one row a day, up to MAX_DAYS, its fatalities on the first row so that sums
stay right. Values ACLED has and Vigie does not (region, admin2, admin3, source_scale) are empty cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from vigie.exports._common import Documents, actor_name, country, day, number
from vigie.ontology import acled_labels
from vigie.records import Actor, EventRecord

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip

MAX_DAYS = 31  # a longer range is one row on its first day: ACLED would not code a month-long event day by day

#: ACLED time_precision: 1 the day is known, 2 the week (or a few days), 3 only the month (or less).
TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "year": 3, "unknown": 3}
#: ACLED geo_precision: 1 the town or site, 2 a part of a region, 3 only the region or country.
GEO_PRECISION = {"site": 1, "city": 1, "admin1": 2, "country": 3, "unknown": 3}
#: ACLED interaction codes (inter1, inter2) of Vigie's actor kinds; organisations and persons have none.
INTER_CODES = {
    "state": 1, "government": 1, "military": 1, "police": 1, "protesters": 6, "civilians": 7,
}  # fmt: skip
RIOTERS = 5

_DISORDER = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Riots": "Political violence",
    "Protests": "Demonstrations",
    "Strategic developments": "Strategic developments",
}


def acled_type(event: EventRecord) -> tuple[str | None, str | None]:
    """The ACLED (event type, sub-event type) of an event: its own labels, else the export table's."""
    if event.acled_type:
        return event.acled_type, event.acled_subtype
    return acled_labels(event.type, event.mode)


def disorder_type(event_type: str, sub_event_type: str | None) -> str:
    if sub_event_type == "Excessive force against protesters":
        return "Political violence; Demonstrations"
    if sub_event_type == "Violent demonstration":
        return "Demonstrations"
    return _DISORDER.get(event_type, "Strategic developments")


def _inter(actors: list[Actor], event_type: str) -> int | None:
    for actor in actors:
        code = INTER_CODES.get(actor.kind)
        if code is not None:
            return RIOTERS if code == 6 and event_type == "Riots" else code
    return None


def _interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's two-digit interaction: the lower code first; a lone actor is its code and 0."""
    if inter1 is None:
        return None
    if inter2 is None:
        return inter1 * 10
    low, high = sorted((inter1, inter2))
    return low * 10 + high


def _days(event: EventRecord) -> list[str]:
    first = day(event)
    if first is None:
        return []
    if event.date_precision != "day" or not event.date_end:
        return [first]
    try:
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(event.date_end[:10])
    except ValueError:
        return [first]
    span = (end - start).days
    if span <= 0 or span >= MAX_DAYS:
        return [first]
    return [(start + dt.timedelta(days=n)).isoformat() for n in range(span + 1)]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def acled_rows(events: Iterable[EventRecord], documents: Documents | None = None) -> Iterator[list[str]]:
    """The ACLED rows of `events`, in ACLED_COLUMNS order."""
    stamp = int(time.time())
    for event in events:
        main, sub = acled_type(event)
        days = _days(event)
        if main is None or not days:
            continue
        place = event.place
        land = country(place.country)
        sources, targets = event.actors.source, event.actors.target
        inter1, inter2 = _inter(sources, main), _inter(targets, main)
        document = documents.get(event.doc_id) if documents else None
        source = (document.source if document else None) or event.attribution.source or ""
        fatalities = int(event.quantities.get("dead", 0))
        base_id = f"{land.alpha3 if land else 'XXX'}{event.id}"
        for n, when in enumerate(days):
            yield [
                base_id if len(days) == 1 else f"{base_id}-{n + 1}",
                when,
                when[:4],
                _cell(TIME_PRECISION[event.date_precision]),
                disorder_type(main, sub),
                main,
                sub or "",
                actor_name(sources[0]) if sources else "",
                "; ".join(actor_name(a) for a in sources[1:]),
                _cell(inter1),
                actor_name(targets[0]) if targets else "",
                "; ".join(actor_name(a) for a in targets[1:]),
                _cell(inter2),
                _cell(_interaction(inter1, inter2)),
                "Civilian targeting" if any(a.kind == "civilians" for a in targets) else "",
                _cell(land.numeric if land else None),
                "",
                land.name if land else "",
                place.admin1 or "",
                "",
                "",
                place.canonical or place.name or "",
                number(place.lat),
                number(place.lon),
                _cell(GEO_PRECISION[place.precision]),
                source,
                "",
                event.evidence.text,
                str(fatalities if n == 0 else 0),
                "; ".join(event.flags),
                str(stamp),
            ]


def write_acled(events: Iterable[EventRecord], out: TextIO, documents: Documents | None = None) -> int:
    """Write the ACLED header and rows; return how many rows (events with no ACLED type are left out)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACLED_COLUMNS)
    count = 0
    for row in acled_rows(events, documents):
        writer.writerow(row)
        count += 1
    return count
