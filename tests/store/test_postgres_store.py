"""The PostgreSQL store in particular: stemmed search, schema, URLs, writers of one document, NUL characters."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from vigie.errors import StoreError
from vigie.records import DocumentSummary, EventQuery, EventRecord
from vigie.store import open_store, redact_url

psycopg = pytest.importorskip("psycopg")

from vigie.store.postgres import PostgresStore  # noqa: E402 (needs psycopg)

Builder = Callable[..., EventRecord]
on_postgres = pytest.mark.parametrize("store_url", ["postgres"], indirect=True)


@on_postgres
def test_postgres_store_creates_its_tables_in_the_search_path_schema(store_url: str) -> None:
    with open_store(store_url) as store:
        assert isinstance(store, PostgresStore)
        assert [v["version"] for v in store.schema_versions()] == [1, 2, 3, 4, 5, 7]  # 6 is SQLite's R*Tree
    with psycopg.connect(store_url) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        assert {row[0] for row in tables} == {
            "documents", "events", "event_flags", "event_actors", "event_tallies", "schema_migrations", "api_tokens",
            "deferred_indexes",
        }
        # unaccent folds accents before stemming (it is in Debian's server package)
        assert conn.execute("SELECT to_tsvector('vigie_french', 'Réformes')::text").fetchone()[0] == "'reform':1"


@on_postgres
@pytest.mark.parametrize(
    ("lang", "evidence", "search"),
    [
        ("fr", "des milliers de manifestants ont protesté", "manifestant protestaient"),
        ("en", "thousands of workers protested in Almaty", "protesting worker"),
        ("ru", "Тысячи людей вышли на митинги в Алматы", "митинг ЛЮДИ"),
        ("ru", "Жители всё ещё ждут ответа", "все"),
    ],
)
def test_postgres_store_search_matches_other_forms_of_a_word(
    store_url: str,
    make_summary: Callable[..., DocumentSummary],
    make_event: Builder,
    lang: str,
    evidence: str,
    search: str,
) -> None:
    event = make_event(lang=lang, evidence={"text": evidence, "start": 0, "end": len(evidence)})
    with open_store(store_url) as store:
        store.save(make_summary(lang=lang), evidence, [event])
        assert [e.id for e in store.events(EventQuery(text=search))] == [event.id]
        assert store.events(EventQuery(text=search + " absent")) == []


@on_postgres
def test_postgres_store_without_create_refuses_an_empty_database(store_url: str) -> None:
    with pytest.raises(StoreError, match="no event store"):
        open_store(store_url, create=False)
    with psycopg.connect(store_url) as conn:
        assert conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None


@on_postgres
@pytest.mark.parametrize("scheme", ["postgres", "postgresql+psycopg"])
def test_postgres_store_accepts_other_url_spellings(store_url: str, scheme: str) -> None:
    with open_store(scheme + store_url.removeprefix("postgresql")) as store:
        assert isinstance(store, PostgresStore)
        assert store.counts() == {"documents": 0, "events": 0}


@pytest.mark.parametrize(
    "url",
    ["postgresql://vigie:secret@127.0.0.1:1/vigie", "postgresql://vigie@127.0.0.1:1/vigie?password=secret"],
)
def test_postgres_store_connection_error_hides_the_password(url: str) -> None:
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as caught:
        open_store(url)
    assert "secret" not in str(caught.value)
    assert "secret" not in redact_url(url)


@on_postgres
def test_postgres_store_writers_of_one_document_store_it_once(
    store_url: str, make_summary: Callable[..., DocumentSummary], make_event: Builder, sample_text: str
) -> None:
    open_store(store_url).close()
    stores = [open_store(store_url) for _ in range(4)]
    events = [make_event(id=f"evt-{i:03d}") for i in range(200)]
    errors: list[BaseException] = []

    def save(store: object) -> None:
        try:
            assert isinstance(store, PostgresStore)
            store.save(make_summary(), sample_text, events)
        except BaseException as err:  # reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=save, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
    with open_store(store_url) as store:
        assert store.counts() == {"documents": 1, "events": 200}


@on_postgres
def test_postgres_store_drops_nul_characters_it_cannot_hold(
    store_url: str, make_summary: Callable[..., DocumentSummary], make_event: Builder
) -> None:
    event = make_event(id="evt\x00nul", evidence={"text": "grève\x00 générale", "start": 0, "end": 15})
    with open_store(store_url) as store:
        store.save(make_summary(title="Grève\x00"), "Grève\x00 générale.", [event])
        assert store.get_event("evt\x00nul") == event  # the record itself keeps them
        assert store.document_text("doc-almaty") == "Grève générale."
        assert [e.id for e in store.events(EventQuery(text="greve"))] == [event.id]
