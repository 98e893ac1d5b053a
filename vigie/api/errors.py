"""One JSON error shape for every failure: {"ok": false, "error": "...", "status": N}."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigie.errors import AmbiguousId, InputError, StoreError, VigieError

logger = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """What every error response holds."""

    ok: bool = False
    error: str
    status: int


class ApiError(Exception):
    """An error a route raises on purpose: its status, its message, and headers to send (WWW-Authenticate)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=message, status=status).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


#: Documented in OpenAPI for every route that can fail this way.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter"},
    422: {"model": ErrorBody, "description": "Invalid parameter or body"},
}


#: Errors that only say "this branch of a union does not fit" (one article vs. a list of them): noise when another
#: branch explains what is wrong.
_BRANCH_MISMATCH = {"list_type", "dict_type", "model_type", "model_attributes_type"}


def describe_validation(errors: Sequence[Any]) -> str:
    """One line naming each bad parameter and what is wrong with it."""
    useful = [e for e in errors if e.get("type") not in _BRANCH_MISMATCH] or list(errors)
    parts = []
    for error in useful:
        location = [str(item) for item in error.get("loc", ())]
        where = location[0] if location else "request"
        # Union branch tags ("Article", "list[Article]") are type names, not fields: leave them out.
        name = ".".join(item for item in location[1:] if not (item[:1].isupper() or "[" in item))
        label = {"query": "query parameter", "path": "path parameter", "body": "body", "header": "header"}.get(
            where, where
        )
        if error.get("type") == "json_invalid":
            parts.append(f"body: not valid JSON ({error.get('ctx', {}).get('error', 'decode error')})")
            continue
        subject = f"{label} {name!r}" if name else label
        parts.append(f"{subject}: {error.get('msg', 'invalid')}")
    return "; ".join(dict.fromkeys(parts)) or "invalid request"


def _status_for(err: VigieError) -> int:
    if isinstance(err, AmbiguousId):
        return 409
    if isinstance(err, InputError):
        return 400
    if isinstance(err, StoreError):
        return 503
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """Route every error, expected or not, to the one JSON shape."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, describe_validation(exc.errors()))

    @app.exception_handler(VigieError)
    async def vigie_error(request: Request, exc: VigieError) -> JSONResponse:
        status = _status_for(exc)
        if status >= 500:
            logger.error("request failed", extra={"path": request.url.path, "reason": str(exc)})
            # Store messages name files and servers: the client learns only that the store failed.
            return error_response(status, "the event store is unavailable" if status == 503 else "internal error")
        return error_response(status, str(exc))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", extra={"path": request.url.path})
        return error_response(500, "internal error")
