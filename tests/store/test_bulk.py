"""Bulk loads on every backend: the read indexes set aside and built again, reads correct meanwhile, a killed load
repaired by the next open, and a live load's indexes left alone."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vigie.records import EventQuery, EventRecord
from vigie.store import Store, open_store
from vigie.store import base as store_base
from vigie.store.base import defers_indexes, loader_alive, loader_id
from vigie.synthetic_events import synthetic_documents

REPO = Path(__file__).resolve().parents[2]


def stored_indexes(store_url: str) -> set[str]:
    """The names of the indexes the backend holds (primary keys and constraints included)."""
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url) as conn:
            rows = conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()
    else:
        import sqlite3

        with sqlite3.connect(store_url) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
        conn.close()
    return {str(row[0]) for row in rows}


def queries(events: list[EventRecord]) -> list[EventQuery]:
    """A query of each kind the read indexes serve, with values the events hold."""
    first = events[0]
    actor = next(a.canonical or a.text for e in events for a in e.actors.source)
    flagged = next(e for e in events if e.flags)
    return [
        EventQuery(type=first.type, since=dt.date(2015, 1, 1), until=dt.date(2025, 12, 31), limit=50),
        EventQuery(country=first.place.country, type=first.type, limit=50),
        EventQuery(flag=flagged.flags[0], limit=50),
        EventQuery(actor=actor, limit=50),
        EventQuery(text=first.evidence.text.split()[0], limit=50),
        EventQuery(limit=50),
    ]


@pytest.fixture
def small_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads of a few hundred events count as bulk loads (the real threshold is 20,000 events)."""
    monkeypatch.setattr(store_base, "BULK_MIN_EVENTS", 1)


def test_bulk_load_sets_read_indexes_aside_and_builds_them_at_the_end(
    store: Store, store_url: str, small_bulk: None
) -> None:
    items = list(synthetic_documents(400, seed=3))
    before = stored_indexes(store_url)
    with store.bulk(400):
        during = stored_indexes(store_url)
        aside = store.deferred_indexes()  # type: ignore[attr-defined]
        store.save_many(items[:100])
        store.save_many(items[100:])
        events = [e for _, _, batch in items for e in batch]
        answers_during = [[e.id for e in store.events(q)] for q in queries(events)]
    assert aside and set(aside) <= before and not set(aside) & during
    assert before - during == set(aside)
    assert stored_indexes(store_url) == before
    assert store.deferred_indexes() == []  # type: ignore[attr-defined]
    assert [[e.id for e in store.events(q)] for q in queries(events)] == answers_during
    assert store.counts()["events"] == 400
    # The answers are right, not only the same: an actor's events are those whose records name it.
    actor = queries(events)[3].actor
    assert actor is not None
    named = sorted(
        e.id
        for e in events
        if actor.casefold() in {name.casefold() for a in (*e.actors.source, *e.actors.target)
                                for name in (a.text, a.canonical) if name}
    )  # fmt: skip
    assert sorted(e.id for e in store.events(EventQuery(actor=actor, limit=1000))) == named


def test_bulk_block_that_fails_still_builds_the_indexes(store: Store, store_url: str, small_bulk: None) -> None:
    before = stored_indexes(store_url)
    with pytest.raises(RuntimeError, match="reader gave up"), store.bulk(100):
        store.save_many(list(synthetic_documents(100, seed=4)))
        raise RuntimeError("reader gave up")
    assert stored_indexes(store_url) == before
    assert store.deferred_indexes() == []  # type: ignore[attr-defined]
    assert store.counts()["events"] == 100


def test_small_load_into_a_big_store_keeps_its_indexes(store: Store, store_url: str, small_bulk: None) -> None:
    store.save_many(list(synthetic_documents(300, seed=5)))
    before = stored_indexes(store_url)
    with store.bulk(50):  # a sixth of the store: cheaper to keep the indexes up to date
        assert stored_indexes(store_url) == before
        assert store.deferred_indexes() == []  # type: ignore[attr-defined]


def test_defers_indexes_weighs_the_load_against_the_store() -> None:
    assert defers_indexes(1_000_000, 0)
    assert defers_indexes(100_000, 300_000)
    assert not defers_indexes(100_000, 300_001)
    assert not defers_indexes(19_999, 0)  # too small to be worth a rebuild


def test_loader_alive_tells_a_dead_loader_from_a_live_one() -> None:
    assert loader_alive(loader_id())
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    assert not loader_alive(f"{socket.gethostname()}:{dead_pid}:1")
    assert loader_alive(f"another-host-{socket.gethostname()}:{dead_pid}:1")  # cannot tell: assumed alive
    # The same pid with another start time is a later process, not the loader.
    host, pid, started = loader_id().split(":")
    if started:
        assert not loader_alive(f"{host}:{pid}:{int(started) + 1}")


def test_open_store_leaves_a_live_loads_indexes_alone(store: Store, store_url: str, small_bulk: None) -> None:
    with store.bulk(200):
        aside = store.deferred_indexes()  # type: ignore[attr-defined]
        with open_store(store_url) as reader:  # this process is the loader, alive
            assert reader.deferred_indexes() == aside  # type: ignore[attr-defined]
        store.save_many(list(synthetic_documents(200, seed=6)))
    assert store.deferred_indexes() == []  # type: ignore[attr-defined]


# A bulk load in its own process, killed with SIGKILL once it has saved a batch with its indexes set aside.
JOB = """
import sys, time
from vigie.store import base, open_store
from vigie.synthetic_events import synthetic_documents

base.BULK_MIN_EVENTS = 1
items = list(synthetic_documents(300, seed=7))
with open_store(sys.argv[1]) as store, store.bulk(300):
    store.save_many(items[:150])
    print("inside", flush=True)
    time.sleep(600)
    store.save_many(items[150:])
"""


def test_killed_bulk_load_is_repaired_by_the_next_open(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    open_store(store_url).close()
    before = stored_indexes(store_url)
    job = subprocess.Popen(
        [sys.executable, "-c", JOB, store_url], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert job.stdout is not None
    deadline = time.monotonic() + 120
    try:
        line = job.stdout.readline().strip()
        assert line == "inside", f"job ended early: {job.communicate()[1][-3000:]}"
        assert time.monotonic() < deadline
    finally:
        os.kill(job.pid, signal.SIGKILL)
        job.communicate(timeout=30)
    assert job.returncode == -signal.SIGKILL
    assert stored_indexes(store_url) < before  # killed with its indexes set aside

    with caplog.at_level(logging.INFO, logger="vigie.store"), open_store(store_url) as store:
        assert stored_indexes(store_url) == before
        assert store.deferred_indexes() == []  # type: ignore[attr-defined]
        saved = store.documents()
        assert store.counts()["events"] == sum(s.event_count for s in saved) > 0
        assert len(store.events(EventQuery(limit=1000))) == store.counts()["events"]
    assert any(record.getMessage() == "indexes built after a bulk load" for record in caplog.records)


def test_paused_gc_pauses_collection_and_puts_it_back_as_it_was() -> None:
    import gc

    from vigie.store.base import paused_gc

    assert gc.isenabled()
    with pytest.raises(ValueError), paused_gc():
        assert not gc.isenabled()
        raise ValueError("a failing batch")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # the caller had it off: left off
    finally:
        gc.enable()
