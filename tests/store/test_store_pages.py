"""Store support for the API on every backend: keyset pages, bounding boxes, stats, write-token hashes."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.records import DocumentSummary, EventCursor, EventQuery, EventRecord
from vigie.store import Store

Builder = Callable[..., EventRecord]
_documents = itertools.count()

# Few distinct values, so pages often cut between events with the same date.
DATES = st.sampled_from([None, "2022-01-05", "2022-01-06", "2022-01-06T21:00", "2022-02-01"])


def page_through(store: Store, query: EventQuery, size: int) -> list[str]:
    seen: list[str] = []
    cursor: EventCursor | None = None
    while True:
        page = store.events(query.model_copy(update={"after": cursor, "limit": size}))
        seen += [e.id for e in page]
        if len(page) < size:
            return seen
        cursor = EventCursor(date=page[-1].date, id=page[-1].id)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # one store, a document per example
@given(dates=st.lists(DATES, min_size=0, max_size=12), size=st.integers(min_value=1, max_value=5))
def test_store_keyset_pages_return_each_event_once(
    store: Store,
    make_event: Builder,
    make_summary: Callable[..., DocumentSummary],
    sample_text: str,
    dates: list[str | None],
    size: int,
) -> None:
    doc_id = f"doc-{next(_documents)}"  # one store for every example: each gets its own document
    events = [make_event(id=f"{doc_id}-evt-{n:02d}", doc_id=doc_id, date=date) for n, date in enumerate(dates)]
    store.save(make_summary(doc_id=doc_id, content_hash=f"hash-{doc_id}"), sample_text, events)
    query = EventQuery(doc_id=doc_id)

    assert page_through(store, query, size) == [e.id for e in store.events(query)]
    assert sorted(page_through(store, query, size)) == sorted(e.id for e in events)


def test_store_bbox_keeps_events_inside_the_box(
    store: Store, make_event: Builder, make_summary: Callable[..., DocumentSummary], sample_text: str
) -> None:
    located = {
        "almaty": (43.25, 76.95),
        "fiji": (-17.7, 178.0),
        "samoa": (-13.8, -172.1),
        "nowhere": (None, None),
    }
    events = [
        make_event(id=f"evt-{name}", place={"name": name, "lat": lat, "lon": lon})
        for name, (lat, lon) in located.items()
    ]
    store.save(make_summary(), sample_text, events)

    def inside(bbox: tuple[float, float, float, float]) -> list[str]:
        return [e.id for e in store.events(EventQuery(bbox=bbox))]

    assert inside((0.0, 0.0, 10.0, 10.0)) == []
    assert inside((70.0, 40.0, 80.0, 45.0)) == ["evt-almaty"]
    assert sorted(inside((170.0, -20.0, -170.0, -10.0))) == ["evt-fiji", "evt-samoa"]  # across the antimeridian
    assert len(inside((-180.0, -90.0, 180.0, 90.0))) == 3


def test_store_stats_count_the_matching_events(
    store: Store, make_event: Builder, make_summary: Callable[..., DocumentSummary], sample_text: str
) -> None:
    store.save(
        make_summary(),
        sample_text,
        [
            make_event(id="evt-1", flags=["hedge", "loaded_language"]),
            make_event(id="evt-2", type="ASSAULT", date="2022-01-06T21:00", place={"country": "kz"}),
            make_event(id="evt-3", date=None, place={}, lang=None, flags=["hedge"]),
        ],
    )

    stats = store.stats(EventQuery())

    assert stats.total == 3
    assert stats.by_type == {"ASSAULT": 1, "PROTEST": 2}
    assert stats.by_day == {"2022-01-05": 1, "2022-01-06": 1}
    assert stats.by_country == {"KZ": 2}
    assert stats.by_lang == {"fr": 2}
    assert stats.by_flag == {"hedge": 2, "loaded_language": 1}
    assert store.stats(EventQuery(flag="hedge", type="PROTEST")).total == 2
    assert store.stats(EventQuery(type="STRIKE")).model_dump() == {
        "total": 0, "by_type": {}, "by_day": {}, "by_country": {}, "by_lang": {}, "by_flag": {}
    }  # fmt: skip


def test_store_keeps_token_hashes(store: Store) -> None:
    assert not store.has_tokens()

    store.add_token_hash("sha256:abc", "feed")
    store.add_token_hash("sha256:abc")  # again: nothing changes

    assert store.has_tokens()
    assert store.has_token_hash("sha256:abc")
    assert not store.has_token_hash("sha256:ab")
    assert not store.has_token_hash("sha256:abc' OR '1'='1")


@pytest.mark.parametrize("date", [None, "2022-01-06"])
def test_store_cursor_of_a_missing_event_still_resumes(
    store: Store, make_event: Builder, make_summary: Callable[..., DocumentSummary], sample_text: str, date: str | None
) -> None:
    store.save(
        make_summary(), sample_text, [make_event(id="evt-a", date="2022-01-06"), make_event(id="evt-c", date=None)]
    )

    after = store.events(EventQuery(after=EventCursor(date=date, id="evt-b")))

    assert [e.id for e in after] == ["evt-c"]


def test_store_of_version_1_gains_the_token_table_when_opened(store_url: str) -> None:
    from vigie.store import open_store

    open_store(store_url).close()
    downgrade = ["DROP TABLE api_tokens", "DELETE FROM schema_migrations WHERE version = 2"]
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            for sql in downgrade:
                conn.execute(sql.encode())
    else:
        import sqlite3

        with sqlite3.connect(store_url) as conn:
            for sql in downgrade:
                conn.execute(sql)

    with open_store(store_url, create=False) as upgraded:
        assert not upgraded.has_tokens()
        upgraded.add_token_hash("sha256:abc")
        assert upgraded.has_token_hash("sha256:abc")


def test_store_box_and_dates_find_what_a_scan_finds(
    store: Store, make_event: Builder, make_summary: Callable[..., DocumentSummary], sample_text: str
) -> None:
    """Boxes and date ranges over a few hundred events on a grid (some on a box's very edge, some undated) list the
    events a plain scan keeps, in order, page after page; also after a document is replaced (its events go)."""
    import datetime as dt
    import random

    def grid_events(doc_id: str, shift: float) -> list[EventRecord]:
        days = [None, "2021-03-01", "2021-03-02", "2021-07-15", "2022-01-06T21:00", "2022-01-07"]
        return [
            make_event(
                id=f"{doc_id}-{n:03d}",
                doc_id=doc_id,
                date=days[n % len(days)],
                place={"name": f"p{n}", "lat": -30.0 + (n % 12) * 5.0 + shift, "lon": 10.0 + (n // 12) * 2.5},
            )
            for n in range(144)
        ]

    events = {f"doc-{k}": grid_events(f"doc-{k}", shift) for k, shift in enumerate((0.0, 0.25, 0.5))}
    for k, (doc_id, batch) in enumerate(events.items()):
        store.save(make_summary(doc_id=doc_id, content_hash=f"hash-{k}"), sample_text, batch)
    # An edited version of doc-1 replaces it: its events move a degree north.
    events["doc-1"] = [e.model_copy(update={"id": e.id + "b"}) for e in grid_events("doc-1", 1.0)]
    store.save(make_summary(doc_id="doc-1", content_hash="hash-1b"), sample_text, events["doc-1"])

    def scan(query: EventQuery) -> list[str]:
        assert query.bbox is not None
        west, south, east, north = query.bbox
        kept = [
            e
            for batch in events.values()
            for e in batch
            if e.place.lat is not None
            and e.place.lon is not None
            and south <= e.place.lat <= north
            and west <= e.place.lon <= east
            and (query.since is None or (e.date is not None and e.date[:10] >= query.since.isoformat()))
            and (query.until is None or (e.date is not None and e.date[:10] <= query.until.isoformat()))
        ]
        return [e.id for e in sorted(kept, key=lambda e: (e.date is None, e.date or "", e.id))]

    rng = random.Random(7)
    for _ in range(40):
        west, south = rng.choice([10.0, 12.5, 13.0, 20.0]), rng.choice([-30.0, -20.0, -4.75, 0.0])
        box = (west, south, west + rng.choice([0.0, 2.5, 5.0, 12.0]), south + rng.choice([0.0, 5.0, 11.0, 30.0]))
        since = rng.choice([None, dt.date(2021, 3, 2), dt.date(2022, 1, 6)])
        until = rng.choice([None, dt.date(2021, 3, 2), dt.date(2022, 1, 7)])
        if since is not None and until is not None and since > until:
            since, until = until, since
        query = EventQuery(bbox=box, since=since, until=until)
        assert page_through(store, query, 4) == scan(query), query
