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

from vigie.bench import (
    BenchReport,
    WorkerRun,
    bare_model_name,
    describe_sample,
    run_bench,
    run_worker_bench,
    spread_sample,
    write_report,
)
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
    type=click.Path(path_type=Path),
    help="Folder for the JSON report; with --make-corpus, the corpus file (.jsonl) or folder [bench/corpus].",
)
@click.option(
    "--n-process",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes of the in-process comparison (Vigie beside the bare model).",
)
@click.option(
    "--workers",
    "worker_counts",
    default="1,2",
    show_default=True,
    metavar="N[,N…]",
    callback=lambda ctx, param, value: _worker_counts(value),
    help="Then run the corpus through `vigie batch`'s path on a local Dask cluster of N worker "
    "processes, for each N in turn (0: skip).",
)
@click.option(
    "--compare-docs",
    type=click.IntRange(min=1),
    metavar="K",
    help="Run the in-process comparison (Vigie beside the bare model) and every worker count but the "
    "largest on K documents spread evenly over the corpus; the largest count runs on all --docs. "
    "The report says which run covered how many documents; rates compare per document.",
)
@click.option(
    "--make-corpus",
    "make_corpus_n",
    type=click.IntRange(min=1),
    metavar="N",
    help="Write N synthetic articles (--lang fr, en, ru or all) as JSON Lines to --out and exit.",
)
@click.option("--quiet", is_flag=True, help="No progress display.")
@click.option("--store", "store_bench", is_flag=True, help="Benchmark the event store instead (needs an empty --db).")
@click.option(
    "--events",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="With --store or --api: synthetic events to load.",
)
@click.option(
    "--keep-indexes",
    is_flag=True,
    help="With --store: load without setting the read indexes aside (each kept up to date row by row), to compare.",
)
@click.option(
    "--geo",
    "geo_bench",
    is_flag=True,
    help="Benchmark the geoparser instead: gazetteer load, both `vigie geo` modes, resolutions/s.",
)
@click.option(
    "--api",
    "api_bench",
    is_flag=True,
    help="Benchmark the HTTP API instead: `vigie serve` on --db (filled with --events synthetic events "
    "if it has none) under --clients concurrent clients; p50/p95 of /api/events and /api/stats.",
)
@click.option(
    "--clients", default=50, show_default=True, type=click.IntRange(min=1), help="With --api: concurrent clients."
)
@click.option(
    "--seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="With --api: measured seconds (after a warm-up of 5 s, or a quarter of this if less).",
)
@click.option(
    "--server-workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --api: server processes (`vigie serve --workers`) [default: one a core].",
)
@db_option
def bench(
    lang: str,
    docs: int,
    seed: int,
    corpus_path: Path | None,
    out: Path,
    n_process: int,
    worker_counts: tuple[int, ...],
    compare_docs: int | None,
    make_corpus_n: int | None,
    quiet: bool,
    store_bench: bool,
    events: int,
    keep_indexes: bool,
    geo_bench: bool,
    api_bench: bool,
    clients: int,
    seconds: float,
    server_workers: int | None,
    db: str | None,
) -> None:
    """Measure documents/s, words/s and peak memory of Vigie against the bare model on the same texts (the
    language's spaCy model, natasha's own pipeline for Russian, spaCy's tokenizer where there is no model);
    with --store, the event store's bulk load (events/s) and the p50/p95 latency of five typical queries; with
    --api, requests/s and p50/p95 of /api/events (box + dates) and /api/stats from concurrent clients of `vigie serve`.

    Example: vigie bench --lang fr --docs 2000 --workers 1,2

    Example: vigie bench --lang fr --docs 20000 --compare-docs 500 --workers 1,2

    Example: vigie bench --make-corpus 20000 --lang all --out bench/corpus/

    Example: vigie bench --store --events 1000000 --db /tmp/bench.db

    Example: vigie bench --geo --docs 500

    Example: vigie bench --api --events 1000000 --db /tmp/bench1m.db --clients 50 --seconds 60
    """
    if api_bench:
        _bench_api(db, events, seed, clients, seconds, server_workers, out, quiet)
        return
    if geo_bench:  # English unless --lang says otherwise (the figures are on English news)
        explicit = click.get_current_context().get_parameter_source("lang") != click.core.ParameterSource.DEFAULT
        _bench_geo(lang if explicit else "en", docs, seed, corpus_path, out)
        return
    if store_bench:
        _bench_store(db, events, seed, out, quiet, bulk=not keep_indexes)
        return
    out_given = click.get_current_context().get_parameter_source("out") != click.core.ParameterSource.DEFAULT
    if make_corpus_n is not None:
        _make_corpus(make_corpus_n, lang, seed, out if out_given else Path("bench/corpus"))
        return
    if lang == "all":
        raise InputError("--lang all is for --make-corpus only", hint="benchmark one language at a time")
    if out.is_file():
        raise InputError("--out must be a folder for the report", where=str(out))
    from vigie.lang.loader import load_language
    from vigie.pipeline import Pipeline

    articles, corpus = _load_articles(lang, docs, seed, corpus_path)
    sample = spread_sample(articles, compare_docs) if compare_docs and compare_docs < len(articles) else None
    pipeline = Pipeline.for_language(lang)
    model = bare_model_name(lang, load_language(lang).backend)
    with _progress(quiet, speed=True) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done)

        report = run_bench(
            sample or articles,
            extract=pipeline.extract,
            stage_times=pipeline.stage_times,
            model_name=model,
            n_process=n_process,
            lang=lang,
            corpus=corpus,
            on_progress=advance,
            corpus_documents=len(articles),
            sample=describe_sample(len(sample), len(articles)) if sample else None,
        )
        if worker_counts:
            runs = run_worker_bench(
                articles,
                worker_counts,
                lang=lang,
                sample=sample,
                on_progress=lambda n, done, total: advance(_workers(n), done, total),
            )
            report = report.with_worker_runs(runs)
    path = write_report(report, out)
    Console().print(render_report(report))
    if report.worker_runs:
        Console().print(render_worker_runs(report))
    click.echo(f"report: {path}")
    failed = report.vigie.errors + sum(r.errors for r in report.worker_runs)
    if failed:
        click.echo(f"{failed} documents failed; see the log above", err=True)
        raise SystemExit(1)


def _worker_counts(value: str) -> tuple[int, ...]:
    """--workers: comma-separated counts of at least 1, in the order given; 0 alone for none."""
    try:
        counts = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"expected counts such as 1,2, got {value!r}") from None
    if counts == (0,):
        return ()
    if not counts or min(counts) < 1:
        raise click.BadParameter(f"expected counts of at least 1 such as 1,2 (or 0 for none), got {value!r}")
    return counts


def _workers(n: int) -> str:
    return f"{n} worker" if n == 1 else f"{n} workers"


def _make_corpus(n: int, lang: str, seed: int, out: Path) -> None:
    from vigie.corpus import corpus_languages, write_corpus

    langs = corpus_languages() if lang == "all" else [lang]
    path = write_corpus(out, n, langs, seed)
    click.echo(f"wrote {n:,} synthetic articles ({', '.join(langs)}, seed {seed}) to {path}")


def _bench_store(db: str | None, events: int, seed: int, out: Path, quiet: bool, *, bulk: bool) -> None:
    from vigie.store_bench import run_store_bench, write_store_report

    if db is None:
        raise InputError("vigie bench --store needs --db", hint="a new SQLite file or an empty PostgreSQL database")
    with _progress(quiet) as progress:
        task = progress.add_task("loading", total=events)
        report = run_store_bench(
            db, events, seed, on_progress=lambda n: progress.update(task, completed=n), bulk=bulk
        )
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


def _bench_api(
    db: str | None, events: int, seed: int, clients: int, seconds: float, workers: int | None, out: Path, quiet: bool
) -> None:
    import os
    import tempfile

    from vigie.api_bench import render_api_report, run_api_bench, write_api_report

    # Without --db, a store kept in the temporary folder: the next run with the same --events reuses it.
    db = db or str(Path(tempfile.gettempdir()) / f"vigie-bench-api-{events}-{seed}.db")
    with _progress(quiet) as progress:
        task = progress.add_task("loading", total=events, visible=False)

        def loaded(n: int) -> None:
            progress.update(task, completed=n, visible=True)

        report = run_api_bench(
            db,
            events,
            clients,
            seconds,
            seed=seed,
            workers=workers or os.cpu_count() or 1,
            on_progress=loaded,
            on_phase=None if quiet else lambda phase: click.echo(phase, err=True),
        )
    path = write_api_report(report, out)
    Console().print(render_api_report(report))
    click.echo(f"report: {path}")
    if report.errors:
        click.echo(f"{report.errors} requests failed, e.g. {report.error_samples[0]}", err=True)
        raise SystemExit(1)


def _progress(quiet: bool, *, speed: bool = False) -> Progress:
    """A progress bar on stderr (off when quiet or not a terminal), with documents/s when `speed`."""
    columns: list[ProgressColumn] = [TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn()]
    columns += [_SpeedColumn()] if speed else []
    return Progress(
        *columns,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    )


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


def render_worker_runs(report: BenchReport) -> Table:
    """The batch-path runs side by side: throughput, scaling over one worker, memory per worker, stages."""
    runs = report.worker_runs
    table = Table(
        title=f"`vigie batch` path on local Dask clusters, models loaded first, {runs[0].rounds} round(s) "
        f"taken in turn, partitions of {runs[0].partition_size}",
        title_justify="left",
    )
    table.add_column("")
    for run in runs:
        table.add_column(_workers(run.workers), justify="right")
    table.add_row("documents run", *(_covered(r) for r in runs))
    table.add_row("documents/s", *(f"{r.docs_per_s:,.2f}" for r in runs))
    table.add_row("words/s", *(f"{r.words_per_s:,.0f}" for r in runs))
    table.add_row("seconds", *(f"{r.seconds:,.1f}" for r in runs))
    table.add_row("× 1 worker", *(f"{report.scaling.get(str(r.workers), 1.0):.2f}" for r in runs))
    table.add_row("peak RSS per worker (MB)", *(", ".join(f"{m:,.0f}" for m in r.peak_rss_mb) for r in runs))
    table.add_row("worker CPU (s)", *(", ".join(f"{c:,.0f}" for c in r.cpu_seconds) for r in runs))
    table.add_row("driver CPU (s)", *(f"{r.driver_cpu_seconds:,.1f}" for r in runs))
    table.add_row("load average (per round)", *(", ".join(f"{x:.1f}" for x in r.load_average) for r in runs))
    table.add_row("failed documents", *(str(r.errors) for r in runs))
    if report.batch_ratio is not None:
        table.add_row("1 worker ÷ bare (docs/s)", f"{report.batch_ratio:.2f}", *([""] * (len(runs) - 1)))
    table.add_section()
    for stage in runs[0].stage_seconds:
        table.add_row(f"  stage {stage} (s)", *(f"{r.stage_seconds.get(stage, 0.0):,.1f}" for r in runs))
    return table


def _covered(run: WorkerRun) -> str:
    items = run.items if run.items is not None else run.documents + run.errors
    return f"{items:,} (sample)" if run.sampled else f"{items:,}"


def render_report(report: BenchReport) -> Table:
    """The figures of a run as a table: both sides, the ratio, then Vigie's seconds per stage."""
    of = f" of {report.corpus_documents:,}" if report.sample and report.corpus_documents else ""
    table = Table(
        title=f"{report.documents:,}{of} documents, {report.words:,} words ({report.corpus or report.lang})",
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
