"""`vigie serve` (the HTTP API under uvicorn) and `vigie token create` (a write token for it)."""

from __future__ import annotations

import os

import click

from vigie.cli import cli, db_option, default_db
from vigie.store import open_store


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="uvicorn's log level (requests are logged at info).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (uvicorn workers), each with its own connections to the store; about one a core.",
)
def serve(db: str | None, host: str, port: int, log_level: str, workers: int) -> None:
    """Serve the event store over HTTP: the dashboard at /, the API under /api, its OpenAPI schema at /openapi.json.

    Read-only until a write token exists (see `vigie token create`); POST /api/documents then needs it.

    Example: vigie serve --db events.db --port 8000
    """
    import uvicorn

    from vigie.api.app import SERVE_DB_ENV, create_app
    from vigie.api.deps import ApiSettings

    url = db or default_db()
    # Opened once here so a missing or unreadable store is one line on stderr, not a traceback from uvicorn.
    with open_store(url, create=False) as store:
        writable = store.has_tokens()
    click.echo(
        f"serving {url} on http://{host}:{port}/ ({'writable with a token' if writable else 'read-only'})", err=True
    )
    # Requests are logged at info only: below it, uvicorn need not build an access-log line for each.
    access_log = log_level in ("info", "debug")
    if workers == 1:
        app = create_app(ApiSettings(store_url=url))
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log)
        return
    # Worker processes import the app: the factory reads the store's location from the environment.
    os.environ[SERVE_DB_ENV] = url
    uvicorn.run(
        "vigie.api.app:create_app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
    )


@cli.group()
def token() -> None:
    """Write tokens for the HTTP API (only their SHA-256 hash is stored).

    Example: vigie token create --db events.db
    """


@token.command("create")
@db_option
@click.option("--name", metavar="TEXT", help="A label to tell tokens apart, e.g. who or what uses it.")
def token_create(db: str | None, name: str | None) -> None:
    """Make a new write token, print it once on stdout, and store only its hash.

    The API accepts writes from then on; keep the token secret, it cannot be shown again.

    Example: vigie token create --db events.db --name newsroom-feed
    """
    from vigie.api.tokens import hash_token, new_token

    secret = new_token()
    with open_store(db or default_db()) as store:
        store.add_token_hash(hash_token(secret), name)
    click.echo(secret)
    click.echo("this token is shown once: keep it; send it as 'Authorization: Bearer <token>'", err=True)
