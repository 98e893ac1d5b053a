"""`vigie events`, `vigie show` and `vigie documents`: read the store, print to stdout."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from vigie.cli import cli, db_option, default_db
from vigie.errors import InputError, VigieError
from vigie.exports import BINARY_FORMATS, DOCUMENT_AWARE_FORMATS, DOCUMENT_FORMATS, FORMATS
from vigie.exports.table import event_detail
from vigie.records import EventQuery
from vigie.store import MIN_ID_PREFIX, Store, open_store

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _open(db: str | None) -> Store:
    # Read commands never create a store: a mistyped --db is an error, not a new empty file.
    return open_store(db or default_db(), create=False)


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@cli.command()
@click.option("--type", "type_", metavar="TYPE", help="PLOVER event type, e.g. PROTEST.")
@click.option("--since", type=_DATE, metavar="DATE", help="Events on or after this date (YYYY-MM-DD).")
@click.option("--until", type=_DATE, metavar="DATE", help="Events on or before this date (YYYY-MM-DD).")
@click.option("--country", metavar="CC", help="ISO 3166-1 alpha-2 country code, e.g. KZ.")
@click.option("--doc", "doc_id", metavar="DOC", help="Only events of this document id.")
@click.option("--lang", metavar="LANG", help="Only events from documents in this language (ISO 639-1).")
@click.option("--flag", metavar="FLAG", help="Only events carrying this flag, e.g. hedge.")
@click.option(
    "--min-confidence", type=click.FloatRange(0.0, 1.0), metavar="X", help="Only events at least this sure."
)
@click.option("--search", metavar="TEXT", help="Words that must all be in the evidence (accents ignored).")
@click.option("--actor", metavar="NAME", help="Only events with this actor (canonical name or as written).")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N events.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="table",
    show_default=True,
    help="Output format; jsonl is what `vigie eval` and the scorer read; parquet needs --output.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write to FILE instead of standard output.",
)
@db_option
def events(
    type_: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    country: str | None,
    doc_id: str | None,
    lang: str | None,
    flag: str | None,
    min_confidence: float | None,
    search: str | None,
    actor: str | None,
    limit: int | None,
    fmt: str,
    output: Path | None,
    db: str | None,
) -> None:
    """List stored events, by date then id (undated last).

    Example: vigie events --type PROTEST --country KZ --since 2022-01-01 --format jsonl

    Example: vigie events --format acled --output events.csv
    """
    if fmt in BINARY_FORMATS and output is None:
        raise InputError(f"--format {fmt} writes a binary file", hint="add --output FILE")
    query = EventQuery(
        type=type_,
        since=_day(since),
        until=_day(until),
        country=country,
        doc_id=doc_id,
        lang=lang,
        flag=flag,
        min_confidence=min_confidence,
        text=search,
        actor=actor,
        limit=limit,
    )
    writer: Callable[..., int] = FORMATS[fmt]
    with _open(db) as store:
        found = store.events(query)
        if fmt in DOCUMENT_AWARE_FORMATS:
            summaries = {doc_id: store.get_document(doc_id) for doc_id in {e.doc_id for e in found}}
            documents = {doc_id: doc for doc_id, doc in summaries.items() if doc is not None}
            writer = functools.partial(writer, documents=documents)
    if fmt == "table" and not found and output is None:
        click.echo("no events match", err=True)
        return
    if output is None:
        writer(found, sys.stdout)
        return
    if fmt in BINARY_FORMATS:
        with output.open("wb") as binary:
            count = writer(found, binary)
    else:
        with output.open("w", encoding="utf-8", newline="") as text:
            count = writer(found, text)
    click.echo(f"{count} rows written to {output}", err=True)


@cli.command()
@click.argument("event_id")
@db_option
def show(event_id: str, db: str | None) -> None:
    """Show one event in full, with its evidence highlighted in the document's own words.

    EVENT_ID may be the full id or its first 8 or more characters.

    Example: vigie show 3f9a2c71
    """
    with _open(db) as store:
        event = store.get_event(event_id)
        if event is None:
            hint = "list ids with `vigie events`"
            if len(event_id) < MIN_ID_PREFIX:
                hint = f"give the full id or at least {MIN_ID_PREFIX} characters of it"
            raise VigieError(f"no event with id {event_id!r}", hint=hint)
        text = store.document_text(event.doc_id)
    Console(file=sys.stdout, highlight=False).print(event_detail(event, text))


@cli.command()
@click.option("--no-events", is_flag=True, help="Only documents that gave no event, to see why.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(DOCUMENT_FORMATS)),
    default="table",
    show_default=True,
    help="Output format.",
)
@db_option
def documents(no_events: bool, fmt: str, db: str | None) -> None:
    """List ingested documents with their outcome (events, no_trigger, unsupported_language, unreadable,
    empty), the reason, the event count and the language.

    Example: vigie documents --no-events
    """
    with _open(db) as store:
        found = store.documents(no_events=no_events)
    if fmt == "table" and not found:
        click.echo("no documents", err=True)
        return
    DOCUMENT_FORMATS[fmt](found, sys.stdout)
