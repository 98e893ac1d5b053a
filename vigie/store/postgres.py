"""The PostgreSQL store: the same tables and behaviour as the SQLite store, full text through tsvector columns."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from vigie.errors import AmbiguousId, StoreError
from vigie.records import DocumentSummary, EventQuery, EventRecord, EventStats
from vigie.store import redact_url
from vigie.store.base import MIN_ID_PREFIX, indexes_set_aside, loader_alive, paused_gc
from vigie.store.filters import FilterSQL
from vigie.store.migrate import migrate_postgres, pg_applied_versions
from vigie.store.sqlite import ALL_TYPES, SaveItem, actor_rows, plan_saves, tallied
from vigie.store.sqlite import event_row as sqlite_event_row

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10  # unless the URL says otherwise: a wrong host fails in seconds, not minutes

_DOCUMENT_FIELDS = (
    "doc_id", "content_hash", "lang", "lang_confidence", "published", "url", "source", "title", "path",
    "outcome", "reason", "event_count", "ingested_at",
)  # fmt: skip
_DOCUMENT_COLUMNS = ", ".join(_DOCUMENT_FIELDS)
_EVENT_COLUMNS = (
    "id", "doc_id", "type", "mode", "date", "date_end", "date_precision", "date_text", "place", "country",
    "admin1", "lat", "lon", "source_actors", "target_actors", "status", "attributed_to", "confidence", "lang",
    "evidence", "evidence_start", "evidence_end", "cameo_root", "acled_type", "acled_subtype", "record",
)  # fmt: skip
# COPY is the batched insert here: about twice as fast as executemany for thousands of events.
_COPY_EVENTS = f"COPY events ({', '.join(_EVENT_COLUMNS)}) FROM STDIN"
_COPY_FLAGS = "COPY event_flags (event_id, flag) FROM STDIN"
_COPY_ACTORS = "COPY event_actors (name, event_id, role, date) FROM STDIN"
_COPY_DOCUMENTS = f"COPY documents ({_DOCUMENT_COLUMNS}, text) FROM STDIN"
_LOCKED = (("doc", "doc_id"), ("hash", "content_hash"))
#: The indexes only reads use, set aside by a bulk load and built at its end (see PostgresStore.bulk); the
#: full-text GIN index is the dearest to keep up to date row by row.
DEFERRABLE_INDEXES = (
    "events_date", "events_type_date", "events_country_type", "events_search", "event_actors_name",
    "event_actors_name_date", "event_flags_flag", "documents_outcome", "documents_ingested_at",
)  # fmt: skip
#: Memory for each index build (the sort in memory rather than in temporary files).
INDEX_BUILD_MEMORY = "512MB"
#: The `event_tallies` keys of the events of some documents (an array of doc_ids), with how many events count under
#: each: the keys stats() groups by, for each type and for every type ('*').
_TALLY_KEYS = """
WITH m AS MATERIALIZED (
    SELECT e.id, upper(e.type) AS type, substr(e.date, 1, 10) AS day, upper(e.country) AS country,
           lower(e.lang) AS lang
    FROM events e WHERE e.doc_id = ANY(%s)
), keyed (type, facet, value) AS (
    SELECT type, 'total', '' FROM m
    UNION ALL SELECT type, 'type', type FROM m
    UNION ALL SELECT type, 'day', day FROM m WHERE day IS NOT NULL
    UNION ALL SELECT type, 'country', country FROM m WHERE country IS NOT NULL
    UNION ALL SELECT type, 'lang', lang FROM m WHERE lang IS NOT NULL
    UNION ALL SELECT m.type, 'flag', f.flag FROM m JOIN event_flags f ON f.event_id = m.id
)
SELECT type, facet, value, count(*) FROM (
    SELECT type, facet, value FROM keyed UNION ALL SELECT '*', facet, value FROM keyed
) AS every GROUP BY 1, 2, 3
"""
_TALLY = (
    "INSERT INTO event_tallies (type, facet, value, n) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (type, facet, value) DO UPDATE SET n = event_tallies.n + excluded.n"
)
#: Documents a bulk-load transaction holds advisory locks for (two each): well inside the server's lock table.
BULK_DOCUMENTS = 500

#: Configurations a search word is tried in: any of them matching is enough (see events_search in 0001).
SEARCH_CONFIGS = ("vigie_french", "vigie_english", "vigie_russian", "vigie_simple")
_WORD_QUERY = " || ".join(f"phraseto_tsquery('{name}', %s)" for name in SEARCH_CONFIGS)


class _PostgresFilters(FilterSQL):
    """Filters over PostgreSQL: case-insensitive like SQLite's NOCASE columns (the indexes are on lower()); words
    through the tsvector column."""

    placeholder = "%s"
    per_row = " OFFSET 0"  # a subquery with an OFFSET is never hashed

    def equals(self, expression: str) -> str:
        return f"lower({expression}) = lower(%s)"

    def text(self, query: EventQuery, drive: str | None) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for word in (query.text or "").split():
            # Every word must match, as a phrase of its tokens, stemmed in some language or as written; a word
            # with no searchable token (punctuation only) matches nothing, as in SQLite.
            where.append(f"e.search @@ ({_WORD_QUERY})")
            params.extend([word] * len(SEARCH_CONFIGS))
        return where, params


_FILTERS = _PostgresFilters()


def strip_nul(value: Any) -> Any:
    """`value` without NUL characters, which PostgreSQL text cannot hold (JSON keeps them escaped as \\u0000)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def event_row(event: EventRecord) -> tuple[Any, ...]:
    """The `events` row for a record, as the SQLite store builds it, fit for PostgreSQL text."""
    return tuple(strip_nul(value) for value in sqlite_event_row(event))


def describe(err: psycopg.Error) -> str:
    """The server's message on one line (PostgreSQL adds DETAIL and HINT lines)."""
    return " ".join(str(err).split())


def lock_keys(*names: str) -> list[int]:
    """Advisory lock keys for `names`, sorted so that every writer takes its locks in one order (no deadlock)."""
    keys = {int.from_bytes(hashlib.blake2b(n.encode(), digest_size=8).digest(), "big", signed=True) for n in names}
    return sorted(keys)


def connection_params(url: str) -> dict[str, Any]:
    """libpq parameters for a postgresql:// URL (SQLAlchemy's postgresql+driver:// spelling accepted)."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower().startswith("postgresql+"):
        url = "postgresql://" + rest
    params = conninfo_to_dict(url)
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    params.setdefault("application_name", "vigie")
    return params


class PostgresStore:
    """A Store over one PostgreSQL database (tables in the first schema of its search_path).

    One connection, safe to share between threads: calls are serialised, as in SQLiteStore. Concurrent writers
    in other processes are fine: saves of one document (same doc_id or content hash) take the same advisory
    locks, and everything else is PostgreSQL's row locking.
    """

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.where = redact_url(url)
        self._lock = threading.RLock()
        try:
            self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                **connection_params(url), autocommit=True
            )
        except psycopg.Error as err:
            raise StoreError(
                f"cannot connect to PostgreSQL: {describe(err)}",
                where=self.where,
                hint="is the server running, and the URL postgresql://USER@HOST:PORT/DATABASE?",
            ) from err
        try:
            if not create and pg_applied_versions(self._conn) is None:
                raise StoreError(
                    "no event store in this database", where=self.where, hint="ingest articles first or check the URL"
                )
            self.schema_version = migrate_postgres(self._conn, self.where)
            self._build_deferred(lambda owner: not loader_alive(owner))
        except BaseException:
            self._conn.close()
            raise

    # -- plumbing -----------------------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, [strip_nul(p) for p in params]).fetchall()
            except psycopg.Error as err:
                raise StoreError(f"query failed: {describe(err)}", where=self.where) from err

    # -- writing ------------------------------------------------------------------------------------------

    def has_document(self, content_hash: str) -> bool:
        return bool(self._query("SELECT 1 FROM documents WHERE content_hash = %s", (content_hash,)))

    def save(self, summary: DocumentSummary, text: str, events: list[EventRecord]) -> None:
        self._save_batch([(summary, text, events)])
        logger.debug("document saved", extra={"doc_id": summary.doc_id, "events": len(events)})

    def save_many(self, items: Sequence[SaveItem]) -> int:
        """Save several documents with their events, BULK_DOCUMENTS a transaction (bulk load); return how many
        were new. Each is saved as save() would: a document already stored (same hash) is left as is."""
        return sum(self._save_batch(items[i : i + BULK_DOCUMENTS]) for i in range(0, len(items), BULK_DOCUMENTS))

    def _save_batch(self, items: Sequence[SaveItem]) -> int:
        with paused_gc():
            return self._write_batch(items)

    def _write_batch(self, items: Sequence[SaveItem]) -> int:
        prepared = [_prepare(summary, text, events) for summary, text, events in items]
        names = ", ".join(repr(summary.doc_id) for summary, _, _ in items[:3]) + (", …" if len(items) > 3 else "")
        with self._lock:
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    # Writers of the same document (same id or same content) take turns, as SQLite's write lock
                    # makes them: the check below then sees what the other committed.
                    keys = lock_keys(*(f"{kind}:{d[field]}" for d, _ in prepared for kind, field in _LOCKED))
                    cur.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", (keys,))
                    cur.execute(
                        "SELECT doc_id, content_hash FROM documents WHERE content_hash = ANY(%s)"
                        " UNION SELECT doc_id, content_hash FROM documents WHERE doc_id = ANY(%s)",
                        ([d["content_hash"] for d, _ in prepared], [d["doc_id"] for d, _ in prepared]),
                    )
                    positions, saved = plan_saves(
                        [(d["doc_id"], d["content_hash"]) for d, _ in prepared], [(r[0], r[1]) for r in cur.fetchall()]
                    )
                    fresh = {prepared[i][0]["doc_id"]: prepared[i] for i in positions}
                    if not fresh:
                        return saved
                    # Same doc_id, new content (an edited article): the new version replaces the old one.
                    doc_ids = list(fresh)
                    tallies: Counter[tuple[str, str, str]] = Counter()
                    cur.execute(_TALLY_KEYS, (doc_ids,))
                    for kind, facet, value, n in cur.fetchall():
                        tallies[(kind, facet, value)] -= n
                    cur.execute("DELETE FROM documents WHERE doc_id = ANY(%s)", (doc_ids,))
                    with cur.copy(_COPY_DOCUMENTS) as copy:
                        for document, _ in fresh.values():
                            copy.write_row([document[name] for name in (*_DOCUMENT_FIELDS, "text")])
                    events = [e for _, batch in fresh.values() for e in batch]
                    with cur.copy(_COPY_EVENTS) as copy:
                        for event in events:
                            copy.write_row(event_row(event))
                    with cur.copy(_COPY_FLAGS) as copy:
                        for flag in _flag_rows(events):
                            copy.write_row(flag)
                    with cur.copy(_COPY_ACTORS) as copy:
                        for actor in events:
                            for row in actor_rows(actor):
                                copy.write_row((*(strip_nul(v) for v in row), strip_nul(actor.date)))
                    cur.execute(_TALLY_KEYS, (doc_ids,))
                    for kind, facet, value, n in cur.fetchall():
                        tallies[(kind, facet, value)] += n
                    # One pass in key order: writers lock the shared tally rows in the same order.
                    changes = [(*key, n) for key, n in sorted(tallies.items()) if n]
                    if changes:
                        cur.executemany(_TALLY, changes)
                    return saved
            except psycopg.errors.IntegrityError as err:
                raise StoreError(
                    f"document {names} not saved: {describe(err)}",
                    where=self.where,
                    hint="event ids must be unique across the store",
                ) from err
            except psycopg.Error as err:
                raise StoreError(f"document {names} not saved: {describe(err)}", where=self.where) from err

    def bulk(self, events: int) -> AbstractContextManager[None]:
        """A big load: the read indexes are set aside when `events` justifies it (defers_indexes), built at the end;
        see SQLiteStore.bulk."""
        total = self._query("SELECT n FROM event_tallies WHERE type = %s AND facet = 'total'", (ALL_TYPES,))
        stored = int(total[0][0]) if total else 0
        return indexes_set_aside(events, stored, self._defer_indexes, self._build_deferred)

    def deferred_indexes(self) -> list[str]:
        """The read indexes a bulk load has set aside and not built again yet (empty once it ends)."""
        return [str(row[0]) for row in self._query("SELECT name FROM deferred_indexes ORDER BY name")]

    def _defer_indexes(self, owner: str) -> None:
        with self._lock:
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    cur.execute(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                        " AND indexname = ANY(%s) ORDER BY indexname",
                        (list(DEFERRABLE_INDEXES),),
                    )
                    for name, sql in cur.fetchall():
                        # A load starting at the same moment may have set it aside first: then it is that load's.
                        cur.execute(
                            "INSERT INTO deferred_indexes (name, sql, owner) VALUES (%s, %s, %s)"
                            " ON CONFLICT (name) DO NOTHING RETURNING name",
                            (name, sql, owner),
                        )
                        if cur.fetchone() is not None:
                            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
            except psycopg.Error as err:
                raise StoreError(
                    f"cannot set the indexes aside for a bulk load: {describe(err)}", where=self.where
                ) from err
        logger.info("indexes set aside for a bulk load", extra={"db": self.where})

    def _build_deferred(self, chosen: Callable[[str], bool]) -> None:
        """Build again the set-aside indexes whose owner is `chosen`, in one transaction."""
        recorded = self._query("SELECT name, sql, owner FROM deferred_indexes ORDER BY name")
        picked = [(name, sql) for name, sql, owner in recorded if chosen(owner)]
        if not picked:
            return
        started = time.perf_counter()
        with self._lock:
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    cur.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
                    for name, sql in picked:
                        # Locked, so two processes opening the store after a killed load build each index once.
                        cur.execute("SELECT 1 FROM deferred_indexes WHERE name = %s FOR UPDATE", (name,))
                        if cur.fetchone() is None:
                            continue
                        cur.execute("SELECT to_regclass(%s) IS NULL", (name,))
                        missing = cur.fetchone()
                        if missing and missing[0]:
                            cur.execute(sql)
                        cur.execute("DELETE FROM deferred_indexes WHERE name = %s", (name,))
            except psycopg.Error as err:
                raise StoreError(
                    f"cannot build the indexes a bulk load set aside: {describe(err)}",
                    where=self.where,
                    hint="queries stay correct, only slower; opening the store again retries",
                ) from err
        logger.info(
            "indexes built after a bulk load",
            extra={"db": self.where, "indexes": len(picked), "seconds": round(time.perf_counter() - started, 1)},
        )

    # -- reading ------------------------------------------------------------------------------------------

    def _filters(self, query: EventQuery) -> tuple[list[str], list[Any]]:
        """SQL conditions on `events e` for every filter of `query` but the cursor and limit, and their values."""
        return _FILTERS.build(query)

    def events(self, query: EventQuery) -> list[EventRecord]:
        return [EventRecord.model_validate_json(record) for record in self.events_json(query)]

    def events_json(self, query: EventQuery) -> list[str]:
        dated = query.since is not None or query.until is not None
        if dated or (query.after is not None and query.after.date is None):
            return self._page(query, None)  # no row has a NULL date, or only undated rows are left
        # Dated rows first (a range of an index in (date, id) order, which a page can stop early in), then the
        # undated ones if the page is not full, rather than one order that puts NULL last and must sort every match.
        found = self._page(query, "dated")
        if query.limit is not None and len(found) >= query.limit:
            return found
        rest = query.model_copy(update={"limit": None if query.limit is None else query.limit - len(found)})
        return found + self._page(rest, "undated")

    def _page(self, query: EventQuery, part: str | None) -> list[str]:
        if query.actor is not None:
            return self._actor_page(query, part)
        where, params = self._filters(query)
        order = _FILTERS.page(query, part, where, params)
        sql = "SELECT e.record::text FROM events e"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += order
        if query.limit is not None:
            sql += " LIMIT %s"
            params.append(query.limit)
        return [str(row[0]) for row in self._query(sql, params)]

    def _actor_page(self, query: EventQuery, part: str | None) -> list[str]:
        """_page() as a join from the actor's `event_actors` rows (FilterSQL.actor_walk): the planner may walk the
        (lower(name), date, event_id) index in the listing's order and stop at the page's end, or start elsewhere
        when another filter is narrower."""
        sql, params, _ = _FILTERS.actor_walk(query, part, "e.record::text")
        if query.limit is not None:
            sql += " LIMIT %s"
            params.append(query.limit)
        return [str(row[0]) for row in self._query(sql, params)]

    def stats(self, query: EventQuery) -> EventStats:
        if tallied(query):
            return self._tallied_stats(query)
        return self._counted_stats(query)

    def _tallied_stats(self, query: EventQuery) -> EventStats:
        kind = ALL_TYPES if query.type is None else query.type.upper()
        return _FILTERS.tallied_stats(self._query, kind)

    def _counted_stats(self, query: EventQuery) -> EventStats:
        where, params = self._filters(query)
        return _FILTERS.counted_stats(self._query, where, params)

    def get_event(self, event_id: str) -> EventRecord | None:
        rows = self._query("SELECT record::text FROM events WHERE id = %s", (event_id,))
        if not rows and len(event_id) >= MIN_ID_PREFIX:
            # starts_with() on a "C" column becomes a range on the primary key index (unlike LIKE, no escaping).
            rows = self._query(
                "SELECT record::text FROM events WHERE starts_with(id, %s) ORDER BY id LIMIT 2", (event_id,)
            )
            if len(rows) > 1:
                raise AmbiguousId(
                    f"event id prefix {event_id!r} matches several events", hint="give more characters"
                )
        return EventRecord.model_validate_json(rows[0][0]) if rows else None

    def get_document(self, doc_id: str) -> DocumentSummary | None:
        rows = self._query(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id = %s", (doc_id,))
        return _summary(rows[0]) if rows else None

    def document_text(self, doc_id: str) -> str | None:
        rows = self._query("SELECT text FROM documents WHERE doc_id = %s", (doc_id,))
        return str(rows[0][0]) if rows else None

    def documents(self, no_events: bool = False) -> list[DocumentSummary]:
        sql = f"SELECT {_DOCUMENT_COLUMNS} FROM documents"
        if no_events:
            sql += " WHERE event_count = 0"
        return [_summary(row) for row in self._query(sql + " ORDER BY ingested_at, doc_id")]

    def counts(self) -> dict[str, int]:
        row = self._query("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM events)")[0]
        return {"documents": int(row[0]), "events": int(row[1])}

    def add_token_hash(self, token_hash: str, name: str | None = None) -> None:
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._query(
            "INSERT INTO api_tokens (token_hash, name, created_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (token_hash) DO NOTHING RETURNING 1",
            (token_hash, name, created),
        )

    def has_token_hash(self, token_hash: str) -> bool:
        return bool(self._query("SELECT 1 FROM api_tokens WHERE token_hash = %s", (token_hash,)))

    def has_tokens(self) -> bool:
        return bool(self._query("SELECT 1 FROM api_tokens LIMIT 1"))

    def analyze(self) -> None:
        """Refresh the query planner's statistics (after a bulk load)."""
        with self._lock:
            self._conn.execute("ANALYZE")

    def schema_versions(self) -> list[dict[str, Any]]:
        """The migrations applied to this store, oldest first."""
        rows = self._query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        return [{"version": row[0], "name": row[1], "applied_at": row[2]} for row in rows]

    # -- lifetime -----------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self.where!r})"


def _prepare(
    summary: DocumentSummary, text: str, events: list[EventRecord]
) -> tuple[dict[str, Any], list[EventRecord]]:
    """The `documents` row of a save (NUL characters removed, event count and ingestion time filled in)."""
    stray = sorted({e.doc_id for e in events} - {summary.doc_id})
    if stray:
        raise StoreError(f"events of document {stray[0]!r} saved with document {summary.doc_id!r}")
    document = {key: strip_nul(value) for key, value in summary.model_dump().items()}
    document["event_count"] = len(events)
    document["ingested_at"] = document["ingested_at"] or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    document["text"] = strip_nul(text)
    return document, events


def _flag_rows(events: list[EventRecord]) -> Iterator[tuple[str, str]]:
    for event in events:
        for flag in dict.fromkeys(event.flags):
            yield strip_nul(event.id), strip_nul(flag)


def _summary(row: tuple[Any, ...]) -> DocumentSummary:
    return DocumentSummary.model_validate(dict(zip(_DOCUMENT_FIELDS, row, strict=True)))
