"""CSV: one flat row an event, for spreadsheets; actors and flags are ';'-joined, quantities k=v;k=v."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from vigie.records import Actor, EventRecord

CSV_COLUMNS = (
    "id", "doc_id", "type", "mode", "date", "date_precision", "country", "place", "lat", "lon",
    "source_actors", "target_actors", "quantities", "status", "flags", "confidence", "evidence",
)  # fmt: skip


def _actors(actors: list[Actor]) -> str:
    return ";".join(a.canonical or a.text for a in actors)


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def csv_row(event: EventRecord) -> list[str]:
    """The CSV cells of one event, in CSV_COLUMNS order; absent values are empty cells."""
    place = event.place
    return [
        event.id,
        event.doc_id,
        event.type,
        event.mode or "",
        event.date or "",
        event.date_precision,
        place.country or "",
        place.canonical or place.name or "",
        _number(place.lat),
        _number(place.lon),
        _actors(event.actors.source),
        _actors(event.actors.target),
        ";".join(f"{name}={value}" for name, value in event.quantities.items()),
        event.attribution.status,
        ";".join(event.flags),
        _number(event.confidence),
        event.evidence.text,
    ]


def write_csv(events: Iterable[EventRecord], out: TextIO) -> int:
    """Write a header and one row an event; return the number of events."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for event in events:
        writer.writerow(csv_row(event))
        count += 1
    return count
