"""What routes depend on: the settings, the open store (StoreDep) and a checked write token (WriteToken)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vigie.api.errors import ApiError
from vigie.api.params import event_query
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


async def event_filters(request: Request) -> EventQuery:
    """The EventQuery the query parameters describe (without cursor or limit): see vigie/api/params.py, and
    declare them with `openapi_extra=openapi_parameters(*FILTERS)` on the route."""
    return event_query(request.query_params)


FiltersDep = Annotated[EventQuery, Depends(event_filters)]
