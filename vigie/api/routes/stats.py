"""GET /api/stats: counts of the matching events by type, day, country, language and flag."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from vigie.api.caching import cached_json
from vigie.api.deps import FiltersDep, ServedDep
from vigie.api.errors import ERROR_RESPONSES
from vigie.api.params import FILTERS, openapi_parameters
from vigie.records import EventStats

router = APIRouter(tags=["stats"])


@router.get(
    "/stats",
    response_model=EventStats,
    responses={**ERROR_RESPONSES, 304: {"description": "Not modified: the ETag sent in If-None-Match still holds"}},
    openapi_extra=openapi_parameters(*FILTERS),
)
async def stats(request: Request, store: ServedDep, query: FiltersDep) -> Response:
    """Counts of the events matching the same filters as /api/events (for the timeline and the facets).

    Cached until the data changes; the ETag lets a client revalidate (If-None-Match) without the body.
    """
    return await cached_json(
        request, store, "stats:" + query.model_dump_json(), lambda: store.stats(query).model_dump_json().encode()
    )
