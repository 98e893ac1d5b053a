"""`vigie import`: load an export (JSON Lines, Parquet, GeoJSON) back into a store."""

from __future__ import annotations

from pathlib import Path

import click

from vigie.cli import cli, db_option, default_db
from vigie.exports.load import IMPORT_FORMATS, import_events, read_events
from vigie.store import open_store


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    help="Format of FILE (default: parquet from its first bytes, geojson from a .geojson name, else jsonl).",
)
@db_option
def import_(file: Path, fmt: str | None, db: str | None) -> None:
    """Load events exported by `vigie events --format jsonl|parquet|geojson` into a store.

    Documents the store lacks are created as minimal summaries (no text); importing a file again adds nothing.

    Example: vigie import events.parquet --db postgresql://vigie@localhost/vigie
    """
    with open_store(db or default_db()) as store:
        result = import_events(store, read_events(file, fmt), origin=file.name)
    click.echo(
        f"{result.events} events of {result.documents} documents read; {result.saved} documents saved, "
        f"{result.unchanged} already stored"
        + (f", {result.conflicts} left as stored (ingested documents with other events)" if result.conflicts else ""),
        err=True,
    )
