"""A CAMEO/GDELT-style table: tab-separated, GDELT 2.0 event column names, the CAMEO root code of each event.

Only events with a CAMEO root are written (the record's, else the PLOVER table's); GoldsteinScale holds the
PLOVER type's score (Vigie codes PLOVER, not CAMEO's 20 x 300 codes). Country codes are ISO 3166-1: alpha-3 for
actors, as GDELT's CAMEO actor codes are, and alpha-2 for ActionGeo_CountryCode (GDELT uses FIPS 10-4 there).
Unlike GDELT's files, the first line is a header.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from vigie.exports._common import Documents, actor_name, country, day, number
from vigie.ontology import cameo_root, plover_types
from vigie.records import Actor, EventRecord

CAMEO_COLUMNS = (
    "GLOBALEVENTID", "SQLDATE", "Actor1Name", "Actor1CountryCode", "Actor2Name", "Actor2CountryCode",
    "EventRootCode", "QuadClass", "GoldsteinScale", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_Lat",
    "ActionGeo_Long", "SOURCEURL",
)  # fmt: skip


def _actor(actors: list[Actor]) -> tuple[str, str]:
    if not actors:
        return "", ""
    land = country(actors[0].country)
    return actor_name(actors[0]).upper(), land.alpha3 if land else ""


def cameo_rows(events: Iterable[EventRecord], documents: Documents | None = None) -> Iterator[list[str]]:
    """The table rows of `events`, in CAMEO_COLUMNS order."""
    types = plover_types()
    for event in events:
        root = event.cameo_root or cameo_root(event.type, event.mode)
        if not root:
            continue
        known = types.get(event.type)
        place = event.place
        land = country(place.country)
        full_name = ", ".join(
            dict.fromkeys(x for x in (place.canonical or place.name, place.admin1, land.name if land else None) if x)
        )
        document = documents.get(event.doc_id) if documents else None
        when = day(event)
        yield [
            event.id,
            when.replace("-", "") if when else "",
            *_actor(event.actors.source),
            *_actor(event.actors.target),
            root[:2],
            str(known.quad_class) if known else "",
            number(known.score) if known else "",
            full_name,
            land.alpha2 if land else "",
            number(place.lat),
            number(place.lon),
            (document.url if document else None) or "",
        ]


def write_cameo(events: Iterable[EventRecord], out: TextIO, documents: Documents | None = None) -> int:
    """Write the header and one tab-separated row an event with a CAMEO root; return how many rows."""
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(CAMEO_COLUMNS)
    count = 0
    for row in cameo_rows(events, documents):
        writer.writerow(row)
        count += 1
    return count
