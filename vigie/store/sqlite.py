"""The SQLite store: one file, WAL, FTS5 over evidence and document text; the only module that speaks SQL."""

from __future__ import annotations

import datetime as dt
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from vigie.errors import AmbiguousId, StoreError
from vigie.records import DocumentSummary, EventQuery, EventRecord, EventStats
from vigie.store.base import MIN_ID_PREFIX
from vigie.store.migrate import migrate_sqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000  # a batch writer may hold the lock for a big document; readers never block in WAL
# SQLite answers "database is locked" at once, without waiting the busy timeout, in a few cases (a WAL
# recovery or journal-mode change under way in another process): such a transaction is retried from scratch.
LOCKED_RETRIES = 8
CACHE_KIB = 64 * 1024

T = TypeVar("T")

_DOCUMENT_COLUMNS = (
    "doc_id, content_hash, lang, lang_confidence, published, url, source, title, path,"
    " outcome, reason, event_count, ingested_at"
)
_INSERT_DOCUMENT = (
    f"INSERT INTO documents ({_DOCUMENT_COLUMNS}, text)"
    " VALUES (:doc_id, :content_hash, :lang, :lang_confidence, :published, :url, :source, :title, :path,"
    " :outcome, :reason, :event_count, :ingested_at, :text)"
)
_EVENT_COLUMNS = (
    "id", "doc_id", "type", "mode", "date", "date_end", "date_precision", "date_text", "place", "country",
    "admin1", "lat", "lon", "source_actors", "target_actors", "status", "attributed_to", "confidence", "lang",
    "evidence", "evidence_start", "evidence_end", "cameo_root", "acled_type", "acled_subtype", "record",
)  # fmt: skip
_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(_EVENT_COLUMNS))})"
)


def _actor_names(event: EventRecord, side: str) -> str | None:
    actors = getattr(event.actors, side)
    return ";".join(a.canonical or a.text for a in actors) or None


#: EventStats field → the expression events are grouped by (fixed SQL over the stats CTE, never input); case folded
#: as the filters fold it.
_STATS_GROUPS = {"by_type": "upper(type)", "by_day": "day", "by_country": "upper(country)", "by_lang": "lower(lang)"}


def event_row(event: EventRecord) -> tuple[Any, ...]:
    """The `events` row for a record: its queryable fields, then the whole record as JSON."""
    place = event.place
    return (
        event.id, event.doc_id, event.type, event.mode, event.date, event.date_end, event.date_precision,
        event.date_text, place.canonical or place.name, place.country, place.admin1, place.lat, place.lon,
        _actor_names(event, "source"), _actor_names(event, "target"), event.attribution.status,
        event.attribution.source, event.confidence, event.lang, event.evidence.text, event.evidence.start,
        event.evidence.end, event.cameo_root, event.acled_type, event.acled_subtype, event.model_dump_json(),
    )  # fmt: skip


def actor_rows(event: EventRecord) -> list[tuple[str, str, str]]:
    """The `event_actors` rows of an event: (name, event id, role) for each actor's canonical name and words as
    written, each name once a role (case folded)."""
    rows: dict[tuple[str, str], tuple[str, str, str]] = {}
    for role in ("source", "target"):
        for actor in getattr(event.actors, role):
            for name in (actor.text, actor.canonical):
                if name and (name.casefold(), role) not in rows:
                    rows[(name.casefold(), role)] = (name, event.id, role)
    return list(rows.values())


#: One document to save: its summary, its text and its events, as save() takes them.
SaveItem = tuple[DocumentSummary, str, list[EventRecord]]


def fts_phrase(text: str) -> str:
    """An FTS5 query matching every word of `text`, with FTS syntax (quotes, AND, *, :) taken literally."""
    words = text.split()
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def is_locked(err: sqlite3.Error) -> bool:
    """True for SQLITE_BUSY and SQLITE_LOCKED: another connection holds a lock, so trying again may work."""
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "is locked" in str(err)


def retry_locked(action: Callable[[], T], *, where: str) -> T:
    """The result of `action()`, run again with growing pauses while the database is locked."""
    for attempt in range(LOCKED_RETRIES + 1):
        try:
            return action()
        except sqlite3.Error as err:
            if not is_locked(err) or attempt == LOCKED_RETRIES:
                raise
            pause = 0.02 * 2**attempt * (1 + random.random())  # jitter: two writers do not retry in step
            logger.info("database locked, retrying", extra={"db": where, "attempt": attempt + 1, "pause_s": pause})
            time.sleep(pause)
    raise AssertionError("unreachable")


def _prepare(
    summary: DocumentSummary, text: str, events: list[EventRecord]
) -> tuple[dict[str, Any], list[EventRecord]]:
    """The `documents` row of a save (event count and ingestion time filled in), and its events."""
    stray = sorted({e.doc_id for e in events} - {summary.doc_id})
    if stray:
        raise StoreError(f"events of document {stray[0]!r} saved with document {summary.doc_id!r}")
    document = summary.model_dump(mode="json")
    document["event_count"] = len(events)
    document["ingested_at"] = summary.ingested_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    document["text"] = text
    return document, events


def _summary(row: sqlite3.Row) -> DocumentSummary:
    data = {key: row[key] for key in row.keys() if key != "text"}  # noqa: SIM118 (Row is not a dict)
    return DocumentSummary.model_validate(data)


class SQLiteStore:
    """A Store over one SQLite file (or ":memory:"); safe to share between threads, writes serialised."""

    def __init__(self, path: str, *, create: bool = True) -> None:
        self.path = path
        in_memory = path == ":memory:" or path.startswith("file::memory:")
        if not in_memory:
            file = Path(path)
            if file.is_dir():
                raise StoreError("is a directory, not a database file", where=path)
            if not file.exists():
                if not create:
                    raise StoreError(
                        "no event store here", where=path, hint="ingest articles first or pass --db PATH"
                    )
                file.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                retry_locked(lambda: self._conn.execute("PRAGMA journal_mode = WAL"), where=path)
                self._conn.execute("PRAGMA synchronous = NORMAL")  # durable enough under WAL, much faster
            # 64 MiB of page cache instead of 2: a million-event store's indexes stay in memory while loading and
            # querying (the cache is per connection and allocated as used).
            self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
            self.schema_version = retry_locked(lambda: migrate_sqlite(self._conn, path), where=path)
        except sqlite3.DatabaseError as err:
            raise StoreError(
                f"cannot open the event store: {err}", where=path, hint="is it a Vigie SQLite file?"
            ) from err

    # -- plumbing -----------------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock up front, so WAL never deadlocks."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:  # SQLite may have rolled back already (disk full, I/O error)
                    self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as err:
                raise StoreError(f"query failed: {err}", where=self.path) from err

    # -- writing ------------------------------------------------------------------------------------------

    def has_document(self, content_hash: str) -> bool:
        return bool(self._query("SELECT 1 FROM documents WHERE content_hash = ?", (content_hash,)))

    def save(self, summary: DocumentSummary, text: str, events: list[EventRecord]) -> None:
        self.save_many([(summary, text, events)])
        logger.debug("document saved", extra={"doc_id": summary.doc_id, "events": len(events)})

    def save_many(self, items: Sequence[SaveItem]) -> int:
        """Save several documents with their events in one transaction (bulk load); return how many were new.

        Each is saved as save() would: a document already stored (same hash) is left as is.
        """
        prepared = [_prepare(summary, text, events) for summary, text, events in items]

        def write() -> int:
            saved = 0
            with self._transaction() as conn:
                for document, events in prepared:
                    # Checked under the write lock: two workers saving the same article store it once.
                    if conn.execute(
                        "SELECT 1 FROM documents WHERE content_hash = ?", (document["content_hash"],)
                    ).fetchone():
                        continue
                    # Same doc_id, new content (an edited article): the new version replaces the old one.
                    conn.execute("DELETE FROM documents WHERE doc_id = ?", (document["doc_id"],))
                    conn.execute(_INSERT_DOCUMENT, document)
                    conn.executemany(_INSERT_EVENT, [event_row(e) for e in events])
                    conn.executemany(
                        "INSERT INTO event_flags (event_id, flag) VALUES (?, ?)",
                        [(e.id, flag) for e in events for flag in dict.fromkeys(e.flags)],
                    )
                    conn.executemany(
                        "INSERT INTO event_actors (name, event_id, role) VALUES (?, ?, ?)",
                        [row for e in events for row in actor_rows(e)],
                    )
                    saved += 1
            return saved

        names = ", ".join(repr(summary.doc_id) for summary, _, _ in items[:3]) + (", …" if len(items) > 3 else "")
        try:
            return retry_locked(write, where=self.path)
        except sqlite3.IntegrityError as err:
            raise StoreError(
                f"document {names} not saved: {err}",
                where=self.path,
                hint="event ids must be unique across the store",
            ) from err
        except sqlite3.Error as err:
            raise StoreError(f"document {names} not saved: {err}", where=self.path) from err

    # -- reading ------------------------------------------------------------------------------------------

    def _filters(self, query: EventQuery) -> tuple[list[str], list[Any]]:
        """SQL conditions on `events e` for every filter of `query` but the cursor and limit, and their values."""
        where: list[str] = []
        params: list[Any] = []
        exact = {"type": query.type, "country": query.country, "doc_id": query.doc_id, "lang": query.lang}
        for column, value in exact.items():
            if value is not None:
                where.append(f"e.{column} = ?")  # column names come from the dict above, never from input
                params.append(value)
        if query.since is not None:
            where.append("e.date >= ?")
            params.append(query.since.isoformat())
        if query.until is not None:
            # Strictly before the next day, so "2022-01-06T21:00" still counts as the 6th.
            where.append("e.date < ?")
            params.append((query.until + dt.timedelta(days=1)).isoformat())
        if query.min_confidence is not None:
            where.append("e.confidence >= ?")
            params.append(query.min_confidence)
        if query.flag is not None:
            where.append("EXISTS (SELECT 1 FROM event_flags f WHERE f.event_id = e.id AND f.flag = ?)")
            params.append(query.flag)
        if query.actor is not None:
            where.append("e.id IN (SELECT a.event_id FROM event_actors a WHERE a.name = ?)")
            params.append(query.actor.strip())
        if query.text is not None and query.text.strip():
            where.append("e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
            params.append(fts_phrase(query.text))
        if query.bbox is not None:
            west, south, east, north = query.bbox
            where.append("e.lat BETWEEN ? AND ?")
            params.extend([south, north])
            # A west edge east of the east edge is a box across the antimeridian.
            where.append("(e.lon BETWEEN ? AND ?)" if west <= east else "(e.lon >= ? OR e.lon <= ?)")
            params.extend([west, east])
        return where, params

    def events(self, query: EventQuery) -> list[EventRecord]:
        where, params = self._filters(query)
        if query.after is not None:
            # Keyset: rows sorting after (date, id) in the order below; NULL dates come last.
            if query.after.date is None:
                where.append("(e.date IS NULL AND e.id > ?)")
                params.append(query.after.id)
            else:
                where.append("(e.date IS NULL OR e.date > ? OR (e.date = ? AND e.id > ?))")
                params.extend([query.after.date, query.after.date, query.after.id])
        condition = " WHERE " + " AND ".join(where) if where else ""
        # With a date bound no row has a NULL date: the plain order lets the (date, id) index give rows in order.
        dated = query.since is not None or query.until is not None
        order = " ORDER BY e.date, e.id" if dated else " ORDER BY e.date IS NULL, e.date, e.id"
        if query.limit is None:
            sql = f"SELECT e.record FROM events e{condition}{order}"
        else:
            # A page: sort the matching rows' keys, then read the records of the page only (not of every match).
            sql = (
                f"SELECT e.record FROM events e WHERE e.rowid IN (SELECT e.rowid FROM events e{condition}{order}"
                f" LIMIT ?){order}"
            )
            params.append(query.limit)
        return [EventRecord.model_validate_json(row["record"]) for row in self._query(sql, params)]

    def stats(self, query: EventQuery) -> EventStats:
        where, params = self._filters(query)
        condition = " WHERE " + " AND ".join(where) if where else ""
        matching = f"SELECT e.id, e.type, substr(e.date, 1, 10) AS day, e.country, e.lang FROM events e{condition}"
        groups: dict[str, dict[str, int]] = {}
        for key, expression in _STATS_GROUPS.items():
            rows = self._query(
                f"WITH m AS ({matching}) SELECT {expression}, count(*) FROM m WHERE {expression} IS NOT NULL"
                f" GROUP BY 1 ORDER BY 1",
                params,
            )
            groups[key] = {str(row[0]): int(row[1]) for row in rows}
        rows = self._query(
            f"WITH m AS ({matching}) SELECT f.flag, count(*) FROM m JOIN event_flags f ON f.event_id = m.id"
            " GROUP BY 1 ORDER BY 1",
            params,
        )
        groups["by_flag"] = {str(row[0]): int(row[1]) for row in rows}
        total = self._query(f"SELECT count(*) FROM events e{condition}", params)[0][0]
        return EventStats(total=int(total), **groups)

    def get_event(self, event_id: str) -> EventRecord | None:
        rows = self._query("SELECT record FROM events WHERE id = ?", (event_id,))
        if not rows and len(event_id) >= MIN_ID_PREFIX:
            # A range on the primary key uses its index, unlike LIKE (which also treats % and _ specially).
            upper = event_id[:-1] + chr(ord(event_id[-1]) + 1)
            rows = self._query(
                "SELECT record FROM events WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (event_id, upper)
            )
            if len(rows) > 1:
                raise AmbiguousId(
                    f"event id prefix {event_id!r} matches several events", hint="give more characters"
                )
        return EventRecord.model_validate_json(rows[0]["record"]) if rows else None

    def get_document(self, doc_id: str) -> DocumentSummary | None:
        rows = self._query(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,))
        return _summary(rows[0]) if rows else None

    def document_text(self, doc_id: str) -> str | None:
        rows = self._query("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
        return str(rows[0]["text"]) if rows else None

    def documents(self, no_events: bool = False) -> list[DocumentSummary]:
        sql = f"SELECT {_DOCUMENT_COLUMNS} FROM documents"
        if no_events:
            sql += " WHERE event_count = 0"
        return [_summary(row) for row in self._query(sql + " ORDER BY ingested_at, doc_id")]

    def counts(self) -> dict[str, int]:
        row = self._query(
            "SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM events) AS events"
        )[0]
        return {"documents": int(row["documents"]), "events": int(row["events"])}

    def add_token_hash(self, token_hash: str, name: str | None = None) -> None:
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

        def write() -> None:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO api_tokens (token_hash, name, created_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (token_hash) DO NOTHING",
                    (token_hash, name, created),
                )

        try:
            retry_locked(write, where=self.path)
        except sqlite3.Error as err:
            raise StoreError(f"token not saved: {err}", where=self.path) from err

    def has_token_hash(self, token_hash: str) -> bool:
        return bool(self._query("SELECT 1 FROM api_tokens WHERE token_hash = ?", (token_hash,)))

    def has_tokens(self) -> bool:
        return bool(self._query("SELECT 1 FROM api_tokens LIMIT 1"))

    def pragma(self, name: str) -> Any:
        """The value of a read-only PRAGMA such as journal_mode or foreign_keys (for checks and tests)."""
        if not name.isidentifier():
            raise StoreError(f"not a pragma name: {name!r}")
        return self._query(f"PRAGMA {name}")[0][0]

    def analyze(self) -> None:
        """Refresh the query planner's statistics (after a bulk load)."""
        with self._lock:
            self._conn.execute("ANALYZE")

    def schema_versions(self) -> list[dict[str, Any]]:
        """The migrations applied to this store, oldest first."""
        rows = self._query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        return [dict(row) for row in rows]

    # -- lifetime -----------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"
