"""What routes depend on: the settings, the open store (StoreDep) and a checked write token (WriteToken)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vigie.api.errors import ApiError
from vigie.api.served import ServedStore
from vigie.api.tokens import hash_token
from vigie.records import EventQuery
from vigie.store import Store


@dataclass(frozen=True)
class ApiSettings:
    """How `create_app` builds the API."""

    store_url: str
    #: Hashes (hash_token) of write tokens accepted besides those stored by `vigie token create`.
    write_token_hashes: frozenset[str] = field(default_factory=frozenset)
    #: Create the store when it does not exist; off for `vigie serve`, so a mistyped --db is an error.
    create_store: bool = False
    #: The largest batch POST /api/documents takes, and the longest article text (characters).
    max_batch: int = 100
    max_text: int = 1_000_000


# The dependencies that do not block are coroutines: FastAPI runs a plain function in its thread pool, a hop that
# costs more than these functions themselves.


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    """The store the app opened at startup: a ServedStore (reads spread over a few connections of a SQLite file)."""
    store: Store = request.app.state.store
    return store


async def get_served(request: Request) -> ServedStore:
    """The same store with its data version, and the app's cache of responses computed from the data."""
    store: ServedStore = request.app.state.store
    return store


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
ServedDep = Annotated[ServedStore, Depends(get_served)]

_bearer = HTTPBearer(auto_error=False, description="A write token from `vigie token create`.")


def require_write_token(
    store: StoreDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The hash of a valid write token; 403 when the API is read-only, 401 without a token, 403 for a wrong one."""
    if not settings.write_token_hashes and not store.has_tokens():
        raise ApiError(403, "this API is read-only: no write token exists; create one with `vigie token create --db …`")
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401,
            "a write token is required: send the header 'Authorization: Bearer <token>'",
            {"WWW-Authenticate": "Bearer"},
        )
    token_hash = hash_token(credentials.credentials)
    if token_hash in settings.write_token_hashes or store.has_token_hash(token_hash):
        return token_hash
    raise ApiError(403, "the write token is not valid", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


WriteToken = Annotated[str, Depends(require_write_token)]


# -- event filters, shared by /api/events and /api/stats ----------------------------------------------------


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


async def event_filters(
    type_: Annotated[
        str | None, Query(alias="type", max_length=64, description="PLOVER event type, e.g. PROTEST.")
    ] = None,
    since: Annotated[dt.date | None, Query(description="Events on or after this day (YYYY-MM-DD).")] = None,
    until: Annotated[dt.date | None, Query(description="Events on or before this day (YYYY-MM-DD).")] = None,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 country code, e.g. KZ.")
    ] = None,
    doc_id: Annotated[str | None, Query(max_length=256, description="Only events of this document.")] = None,
    lang: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", description="Language of the document (ISO 639-1)."),
    ] = None,
    flag: Annotated[str | None, Query(max_length=64, description="Only events with this flag, e.g. hedge.")] = None,
    min_confidence: Annotated[
        float | None, Query(ge=0.0, le=1.0, description="Only events at least this sure (0 to 1).")
    ] = None,
    text: Annotated[
        str | None, Query(max_length=500, description="Words that must all be in the evidence (accents ignored).")
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            max_length=100,
            description="west,south,east,north in degrees: only events located inside.",
            examples=["46.5,40.5,87.4,55.5"],
        ),
    ] = None,
) -> EventQuery:
    """The EventQuery the query parameters describe (without cursor or limit)."""
    if since is not None and until is not None and since > until:
        raise ApiError(422, "query parameter 'until': must not be before 'since'")
    return EventQuery(
        type=type_,
        since=since,
        until=until,
        country=country,
        doc_id=doc_id,
        lang=lang,
        flag=flag,
        min_confidence=min_confidence,
        text=text,
        bbox=parse_bbox(bbox) if bbox is not None else None,
    )


FiltersDep = Annotated[EventQuery, Depends(event_filters)]
