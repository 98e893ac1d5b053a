"""vigie bench: Vigie's throughput and memory beside the bare model's, on a synthetic or given corpus."""

from __future__ import annotations

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
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from vigie.bench import BenchReport, bare_model_name, run_bench, write_report
from vigie.cli import cli, db_option
from vigie.errors import InputError
from vigie.records import Article


@cli.command()
@click.option("--lang", default="fr", show_default=True, help="Language of the corpus and of the pipeline.")
@click.option("--docs", default=2000, show_default=True, type=click.IntRange(min=1), help="Documents to run.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic corpus.")
@click.option(
    "--corpus",
    "corpus_path",
    type=click.Path(exists=True, path_type=Path),
    help="Articles to run (JSON Lines, .txt or a folder) instead of a synthetic corpus; the first --docs.",
)
@click.option(
    "--out",
    default=Path("bench/results"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the JSON report.",
)
@click.option("--n-process", default=1, show_default=True, type=click.IntRange(min=1), help="Worker processes.")
@click.option("--quiet", is_flag=True, help="No progress display.")
@click.option("--store", "store_bench", is_flag=True, help="Benchmark the event store instead (needs an empty --db).")
@click.option(
    "--events",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="With --store: synthetic events to load.",
)
@click.option("--geo", "geo_bench", is_flag=True,
              help="Benchmark the geoparser instead: gazetteer load, both `vigie geo` modes, resolutions/s.")
@db_option
def bench(
    lang: str,
    docs: int,
    seed: int,
    corpus_path: Path | None,
    out: Path,
    n_process: int,
    quiet: bool,
    store_bench: bool,
    events: int,
    geo_bench: bool,
    db: str | None,
) -> None:
    """Measure documents/s, words/s and peak memory of Vigie against the bare model on the same texts (the
    language's spaCy model, natasha's own pipeline for Russian, spaCy's tokenizer where there is no model);
    with --store, the event store's bulk load (events/s) and the p50/p95 latency of five typical queries.

    Example: vigie bench --lang fr --docs 2000

    Example: vigie bench --store --events 1000000 --db /tmp/bench.db

    Example: vigie bench --geo --docs 500
    """
    if geo_bench:  # English unless --lang says otherwise (the figures are on English news)
        explicit = click.get_current_context().get_parameter_source("lang") != click.core.ParameterSource.DEFAULT
        _bench_geo(lang if explicit else "en", docs, seed, corpus_path, out)
        return
    if store_bench:
        _bench_store(db, events, seed, out, quiet)
        return
    from vigie.lang.loader import load_language
    from vigie.pipeline import Pipeline

    err = Console(stderr=True)
    articles, corpus = _load_articles(lang, docs, seed, corpus_path)
    pipeline = Pipeline.for_language(lang)
    model = bare_model_name(lang, load_language(lang).backend)
    with Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        _SpeedColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done)

        report = run_bench(
            articles,
            extract=pipeline.extract,
            stage_times=pipeline.stage_times,
            model_name=model,
            n_process=n_process,
            lang=lang,
            corpus=corpus,
            on_progress=advance,
        )
    path = write_report(report, out)
    Console().print(render_report(report))
    click.echo(f"report: {path}")
    if report.vigie.errors:
        click.echo(f"{report.vigie.errors} documents failed; see the log above", err=True)
        raise SystemExit(1)


def _bench_store(db: str | None, events: int, seed: int, out: Path, quiet: bool) -> None:
    from vigie.store_bench import run_store_bench, write_store_report

    if db is None:
        raise InputError("vigie bench --store needs --db", hint="a new SQLite file or an empty PostgreSQL database")
    with Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    ) as progress:
        task = progress.add_task("loading", total=events)
        report = run_store_bench(db, events, seed, on_progress=lambda n: progress.update(task, completed=n))
    path = write_store_report(report, out)
    table = Table(
        title=f"{report.backend}: {report.events:,} events in {report.documents:,} documents, "
        f"loaded at {report.load_events_per_s:,.0f} events/s ({report.load_seconds:,.1f} s in the store)",
        title_justify="left",
    )
    for column in ("query (one page of 100)", "p50 ms", "p95 ms", "mean hits"):
        table.add_column(column, justify="left" if column.startswith("query") else "right")
    for query in report.queries:
        table.add_row(query.name, f"{query.p50_ms:.1f}", f"{query.p95_ms:.1f}", f"{query.mean_hits:.0f}")
    Console().print(table)
    click.echo(f"report: {path}")


def _bench_geo(lang: str, docs: int, seed: int, corpus_path: Path | None, out: Path) -> None:
    from vigie.geo.bench import format_geo_report, run_geo_bench, write_geo_report

    articles, corpus = _load_articles(lang, docs, seed, corpus_path)
    report = run_geo_bench(articles, corpus=corpus)
    path = write_geo_report(report, out)
    click.echo(format_geo_report(report))
    click.echo(f"report: {path}")


class _SpeedColumn(ProgressColumn):
    """Documents per second of a task, once rich has measured it."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f} docs/s" if task.speed else "", style="progress.data.speed")


def _load_articles(lang: str, docs: int, seed: int, corpus_path: Path | None) -> tuple[list[Article], str]:
    """The articles to run and a description of where they came from."""
    if corpus_path is None:
        from vigie.corpus import make_corpus

        return list(make_corpus(docs, (lang,), seed)), f"synthetic {lang}, seed {seed}"
    from vigie.readers import ReadFailure, read_articles

    articles: list[Article] = []
    for item in read_articles([corpus_path], lang=lang):
        if isinstance(item, ReadFailure):
            click.echo(f"skipped: {item}", err=True)
            continue
        articles.append(item)
        if len(articles) == docs:
            break
    if not articles:
        raise InputError("no readable articles", where=str(corpus_path))
    return articles, str(corpus_path)


def render_report(report: BenchReport) -> Table:
    """The figures of a run as a table: both sides, the ratio, then Vigie's seconds per stage."""
    table = Table(
        title=f"{report.documents} documents, {report.words:,} words ({report.corpus or report.lang})",
        title_justify="left",
    )
    table.add_column("")
    table.add_column("Vigie", justify="right")
    table.add_column(f"bare {report.model}", justify="right")
    vigie, bare = report.vigie, report.bare_spacy
    table.add_row("documents/s", f"{vigie.docs_per_s:,.1f}", f"{bare.docs_per_s:,.1f}")
    table.add_row("words/s", f"{vigie.words_per_s:,.0f}", f"{bare.words_per_s:,.0f}")
    table.add_row("seconds", f"{vigie.seconds:,.2f}", f"{bare.seconds:,.2f}")
    table.add_row("peak RSS (MB)", f"{vigie.peak_rss_mb:,.0f}", f"{bare.peak_rss_mb:,.0f}")
    if report.n_process > 1:
        table.add_row("worker peak RSS (MB)", f"{vigie.peak_worker_rss_mb:,.0f}", f"{bare.peak_worker_rss_mb:,.0f}")
    table.add_row("failed documents", str(vigie.errors), str(bare.errors))
    table.add_row("Vigie ÷ bare (docs/s)", f"{report.ratio:.2f}", "", end_section=True)
    total = sum(report.stage_seconds.values())
    for stage, seconds in report.stage_seconds.items():
        share = f" ({seconds / total:.0%})" if total else ""
        table.add_row(f"  stage {stage} (s)", f"{seconds:,.2f}{share}", "")
    return table
