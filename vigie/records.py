"""The typed records that cross Vigie's boundaries: library, store, JSON output and API share them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DatePrecision = Literal["day", "week", "month", "year", "unknown"]
DateStatus = Literal["exact", "approximate", "range", "unresolved"]
PlacePrecision = Literal["site", "city", "admin1", "country", "unknown"]
ActorKind = Literal[
    "state", "government", "military", "police", "protesters", "civilians", "organisation", "person", "unknown"
]
AttributionStatus = Literal["asserted", "reported", "unconfirmed", "preliminary", "planned", "denied"]
Outcome = Literal["events", "no_trigger", "unsupported_language", "unreadable", "empty"]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Article(Record):
    """An article as read from a file, a JSON Lines row or an API call, before any processing."""

    text: str
    doc_id: str | None = None
    lang: str | None = None
    published: dt.date | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    path: str | None = Field(default=None, description="Where the article was read from, for error messages.")


class Place(Record):
    name: str | None = Field(default=None, description="The place as written in the text.")
    canonical: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: PlacePrecision = "unknown"
    gazetteer_id: str | None = None
    feature: str | None = Field(default=None, description="GeoNames feature class/code, or 'country', 'site'.")
    score: float | None = None


class Actor(Record):
    text: str
    canonical: str | None = None
    kind: ActorKind = "unknown"
    country: str | None = None


class Actors(Record):
    source: list[Actor] = Field(default_factory=list)
    target: list[Actor] = Field(default_factory=list)


class Quantity(Record):
    name: str
    value: int | float
    raw: str
    approximate: bool = False
    start: int | None = None
    end: int | None = None


class Evidence(Record):
    text: str
    start: int
    end: int


class Attribution(Record):
    source: str | None = Field(default=None, description="Who says so, as written.")
    status: AttributionStatus = "asserted"
    cue: str | None = Field(default=None, description="The words that set the status.")


class EventRecord(Record):
    """One happening, coded in PLOVER, with where, when, who, how many and how reliable."""

    id: str
    doc_id: str
    type: str
    mode: str | None = None
    context: list[str] = Field(default_factory=list)
    cameo_root: str | None = None
    acled_type: str | None = None
    acled_subtype: str | None = None
    date: str | None = Field(default=None, description="ISO date (start of a range); null when unresolved.")
    date_end: str | None = None
    date_precision: DatePrecision = "unknown"
    date_status: DateStatus = "unresolved"
    date_text: str | None = None
    place: Place = Field(default_factory=Place)
    actors: Actors = Field(default_factory=Actors)
    quantities: dict[str, int | float] = Field(default_factory=dict)
    quantity_details: list[Quantity] = Field(default_factory=list)
    evidence: Evidence
    trigger: str | None = None
    attribution: Attribution = Field(default_factory=Attribution)
    flags: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    lang: str | None = None


class DocumentSummary(Record):
    """What the store keeps about a document: its metadata and what coding it gave."""

    doc_id: str
    content_hash: str
    lang: str | None = None
    lang_confidence: float | None = None
    published: dt.date | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    path: str | None = None
    outcome: Outcome
    reason: str | None = None
    event_count: int = 0
    ingested_at: str | None = None


class EventCursor(Record):
    """Where a page of events ended: the sort key (date, id) of its last event, for keyset pagination."""

    date: str | None = None
    id: str


class EventQuery(Record):
    """Filters for listing events; every field narrows the result."""

    type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    country: str | None = None
    doc_id: str | None = None
    lang: str | None = None
    flag: str | None = None
    min_confidence: float | None = None
    text: str | None = Field(default=None, description="Full-text search over evidence.")
    actor: str | None = Field(
        default=None, description="An actor of the event, source or target: its canonical name or its words as written."
    )
    bbox: tuple[float, float, float, float] | None = Field(
        default=None,
        description="West, south, east, north in degrees; events with coordinates inside (a west edge east of "
        "the east edge crosses the antimeridian).",
    )
    after: EventCursor | None = Field(default=None, description="Only events sorted after this one (keyset).")
    limit: int | None = None


class EventStats(Record):
    """How many events match a query, in total and by type, day, country, language and flag."""

    total: int
    by_type: dict[str, int] = Field(default_factory=dict)
    by_day: dict[str, int] = Field(default_factory=dict, description="ISO day → count; undated events left out.")
    by_country: dict[str, int] = Field(default_factory=dict, description="Events without a country left out.")
    by_lang: dict[str, int] = Field(default_factory=dict)
    by_flag: dict[str, int] = Field(default_factory=dict)
