"""create_app(settings): the FastAPI application over one event store, with its routers and security headers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vigie.api.caching import VersionedCache
from vigie.api.deps import ApiSettings
from vigie.api.errors import install_error_handlers
from vigie.api.routes import documents, events, health, stats
from vigie.api.served import ServedStore
from vigie.errors import ConfigError

#: Sent with every response. Article text is untrusted: even if a client rendered a response as HTML, no script,
#: plugin, frame or foreign resource would run or load.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task, unlike BaseHTTPMiddleware): adds SECURITY_HEADERS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [header for header in SECURITY_HEADERS if header[0] not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: The built dashboard (index.html, app.js, app.css, vendor/): source and build in frontend/, shipped in the wheel.
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def serve_dashboard(app: FastAPI, directory: Path = STATIC_DIR) -> None:
    """Serve the dashboard's files at "/" for GET and HEAD requests that no API route takes.

    It is the router's fallback rather than a Mount("/"), which would match every path first: unknown /api
    paths keep their JSON 404 and API routes their 405 for a wrong method.
    """
    if not (directory / "index.html").is_file():
        return
    files = StaticFiles(directory=directory, html=True)
    not_found = app.router.default

    async def dashboard_or_not_found(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        is_api = path == "/api" or path.startswith("/api/")
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not is_api:
            await files(scope, receive, send)
        else:
            await not_found(scope, receive, send)

    app.router.default = dashboard_or_not_found


#: The store `create_app_from_environment` serves (set by `vigie serve --workers N` for its worker processes).
SERVE_DB_ENV = "VIGIE_SERVE_DB"


def create_app_from_environment() -> FastAPI:
    """The app each worker process of `vigie serve --workers N` builds: over the store named by $VIGIE_SERVE_DB."""
    url = os.environ.get(SERVE_DB_ENV)
    if not url:
        raise ConfigError(f"${SERVE_DB_ENV} names no store", hint="start the server with `vigie serve --db …`")
    return create_app(ApiSettings(store_url=url))


def _version() -> str:
    try:
        return version("vigie")
    except PackageNotFoundError:
        return "0"


def create_app(settings: ApiSettings | str) -> FastAPI:
    """The API over the store in `settings` (or a store URL); the store is opened at startup, closed at shutdown."""
    if isinstance(settings, str):
        settings = ApiSettings(store_url=settings)
    resolved = settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = ServedStore(resolved.store_url, create=resolved.create_store)
        app.state.store = store
        app.state.cache = VersionedCache()
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="Vigie",
        summary="Socio-political events extracted from news: who did what to whom, where, when, according to whom.",
        version=_version(),
        lifespan=lifespan,
        # The interactive docs pages load scripts from a CDN, which the CSP and offline use both rule out;
        # the schema itself is served at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = resolved
    install_error_handlers(app)
    for module in (events, documents, stats, health):
        app.include_router(module.router, prefix="/api")
    serve_dashboard(app)
    app.add_middleware(SecurityHeaders)
    return app
