"""The SQLite store in particular: the file itself, WAL, what datasette sees, opening paths."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from vigie.errors import StoreError
from vigie.records import DocumentSummary, EventRecord
from vigie.store import SQLiteStore, open_store

Builder = Callable[..., EventRecord]


# -- the file itself ---------------------------------------------------------------------------------------


def test_store_file_is_wal_with_foreign_keys_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "vigie.db"
    with open_store(str(path)) as store:
        assert isinstance(store, SQLiteStore)
        assert store.pragma("journal_mode") == "wal"
        assert store.pragma("foreign_keys") == 1
        assert [v["version"] for v in store.schema_versions()] == [1, 2, 3, 4, 5, 6, 7]
    with sqlite3.connect(path) as conn:  # as datasette would see it
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {
            "documents",
            "events",
            "event_flags",
            "events_fts",
            "documents_fts",
            "events_rtree",
            "schema_migrations",
        } <= tables
        assert conn.execute("SELECT version, name FROM schema_migrations").fetchall() == [
            (1, "initial"),
            (2, "tokens"),
            (3, "actors_indexes"),
            (4, "tallies"),
            (5, "actor_dates"),
            (6, "event_boxes"),
            (7, "deferred_indexes"),
        ]
    with open_store(f"sqlite:///{path}") as reopened:  # migrations are not applied twice
        assert isinstance(reopened, SQLiteStore)
        assert [v["version"] for v in reopened.schema_versions()] == [1, 2, 3, 4, 5, 6, 7]


def test_store_text_is_searchable_in_datasette(
    tmp_path: Path, make_summary: Callable[..., DocumentSummary], make_full_event: Builder, sample_text: str
) -> None:
    path = tmp_path / "vigie.db"
    with open_store(str(path)) as store:
        store.save(make_summary(), sample_text, [make_full_event()])
    with sqlite3.connect(path) as conn:
        hits = conn.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'gouvernement'"
        ).fetchall()
        assert len(hits) == 1
        assert conn.execute("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'reforme'").fetchone() == (1,)


@pytest.mark.parametrize("target", ["mysql://root:secret@localhost/x", "mssql://localhost/x?password=secret"])
def test_open_store_refuses_other_backends(target: str) -> None:
    with pytest.raises(StoreError, match="unknown store scheme") as caught:
        open_store(target)
    assert "secret" not in str(caught.value)


def test_open_store_without_create_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no event store"):
        open_store(str(tmp_path / "typo.db"), create=False)
    assert not (tmp_path / "typo.db").exists()


def test_open_store_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello, not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        open_store(str(path))


def test_sqlite_store_retries_while_another_writer_holds_the_lock(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_summary: Callable[..., DocumentSummary],
    make_event: Builder,
    sample_text: str,
) -> None:
    import vigie.store.sqlite as backend

    monkeypatch.setattr(backend, "BUSY_TIMEOUT_MS", 0)  # "database is locked" at once, as in the rare cases
    path = tmp_path / "vigie.db"
    with open_store(str(path)) as store:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.2, other.execute, ("COMMIT",))
        release.start()
        try:
            store.save(make_summary(), sample_text, [make_event()])
        finally:
            release.join()
            other.close()
        assert store.counts() == {"documents": 1, "events": 1}


def test_sqlite_store_stats_see_what_another_connection_saved(
    tmp_path: Path, make_summary: Callable[..., DocumentSummary], make_event: Builder, sample_text: str
) -> None:
    from vigie.records import EventQuery

    path = str(tmp_path / "vigie.db")
    with open_store(path) as reader, open_store(path) as writer:
        queries = [EventQuery(), EventQuery(country="KZ"), EventQuery(type="PROTEST", flag="hedge")]
        assert [reader.stats(q).total for q in queries] == [0, 0, 0]  # and kept for the next call
        writer.save(make_summary(), sample_text, [make_event(flags=["hedge"])])
        assert [reader.stats(q).total for q in queries] == [1, 1, 1]
        reader.save(make_summary(doc_id="doc-2", content_hash="h2"), sample_text, [make_event(id="e2", doc_id="doc-2")])
        assert [reader.stats(q).total for q in queries] == [2, 2, 1]


def test_sqlite_store_starts_a_small_box_from_its_spatial_index(
    tmp_path: Path, make_summary: Callable[..., DocumentSummary], make_event: Builder, sample_text: str
) -> None:
    """Among many located events, a box holding few starts from the R*Tree (migration 6); a box holding most walks
    the date index. Both list the same events as without the index."""
    from vigie.records import EventQuery

    with open_store(str(tmp_path / "vigie.db")) as store:
        events = [
            make_event(
                id=f"e{n:04d}", date=f"2022-01-{1 + n % 28:02d}", place={"name": "x", "lat": (n % 100) / 2, "lon": 0}
            )
            for n in range(2000)
        ]
        store.save(make_summary(), sample_text, events)
        small = EventQuery(bbox=(-1.0, 2.4, 1.0, 2.6), limit=50)  # 20 events
        large = EventQuery(bbox=(-1.0, -1.0, 1.0, 20.0), limit=50)
        assert store._driver(small) == "bbox"
        assert store._driver(large) is None
        expected = sorted((e for e in events if e.place.lat == 2.5), key=lambda e: (e.date, e.id))
        assert [e.id for e in store.events(small)] == [e.id for e in expected]
        in_large = sorted((e for e in events if (e.place.lat or 0) <= 20), key=lambda e: (e.date, e.id))
        assert [e.id for e in store.events(large)] == [e.id for e in in_large][:50]
