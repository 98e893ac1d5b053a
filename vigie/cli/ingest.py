"""vigie ingest: articles in, events stored."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from vigie.cli import cli, db_option, default_db
from vigie.ingest import ingest as run_ingest
from vigie.readers import ReadFailure
from vigie.store import open_store

OUTCOME_LABELS = {"events": "with events", "no_trigger": "without events", "unsupported_language":
                  "in unsupported languages", "empty": "empty", "unreadable": "unreadable"}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option
@click.option("--lang", default=None, help="Language of every article (ISO 639-1; skips detection).")
@click.option("--published", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Publication date of every article (YYYY-MM-DD), anchoring relative dates.")
@click.option("--encoding", default=None, help="Encoding of .txt files that are not UTF-8 (e.g. latin-1).")
@click.option("--quiet", is_flag=True, help="No progress display.")
def ingest(paths: tuple[Path, ...], db: str | None, lang: str | None, published: dt.datetime | None,
           encoding: str | None, quiet: bool) -> None:
    """Extract events from articles (files, folders, JSON Lines) and save them.

    Example: vigie ingest articles/ --db events.db
    """
    err = Console(stderr=True)
    with open_store(db or default_db()) as store, Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, disable=quiet or not sys.stderr.isatty(), transient=True,
    ) as progress:
        task = progress.add_task("ingesting", total=None)

        def advance(label: str) -> None:
            progress.update(task, advance=1, description=f"ingesting {label[:40]}")

        def report_failure(failure: ReadFailure) -> None:
            # one line, however long: scripts grep these
            progress.console.print(f"error: {failure}", markup=False, highlight=False, soft_wrap=True)

        report = run_ingest(paths, store, lang=lang, published=published.date() if published else None,
                            encoding=encoding, on_progress=advance, on_failure=report_failure)
    outcomes = ", ".join(f"{n} {OUTCOME_LABELS.get(k, k)}" for k, n in sorted(report.outcomes.items()))
    summary = f"ingested {plural(report.documents, 'document')}, {plural(report.events, 'event')}"
    if outcomes:
        summary += f" ({outcomes})"
    if report.unchanged:
        summary += f"; {report.unchanged} already stored"
    if report.skipped:
        summary += f"; {report.skipped} skipped"
    click.echo(summary, err=True)
    raise SystemExit(1 if report.skipped else 0)
