"""The query parameters of /api/events and /api/stats: described once for the OpenAPI document, read by hand.

FastAPI looks at the annotation of every declared parameter again on each request; for a dozen filters that cost
more than finding and sending a page of events. These parameters are read from the query string in one pass instead,
with the same checks and the same one-line 422 messages, and described to OpenAPI through `openapi_extra`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from starlette.datastructures import QueryParams

from vigie.api.errors import ApiError
from vigie.records import EventQuery

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Param:
    """One optional query parameter: its JSON schema (type string, number, integer; format date; maxLength,
    pattern, minimum, maximum, enum, default) and what it means."""

    name: str
    description: str
    schema: dict[str, Any]
    example: str | None = None

    def openapi(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "in": "query",
            "required": False,
            "description": self.description,
            "schema": self.schema,
        }
        if self.example is not None:
            described["example"] = self.example
        return described

    def read(self, params: QueryParams) -> Any:
        """The parameter's value in `params` (the last one if repeated), checked; None when absent."""
        raw = params.get(self.name)
        if raw is None:
            return self.schema.get("default")
        return self._checked(raw)

    def _checked(self, raw: str) -> Any:
        schema = self.schema
        kind = schema.get("type")
        if kind == "integer" or kind == "number":
            return self._in_range(raw, int if kind == "integer" else float)
        if len(raw) > schema.get("maxLength", math.inf):
            self._refuse(f"at most {schema['maxLength']} characters")
        if "enum" in schema and raw not in schema["enum"]:
            self._refuse("one of " + ", ".join(repr(value) for value in schema["enum"]))
        if "pattern" in schema and not re.search(schema["pattern"], raw):
            self._refuse(f"text matching {schema['pattern']}")
        if schema.get("format") == "date":
            try:
                if not _ISO_DAY.fullmatch(raw):
                    raise ValueError
                return dt.date.fromisoformat(raw)
            except ValueError:
                self._refuse("a valid date, YYYY-MM-DD")
        return raw

    def _in_range(self, raw: str, kind: type[int] | type[float]) -> int | float:
        noun = "an integer" if kind is int else "a number"
        try:
            value = kind(raw)
        except ValueError:
            self._refuse(f"{noun}, not {raw[:40]!r}")
        if not math.isfinite(value):
            self._refuse(f"a finite {noun.split()[-1]}")
        low, high = self.schema.get("minimum"), self.schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            self._refuse(f"{noun} greater than or equal to {low} and less than or equal to {high}")
        return value

    def _refuse(self, expected: str) -> NoReturn:
        raise ApiError(422, f"query parameter {self.name!r}: must be {expected}")


def _text(name: str, description: str, max_length: int, **schema: Any) -> Param:
    return Param(name, description, {"type": "string", "maxLength": max_length, **schema})


def _day(name: str, description: str) -> Param:
    return Param(name, description, {"type": "string", "format": "date"})


#: The filters of /api/events and /api/stats, in the order the OpenAPI document lists them.
FILTERS = (
    _text("type", "PLOVER event type, e.g. PROTEST.", 64),
    _day("since", "Events on or after this day (YYYY-MM-DD)."),
    _day("until", "Events on or before this day (YYYY-MM-DD)."),
    _text("country", "ISO 3166-1 alpha-2 country code, e.g. KZ.", 2, pattern=r"^[A-Za-z]{2}$"),
    _text("doc_id", "Only events of this document.", 256),
    _text("lang", "Language of the document (ISO 639-1).", 35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"),
    _text("flag", "Only events with this flag, e.g. hedge.", 64),
    Param("min_confidence", "Only events at least this sure (0 to 1).", {"type": "number", "minimum": 0, "maximum": 1}),
    _text("text", "Words that must all be in the evidence (accents ignored).", 500),
    _text("actor", "An actor of the event, source or target: its canonical name or its words as written.", 200),
    Param(
        "bbox",
        "west,south,east,north in degrees: only events located inside.",
        {"type": "string", "maxLength": 100},
        example="46.5,40.5,87.4,55.5",
    ),
)
_BY_NAME = {param.name: param for param in FILTERS}


def openapi_parameters(*params: Param) -> dict[str, Any]:
    """The `openapi_extra` of a route that reads `params` by hand."""
    return {"parameters": [param.openapi() for param in params]}


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """ "west,south,east,north" in degrees → a tuple; ApiError 422 naming what is wrong."""
    parts = value.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise ApiError(422, "query parameter 'bbox': give four numbers west,south,east,north") from None
    if not all(-180 <= lon <= 180 for lon in (west, east)) or not all(-90 <= lat <= 90 for lat in (south, north)):
        raise ApiError(422, "query parameter 'bbox': longitudes lie in [-180, 180], latitudes in [-90, 90]")
    if south > north:
        raise ApiError(422, "query parameter 'bbox': south is north of north")
    return west, south, east, north


def event_query(params: QueryParams) -> EventQuery:
    """The EventQuery the filters in `params` describe (without cursor or limit); ApiError 422 for a bad one."""
    values = {name: param.read(params) for name, param in _BY_NAME.items()}
    if values["since"] is not None and values["until"] is not None and values["since"] > values["until"]:
        raise ApiError(422, "query parameter 'until': must not be before 'since'")
    if values["actor"] is not None and not values["actor"].strip():
        values["actor"] = None
    if values["bbox"] is not None:
        values["bbox"] = parse_bbox(values["bbox"])
    return EventQuery(**values)
