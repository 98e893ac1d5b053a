"""GET /api/health: the store answers, what it holds, and whether writes are possible."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from vigie.api.deps import SettingsDep, StoreDep
from vigie.api.errors import ErrorBody

router = APIRouter(tags=["health"])


class Health(BaseModel):
    ok: bool = True
    documents: int
    events: int
    writable: bool


@router.get("/health", response_model=Health, responses={503: {"model": ErrorBody, "description": "Store down"}})
def health(store: StoreDep, settings: SettingsDep) -> Health:
    """The store is reachable; how many documents and events it holds; whether POST /api/documents can work."""
    counts = store.counts()
    writable = bool(settings.write_token_hashes) or store.has_tokens()
    return Health(documents=counts["documents"], events=counts["events"], writable=writable)
