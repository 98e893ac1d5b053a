"""GeoJSON: a FeatureCollection of located events (a Point each, the full record as properties)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from vigie.records import EventRecord


def event_feature(event: EventRecord) -> dict[str, Any] | None:
    """A GeoJSON Feature for a located event, None for an event without coordinates."""
    if event.place.lat is None or event.place.lon is None:
        return None
    properties = event.model_dump(mode="json")
    return {
        "type": "Feature",
        "id": event.id,
        # GeoJSON orders coordinates longitude first (RFC 7946, 3.1.1).
        "geometry": {"type": "Point", "coordinates": [event.place.lon, event.place.lat]},
        "properties": properties,
    }


def feature_collection(events: Iterable[EventRecord], **members: Any) -> dict[str, Any]:
    """A FeatureCollection of the located events; `members` are added as foreign members (e.g. next)."""
    features = [feature for feature in map(event_feature, events) if feature is not None]
    return {"type": "FeatureCollection", "features": features, **members}


def write_geojson(events: Iterable[EventRecord], out: TextIO) -> int:
    """Write one FeatureCollection; return how many events it holds (events without coordinates are left out)."""
    collection = feature_collection(events)
    json.dump(collection, out, ensure_ascii=False)
    out.write("\n")
    return len(collection["features"])
