"""`vigie bench --store`: bulk-load synthetic events into a fresh store, then time five typical queries.

Bulk load counts only the store's time (serialising, inserting, indexing, committing), not the generator's. Each
query asks for one page (PAGE events, as the API and `vigie events --limit` do) with parameters drawn from the same
distributions as the data, and is run RUNS times; p50 and p95 are over those runs.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import random
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vigie.errors import StoreError
from vigie.records import EventQuery
from vigie.store import Store, open_store, redact_url
from vigie.synthetic_events import COUNTRY_WEIGHTS, NAMED_GROUPS, YEARS, EventFactory, synthetic_documents

#: Documents a save_many call (one transaction on SQLite) takes: about 100,000 events, as a bulk loader would.
BATCH_DOCUMENTS = 50_000
PAGE = 100
RUNS = 50
#: Words of the synthetic texts of middling frequency, for the full-text query (place names, topics).
SEARCH_WORDS = ("pension", "corruption", "curfew", "blockade", "retraites", "carburant", "convoy", "journalists")


@dataclass
class QueryFigures:
    name: str
    p50_ms: float
    p95_ms: float
    mean_hits: float
    example: dict[str, Any]


@dataclass
class StoreBenchReport:
    backend: str
    store: str
    events: int
    documents: int
    seed: int
    load_seconds: float
    load_events_per_s: float
    wall_seconds: float
    queries: list[QueryFigures] = field(default_factory=list)
    bulk: bool = True  # loaded through Store.bulk (False: --keep-indexes)
    page: int = PAGE
    runs: int = RUNS
    created: str = ""
    machine: str = ""


def _backend(store: Store) -> str:
    return type(store).__name__.removesuffix("Store").lower()


def analyze(store: Store) -> None:
    """Refresh the planner's statistics after a bulk load (autovacuum would do it later on PostgreSQL)."""
    refresh = getattr(store, "analyze", None)
    if refresh is not None:
        refresh()


def bulk_load(
    store: Store,
    events: int,
    seed: int,
    on_progress: Callable[[int], None] | None = None,
    *,
    bulk: bool = True,
) -> tuple[int, int, float]:
    """Load `events` synthetic events as one bulk load (`Store.bulk`, the read indexes built at the end; without
    `bulk`, save_many alone: every index kept up to date row by row); return (events, documents, seconds spent in the
    store, the index builds included)."""
    spent, loaded, documents = 0.0, 0, 0
    batch: list[Any] = []

    def flush() -> None:
        nonlocal spent, loaded, documents
        started = time.perf_counter()
        documents += store.save_many(batch)
        spent += time.perf_counter() - started
        loaded += sum(len(item[2]) for item in batch)
        batch.clear()
        if on_progress:
            on_progress(loaded)

    started = time.perf_counter()
    loading = store.bulk(events) if bulk else nullcontext()
    loading.__enter__()
    spent += time.perf_counter() - started
    try:
        for item in synthetic_documents(events, seed):
            batch.append(item)
            if len(batch) == BATCH_DOCUMENTS:
                flush()
        if batch:
            flush()
    finally:
        started = time.perf_counter()
        loading.__exit__(None, None, None)
        spent += time.perf_counter() - started
    return loaded, documents, spent


def query_makers(seed: int) -> dict[str, Callable[[random.Random], EventQuery]]:
    """The five typical queries, each a function of a random generator (the parameters vary run to run)."""
    factory = EventFactory(seed)
    first, last = dt.date(YEARS[0], 1, 1), dt.date(YEARS[1], 12, 31)
    span = (last - first).days
    countries = [c for c in COUNTRY_WEIGHTS if c in factory.cities]

    def day(rng: random.Random, room: int) -> dt.date:
        return first + dt.timedelta(days=rng.randrange(span - room))

    def type_and_dates(rng: random.Random) -> EventQuery:
        since = day(rng, 31)
        return EventQuery(type=factory.pick_type(rng), since=since, until=since + dt.timedelta(days=30), limit=PAGE)

    def bbox_and_date(rng: random.Random) -> EventQuery:
        city = rng.choice(factory.cities[factory.pick_country(rng)])
        since = day(rng, 366)
        box = (city.lon - 1, city.lat - 1, city.lon + 1, city.lat + 1)
        return EventQuery(bbox=box, since=since, until=since + dt.timedelta(days=365), limit=PAGE)

    def country_type_flag(rng: random.Random) -> EventQuery:
        return EventQuery(
            country=rng.choice(countries), type=rng.choice(("PROTEST", "ASSAULT")), flag="hedge", limit=PAGE
        )

    def full_text(rng: random.Random) -> EventQuery:
        return EventQuery(text=rng.choice(SEARCH_WORDS), limit=PAGE)

    def actor(rng: random.Random) -> EventQuery:
        if rng.random() < 0.5:
            return EventQuery(actor=rng.choice(NAMED_GROUPS), limit=PAGE)
        return EventQuery(actor=f"{rng.choice(countries)}-POLICE", limit=PAGE)

    return {
        "type + date range (30 days)": type_and_dates,
        "bbox (2x2 degrees) + date range (1 year)": bbox_and_date,
        "country + type + flag": country_type_flag,
        "full-text word": full_text,
        "actor": actor,
    }


def time_queries(store: Store, seed: int, runs: int = RUNS) -> list[QueryFigures]:
    figures = []
    for name, make in query_makers(seed).items():
        rng = random.Random(f"{seed}:{name}")
        store.events(make(rng))  # warm the cache once
        times, hits = [], []
        example = make(rng)
        for _ in range(runs):
            query = make(rng)
            started = time.perf_counter()
            found = store.events(query)
            times.append((time.perf_counter() - started) * 1000)
            hits.append(len(found))
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        figures.append(
            QueryFigures(
                name=name,
                p50_ms=round(statistics.median(times), 2),
                p95_ms=round(p95, 2),
                mean_hits=round(statistics.mean(hits), 1),
                example=example.model_dump(mode="json", exclude_none=True),
            )
        )
    return figures


def run_store_bench(
    db: str,
    events: int,
    seed: int = 0,
    runs: int = RUNS,
    on_progress: Callable[[int], None] | None = None,
    *,
    bulk: bool = True,
) -> StoreBenchReport:
    """Load `events` synthetic events into the empty store at `db` (as one bulk load unless `bulk` is false), then
    time the five queries."""
    started = time.perf_counter()
    with open_store(db) as store:
        if store.counts()["events"]:
            raise StoreError("the benchmark needs an empty store", where=redact_url(db), hint="pass a new --db")
        loaded, documents, spent = bulk_load(store, events, seed, on_progress, bulk=bulk)
        analyze(store)
        queries = time_queries(store, seed, runs)
        backend = _backend(store)
    return StoreBenchReport(
        backend=backend,
        store=redact_url(db),
        events=loaded,
        documents=documents,
        seed=seed,
        load_seconds=round(spent, 2),
        load_events_per_s=round(loaded / spent, 1) if spent else 0.0,
        wall_seconds=round(time.perf_counter() - started, 1),
        queries=queries,
        bulk=bulk,
        runs=runs,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        machine=f"{platform.machine()} {platform.system()} Python {platform.python_version()}",
    )


def write_store_report(report: StoreBenchReport, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stamp}-store-{report.backend}-{report.events}.json"
    path.write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
