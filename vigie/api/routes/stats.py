"""GET /api/stats: counts of the matching events by type, day, country, language and flag."""

from __future__ import annotations

from fastapi import APIRouter

from vigie.api.deps import FiltersDep, StoreDep
from vigie.api.errors import ERROR_RESPONSES
from vigie.records import EventStats

router = APIRouter(tags=["stats"])


@router.get("/stats", response_model=EventStats, responses=ERROR_RESPONSES)
def stats(store: StoreDep, query: FiltersDep) -> EventStats:
    """Counts of the events matching the same filters as /api/events (for the timeline and the facets)."""
    return store.stats(query)
