"""GET /api/events (filters, keyset pages, JSON, GeoJSON or CSV) and GET /api/events/{id}."""

from __future__ import annotations

import base64
import binascii
import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from vigie.api.deps import FiltersDep, ServedDep, StoreDep
from vigie.api.errors import ERROR_RESPONSES, ApiError, ErrorBody
from vigie.api.params import FILTERS, Param, openapi_parameters
from vigie.api.served import ServedStore
from vigie.exports.csv import write_csv
from vigie.exports.geojson import feature_collection
from vigie.records import EventCursor, EventQuery, EventRecord

router = APIRouter(tags=["events"])

MAX_PAGE = 1000
DEFAULT_PAGE = 100


class EventPage(BaseModel):
    """One page of events, by date then id (undated last)."""

    events: list[EventRecord]
    next: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


def encode_cursor(event: EventRecord | dict[str, Any]) -> str:
    """An opaque cursor for the page after `event` (a record or its JSON object): its sort key (date, id), as
    URL-safe base64 of JSON."""
    key = [event.date, event.id] if isinstance(event, EventRecord) else [event.get("date"), event["id"]]
    raw = json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> EventCursor:
    """The EventCursor in a cursor made by encode_cursor; ApiError 422 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        date, event_id = json.loads(raw.decode("utf-8"))
        return EventCursor(date=date, id=event_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, ValidationError):
        raise ApiError(422, "query parameter 'after': not a cursor; pass the `next` value of a page") from None


#: Paging and format of /api/events, read by hand as the filters are (vigie/api/params.py).
PAGE_PARAMS = (
    Param("limit", "Events per page.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE}),
    Param("after", "The `next` cursor of the previous page.", {"type": "string", "maxLength": 2000}),
    Param(
        "format",
        "Response format.",
        {"type": "string", "enum": ["json", "geojson", "csv"], "default": "json"},
    ),
)
_LIMIT, _AFTER, _FORMAT = PAGE_PARAMS


@router.get(
    "/events",
    response_model=EventPage,
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "A page of events: JSON (default), GeoJSON (located events only) or CSV.",
            "content": {"application/geo+json": {}, "text/csv": {}},
        },
    },
    openapi_extra=openapi_parameters(*FILTERS, *PAGE_PARAMS),
)
async def list_events(request: Request, store: ServedDep, query: FiltersDep) -> Response:
    """Events matching every filter, a page at a time: follow `next` (also in the Link header) until it is null."""
    limit: int = _LIMIT.read(request.query_params)
    after: str | None = _AFTER.read(request.query_params)
    fmt: str = _FORMAT.read(request.query_params)
    cursor = decode_cursor(after) if after is not None else None
    # One more than asked tells whether another page follows, without counting.
    query = query.model_copy(update={"after": cursor, "limit": limit + 1})
    if store.reads_locally:
        # A page of a local file is a few milliseconds of CPU (the planner stops at the page): read here, it costs
        # less than a thread hop and the GIL hand-offs that come with it (a third of the throughput under load).
        return _events_response(request, store, query, limit, fmt)
    return await run_in_threadpool(_events_response, request, store, query, limit, fmt)


def _events_response(request: Request, store: ServedStore, query: EventQuery, limit: int, fmt: str) -> Response:
    if fmt == "json":
        return _json_page(request, store.events_json(query), limit)
    found = store.events(query)
    page, more = found[:limit], len(found) > limit
    next_cursor = encode_cursor(page[-1]) if more and page else None
    # The same query (filters, limit, format) from the next page on.
    link = str(request.url.include_query_params(after=next_cursor)) if next_cursor else None
    headers = {"Link": f'<{link}>; rel="next"'} if link else {}
    if fmt == "geojson":
        return JSONResponse(
            feature_collection(page, next=next_cursor), media_type="application/geo+json", headers=headers
        )
    if fmt == "csv":
        out = io.StringIO()
        write_csv(page, out)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    raise AssertionError(f"unknown format {fmt!r}")


def _json_page(request: Request, found: list[str], limit: int) -> Response:
    """An EventPage from events already as JSON: built here rather than by FastAPI, which would parse and check
    every event again before serialising the page (most of a request's time)."""
    page, more = found[:limit], len(found) > limit
    next_cursor = encode_cursor(json.loads(page[-1])) if more and page else None
    link = str(request.url.include_query_params(after=next_cursor)) if next_cursor else None
    headers = {"Link": f'<{link}>; rel="next"'} if link else {}
    body = '{"events":[' + ",".join(page) + '],"next":' + json.dumps(next_cursor) + "}"
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/events/{event_id}",
    response_model=EventRecord,
    responses={
        404: {"model": ErrorBody, "description": "No such event"},
        409: {"model": ErrorBody, "description": "The id prefix matches several events"},
        **ERROR_RESPONSES,
    },
)
def get_event(
    store: StoreDep,
    event_id: Annotated[str, Path(max_length=256, description="An event id, or a unique prefix of 8+ characters.")],
) -> EventRecord:
    """One event by id (or unique id prefix)."""
    event = store.get_event(event_id)
    if event is None:
        raise ApiError(404, f"no event {event_id!r}")
    return event
