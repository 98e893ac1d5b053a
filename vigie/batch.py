"""Batch extraction on Dask: articles in, Parquet out, resumable partition by partition.

The client reads the articles (files, folders, JSON Lines, Parquet with a `text` column), drops repeated
texts (as `vigie ingest` does with a store), and cuts the stream into partitions of a fixed number of items.
A partition's id is a hash of its content, so the same input always gives the same partitions. Each partition
runs as one Dask task calling `extract()` on every article (models load once per worker process: see
`vigie.pipeline.pipeline_for`); the client writes what comes back, so workers need no shared filesystem:

    OUT/events/month=YYYY-MM|undated/lang=LL/part-ID.parquet   one row per event (`record` holds its JSON)
    OUT/documents/part-ID.parquet                              one row per document: summary and text
    OUT/errors/part-ID.parquet                                 articles that could not be read or extracted
    OUT/_partitions/ID.json                                    written last: the partition is complete

Every file is written under a hidden temporary name and renamed, and the marker comes last, so a run killed
at any moment leaves complete partitions and nothing a reader would take for data; running again skips the
partitions that have a marker and rewrites the others under the same names.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
import json
import logging
import os
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from vigie.document import content_hash
from vigie.errors import ConfigError, InputError
from vigie.readers import METADATA_KEYS, ReadFailure, is_article_file, parse_published, read_articles
from vigie.records import Article, DocumentSummary, EventRecord

logger = logging.getLogger(__name__)

FORMAT = 1
"""Version of the output layout; part of every partition id, so a new layout never reuses old partitions."""

DEFAULT_PARTITION_SIZE = 100
UNDATED = "undated"
UNKNOWN_LANG = "und"
EVENTS, DOCUMENTS, ERRORS, MARKERS = "events", "documents", "errors", "_partitions"
_MONTH = re.compile(r"\d{4}-\d{2}")
_PART = re.compile(r"part-([0-9a-f]+)\.parquet")

Item = Article | ReadFailure

EVENT_SCHEMA = pa.schema([
    ("id", pa.string()), ("doc_id", pa.string()), ("type", pa.string()), ("mode", pa.string()),
    ("date", pa.string()), ("date_end", pa.string()), ("date_precision", pa.string()),
    ("date_status", pa.string()), ("place_name", pa.string()), ("country", pa.string()),
    ("lat", pa.float64()), ("lon", pa.float64()), ("attribution", pa.string()), ("confidence", pa.float64()),
    ("flags", pa.list_(pa.string())), ("record", pa.string()),
])  # fmt: skip
"""Events: the fields people filter on as columns, the whole EventRecord as JSON in `record`. The month and
language are the partition folders (hive style: month=…/lang=…), so readers such as pyarrow.dataset, DuckDB
or dask.dataframe get them back as columns."""

DOCUMENT_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("content_hash", pa.string()), ("lang", pa.string()),
    ("lang_confidence", pa.float64()), ("published", pa.date32()), ("url", pa.string()),
    ("source", pa.string()), ("title", pa.string()), ("path", pa.string()), ("outcome", pa.string()),
    ("reason", pa.string()), ("event_count", pa.int64()), ("text", pa.string()),
])  # fmt: skip

ERROR_SCHEMA = pa.schema([
    ("path", pa.string()), ("doc_id", pa.string()), ("stage", pa.string()), ("reason", pa.string()),
])  # fmt: skip


# -- reading on the client ----------------------------------------------------------------------------------


def read_inputs(
    paths: Iterable[Path],
    *,
    lang: str | None = None,
    published: dt.date | None = None,
    encoding: str | None = None,
) -> Iterator[Item]:
    """`read_articles()` plus Parquet files (given, or found in folders) with a `text` column."""
    for path in paths:
        if path.is_dir():
            parquets = sorted(p for p in path.rglob("*.parquet") if not _hidden(p, path))
            has_articles = any(is_article_file(p.name) and not _hidden(p, path) for p in path.rglob("*"))
            if has_articles or not parquets:
                yield from read_articles([path], lang=lang, published=published, encoding=encoding)
            for parquet in parquets:
                yield from read_parquet(parquet, lang=lang, published=published)
        elif path.suffix.lower() == ".parquet":
            yield from read_parquet(path, lang=lang, published=published)
        else:
            yield from read_articles([path], lang=lang, published=published, encoding=encoding)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def read_parquet(path: Path, *, lang: str | None = None, published: dt.date | None = None) -> Iterator[Item]:
    """One article per row of a Parquet file: `text` is required; doc_id, lang, published, url, source and
    title are read when present. A bad row is a ReadFailure named FILE:ROW (rows count from 1)."""
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as err:
        yield ReadFailure(str(path), None, f"not a readable Parquet file ({err})")
        return
    columns = [c for c in ("text", *METADATA_KEYS) if c in parquet.schema_arrow.names]
    if "text" not in columns:
        yield ReadFailure(str(path), None, "Parquet file without a 'text' column")
        return
    number = 0
    for batch in parquet.iter_batches(batch_size=1024, columns=columns):
        for row in batch.to_pylist():
            number += 1
            yield _parquet_row(path, number, row, lang, published)
    if number == 0:
        yield ReadFailure(str(path), None, "empty file")


def _parquet_row(path: Path, number: int, row: dict[str, Any], lang: str | None, published: dt.date | None) -> Item:
    raw_id = row.get("doc_id")
    doc_id = str(raw_id).strip() if isinstance(raw_id, str | int) and str(raw_id).strip() else f"{path.stem}-{number}"
    where = f"{path}:{number}"
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return ReadFailure(str(path), doc_id, f"row {number}: empty or missing 'text'")
    fields: dict[str, Any] = {"text": text, "path": where, "doc_id": doc_id}
    for key in ("url", "source", "title", "lang"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            fields[key] = value.strip().lower() if key == "lang" else value.strip()
    value = row.get("published")
    try:
        if isinstance(value, dt.datetime):
            fields["published"] = value.date()
        elif isinstance(value, dt.date):
            fields["published"] = value
        elif isinstance(value, str) and value.strip():
            fields["published"] = parse_published(value)
    except Exception as err:  # the reader's own one-line reason
        return ReadFailure(str(path), doc_id, f"row {number}: {err}")
    if lang is not None:
        fields["lang"] = lang.strip().lower()
    if published is not None:
        fields["published"] = published
    return Article.model_validate(fields)


@dataclass(frozen=True)
class Partition:
    index: int
    id: str
    items: tuple[Item, ...]


def partitions(
    items: Iterable[Item],
    size: int,
    on_duplicate: Callable[[Article], None] | None = None,
) -> Iterator[Partition]:
    """Consecutive partitions of `size` items (the last may be shorter), repeated texts dropped."""
    if size < 1:
        raise InputError(f"partition size must be at least 1, got {size}")
    seen: set[bytes] = set()
    chunk: list[Item] = []
    index = 0
    for item in items:
        if isinstance(item, Article):
            digest = hashlib.sha256(item.text.encode("utf-8")).digest()[:16]
            if digest in seen:
                if on_duplicate:
                    on_duplicate(item)
                continue
            seen.add(digest)
        chunk.append(item)
        if len(chunk) == size:
            yield Partition(index, partition_id(chunk), tuple(chunk))
            index += 1
            chunk = []
    if chunk:
        yield Partition(index, partition_id(chunk), tuple(chunk))


def partition_id(items: Sequence[Item]) -> str:
    """A hash of the layout version and of every item (text and metadata, or the failure)."""
    digest = hashlib.sha256(f"vigie-batch:{FORMAT}\n".encode())
    for item in items:
        if isinstance(item, Article):
            digest.update(b"A" + item.model_dump_json().encode("utf-8") + b"\n")
        else:
            digest.update(b"F" + json.dumps([item.path, item.doc_id, item.reason]).encode("utf-8") + b"\n")
    return digest.hexdigest()[:20]


# -- the task, on a worker ----------------------------------------------------------------------------------


@functools.cache
def _worker_setup() -> None:
    """Once per worker process: quiet third-party loggers (models load lazily in `pipeline_for`, cached)."""
    for name in ("dateparser", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def process_partition(items: Sequence[Item]) -> dict[str, pa.Table]:
    """Extract every article of a partition: Arrow tables of its events, documents and errors.

    Any exception from one article is that article's error; the others go on.
    """
    from vigie.pipeline import extract

    _worker_setup()
    events: list[EventRecord] = []
    documents: list[tuple[DocumentSummary, str]] = []
    errors: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, ReadFailure):
            errors.append({"path": item.path, "doc_id": item.doc_id, "stage": "read", "reason": item.reason})
            continue
        try:
            result = extract(item)
            summary = result.summary()
        except Exception as err:
            label = item.path or item.doc_id or "article"
            reason = f"{type(err).__name__}: {err}"
            logger.warning("article skipped", extra={"path": label, "reason": reason})
            errors.append({"path": label, "doc_id": item.doc_id, "stage": "extract", "reason": reason})
            continue
        documents.append((summary, item.text))
        events.extend(result.events)
    return {
        EVENTS: events_table(events),
        DOCUMENTS: documents_table(documents),
        ERRORS: pa.Table.from_pylist(errors, schema=ERROR_SCHEMA),
    }


def events_table(events: Sequence[EventRecord]) -> pa.Table:
    rows = [
        {
            "id": e.id, "doc_id": e.doc_id, "type": e.type, "mode": e.mode, "date": e.date, "date_end": e.date_end,
            "date_precision": e.date_precision, "date_status": e.date_status, "place_name": e.place.name,
            "country": e.place.country, "lat": e.place.lat, "lon": e.place.lon,
            "attribution": e.attribution.status, "confidence": e.confidence, "flags": list(e.flags),
            "record": e.model_dump_json(), "_month": event_month(e), "_lang": e.lang or UNKNOWN_LANG,
        }
        for e in events
    ]  # fmt: skip
    schema = EVENT_SCHEMA.append(pa.field("_month", pa.string())).append(pa.field("_lang", pa.string()))
    return pa.Table.from_pylist(rows, schema=schema)


def documents_table(documents: Sequence[tuple[DocumentSummary, str]]) -> pa.Table:
    rows = [{**s.model_dump(exclude={"ingested_at"}), "text": text} for s, text in documents]
    return pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def event_month(event: EventRecord) -> str:
    """The year-month partition of an event: YYYY-MM of its date, 'undated' when it has none."""
    date = event.date or ""
    return date[:7] if _MONTH.match(date) else UNDATED


# -- writing on the client ----------------------------------------------------------------------------------


def marker_path(out: Path, pid: str) -> Path:
    return out / MARKERS / f"{pid}.json"


def is_done(out: Path, pid: str) -> bool:
    return marker_path(out, pid).is_file()


def write_partition(out: Path, partition: Partition, tables: dict[str, pa.Table]) -> dict[str, int]:
    """Write a partition's files atomically, then its marker; returns its counts."""
    pid = partition.id
    events = tables[EVENTS]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (month, lang) in enumerate(
        zip(events.column("_month").to_pylist(), events.column("_lang").to_pylist(), strict=True)
    ):
        groups[(month, lang)].append(i)
    plain = events.drop_columns(["_month", "_lang"])
    for (month, lang), rows in sorted(groups.items()):
        folder = out / EVENTS / f"month={month}" / f"lang={_safe(lang)}"
        _write_table(plain.take(rows), folder / f"part-{pid}.parquet")
    _write_table(tables[DOCUMENTS], out / DOCUMENTS / f"part-{pid}.parquet")
    if tables[ERRORS].num_rows:
        _write_table(tables[ERRORS], out / ERRORS / f"part-{pid}.parquet")
    counts = {
        "index": partition.index, "items": len(partition.items), "documents": tables[DOCUMENTS].num_rows,
        "events": events.num_rows, "errors": tables[ERRORS].num_rows,
    }  # fmt: skip
    _write_bytes(
        json.dumps({"id": pid, "format": FORMAT, **counts}, sort_keys=True).encode() + b"\n", marker_path(out, pid)
    )
    return counts


def _safe(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", value) or UNKNOWN_LANG


def _temp_name(path: Path) -> Path:
    # Hidden (leading dot): pyarrow.dataset, DuckDB and Dask skip it, so a killed write is never read as data.
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def _write_table(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_name(path)
    try:
        pq.write_table(table, temp, compression="zstd")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _write_bytes(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_name(path)
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def remove_temporaries(out: Path) -> int:
    """Delete the temporary files a killed run left behind; how many there were."""
    removed = 0
    if out.is_dir():
        for temp in out.rglob(".part-*.tmp"):
            temp.unlink(missing_ok=True)
            removed += 1
        for temp in out.rglob(".*.json.*.tmp"):
            temp.unlink(missing_ok=True)
            removed += 1
    return removed


# -- the run ------------------------------------------------------------------------------------------------


@dataclass
class BatchReport:
    partitions: int = 0
    skipped_partitions: int = 0
    failed_partitions: list[str] = field(default_factory=list)
    items: int = 0
    duplicates: int = 0
    documents: int = 0
    events: int = 0
    errors: int = 0
    seconds: float = 0.0
    dashboard: str | None = None


@dataclass(frozen=True)
class BatchPlan:
    """What pass one found: every partition's index, id and size, and which are still to do."""

    partitions: list[tuple[int, str, int]]
    duplicates: int
    pending: set[str]

    @property
    def pending_items(self) -> int:
        return sum(n for _, pid, n in self.partitions if pid in self.pending)


def plan(read: Callable[[], Iterable[Item]], out: Path, size: int) -> BatchPlan:
    """Pass one over the input: the partitions and which have no marker yet (articles are not kept)."""
    duplicates = 0

    def count(_: Article) -> None:
        nonlocal duplicates
        duplicates += 1

    found = [(p.index, p.id, len(p.items)) for p in partitions(read(), size, count)]
    return BatchPlan(found, duplicates, {pid for _, pid, _ in found if not is_done(out, pid)})


ProgressCallback = Callable[[int, int], None]
"""Called with (items just finished, items in total to do)."""


def run_batch(
    paths: Sequence[Path],
    out: Path,
    *,
    scheduler: str = "local",
    workers: int = 2,
    processes: bool = True,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    lang: str | None = None,
    published: dt.date | None = None,
    encoding: str | None = None,
    on_start: Callable[[BatchReport, int], None] | None = None,
    on_progress: ProgressCallback | None = None,
    on_partition_error: Callable[[str, BaseException], None] | None = None,
    client: Any = None,
) -> BatchReport:
    """Extract every article of `paths` on Dask and write the Parquet layout above under `out`.

    `scheduler` is 'local' (a LocalCluster of `workers` single-threaded worker processes, or threads with
    `processes=False`) or the address of a running Dask scheduler. Partitions already written are skipped.
    A `client` already connected (`vigie bench` warms its workers up first) is used instead, and left open.
    """
    from distributed import as_completed

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    remove_temporaries(out)

    def read() -> Iterable[Item]:
        return read_inputs(paths, lang=lang, published=published, encoding=encoding)

    the_plan = plan(read, out, partition_size)
    report = BatchReport(
        partitions=len(the_plan.partitions),
        duplicates=the_plan.duplicates,
        items=sum(n for _, _, n in the_plan.partitions),
    )
    report.skipped_partitions = report.partitions - len(the_plan.pending)
    total = the_plan.pending_items
    cluster: Any = None
    own_client = client is None
    try:
        if the_plan.pending and own_client:
            client, cluster = connect(scheduler, workers, processes=processes)
            report.dashboard = _dashboard(client, local=cluster is not None)
        if on_start:
            on_start(report, total)
        if client is not None and the_plan.pending:
            _run(
                client,
                as_completed,
                read,
                out,
                partition_size,
                the_plan,
                report,
                workers,
                on_progress,
                on_partition_error,
            )
    finally:
        if own_client and client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    _tally(out, [pid for _, pid, _ in the_plan.partitions], report)
    report.seconds = time.perf_counter() - started
    return report


LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing-interval": "1s",
    # Unset (None) Dask's MALLOC_TRIM_THRESHOLD_=65536 for workers: glibc then gives memory back to the kernel on
    # nearly every free, ~20% more CPU (kernel time) per document with spaCy's many short-lived allocations.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # The statistical profiler walks every thread's stack 100 times a second under the GIL: ~7% of the CPU.
    "distributed.worker.profile.enabled": False,
}
"""Dask's housekeeping for a local cluster, slowed down: a task here is seconds of NLP, so checking the event
loop every 20 ms and memory and work stealing every 100 ms buys nothing, and in the client process (scheduler
and nannies) it costs about 5% of a core with two workers idle (1% with these), a core the workers need.
Worker processes are spawned without Dask's memory-trimming setting and without its statistical profiler, so
a worker spends the CPU per document the same pipeline spends in one process (the dashboard's Profile page
stays empty; memory freed after a peak goes back to the system less eagerly)."""


def connect(scheduler: str = "local", workers: int = 2, *, processes: bool = True) -> tuple[Any, Any]:
    """A Dask client and the LocalCluster it runs on (None for a scheduler address); close both when done.

    'local' starts `workers` single-threaded workers: processes (spawned, so each loads its own models and
    numpy's BLAS is held to one thread by Dask's nanny) or, with `processes=False`, threads of this process.
    """
    import dask
    from distributed import Client, LocalCluster

    cluster: Any = None
    try:
        if scheduler == "local":
            # Threads talk in-process; processes over TCP on the loopback only.
            where = {"host": "127.0.0.1"} if processes else {}
            with dask.config.set(LOCAL_CLUSTER_CONFIG):  # read by the scheduler and nannies, passed to workers
                cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers, threads_per_worker=1, processes=processes, silence_logs=logging.ERROR,
                    dashboard_address="127.0.0.1:0", **where,
                )  # fmt: skip
            return Client(cluster), cluster  # type: ignore[no-untyped-call]
        return Client(scheduler, timeout=30), None  # type: ignore[no-untyped-call]
    except (OSError, RuntimeError, ValueError) as err:
        if cluster is not None:
            cluster.close()
        raise ConfigError(
            f"cannot start or reach the Dask cluster ({err})",
            where=scheduler,
            hint="give 'local' or a scheduler address such as tcp://HOST:8786",
        ) from err


def _run(
    client: Any,
    as_completed: Any,
    read: Callable[[], Iterable[Item]],
    out: Path,
    size: int,
    the_plan: BatchPlan,
    report: BatchReport,
    workers: int,
    on_progress: ProgressCallback | None,
    on_partition_error: Callable[[str, BaseException], None] | None,
) -> None:
    """Pass two: submit the pending partitions, a few per worker thread at a time, and write each result."""
    threads = sum(client.nthreads().values()) or workers
    window = 2 * threads + 1
    total = the_plan.pending_items
    in_flight: dict[Any, Partition] = {}
    queue: Any = as_completed()
    todo = (p for p in partitions(read(), size) if p.id in the_plan.pending)

    def submit_next() -> bool:
        partition = next(todo, None)
        if partition is None:
            return False
        # The key is the content id: a result a scheduler still holds from an earlier run is the same result.
        future = client.submit(process_partition, partition.items, key=f"vigie-partition-{partition.id}", retries=1)
        in_flight[future] = partition
        queue.add(future)
        return True

    for _ in range(window):
        if not submit_next():
            break
    for future in queue:
        partition = in_flight.pop(future)
        try:
            write_partition(out, partition, future.result())
        except Exception as err:  # a task that failed twice, or a write that failed: report, go on
            report.failed_partitions.append(partition.id)
            if on_partition_error:
                on_partition_error(partition.id, err)
            logger.warning("partition failed", extra={"partition": partition.id, "reason": str(err)})
        finally:
            future.release()
        if on_progress:
            on_progress(len(partition.items), total)
        submit_next()


def _dashboard(client: Any, *, local: bool) -> str | None:
    """The dashboard's address, when the scheduler runs one (a local one listens on the loopback only)."""
    try:
        services = client.scheduler_info().get("services", {})
    except Exception:
        return None
    if "dashboard" not in services:
        return None
    link = f"http://127.0.0.1:{services['dashboard']}/status" if local else str(client.dashboard_link)
    if local and importlib.util.find_spec("bokeh") is None:
        link += " (without bokeh installed only its /info pages work)"
    return link


def _tally(out: Path, pids: Iterable[str], report: BatchReport) -> None:
    """Counts over every complete partition of this input (from their markers)."""
    for pid in pids:
        try:
            marker = json.loads(marker_path(out, pid).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        report.documents += int(marker.get("documents", 0))
        report.events += int(marker.get("events", 0))
        report.errors += int(marker.get("errors", 0))


# -- reading an output back ---------------------------------------------------------------------------------


@dataclass
class LoadReport:
    partitions: int = 0
    documents: int = 0
    unchanged: int = 0
    events: int = 0
    errors: int = 0


def completed_partitions(out: Path) -> list[str]:
    """Ids of the complete partitions of a batch output, in input order."""
    folder = out / MARKERS
    if not folder.is_dir():
        raise InputError(
            "not a batch output (no _partitions folder)",
            where=str(out),
            hint="give the --out folder of a `vigie batch` run",
        )
    found: list[tuple[int, str]] = []
    for marker in folder.glob("*.json"):
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append((int(data.get("index", 0)), marker.stem))
    return [pid for _, pid in sorted(found)]


def read_events(out: Path) -> list[EventRecord]:
    """Every event of the complete partitions of a batch output (for tests and small outputs)."""
    files = _event_files(out)
    return [e for pid in completed_partitions(out) for e in _events_of(files.get(pid, []))]


def _event_files(out: Path) -> dict[str, list[Path]]:
    files: dict[str, list[Path]] = defaultdict(list)
    for path in sorted((out / EVENTS).rglob("part-*.parquet")):
        match = _PART.fullmatch(path.name)
        if match:
            files[match.group(1)].append(path)
    return files


def _events_of(paths: Iterable[Path]) -> Iterator[EventRecord]:
    for path in paths:
        for record in pq.read_table(path, columns=["record"]).column("record").to_pylist():
            yield EventRecord.model_validate_json(record)


def _rows(path: Path) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist() if path.is_file() else []


def load_output(out: Path, store: Any, on_document: Callable[[str], None] | None = None) -> LoadReport:
    """Save the documents and events of a batch output into `store`, a partition per transaction, as one bulk load
    (`Store.bulk`: a big output sets the read indexes aside and builds them at the end).

    Idempotent: a document already stored (same content hash) is left as it is. Errors become 'unreadable'
    documents, as `vigie ingest` stores them.
    """
    report = LoadReport()
    files = _event_files(out)
    pids = completed_partitions(out)
    expected = sum(pq.ParquetFile(path).metadata.num_rows for pid in pids for path in files.get(pid, []))
    with store.bulk(expected):
        for pid in pids:
            _load_partition(out, pid, files.get(pid, []), store, report, on_document)
    return report


def _load_partition(
    out: Path,
    pid: str,
    event_files: list[Path],
    store: Any,
    report: LoadReport,
    on_document: Callable[[str], None] | None,
) -> None:
    report.partitions += 1
    by_doc: dict[str, list[EventRecord]] = defaultdict(list)
    for event in _events_of(event_files):
        by_doc[event.doc_id].append(event)
    fresh: dict[str, tuple[DocumentSummary, str, list[EventRecord]]] = {}  # by content hash
    doc_ids: list[str] = []
    for row in _rows(out / DOCUMENTS / f"part-{pid}.parquet"):
        text = row.pop("text")
        summary = DocumentSummary.model_validate(row)
        doc_ids.append(summary.doc_id)
        if summary.content_hash in fresh or store.has_document(summary.content_hash):
            report.unchanged += 1
        else:
            fresh[summary.content_hash] = (summary, text, by_doc.get(summary.doc_id, []))
    if fresh:
        store.save_many(list(fresh.values()))
        report.documents += len(fresh)
        report.events += sum(len(events) for _, _, events in fresh.values())
    if on_document:
        for doc_id in doc_ids:
            on_document(doc_id)
    for row in _rows(out / ERRORS / f"part-{pid}.parquet"):
        report.errors += 1
        _save_failure(store, ReadFailure(row["path"], row["doc_id"], row["reason"]))


def _save_failure(store: Any, failure: ReadFailure) -> None:
    # The same record as vigie.ingest._fail, so `vigie documents` shows what was not coded either way.
    key = f"unreadable:{failure.path}:{failure.doc_id or ''}"
    doc_id = failure.doc_id or Path(failure.path).stem or failure.path
    summary = DocumentSummary(
        doc_id=doc_id, content_hash=content_hash(key), path=failure.path, outcome="unreadable", reason=failure.reason
    )
    if not store.has_document(summary.content_hash):
        store.save(summary, "", [])
