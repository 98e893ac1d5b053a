"""vigie batch (articles → Parquet on Dask) and vigie load (Parquet → a store)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from vigie.batch import DEFAULT_PARTITION_SIZE, BatchReport, load_output, run_batch
from vigie.cli import cli, db_option, default_db
from vigie.store import open_store


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


class _DocsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f} docs/s" if task.speed else "", style="progress.data.speed")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (Parquet); an existing one is resumed.")
@click.option("--scheduler", default="local", show_default=True, metavar="local|ADDRESS",
              help="'local' starts a Dask cluster on this machine; otherwise the address of a running scheduler "
                   "(e.g. tcp://10.0.0.5:8786).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Worker processes of the local cluster (one thread each).")
@click.option("--threads", "use_threads", is_flag=True,
              help="Local workers as threads of this process instead of processes (small runs, tests).")
@click.option("--partition-size", default=DEFAULT_PARTITION_SIZE, show_default=True, type=click.IntRange(min=1),
              help="Articles per partition (the unit of work, of output files and of resumption).")
@click.option("--lang", default=None, help="Language of every article (ISO 639-1; skips detection).")
@click.option("--published", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Publication date of every article (YYYY-MM-DD), anchoring relative dates.")
@click.option("--encoding", default=None, help="Encoding of .txt files that are not UTF-8 (e.g. latin-1).")
@click.option("--quiet", is_flag=True, help="No progress display.")
def batch(paths: tuple[Path, ...], out: Path, scheduler: str, workers: int, use_threads: bool, partition_size: int,
          lang: str | None, published: dt.datetime | None, encoding: str | None, quiet: bool) -> None:
    """Extract events from many articles on Dask and write them as Parquet, resumably.

    Reads files, folders, JSON Lines and Parquet (a `text` column). Writes OUT/events (by month and
    language), OUT/documents and OUT/errors; run it again after an interruption to finish the rest.

    Example: vigie batch corpus.jsonl --out batch/ --workers 2
    """
    err = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _DocsPerSecond(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=quiet or not sys.stderr.isatty(),
        transient=True,
    )  # fmt: skip
    task = progress.add_task("extracting", total=None, start=False)

    def started(report: BatchReport, total: int) -> None:
        if report.skipped_partitions:
            err.print(f"resuming: {plural(report.skipped_partitions, 'partition')} of {report.partitions:,} "
                      "already written", highlight=False)
        if report.dashboard:
            err.print(f"Dask dashboard: {report.dashboard}", highlight=False, soft_wrap=True)
        progress.update(task, total=total)
        progress.start_task(task)

    def advance(done: int, total: int) -> None:
        progress.update(task, advance=done)

    def partition_failed(pid: str, error: BaseException) -> None:
        progress.console.print(f"error: partition {pid}: {error}", markup=False, highlight=False, soft_wrap=True)

    try:
        with progress:
            report = run_batch(
                list(paths), out, scheduler=scheduler, workers=workers, processes=not use_threads,
                partition_size=partition_size, lang=lang, published=published.date() if published else None,
                encoding=encoding, on_start=started, on_progress=advance, on_partition_error=partition_failed,
            )  # fmt: skip
    except KeyboardInterrupt:
        click.echo(f"interrupted; finished partitions are kept: run the same command again to resume ({out})",
                   err=True)
        raise SystemExit(130) from None
    summary = (f"batch: {plural(report.documents, 'document')}, {plural(report.events, 'event')}, "
               f"{plural(report.errors, 'error')} in {plural(report.partitions, 'partition')}")
    if report.skipped_partitions:
        summary += f" ({report.skipped_partitions:,} already written)"
    if report.duplicates:
        summary += f"; {plural(report.duplicates, 'repeated text')} skipped"
    summary += f"; {report.seconds:,.1f} s → {out}"
    click.echo(summary, err=True)
    if report.failed_partitions:
        click.echo(f"{plural(len(report.failed_partitions), 'partition')} failed; run again to retry", err=True)
        raise SystemExit(1)
    raise SystemExit(1 if report.errors else 0)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
def load(folder: Path, db: str | None) -> None:
    """Put the output of `vigie batch` into a store (documents and events); loading twice changes nothing.

    Example: vigie load batch/ --db events.db
    """
    with open_store(db or default_db()) as store:
        report = load_output(folder, store)
    summary = (f"loaded {plural(report.documents, 'document')}, {plural(report.events, 'event')} "
               f"from {plural(report.partitions, 'partition')}")
    if report.unchanged:
        summary += f"; {report.unchanged:,} already stored"
    if report.errors:
        summary += f"; {plural(report.errors, 'error')} stored as unreadable"
    click.echo(summary, err=True)
