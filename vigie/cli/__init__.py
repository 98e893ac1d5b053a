"""The `vigie` command: one group, one error boundary; each sub-command lives in its own module."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from vigie.errors import VigieError

F = TypeVar("F", bound=Callable[..., Any])


def default_db() -> str:
    """The store used when --db is not given: $VIGIE_DB, else vigie.db in the user's data directory."""
    if os.environ.get("VIGIE_DB"):
        return os.environ["VIGIE_DB"]
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("vigie"), "vigie.db")


def db_option(func: F) -> F:
    return click.option(
        "--db",
        default=None,
        metavar="PATH",
        help="Event store: a SQLite file or a postgresql:// URL (default: $VIGIE_DB or vigie.db in the "
        "user data directory).",
    )(func)


class VigieGroup(click.Group):
    """Turns VigieError into one line on stderr and exit status 2, unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VigieError as err:
            if ctx.params.get("debug"):
                raise
            click.echo(f"error: {err}", err=True)
            sys.exit(2)


@click.group(cls=VigieGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="vigie")
def cli(debug: bool) -> None:
    """Vigie: read news, write a database of socio-political events."""
    from vigie.logs import setup_logging

    setup_logging(logging.DEBUG if debug else logging.WARNING)


def main() -> None:
    cli()


# Sub-commands register themselves on `cli` when imported.
from vigie.cli import batch, bench, evaluate, geo, ingest, query, serve, transfer  # noqa: E402, F401
