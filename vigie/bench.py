"""Throughput and memory of Vigie's extraction against the bare model on the same texts (`vigie bench`).

One run measures both on the same articles, taking turns on slices of the corpus: the bare model, then
Vigie's `extract`. The bare model is the one Vigie's pipeline for the language runs on: the spaCy model
(`nlp.pipe`), natasha's own pipeline for Russian (razdel segmentation, slovnet morphology, syntax and NER
through natasha's Doc API), or spaCy's tokenizer alone (`blank:<code>`) for a language without a model.
Peak RSS is the process's high-water mark (`ru_maxrss`): one process holds both models, so it bounds
Vigie's own footprint from above.

`run_worker_bench` then measures the path `vigie batch` takes: the same articles, written as JSON Lines,
through `run_batch` on Dask LocalClusters of 1 and 2 (…) single-threaded worker processes, taking turns
slice by slice. Each cluster starts and every worker loads its models on a warm-up task before any clock
starts; the workers report their own peak RSS, CPU time and stage times (`_worker_probe`), so memory is
measured per worker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vigie.errors import ConfigError, InputError
from vigie.nlp import spacy_backend
from vigie.records import Article

logger = logging.getLogger(__name__)

BLANK_PREFIX = "blank:"
"""A model name such as "blank:uk" means spaCy's tokenizer alone, for languages without a packaged model."""
NATASHA = "natasha"
"""The model name of natasha's own pipeline, the bare side for languages whose backend is natasha."""

ProgressCallback = Callable[[str, int, int], None]
"""Called as on_progress(phase, done, total); phase is "bare model" or "Vigie"."""

PHASE_BARE, PHASE_VIGIE = "bare model", "Vigie"


class PhaseResult(BaseModel):
    """How fast one side processed the texts, and the memory high-water mark after it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seconds: float
    docs_per_s: float
    words_per_s: float
    peak_rss_mb: float = Field(description="ru_maxrss of this process after the phase, in MB (10^6 bytes).")
    peak_worker_rss_mb: float = Field(
        default=0.0, description="Largest ru_maxrss among worker processes so far (0 with one process)."
    )
    errors: int = Field(default=0, description="Documents whose processing raised; they count in the time.")


class WorkerRun(BaseModel):
    """The batch path (`run_batch` on a local Dask cluster) with one worker count, models loaded beforehand."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    workers: int
    seconds: float = Field(description="Wall time of `run_batch` over all the articles, Parquet written.")
    docs_per_s: float
    words_per_s: float
    peak_rss_mb: list[float] = Field(
        description="Each worker's own peak RSS at the end (`own_peak_rss_mb`), in MB (10^6 bytes)."
    )
    max_peak_rss_mb: float
    cpu_seconds: list[float] = Field(
        description="CPU time of each worker process from the end of its warm-up to "
        "the end of the last round (its idle turns included)."
    )
    driver_cpu_seconds: float = Field(
        description="CPU time of this process (client, scheduler, Parquet writing) during the timed run."
    )
    startup_seconds: float = Field(description="Cluster start and model loading on every worker, untimed.")
    load_average: list[float] = Field(
        default_factory=list, description="The machine's 1-minute load average as each round began."
    )
    rounds: int = Field(default=1, description="Slices of the corpus, each run by every worker count in turn.")
    partition_size: int
    partitions: int
    documents: int = Field(description="Documents extracted (written to Parquet).")
    items: int | None = Field(
        default=None,
        description="Articles this run was given (documents + errors): the whole corpus, or the "
        "--compare-docs sample when `sampled`. docs_per_s and words_per_s count these.",
    )
    words: int | None = Field(default=None, description="Whitespace-separated words in the articles of this run.")
    sampled: bool = Field(default=False, description="Ran on the --compare-docs sample, not on the whole corpus.")
    events: int
    errors: int = Field(description="Articles not extracted: those in the error table and in failed partitions.")
    stage_seconds: dict[str, float] = Field(
        default_factory=dict, description="Seconds per stage during the timed run, summed over the workers."
    )


class BenchReport(BaseModel):
    """One benchmark run: what ran on what, both sides' figures, and Vigie's time per stage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    created_at: dt.datetime
    lang: str | None
    model: str = Field(
        description="The bare run: a spaCy model, 'natasha' (natasha's own pipeline) or "
        "blank:<code> (spaCy's tokenizer alone)."
    )
    corpus: str | None = Field(default=None, description="Where the articles came from.")
    documents: int = Field(
        description="Documents of the in-process comparison: Vigie and the bare model each ran "
        "these (the --compare-docs sample when `sample` is set)."
    )
    words: int = Field(description="Whitespace-separated words in the comparison's texts.")
    corpus_documents: int | None = Field(
        default=None,
        description="Documents of the whole corpus; more than `documents` when --compare-docs drew a "
        "sample. Each worker run says what it covered (`items`, `sampled`).",
    )
    sample: str | None = Field(
        default=None, description="How the comparison's documents were drawn from the corpus (None: the whole corpus)."
    )
    n_process: int
    vigie: PhaseResult
    bare_spacy: PhaseResult = Field(description="The bare model's figures (the name predates natasha).")
    ratio: float = Field(description="Vigie's docs/s divided by the bare model's: 0.25 means four times slower.")
    stage_seconds: dict[str, float] = Field(
        default_factory=dict, description="Vigie's seconds per stage during the measured run (one process only)."
    )
    worker_runs: list[WorkerRun] = Field(
        default_factory=list, description="The batch path on a local Dask cluster, per worker count."
    )
    scaling: dict[str, float] = Field(
        default_factory=dict,
        description="docs/s with N workers divided by docs/s with one, keyed by N (e.g. '2': 1.8); rates per "
        "document, so runs over different numbers of documents (--compare-docs) compare.",
    )
    batch_ratio: float | None = Field(
        default=None, description="docs/s of the batch path with one worker divided by the bare model's."
    )
    environment: dict[str, str] = Field(default_factory=dict)

    def with_worker_runs(self, runs: Sequence[WorkerRun]) -> BenchReport:
        """This report with the batch-path runs, their scaling over one worker and the one-worker ratio to bare."""
        # Ratios of documents per second computed from counts and seconds, not from the rounded docs/s: the runs
        # need not cover the same documents (--compare-docs).
        one = next((r for r in runs if r.workers == 1 and r.seconds), None)
        scaling = {
            str(r.workers): round(_rate(r) / _rate(one), 4)
            for r in runs
            if one is not None and r.seconds and r.workers != 1
        }
        bare = self.documents / self.bare_spacy.seconds if self.bare_spacy.seconds else 0.0
        batch_ratio = round(_rate(one) / bare, 4) if one is not None and bare else None
        return self.model_copy(update={"worker_runs": list(runs), "scaling": scaling, "batch_ratio": batch_ratio})


def _rate(run: WorkerRun) -> float:
    """Articles per second of a worker run (reports written before `items` existed: documents and errors)."""
    items = run.items if run.items is not None else run.documents + run.errors
    return items / run.seconds if run.seconds else 0.0


def spread_sample(articles: Sequence[Article], k: int) -> list[Article]:
    """`k` articles spread evenly over `articles` (the i-th is article i*n//k, the first included), in order;
    all of them when k is not smaller."""
    if k < 1:
        raise InputError(f"a sample needs at least 1 document, got {k}")
    n = len(articles)
    return list(articles) if k >= n else [articles[i * n // k] for i in range(k)]


def describe_sample(k: int, n: int) -> str:
    """What `spread_sample` drew from n articles, for the report."""
    return f"{k} of {n} documents spread evenly: document i*{n}//{k} for i = 0..{k - 1}"


def load_bare(model_name: str) -> Any:
    """The bare side of a run: natasha's own pipeline for "natasha", else a spaCy pipeline (`load_spacy`)."""
    return NatashaPipeline() if model_name == NATASHA else load_spacy(model_name)


def bare_model_name(lang: str, backend: str) -> str:
    """The bare model to compare a language's pipeline with: its spaCy model, natasha's own pipeline, or
    spaCy's tokenizer alone for a language without a model (backend "none")."""
    if backend == NATASHA:
        return NATASHA
    return f"{BLANK_PREFIX}{lang}" if backend == "none" else backend


class NatashaPipeline:
    """natasha as its users run it, through the Doc API: segment, morphology, syntax, NER.

    natasha's own models and batch sizes, as shipped; numpy's BLAS is held to the thread count Vigie's
    natasha backend uses, so that both sides run under the same conditions. `pipe` mirrors spaCy's
    (`n_process` workers forked; they return nothing, only the time counts).
    """

    def __init__(self) -> None:
        try:
            from natasha import (
                NewsEmbedding,
                NewsMorphTagger,
                NewsNERTagger,
                NewsSyntaxParser,
                Segmenter,
            )
            from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
        except ImportError as err:
            raise ConfigError(
                f"natasha's pipeline needs a package that is not installed ({err.name})",
                hint="install it with: pip install natasha==1.6.0 threadpoolctl==3.8.0",
            ) from err
        from vigie.nlp.natasha_backend import BLAS_THREADS

        emb = NewsEmbedding()
        self.segmenter = Segmenter()
        self.morph, self.syntax, self.ner = NewsMorphTagger(emb), NewsSyntaxParser(emb), NewsNERTagger(emb)
        self.threads, self.blas_threads = ThreadpoolController(), BLAS_THREADS
        self.lang, self.pipe_names = "ru", ["segment", "morph", "syntax", "ner"]

    def __call__(self, text: str) -> Any:
        from natasha import Doc

        with self.threads.limit(limits=self.blas_threads, user_api="blas"):
            doc = Doc(text)
            doc.segment(self.segmenter)
            doc.tag_morph(self.morph)
            doc.parse_syntax(self.syntax)
            doc.tag_ner(self.ner)
        return doc

    def pipe(self, texts: Iterable[str], n_process: int = 1, batch_size: int = 0) -> Iterator[Any]:
        """Each text through the pipeline; `batch_size` is spaCy's and unused (natasha batches sentences)."""
        if n_process == 1:
            for text in texts:
                yield self(text)
            return
        global _worker_natasha
        _worker_natasha = self
        try:
            with multiprocessing.get_context("fork").Pool(n_process) as pool:
                yield from pool.imap(_natasha_in_worker, texts, chunksize=4)
        finally:
            _worker_natasha = None


_worker_natasha: NatashaPipeline | None = None


def _natasha_in_worker(text: str) -> None:
    assert _worker_natasha is not None
    _worker_natasha(text)


def load_spacy(model_name: str) -> Any:
    """A spaCy pipeline by package name, or the tokenizer alone for "blank:<code>"."""
    import spacy

    if model_name.startswith(BLANK_PREFIX):
        return spacy.blank(model_name.removeprefix(BLANK_PREFIX))
    return spacy_backend.load_model(model_name)


# Documents each side handles in one turn, and spaCy's batch for the bare side: its default batch of
# 1,000 long articles holds gigabytes of parses at once, which is not how a pipeline runs.
TURN_SIZE = 50
BARE_BATCH_SIZE = 32


def run_bench(
    articles: Sequence[Article],
    *,
    extract: Callable[[Article], object],
    model_name: str,
    n_process: int = 1,
    stage_times: Callable[[], dict[str, float]] | None = None,
    nlp: Any = None,
    lang: str | None = None,
    corpus: str | None = None,
    warmup: int = 1,
    on_progress: ProgressCallback | None = None,
    corpus_documents: int | None = None,
    sample: str | None = None,
) -> BenchReport:
    """Time the bare model, then `extract`, on the same articles and report both.

    `articles` may be a sample of a larger corpus: `corpus_documents` (the corpus's size, default the
    articles') and `sample` (how they were drawn) go into the report as they are.

    `stage_times` returns Vigie's cumulative seconds per stage; the report keeps what the measured run
    added. `nlp` replaces `load_bare(model_name)` (tests pass a blank pipeline). The first `warmup`
    articles go through each side once untimed, so lazy loading is not counted as throughput.
    """
    if not articles:
        raise InputError("no articles to benchmark", hint="check the corpus file or --docs")
    if n_process < 1:
        raise InputError(f"n_process must be at least 1, got {n_process}")
    texts = [a.text for a in articles]
    words = sum(len(t.split()) for t in texts)
    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    nlp = load_bare(model_name) if nlp is None else nlp
    for text in texts[:warmup]:
        nlp(text)
    for article in articles[:warmup]:
        _safe_extract(extract, article)
    # Workers keep their own stage clocks, so stage times are reported for one process only.
    clock = stage_times if n_process == 1 else None
    before = clock() if clock is not None else {}
    # The two sides take turns on slices of the corpus, so a machine whose load changes during the
    # run (other jobs, thermal limits) weighs on both alike and the ratio stays fair.
    bare_parts, vigie_parts = [], []
    for start in range(0, len(articles), TURN_SIZE):
        part = articles[start : start + TURN_SIZE]
        part_texts = texts[start : start + TURN_SIZE]
        part_words = sum(len(t.split()) for t in part_texts)
        bare_parts.append(
            _measure(
                _run_bare(nlp, part_texts, n_process),
                PHASE_BARE,
                len(part),
                part_words,
                _offset(on_progress, start, len(articles)),
            )
        )
        runner = _run_serial(extract, part) if n_process == 1 else _run_forked(extract, part, n_process)
        vigie_parts.append(
            _measure(runner, PHASE_VIGIE, len(part), part_words, _offset(on_progress, start, len(articles)))
        )
    bare, vigie = _total(bare_parts, len(articles), words), _total(vigie_parts, len(articles), words)
    after = clock() if clock is not None else {}
    stages = {name: round(after[name] - before.get(name, 0.0), 6) for name in after}

    return BenchReport(
        created_at=created_at,
        lang=lang,
        model=model_name,
        corpus=corpus,
        documents=len(articles),
        words=words,
        corpus_documents=corpus_documents or len(articles),
        sample=sample,
        n_process=n_process,
        vigie=vigie,
        bare_spacy=bare,
        ratio=round(bare.seconds / vigie.seconds, 4) if vigie.seconds else 0.0,  # same documents on both sides
        stage_seconds=stages,
        environment=_environment(),
    )


def bench_partition_size(documents: int, workers: int) -> int:
    """Partitions small enough that the last ones do not leave a worker idle for long (about 16 per
    worker), large enough to keep the per-partition cost (a task, a few Parquet files) small."""
    from vigie.batch import DEFAULT_PARTITION_SIZE

    return max(1, min(DEFAULT_PARTITION_SIZE, documents // (16 * max(1, workers))))


def bench_rounds(documents: int) -> int:
    """Rounds of the worker runs: slices of at least 250 documents, at most 4 of them."""
    return max(1, min(4, documents // 250))


WorkerProgress = Callable[[int, int, int], None]
"""Called as on_progress(workers, done, total) during a batch-path run."""


@dataclass
class _Tally:
    """One worker count's figures, summed over the rounds."""

    client: Any
    cluster: Any
    startup: float
    before: dict[str, dict[str, Any]]
    seconds: float = 0.0
    driver_cpu: float = 0.0
    loads: list[float] = field(default_factory=list)
    items: int = 0
    documents: int = 0
    events: int = 0
    errors: int = 0
    partitions: int = 0
    done: int = 0


def run_worker_bench(
    articles: Sequence[Article],
    worker_counts: Sequence[int],
    *,
    lang: str | None = None,
    partition_size: int | None = None,
    rounds: int | None = None,
    processes: bool = True,
    on_progress: WorkerProgress | None = None,
    sample: Sequence[Article] | None = None,
) -> list[WorkerRun]:
    """Run `articles` through `vigie batch`'s path (`run_batch`) with each worker count, on local clusters.

    Every count has its own cluster, started first; each worker runs a warm-up partition (models loaded)
    before any clock starts. The articles are cut into `rounds` slices written as JSON Lines (read by
    `run_batch` as `vigie batch` reads them); slice by slice, each cluster runs the slice in turn, so a
    change in the machine's load during the benchmark weighs on every count alike. Only `run_batch` is
    timed; its Parquet output goes to a temporary folder, deleted afterwards. One partition size serves
    every count (by default `bench_partition_size` of a slice for the largest count), so the runs differ
    only in their number of workers. `processes=False` runs the workers as threads (tests).

    With `sample` (a subset of `articles`, e.g. `spread_sample`), every count but the largest runs on the
    sample and the largest on all the articles, each cut into the same number of rounds; each run reports
    the articles it covered (`items`, `sampled`), and rates compare per document.
    """
    if not articles:
        raise InputError("no articles to benchmark", hint="check the corpus file or --docs")
    counts = list(dict.fromkeys(worker_counts))
    if not counts or min(counts) < 1:
        raise InputError(f"worker counts must be at least 1, got {list(worker_counts)}")
    if sample is not None and (not sample or len(sample) >= len(articles)):
        sample = None  # an empty sample or one as large as the corpus: every count runs on the corpus
    inputs = {c: sample if sample is not None and c != max(counts) else articles for c in counts}
    smallest = min(len(part) for part in inputs.values())
    n_rounds = max(1, min(rounds or bench_rounds(len(articles)), smallest))
    slices = {id(part): _slices(part, n_rounds) for part in inputs.values()}
    largest = slices[id(inputs[max(counts)])]
    size = partition_size or bench_partition_size(min(len(s) for s in largest), max(counts))
    tallies: dict[int, _Tally] = {}
    with tempfile.TemporaryDirectory(prefix="vigie-bench-") as temp, contextlib.ExitStack() as stack:
        files: dict[int, list[Path]] = {}
        for key, parts in slices.items():
            files[key] = []
            for number, part in enumerate(parts):
                files[key].append(Path(temp) / f"slice-{len(files)}-{number}.jsonl")
                with files[key][-1].open("w", encoding="utf-8", newline="\n") as handle:  # as --make-corpus writes
                    for article in part:
                        handle.write(article.model_dump_json(exclude_none=True) + "\n")
        for count in counts:
            tallies[count] = _start_workers(stack, count, articles[:2], lang=lang, processes=processes)
        for number in range(n_rounds):
            for count, tally in tallies.items():
                _timed_round(
                    tally,
                    files[id(inputs[count])][number],
                    Path(temp) / f"out-{count}",
                    count,
                    size,
                    len(inputs[count]),
                    lang,
                    None if on_progress is None else functools.partial(on_progress, count),
                )
        afters = {count: tally.client.run(_worker_probe, lang) for count, tally in tallies.items()}
    return [
        _worker_result(
            count,
            tally,
            afters[count],
            size,
            sum(len(a.text.split()) for a in inputs[count]),
            sampled=inputs[count] is not articles,
        )
        for count, tally in tallies.items()
    ]


def _slices(articles: Sequence[Article], rounds: int) -> list[Sequence[Article]]:
    n = len(articles)
    return [articles[i * n // rounds : (i + 1) * n // rounds] for i in range(rounds)]


def _start_workers(
    stack: contextlib.ExitStack, count: int, warmup: Sequence[Article], *, lang: str | None, processes: bool
) -> _Tally:
    """A local cluster of `count` workers, each with its models loaded, closed when `stack` closes."""
    from vigie.batch import connect

    started = time.perf_counter()
    client, cluster = connect("local", count, processes=processes)
    if cluster is not None:
        stack.callback(cluster.close)
    stack.callback(client.close)
    client.wait_for_workers(count)
    addresses = sorted(client.scheduler_info()["workers"])
    # One warm-up partition pinned to each worker: models load there, in the thread tasks run on.
    client.gather(
        [
            client.submit(_warm_up, list(warmup), workers=[address], allow_other_workers=False, pure=False)
            for address in addresses
        ]
    )
    before = client.run(_worker_probe, lang)
    return _Tally(client, cluster, time.perf_counter() - started, before)


def _timed_round(
    tally: _Tally,
    corpus: Path,
    out: Path,
    count: int,
    size: int,
    total: int,
    lang: str | None,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    from vigie.batch import run_batch

    def advance(finished: int, _: int) -> None:
        tally.done += finished
        if on_progress is not None:
            on_progress(tally.done, total)

    tally.loads.append(_load_average())
    driver_before = _cpu_seconds()
    clock = time.perf_counter()
    batch = run_batch(
        [corpus], out, client=tally.client, workers=count, partition_size=size, lang=lang, on_progress=advance
    )
    tally.seconds += time.perf_counter() - clock
    tally.driver_cpu += _cpu_seconds() - driver_before
    tally.items += batch.items
    tally.documents += batch.documents
    tally.events += batch.events
    tally.errors += batch.items - batch.documents  # the error table's, and those of any failed partition
    tally.partitions += batch.partitions


def _worker_result(
    count: int, tally: _Tally, after: dict[str, dict[str, Any]], size: int, words: int, *, sampled: bool = False
) -> WorkerRun:
    stages: dict[str, float] = {}
    for address, probe in after.items():
        earlier = tally.before.get(address, {}).get("stage_seconds", {})
        for name, value in probe["stage_seconds"].items():
            stages[name] = stages.get(name, 0.0) + value - earlier.get(name, 0.0)
    peaks = [after[a]["peak_rss_mb"] for a in sorted(after)]
    seconds = tally.seconds
    return WorkerRun(
        workers=count,
        seconds=round(seconds, 3),
        docs_per_s=round(tally.items / seconds, 3) if seconds else 0.0,
        words_per_s=round(words / seconds, 1) if seconds else 0.0,
        peak_rss_mb=peaks,
        max_peak_rss_mb=max(peaks, default=0.0),
        cpu_seconds=[
            round(after[a]["cpu_seconds"] - tally.before.get(a, {}).get("cpu_seconds", 0.0), 2) for a in sorted(after)
        ],
        driver_cpu_seconds=round(tally.driver_cpu, 2),
        startup_seconds=round(tally.startup, 2),
        load_average=tally.loads,
        rounds=len(tally.loads),
        partition_size=size,
        partitions=tally.partitions,
        documents=tally.documents,
        items=tally.items,
        words=words,
        sampled=sampled,
        events=tally.events,
        errors=tally.errors,
        stage_seconds={name: round(value, 4) for name, value in stages.items()},
    )


def _warm_up(articles: list[Article]) -> float:
    """On a worker: the task `vigie batch` runs, on a few articles, so that every model is loaded."""
    from vigie.batch import process_partition

    started = time.perf_counter()
    process_partition(articles)
    return time.perf_counter() - started


def _worker_probe(lang: str | None) -> dict[str, Any]:
    """On a worker (`client.run`): its pid, own peak RSS and CPU time, and its pipeline's stage times."""
    stages: dict[str, float] = {}
    if lang is not None:
        from vigie.pipeline import pipeline_for

        if pipeline_for.cache_info().currsize:  # never load a pipeline just to read its clock
            stages = pipeline_for(lang).stage_times()
    return {
        "pid": os.getpid(),
        "peak_rss_mb": own_peak_rss_mb(),
        "cpu_seconds": _cpu_seconds(),
        "stage_seconds": stages,
    }


def own_peak_rss_mb() -> float:
    """This process's own peak RSS in MB (10^6 bytes): Linux's VmHWM, the high-water mark of its address space.

    Not `ru_maxrss`: Linux carries it over fork and exec, so a Dask worker spawned by a nanny in a process
    that holds models would report that process's peak instead of its own. Elsewhere, `ru_maxrss`.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) * 1024 / 1e6, 1)
    except (OSError, ValueError):
        pass
    return _peak_rss_mb(resource.RUSAGE_SELF)


def _load_average() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # not every platform has one
        return 0.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_report(report: BenchReport, out_dir: Path = Path("bench/results")) -> Path:
    """Write the report as JSON in `out_dir` under a timestamped name, never over an older one; its path."""
    corpus = report.corpus_documents or report.documents
    stem = f"{report.created_at:%Y%m%dT%H%M%SZ}-{report.lang or 'all'}-{corpus}"
    if corpus != report.documents:  # e.g. ...-fr-20000-compare500: the comparison ran on a sample
        stem += f"-compare{report.documents}"
    return write_json_report(report, stem, out_dir)


def write_json_report(report: BaseModel, stem: str, out_dir: Path) -> Path:
    """Write any benchmark report as `out_dir/<stem>.json` (or `<stem>-N.json`, never over an older one)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        path = out_dir / (f"{stem}.json" if attempt == 1 else f"{stem}-{attempt}.json")
        try:
            with path.open("x", encoding="utf-8") as out:
                out.write(report.model_dump_json(indent=2) + "\n")
            return path
        except FileExistsError:
            continue
    raise InputError(f"too many reports named {stem}", where=str(out_dir))


# Phases: each runner yields, per document, None when it went through or the error it raised.


def _measure(
    runner: Iterable[str | None], phase: str, total: int, words: int, on_progress: ProgressCallback | None
) -> PhaseResult:
    errors = 0
    started = time.perf_counter()
    for done, error in enumerate(runner, start=1):
        if error is not None:
            # A failing document is counted and the batch goes on; one log line says why.
            if not errors:
                logger.warning("document failed during the benchmark", extra={"phase": phase, "reason": error})
            errors += 1
        if on_progress is not None:
            on_progress(phase, done, total)
    seconds = time.perf_counter() - started
    return PhaseResult(
        seconds=seconds,
        docs_per_s=round(total / seconds, 2) if seconds else 0.0,
        words_per_s=round(words / seconds, 1) if seconds else 0.0,
        peak_rss_mb=_peak_rss_mb(resource.RUSAGE_SELF),
        peak_worker_rss_mb=_peak_rss_mb(resource.RUSAGE_CHILDREN),
        errors=errors,
    )


def _run_bare(nlp: Any, texts: list[str], n_process: int) -> Iterator[str | None]:
    for _ in nlp.pipe(texts, n_process=n_process, batch_size=BARE_BATCH_SIZE):
        yield None


def _offset(on_progress: ProgressCallback | None, start: int, total: int) -> ProgressCallback | None:
    if on_progress is None:
        return None
    return lambda phase, done, _: on_progress(phase, start + done, total)


def _total(parts: list[PhaseResult], total: int, words: int) -> PhaseResult:
    seconds = sum(p.seconds for p in parts)
    return PhaseResult(
        seconds=seconds,
        docs_per_s=round(total / seconds, 2) if seconds else 0.0,
        words_per_s=round(words / seconds, 1) if seconds else 0.0,
        peak_rss_mb=max(p.peak_rss_mb for p in parts),
        peak_worker_rss_mb=max(p.peak_worker_rss_mb for p in parts),
        errors=sum(p.errors for p in parts),
    )


def _run_serial(extract: Callable[[Article], object], articles: Sequence[Article]) -> Iterator[str | None]:
    for article in articles:
        yield _safe_extract(extract, article)


def _safe_extract(extract: Callable[[Article], object], article: Article) -> str | None:
    try:
        extract(article)
    except Exception as err:
        return f"{article.doc_id}: {err!r}"
    return None


# Forked workers inherit the extract callable (often a bound method holding models, which need not pickle).
_worker_extract: Callable[[Article], object] | None = None


def _extract_in_worker(article: Article) -> str | None:
    assert _worker_extract is not None
    return _safe_extract(_worker_extract, article)


def _run_forked(
    extract: Callable[[Article], object], articles: Sequence[Article], n_process: int
) -> Iterator[str | None]:
    global _worker_extract
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        raise InputError("several processes need fork(), which this platform lacks", hint="use one") from None
    _worker_extract = extract
    try:
        with context.Pool(n_process) as pool:
            yield from pool.imap_unordered(_extract_in_worker, articles, chunksize=4)
    finally:
        _worker_extract = None


def _peak_rss_mb(who: int) -> float:
    peak = resource.getrusage(who).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return round(peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6, 1)


def _environment() -> dict[str, str]:
    from vigie import __version__

    return {
        "vigie": __version__,
        "python": platform.python_version(),
        "spacy": metadata.version("spacy"),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count() or 0),
    }
