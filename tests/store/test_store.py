"""The event store on every backend: round trips, idempotence, atomicity, filters, full-text search, ids."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.errors import StoreError
from vigie.records import (
    Actor,
    Actors,
    Attribution,
    DocumentSummary,
    EventCursor,
    EventQuery,
    EventRecord,
    Evidence,
    Place,
    Quantity,
)
from vigie.store import Store, open_store
from vigie.store.migrate import load_migrations

Builder = Callable[..., EventRecord]
Saver = Callable[..., None]


@pytest.fixture
def save(store: Store, make_summary: Callable[..., DocumentSummary], sample_text: str) -> Saver:
    """Save events as one document (default doc-almaty), its content hash derived from its id."""

    def save_events(*events: EventRecord, doc_id: str = "doc-almaty", text: str = sample_text) -> None:
        summary = make_summary(doc_id=doc_id, content_hash=f"hash-{doc_id}", event_count=len(events))
        store.save(summary, text, list(events))

    return save_events


def ids(store: Store, **filters: object) -> list[str]:
    return [e.id for e in store.events(EventQuery.model_validate(filters))]


def run_sql(store_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` run on the store's database directly, as another tool (datasette, psql) would."""
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            cursor = conn.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []
    with sqlite3.connect(store_url) as conn:
        return conn.execute(sql).fetchall()


# -- round trips -------------------------------------------------------------------------------------------


def test_store_round_trips_event_with_every_field(
    store: Store, save: Saver, make_full_event: Builder
) -> None:
    event = make_full_event()
    unset = [name for name in EventRecord.model_fields if name not in event.model_fields_set]
    assert unset == [], f"make_full_event leaves {unset} at their defaults"
    save(event)
    assert store.get_event(event.id) == event
    assert store.events(EventQuery()) == [event]


def test_store_round_trips_document(
    store: Store, make_summary: Callable[..., DocumentSummary], make_event: Builder, sample_text: str
) -> None:
    summary = make_summary()
    store.save(summary, sample_text, [make_event()])
    assert store.get_document("doc-almaty") == summary
    assert store.document_text("doc-almaty") == sample_text
    assert store.get_document("missing") is None
    assert store.document_text("missing") is None


_text = st.text(max_size=40)
_maybe_text = st.none() | _text
_number = st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False)
_coordinate = st.none() | st.floats(-180, 180, allow_nan=False)
events_strategy = st.builds(
    EventRecord,
    id=st.text(min_size=1, max_size=30),
    doc_id=st.just("doc-any"),
    type=st.sampled_from(["PROTEST", "ASSAULT", "COERCE", "ACCUSE"]),
    mode=_maybe_text,
    context=st.lists(_text, max_size=3),
    cameo_root=_maybe_text,
    acled_type=_maybe_text,
    acled_subtype=_maybe_text,
    date=st.none() | st.dates().map(dt.date.isoformat),
    date_end=_maybe_text,
    date_precision=st.sampled_from(["day", "week", "month", "year", "unknown"]),
    date_status=st.sampled_from(["exact", "approximate", "range", "unresolved"]),
    date_text=_maybe_text,
    place=st.builds(
        Place,
        name=_maybe_text,
        canonical=_maybe_text,
        country=_maybe_text,
        admin1=_maybe_text,
        lat=_coordinate,
        lon=_coordinate,
        gazetteer_id=_maybe_text,
        feature=_maybe_text,
        score=st.none() | st.floats(0, 1),
    ),
    actors=st.builds(
        Actors,
        source=st.lists(st.builds(Actor, text=_text, canonical=_maybe_text, country=_maybe_text), max_size=2),
        target=st.lists(st.builds(Actor, text=_text, canonical=_maybe_text), max_size=2),
    ),
    quantities=st.dictionaries(_text, _number, max_size=3),
    quantity_details=st.lists(
        st.builds(Quantity, name=_text, value=_number, raw=_text, start=st.none() | st.integers(0, 10**6)),
        max_size=2,
    ),
    evidence=st.builds(Evidence, text=_text, start=st.integers(0, 10**6), end=st.integers(0, 10**6)),
    trigger=_maybe_text,
    attribution=st.builds(Attribution, source=_maybe_text, cue=_maybe_text),
    flags=st.lists(_text, max_size=4),
    confidence=st.floats(0, 1),
    lang=_maybe_text,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events_strategy)
def test_store_round_trips_any_event(
    store: Store, make_summary: Callable[..., DocumentSummary], event: EventRecord
) -> None:
    # One store for all examples: each is a new version of one document, which replaces the one before.
    version = hashlib.sha256(event.model_dump_json().encode()).hexdigest()
    store.save(make_summary(doc_id="doc-any", content_hash=version), "text", [event])
    assert store.get_event(event.id) == event
    assert store.events(EventQuery(doc_id="doc-any")) == [event]


# -- idempotence and atomicity -----------------------------------------------------------------------------


def test_store_resave_same_hash_is_noop(store: Store, save: Saver, make_event: Builder) -> None:
    event = make_event()
    save(event)
    save(event, make_event(id="evt-other"))
    assert store.counts() == {"documents": 1, "events": 1}
    assert store.has_document("hash-doc-almaty")
    assert not store.has_document("hash-unknown")


def test_store_new_content_for_same_doc_id_replaces_events(
    store: Store, make_summary: Callable[..., DocumentSummary], make_event: Builder, sample_text: str
) -> None:
    store.save(make_summary(content_hash="v1"), sample_text, [make_event(id="old", flags=["hedge"])])
    store.save(make_summary(content_hash="v2"), sample_text + "\nMise à jour.", [make_event(id="new")])
    assert [e.id for e in store.events(EventQuery())] == ["new"]
    assert store.events(EventQuery(flag="hedge")) == []
    assert store.counts() == {"documents": 1, "events": 1}
    assert not store.has_document("v1")


def test_store_save_with_duplicate_event_id_leaves_nothing(
    store: Store, save: Saver, make_event: Builder
) -> None:
    with pytest.raises(StoreError, match="doc-almaty"):
        save(make_event(id="same"), make_event(id="same"))
    assert store.counts() == {"documents": 0, "events": 0}
    assert not store.has_document("hash-doc-almaty")
    assert store.events(EventQuery(text="réforme")) == []


def test_store_save_failing_midway_leaves_nothing(
    store: Store, save: Saver, make_event: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = sys.modules[type(store).__module__]
    real_row: Callable[[EventRecord], tuple[object, ...]] = backend.event_row

    def failing_row(event: EventRecord) -> tuple[object, ...]:
        if event.id == "evt-2":
            raise RuntimeError("disk on fire")
        return real_row(event)

    monkeypatch.setattr(backend, "event_row", failing_row)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save(make_event(id="evt-1"), make_event(id="evt-2"))
    assert store.counts() == {"documents": 0, "events": 0}
    monkeypatch.undo()
    save(make_event(id="evt-1"), make_event(id="evt-2"))  # the store is still usable
    assert store.counts() == {"documents": 1, "events": 2}


def test_store_event_id_used_by_another_document_is_refused(
    store: Store, save: Saver, make_event: Builder
) -> None:
    save(make_event(id="shared"), doc_id="doc-almaty")
    with pytest.raises(StoreError, match="unique"):
        save(make_event(id="shared", doc_id="doc-b"), doc_id="doc-b")
    assert store.get_document("doc-b") is None


def test_store_refuses_events_of_another_document(
    store: Store, make_summary: Callable[..., DocumentSummary], make_event: Builder, sample_text: str
) -> None:
    with pytest.raises(StoreError, match="doc-other"):
        store.save(make_summary(), sample_text, [make_event(doc_id="doc-other")])
    assert store.counts() == {"documents": 0, "events": 0}


# -- queries -----------------------------------------------------------------------------------------------


@pytest.fixture
def filled(store: Store, save: Saver, make_event: Builder) -> Store:
    save(
        make_event(id="a-protest", date="2022-01-05", confidence=0.9, flags=["hedge"]),
        make_event(
            id="b-assault", type="ASSAULT", date="2022-01-06", confidence=0.5, place={"country": "KZ"}
        ),
        make_event(id="c-undated", date=None, date_precision="unknown", confidence=0.3),
        doc_id="doc-almaty",
    )
    save(
        make_event(id="d-moscow", doc_id="doc-moscow", date="2022-01-04", lang="ru", place={"country": "RU"}),
        doc_id="doc-moscow",
    )
    return store


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["d-moscow", "a-protest", "b-assault", "c-undated"]),
        ({"type": "ASSAULT"}, ["b-assault"]),
        ({"type": "assault"}, ["b-assault"]),
        ({"since": "2022-01-05"}, ["a-protest", "b-assault"]),
        ({"until": "2022-01-05"}, ["d-moscow", "a-protest"]),
        ({"since": "2022-01-05", "until": "2022-01-05"}, ["a-protest"]),
        ({"country": "kz"}, ["a-protest", "b-assault", "c-undated"]),
        ({"doc_id": "doc-moscow"}, ["d-moscow"]),
        ({"lang": "ru"}, ["d-moscow"]),
        ({"flag": "hedge"}, ["a-protest"]),
        ({"min_confidence": 0.8}, ["d-moscow", "a-protest"]),
        ({"limit": 2}, ["d-moscow", "a-protest"]),
        ({"country": "KZ", "min_confidence": 0.4, "type": "PROTEST"}, ["a-protest"]),
    ],
)
def test_store_events_filters(filled: Store, filters: dict[str, object], expected: list[str]) -> None:
    assert ids(filled, **filters) == expected


@pytest.mark.parametrize(
    "filters",
    [{}, {"type": "assault"}, {"since": "2022-01-05"}, {"country": "kz", "limit": 2}, {"flag": "hedge"}, {"limit": 1}],
)
def test_store_events_json_is_events_as_stored(filled: Store, filters: dict[str, object]) -> None:
    query = EventQuery.model_validate(filters)
    expected = filled.events(query)
    assert [EventRecord.model_validate_json(raw) for raw in filled.events_json(query)] == expected
    after = query.model_copy(update={"after": EventCursor(date=expected[0].date, id=expected[0].id)})
    assert [EventRecord.model_validate_json(raw) for raw in filled.events_json(after)] == filled.events(after)


@pytest.mark.parametrize(
    ("lang", "evidence", "search"),
    [
        ("fr", "contre la réforme des retraites", "reforme"),
        ("fr", "contre la réforme des retraites", "RÉFORME retraites"),
        ("ru", "Тысячи людей вышли на митинг в Алматы", "митинг"),
        ("ru", "Тысячи людей вышли на митинг в Алматы", "МИТИНГ алматы"),
        ("en", 'they chanted "down with [the] government" AND more', '"down with [the] AND'),
    ],
)
def test_store_search_finds_evidence_words(
    store: Store, save: Saver, make_event: Builder, lang: str, evidence: str, search: str
) -> None:
    text = f"Intro.\n{evidence}.\n"
    event = make_event(lang=lang, evidence={"text": evidence, "start": 7, "end": 7 + len(evidence)})
    save(event, make_event(id="unrelated", evidence={"text": "rien", "start": 0, "end": 4}), text=text)
    assert ids(store, text=search) == [event.id]


def test_store_search_misses_absent_word(store: Store, save: Saver, make_event: Builder) -> None:
    save(make_event())
    assert ids(store, text="manifestants pétrole") == []
    assert ids(store, text="   ") == [make_event().id]
    assert ids(store, text="*") == []


def test_store_get_event_by_unique_prefix(store: Store, save: Saver, make_event: Builder) -> None:
    save(make_event(id="3f9a2c71aa"), make_event(id="3f9a2c71bb"), make_event(id="77aa00ff11"))
    assert store.get_event("77aa00ff") == make_event(id="77aa00ff11")
    assert store.get_event("77aa00f") is None  # too short for a prefix
    assert store.get_event("ffffffff") is None
    with pytest.raises(StoreError, match="several"):
        store.get_event("3f9a2c71")
    assert store.get_event("3f9a2c71aa") == make_event(id="3f9a2c71aa")


def test_store_documents_lists_outcomes(
    store: Store, save: Saver, make_event: Builder, make_summary: Callable[..., DocumentSummary]
) -> None:
    save(make_event(), doc_id="doc-almaty")
    empty = make_summary(
        doc_id="doc-empty",
        content_hash="e",
        outcome="no_trigger",
        reason="no trigger word",
        event_count=0,
        ingested_at="2022-01-08T00:00:00+00:00",
    )
    store.save(empty, "Rien.", [])
    assert [d.doc_id for d in store.documents()] == ["doc-almaty", "doc-empty"]
    assert store.documents(no_events=True) == [empty]


# -- what other tools see, schema versions -----------------------------------------------------------------


def test_store_flags_and_columns_are_queryable_in_sql(
    store_url: str, save: Saver, make_full_event: Builder
) -> None:
    save(make_full_event())
    assert run_sql(store_url, "SELECT flag FROM event_flags ORDER BY flag") == [("date_anomaly",), ("hedge",)]
    row = run_sql(store_url, "SELECT type, country, place, status, source_actors FROM events")
    assert row == [("PROTEST", "KZ", "Almaty", "reported", "protesters")]
    shared = [(1, "initial"), (2, "tokens"), (3, "actors_indexes"), (4, "tallies"), (5, "actor_dates")]
    own = [] if store_url.startswith("postgresql://") else [(6, "event_boxes")]  # SQLite's R*Tree
    applied = run_sql(store_url, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert applied == [*shared, *own, (7, "deferred_indexes")]


def test_store_reopens_without_migrating_again(store_url: str, save: Saver, make_event: Builder) -> None:
    save(make_event())
    with open_store(store_url, create=False) as reopened:
        assert reopened.counts() == {"documents": 1, "events": 1}
    shipped = len(load_migrations("postgres" if store_url.startswith("postgresql://") else "sqlite"))
    assert run_sql(store_url, "SELECT count(*) FROM schema_migrations") == [(shipped,)]


def test_open_store_refuses_a_newer_schema(store_url: str) -> None:
    open_store(store_url).close()
    run_sql(store_url, "INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')")
    with pytest.raises(StoreError, match="newer"):
        open_store(store_url)


def test_store_saves_thousands_of_events_in_one_call(store: Store, save: Saver, make_event: Builder) -> None:
    # speed is measured by `vigie bench --store`, not here: a timed test fails on a busy machine
    events = [make_event(id=f"bulk-{i:05d}", flags=["hedge"]) for i in range(5000)]
    save(*events)
    assert store.counts()["events"] == 5000
    stats = store.stats(EventQuery())
    assert (stats.total, stats.by_flag.get("hedge")) == (5000, 5000)


# -- actors, bulk load -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("police", ["b-police"]),  # as written
        ("KAZ-POLICE", ["b-police"]),  # canonical name
        ("kaz-police", ["b-police"]),  # case ignored
        ("manifestants", ["a-protesters", "b-police"]),  # a source of one, a target of the other
        ("gouvernement", []),
    ],
)
def test_store_filters_by_actor(
    store: Store, save: Saver, make_event: Builder, actor: str, expected: list[str]
) -> None:
    protesters = {"text": "manifestants", "kind": "protesters"}
    police = {"text": "police", "canonical": "KAZ-POLICE", "kind": "police"}
    save(
        make_event(id="a-protesters", actors={"source": [protesters]}),
        make_event(id="b-police", date="2022-01-06", actors={"source": [police], "target": [protesters]}),
    )
    assert ids(store, actor=actor) == expected
    assert store.stats(EventQuery(actor=actor)).total == len(expected)


def test_store_pages_of_an_actor_list_each_event_once_in_order(store: Store, save: Saver, make_event: Builder) -> None:
    police = {"text": "police", "canonical": "KAZ-POLICE", "kind": "police"}
    both = {"source": [police], "target": [police]}  # the same names on both sides: one event, not two
    save(
        make_event(id="e-undated", date=None, date_precision="unknown", actors=both),
        make_event(id="d-late", date="2022-01-09", actors={"target": [police]}, flags=["hedge"]),
        make_event(id="c-both", date="2022-01-06", actors=both, flags=["hedge"]),
        make_event(id="b-same-day", date="2022-01-06", actors={"source": [police]}),
        make_event(id="a-early", date="2022-01-02", actors=both),
        make_event(id="z-other", date="2022-01-03"),
    )
    expected = ["a-early", "b-same-day", "c-both", "d-late", "e-undated"]
    for actor in ("police", "kaz-police"):
        assert ids(store, actor=actor) == expected
        paged, after = [], None
        while True:
            page = store.events(EventQuery(actor=actor, limit=2, after=after))
            paged += [e.id for e in page]
            if len(page) < 2:
                break
            after = EventCursor(date=page[-1].date, id=page[-1].id)
        assert paged == expected
        assert ids(store, actor=actor, since="2022-01-05", until="2022-01-08") == ["b-same-day", "c-both"]
        assert ids(store, actor=actor, flag="hedge", limit=1) == ["c-both"]
        assert ids(store, actor=actor, limit=3) == expected[:3]


def test_store_save_many_saves_each_document_once(
    store: Store, make_summary: Callable[..., DocumentSummary], make_event: Builder, sample_text: str
) -> None:
    items = [
        (make_summary(doc_id=f"doc-{n}", content_hash=f"hash-{n}"), sample_text,
         [make_event(id=f"e-{n}-{k}", doc_id=f"doc-{n}", flags=["hedge"]) for k in range(3)])
        for n in range(5)
    ]  # fmt: skip
    assert store.save_many(items) == 5
    assert store.save_many(items[:2]) == 0  # same hashes: nothing new
    assert store.counts() == {"documents": 5, "events": 15}
    assert len(ids(store, flag="hedge", actor="manifestants")) == 15


def test_store_migration_3_indexes_actors_of_existing_events(
    store_url: str, save: Saver, make_full_event: Builder
) -> None:
    save(make_full_event())
    # Back to schema version 2, as a store written by an older Vigie would be.
    run_sql(store_url, "DROP TABLE event_actors")
    run_sql(store_url, "DELETE FROM schema_migrations WHERE version IN (3, 5)")  # 5 adds to event_actors
    with open_store(store_url) as reopened:
        assert [e.id for e in reopened.events(EventQuery(actor="kaz-gov"))] == [make_full_event().id]
        assert [e.id for e in reopened.events(EventQuery(actor="Manifestants"))] == [make_full_event().id]


# -- bulk load: save_many is save() of each document in turn, batch by batch -------------------------------

BULK_QUERIES: list[dict[str, object]] = [
    {},
    {"limit": 7},
    {"type": "protest"},
    {"type": "PROTEST", "limit": 5},
    {"country": "ua"},
    {"flag": "hedge", "limit": 10},
    {"actor": "protesters"},
    {"actor": "UA-POLICE", "limit": 3},
    {"text": "pension"},
    {"text": "curfew", "limit": 4},
    {"since": "2018-01-01", "until": "2019-12-31", "type": "ASSAULT"},
    {"country": "FR", "type": "PROTEST", "flag": "hedge"},
    {"bbox": (20.0, 40.0, 45.0, 56.0), "since": "2016-01-01", "until": "2022-12-31", "limit": 20},
]


def synthetic_batch(events: int, seed: int = 5) -> list[tuple[DocumentSummary, str, list[EventRecord]]]:
    from vigie.synthetic_events import synthetic_documents

    return list(synthetic_documents(events, seed))


def test_store_bulk_save_equals_saves_one_by_one(store: Store) -> None:
    items = synthetic_batch(400)
    summary, text, events = items[0]
    edited = (summary.model_copy(update={"content_hash": "sha256:edited"}), text + " Edited.", events[:1])
    batch = [*items, edited, items[1]]  # a new version of the first document, the second again
    with open_store(":memory:") as reference:
        for item in batch:
            reference.save(*item)
        assert store.save_many(batch) == len(items) + 1
        assert store.counts() == reference.counts()
        assert store.documents() == reference.documents()
        for filters in BULK_QUERIES:
            assert ids(store, **filters) == ids(reference, **filters), filters
            query = EventQuery.model_validate({**filters, "limit": None})
            assert store.stats(query) == reference.stats(query), filters


def test_store_bulk_save_again_adds_nothing(store: Store) -> None:
    items = synthetic_batch(300)
    assert store.save_many(items) == len(items)
    counts, stats = store.counts(), store.stats(EventQuery())
    assert store.save_many(items) == 0
    assert store.save_many(items[:10]) == 0
    assert store.counts() == counts
    assert store.stats(EventQuery()) == stats


@pytest.mark.parametrize("query", [EventQuery(), EventQuery(type="protest"), EventQuery(type="COERCE")])
def test_store_kept_counts_equal_counted_ones(store: Store, query: EventQuery) -> None:
    items = synthetic_batch(300)
    store.save_many(items)
    summary, text, events = items[5]  # a new version of a document takes its old events out of the counts
    store.save(summary.model_copy(update={"content_hash": "sha256:v2"}), text, events[:1])
    stats = store.stats(query)
    # min_confidence=0 matches every event but is not kept: the events themselves are counted.
    assert stats == store.stats(query.model_copy(update={"min_confidence": 0.0}))
    assert stats.total == len(ids(store, **query.model_dump(exclude_none=True)))


def test_store_bulk_save_with_a_failing_document_leaves_none_of_the_batch(store: Store) -> None:
    items = synthetic_batch(300)
    summary, text, events = items[3]
    clash = summary.model_copy(update={"doc_id": "doc-clash", "content_hash": "sha256:clash"})
    bad = (clash, text, [events[0].model_copy(update={"doc_id": "doc-clash"})])  # an event id already in the batch
    batch = [*items[:50], bad, *items[50:100]]
    with pytest.raises(StoreError, match="not saved"):
        store.save_many(batch)
    assert store.counts() == {"documents": 0, "events": 0}
    assert store.stats(EventQuery()).total == 0
    assert store.events(EventQuery(text="pension")) == []
    assert not any(store.has_document(s.content_hash) for s, _, _ in batch)
    assert store.save_many(items[:100]) == 100  # the store is still usable
    assert store.counts()["events"] == sum(len(e) for _, _, e in items[:100])
