"""The SQLite store: one file, WAL, FTS5 over evidence and document text; the only module that speaks SQL."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from vigie.errors import AmbiguousId, StoreError
from vigie.records import Actor, DocumentSummary, EventQuery, EventRecord, EventStats
from vigie.store.base import MIN_ID_PREFIX, indexes_set_aside, loader_alive, paused_gc
from vigie.store.filters import FilterSQL, has_text
from vigie.store.migrate import migrate_sqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000  # a batch writer may hold the lock for a big document; readers never block in WAL
# SQLite answers "database is locked" at once, without waiting the busy timeout, in a few cases (a WAL
# recovery or journal-mode change under way in another process): such a transaction is retried from scratch.
LOCKED_RETRIES = 8
CACHE_KIB = 256 * 1024
#: Page cache while saving a big batch (BULK_EVENTS events or more), put back afterwards: each commit writes every
#: page it changed to the WAL, and a big batch changes the same index pages many times over, so the bigger the
#: transaction (and the cache that holds its pages), the fewer bytes written per event.
BULK_EVENTS = 20_000
BULK_CACHE_KIB = 2 * 1024 * 1024
#: Relative cost of starting a listing from each set filter, per event of the set (reading its row to sort it),
#: and of looking a row up in it while walking an index; see SQLiteStore._driver. A word's matches are rowids (one
#: lookup), a flag's and an actor's are event ids (the id index, then the row). The walk checks a box inside the
#: date index (it holds lat and lon), about a hundred times faster than reading a row of the box's set.
SET_COST = {"text": 2.0, "flag": 3.0, "actor": 3.0, "bbox": 100.0}
PROBE_COST = 1.0
#: Bytes of the file SQLite may map into memory instead of reading (capped by the build, 2 GiB by default): reads of
#: a big store then cost no system call.
MMAP_BYTES = 1 << 40
#: The indexes only reads use (writes find rows by primary key, doc_id and event_id): a bulk load sets them aside and
#: builds them once at the end, each by one sort (see SQLiteStore.bulk).
DEFERRABLE_INDEXES = (
    "events_date", "events_type_date", "events_country_type", "event_actors_name_date", "event_flags_flag",
    "documents_outcome", "documents_ingested_at",
)  # fmt: skip
#: Threads SQLite may sort with while building an index (PRAGMA threads; the main thread is one of them).
INDEX_THREADS = 2
#: stats() results kept until the store changes (the dashboard asks the same few questions again and again).
STATS_CACHE = 256

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
_INSERT_FLAG = "INSERT INTO event_flags (event_id, flag) VALUES (?, ?)"
_INSERT_ACTOR = "INSERT INTO event_actors (name, event_id, role, date) VALUES (?, ?, ?, ?)"
_TALLY = (
    "INSERT INTO event_tallies (type, facet, value, n) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (type, facet, value) DO UPDATE SET n = n + excluded.n"
)
#: Take the events of the documents in a JSON array out of `event_tallies` (before they are replaced): the same
#: keys as event_tallies() computes, by SQLite's own upper() and lower().
_UNTALLY = """
WITH m AS MATERIALIZED (
    SELECT e.id, upper(e.type) AS type, substr(e.date, 1, 10) AS day, upper(e.country) AS country,
           lower(e.lang) AS lang
    FROM events e WHERE e.doc_id IN (SELECT value FROM json_each(?1))
), keyed (type, facet, value) AS (
    SELECT type, 'total', '' FROM m
    UNION ALL SELECT type, 'type', type FROM m
    UNION ALL SELECT type, 'day', day FROM m WHERE day IS NOT NULL
    UNION ALL SELECT type, 'country', country FROM m WHERE country IS NOT NULL
    UNION ALL SELECT type, 'lang', lang FROM m WHERE lang IS NOT NULL
    UNION ALL SELECT m.type, 'flag', f.flag FROM m JOIN event_flags f ON f.event_id = m.id
), every (type, facet, value) AS (
    SELECT type, facet, value FROM keyed UNION ALL SELECT '*', facet, value FROM keyed
)
UPDATE event_tallies SET n = event_tallies.n - d.n
FROM (SELECT type, facet, value, count(*) AS n FROM every GROUP BY 1, 2, 3) AS d
WHERE event_tallies.type = d.type AND event_tallies.facet = d.facet AND event_tallies.value = d.value
"""


def _actor_names(actors: Sequence[Actor]) -> str | None:
    return ";".join([a.canonical or a.text for a in actors]) or None


def event_row(event: EventRecord) -> tuple[Any, ...]:
    """The `events` row for a record: its queryable fields, then the whole record as JSON."""
    place, actors, attribution, evidence = event.place, event.actors, event.attribution, event.evidence
    return (
        event.id, event.doc_id, event.type, event.mode, event.date, event.date_end, event.date_precision,
        event.date_text, place.canonical or place.name, place.country, place.admin1, place.lat, place.lon,
        _actor_names(actors.source), _actor_names(actors.target), attribution.status, attribution.source,
        event.confidence, event.lang, evidence.text, evidence.start, evidence.end, event.cameo_root,
        event.acled_type, event.acled_subtype, event.model_dump_json(),
    )  # fmt: skip


def actor_rows(event: EventRecord) -> list[tuple[str, str, str]]:
    """The `event_actors` rows of an event: (name, event id, role) for each actor's canonical name and words as
    written, each name once a role (case folded)."""
    rows: dict[tuple[str, str], tuple[str, str, str]] = {}
    actors = event.actors
    for role, side in (("source", actors.source), ("target", actors.target)):
        for actor in side:
            for name in (actor.text, actor.canonical):
                if name and (name.casefold(), role) not in rows:
                    rows[(name.casefold(), role)] = (name, event.id, role)
    return list(rows.values())


#: One document to save: its summary, its text and its events, as save() takes them.
SaveItem = tuple[DocumentSummary, str, list[EventRecord]]


#: The day of an event in `events_rtree` (migration 6): days since 1970-01-01, UNDATED_DAY when it has no date.
UNDATED_DAY = -10_000_000
_EPOCH = dt.date(1970, 1, 1)
_DAY = f"coalesce(CAST(julianday(substr(date, 1, 10)) - 2440587.5 AS INTEGER), {UNDATED_DAY})"
#: The R*Tree rows of the events added since a rowid (a batch's, as its full-text rows).
_ADD_TO_RTREE = (
    "INSERT INTO events_rtree (event_rowid, min_lon, max_lon, min_lat, max_lat, min_day, max_day)"
    f" SELECT rowid, lon, lon, lat, lat, {_DAY}, {_DAY} FROM events"
    " WHERE rowid > ? AND lat IS NOT NULL AND lon IS NOT NULL"
)
#: The rowids of the events in a box and range of days (values from box_bounds).
_IN_BOX = (
    "SELECT event_rowid FROM events_rtree WHERE min_lon <= ? AND max_lon >= ? AND min_lat <= ? AND max_lat >= ?"
    " AND min_day <= ? AND max_day >= ?"
)


def box_bounds(query: EventQuery) -> list[Any]:
    """The values of _IN_BOX for a query's box (not across the antimeridian) and dates (unbounded: every day, the
    undated too)."""
    assert query.bbox is not None
    west, south, east, north = query.bbox
    first = UNDATED_DAY if query.since is None else (query.since - _EPOCH).days
    last = -UNDATED_DAY if query.until is None else (query.until - _EPOCH).days
    return [east, west, north, south, last, first]


def fts_phrase(text: str) -> str:
    """An FTS5 query matching every word of `text`, with FTS syntax (quotes, AND, *, :) taken literally."""
    words = text.split()
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


class _SQLiteFilters(FilterSQL):
    """Filters over SQLite: type, country, language and actor columns are NOCASE; words go through events_fts."""

    placeholder = "?"
    ordered_join = "CROSS JOIN"

    def text(self, query: EventQuery, drive: str | None) -> tuple[list[str], list[Any]]:
        # Unary + keeps the planner from starting at the matches: they are a set each row is looked up in.
        column = "e.rowid" if drive == "text" else "+e.rowid"
        return [f"{column} IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)"], [fts_phrase(query.text or "")]


    def box(self, query: EventQuery) -> tuple[list[str], list[Any]]:
        return [f"e.rowid IN ({_IN_BOX})"], box_bounds(query)


_FILTERS = _SQLiteFilters()


def tallied(query: EventQuery) -> bool:
    """True when `event_tallies` answers stats(query): no filter but the type (an ASCII name, folded alike by Python
    and SQL, and not the ALL_TYPES key)."""
    others = query.model_dump(exclude={"type", "after", "limit"}, exclude_none=True)
    return not others and (query.type is None or (query.type.isascii() and query.type != ALL_TYPES))


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


@dataclass(slots=True)
class Prepared:
    """One document of a save, as rows ready to insert (built before the write lock is taken)."""

    doc_id: str
    content_hash: str
    document: dict[str, Any]
    events: list[tuple[Any, ...]]
    flags: list[tuple[str, str]]
    actors: list[tuple[str, str, str, str | None]]  # (name, event id, role, event date)


def _prepare(summary: DocumentSummary, text: str, events: list[EventRecord]) -> Prepared:
    """The rows of a save: the `documents` row (event count and ingestion time filled in), its events' rows."""
    stray = sorted({e.doc_id for e in events} - {summary.doc_id})
    if stray:
        raise StoreError(f"events of document {stray[0]!r} saved with document {summary.doc_id!r}")
    document = summary.model_dump(mode="json")
    document["event_count"] = len(events)
    document["ingested_at"] = summary.ingested_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    document["text"] = text
    rows = [event_row(e) for e in events]
    flags = [(e.id, flag) for e in events for flag in dict.fromkeys(e.flags)]
    actors = [(*row, e.date) for e in events for row in actor_rows(e)]
    return Prepared(summary.doc_id, summary.content_hash, document, rows, flags, actors)


def plan_saves(batch: Sequence[tuple[str, str]], stored: Sequence[tuple[str, str]]) -> tuple[list[int], int]:
    """Which documents of a batch to write, and how many saves it counts, as if each were saved in turn.

    `batch` holds the (doc_id, content_hash) of each document, `stored` those of the stored documents sharing a
    doc_id or a hash with the batch. A document whose hash is stored is skipped; one whose doc_id is stored (or
    earlier in the batch) replaces it. Returns the positions in `batch` of the documents to write, and the count.
    """
    hash_of = dict(stored)  # doc_id -> its content hash, as the batch goes on
    hashes = set(hash_of.values())
    fresh: dict[str, int] = {}
    saved = 0
    for position, (doc_id, content_hash) in enumerate(batch):
        if content_hash in hashes:
            continue
        previous = hash_of.get(doc_id)
        if previous is not None:
            hashes.discard(previous)
        hash_of[doc_id] = content_hash
        hashes.add(content_hash)
        fresh.pop(doc_id, None)  # the later version wins, in the batch's order
        fresh[doc_id] = position
        saved += 1
    return list(fresh.values()), saved


#: str.upper and str.lower on ASCII letters only, as SQLite's upper(), lower() and NOCASE fold.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TYPE, _DATE, _COUNTRY, _LANG = (_EVENT_COLUMNS.index(name) for name in ("type", "date", "country", "lang"))
#: The `type` of the tallies of events of every type (stored types are upper-cased, so never this).
ALL_TYPES = "*"


def tally_rows(fresh: Sequence[Prepared]) -> list[tuple[str, str, str, int]]:
    """The `event_tallies` increments of a batch, in key order: (type or ALL_TYPES, facet, value, events), with
    the keys stats() groups by (upper-cased type and country, lower-cased language, day, flag)."""
    rows = [row for item in fresh for row in item.events]
    kinds = [str(row[_TYPE]).translate(_ASCII_UPPER) for row in rows]
    kind_of = {row[0]: kind for row, kind in zip(rows, kinds, strict=True)}
    pairs = list(zip(kinds, rows, strict=True))
    facets: dict[str, Counter[tuple[str, str]]] = {
        "total": Counter((kind, "") for kind in kinds),
        "type": Counter((kind, kind) for kind in kinds),
        "day": Counter((kind, row[_DATE][:10]) for kind, row in pairs if row[_DATE] is not None),
        "country": Counter(
            (kind, row[_COUNTRY].translate(_ASCII_UPPER)) for kind, row in pairs if row[_COUNTRY] is not None
        ),
        "lang": Counter((kind, row[_LANG].translate(_ASCII_LOWER)) for kind, row in pairs if row[_LANG] is not None),
        "flag": Counter((kind_of[event_id], flag) for item in fresh for event_id, flag in item.flags),
    }
    tallies: list[tuple[str, str, str, int]] = []
    for facet, counts in facets.items():
        every: Counter[str] = Counter()
        for (kind, value), n in counts.items():
            tallies.append((kind, facet, value, n))
            every[value] += n
        tallies.extend((ALL_TYPES, facet, value, n) for value, n in every.items())
    tallies.sort()
    return tallies


#: The drive of a listing that walks the actor's `event_actors` rows in (date, event_id) order.
WALK_ACTOR = "actor-walk"


def _narrowed(query: EventQuery) -> bool:
    """True when a filter other than the actor has an index of its own that may beat the actor's rows."""
    return any(value is not None for value in (query.type, query.country, query.doc_id))


def _actor_key(row: tuple[str, str, str, str | None]) -> tuple[str, str, str]:
    """The `event_actors` primary key order of a row (name NOCASE, event id, role)."""
    return row[0].translate(_ASCII_LOWER), row[1], row[2]


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
        self._writes = 0  # saves through this connection (PRAGMA data_version counts the other connections')
        self._stats_cache: dict[str, tuple[tuple[int, int], EventStats]] = {}
        try:
            self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                retry_locked(lambda: self._conn.execute("PRAGMA journal_mode = WAL"), where=path)
                self._conn.execute("PRAGMA synchronous = NORMAL")  # durable enough under WAL, much faster
            # 256 MiB of page cache instead of 2: a million-event store's indexes stay in memory while loading and
            # querying (the cache is per connection and allocated as used).
            self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
            self._conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES:d}")
            self.schema_version = retry_locked(lambda: migrate_sqlite(self._conn, path), where=path)
            self._build_deferred(lambda owner: not loader_alive(owner))
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

        The outcome is what save() of each in turn would give: a document already stored (same content hash) is
        left as is, a new version of a stored doc_id replaces it. Rows are built before the write lock is taken,
        then written table by table over the whole batch; any failure rolls the whole batch back.
        """
        with paused_gc():
            prepared = [_prepare(summary, text, events) for summary, text, events in items]

        def write() -> int:
            with self._transaction() as conn:
                # Checked under the write lock: two workers saving the same article store it once.
                stored = conn.execute(
                    "SELECT doc_id, content_hash FROM documents WHERE content_hash IN (SELECT value FROM json_each(?))"
                    " UNION SELECT doc_id, content_hash FROM documents"
                    " WHERE doc_id IN (SELECT value FROM json_each(?))",
                    (json.dumps([p.content_hash for p in prepared]), json.dumps([p.doc_id for p in prepared])),
                ).fetchall()
                positions, saved = plan_saves(
                    [(p.doc_id, p.content_hash) for p in prepared], [(row[0], row[1]) for row in stored]
                )
                fresh = [prepared[position] for position in positions]
                if not fresh:
                    return saved
                # Same doc_id, new content (an edited article): the new version replaces the old one.
                replaced = sorted({row[0] for row in stored} & {p.doc_id for p in fresh})
                if replaced:
                    doc_ids = json.dumps(replaced)
                    conn.execute(_UNTALLY, (doc_ids,))
                    conn.execute("DELETE FROM documents WHERE doc_id IN (SELECT value FROM json_each(?))", (doc_ids,))
                # A new row's rowid is one more than the largest (until rowid 2**63 - 1 is taken), so each full-text
                # index takes the batch's rows in one statement: one FTS5 segment per batch, where a trigger per
                # row flushed one per INSERT.
                last_document, last_event = conn.execute(
                    "SELECT (SELECT max(rowid) FROM documents), (SELECT max(rowid) FROM events)"
                ).fetchone()
                # Each table's rows in the order of its key (ids are random): consecutive inserts land on the same
                # b-tree pages instead of one random page each, which is most of a big batch's cost.
                conn.executemany(_INSERT_DOCUMENT, sorted((p.document for p in fresh), key=itemgetter("doc_id")))
                conn.executemany(_INSERT_EVENT, sorted((row for p in fresh for row in p.events), key=itemgetter(0)))
                conn.execute(
                    "INSERT INTO documents_fts (rowid, title, text) SELECT rowid, title, text FROM documents"
                    " WHERE rowid > ?",
                    (last_document or 0,),
                )
                conn.execute(
                    "INSERT INTO events_fts (rowid, evidence) SELECT rowid, evidence FROM events WHERE rowid > ?",
                    (last_event or 0,),
                )
                conn.execute(_ADD_TO_RTREE, (last_event or 0,))
                conn.executemany(_INSERT_FLAG, sorted(row for p in fresh for row in p.flags))
                actors = sorted((row for p in fresh for row in p.actors), key=_actor_key)
                conn.executemany(_INSERT_ACTOR, actors)
                conn.executemany(_TALLY, tally_rows(fresh))
            return saved

        names = ", ".join(repr(summary.doc_id) for summary, _, _ in items[:3]) + (", …" if len(items) > 3 else "")
        bulk = sum(len(p.events) for p in prepared) >= BULK_EVENTS
        try:
            if bulk:
                self._conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB:d}")
            with paused_gc():  # the batch's rows are sorted in write()
                saved = retry_locked(write, where=self.path)
        except sqlite3.IntegrityError as err:
            raise StoreError(
                f"document {names} not saved: {err}",
                where=self.path,
                hint="event ids must be unique across the store",
            ) from err
        except sqlite3.Error as err:
            raise StoreError(f"document {names} not saved: {err}", where=self.path) from err
        finally:
            if bulk:
                self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
        self._writes += 1
        return saved

    def bulk(self, events: int) -> AbstractContextManager[None]:
        """A big load: the read indexes are set aside when `events` justifies it (defers_indexes), built at the end.

        Each dropped index is recorded in `deferred_indexes` in the same transaction as the drop, so a load killed
        half-way leaves the store readable (every saved document whole, queries slower) and the next open builds
        them. Loads running side by side each build what they set aside.
        """
        stored = self._tally(ALL_TYPES, "total", "")
        return indexes_set_aside(events, stored, self._defer_indexes, self._build_deferred)

    def deferred_indexes(self) -> list[str]:
        """The read indexes a bulk load has set aside and not built again yet (empty once it ends)."""
        return [str(row[0]) for row in self._query("SELECT name FROM deferred_indexes ORDER BY name")]

    def _defer_indexes(self, owner: str) -> None:
        def write() -> None:
            with self._transaction() as conn:
                found = conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                    " AND name IN (SELECT value FROM json_each(?)) ORDER BY name",
                    (json.dumps(DEFERRABLE_INDEXES),),
                ).fetchall()
                for name, sql in found:
                    conn.execute("INSERT INTO deferred_indexes (name, sql, owner) VALUES (?, ?, ?)", (name, sql, owner))
                    conn.execute(f'DROP INDEX "{name}"')

        try:
            retry_locked(write, where=self.path)
        except sqlite3.Error as err:
            raise StoreError(f"cannot set the indexes aside for a bulk load: {err}", where=self.path) from err
        logger.info("indexes set aside for a bulk load", extra={"db": self.path})

    def _build_deferred(self, chosen: Callable[[str], bool]) -> None:
        """Build again the set-aside indexes whose owner is `chosen`, in one transaction."""
        recorded = self._query("SELECT name, sql, owner FROM deferred_indexes ORDER BY name")
        picked = [(name, sql) for name, sql, owner in recorded if chosen(owner)]
        if not picked:
            return
        started = time.perf_counter()

        def write() -> None:
            with self._transaction() as conn:
                for name, sql in picked:
                    still_recorded = conn.execute("SELECT 1 FROM deferred_indexes WHERE name = ?", (name,)).fetchone()
                    if not still_recorded:
                        continue  # another process built it meanwhile
                    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,))
                    if not exists.fetchone():
                        conn.execute(sql)
                    conn.execute("DELETE FROM deferred_indexes WHERE name = ?", (name,))

        with self._lock:
            self._conn.execute(f"PRAGMA threads = {INDEX_THREADS:d}")
            self._conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB:d}")
            try:
                retry_locked(write, where=self.path)
            except sqlite3.Error as err:
                raise StoreError(
                    f"cannot build the indexes a bulk load set aside: {err}",
                    where=self.path,
                    hint="queries stay correct, only slower; opening the store again retries",
                ) from err
            finally:
                self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
                self._conn.execute("PRAGMA threads = 0")
        logger.info(
            "indexes built after a bulk load",
            extra={"db": self.path, "indexes": len(picked), "seconds": round(time.perf_counter() - started, 1)},
        )

    # -- reading ------------------------------------------------------------------------------------------

    def _filters(self, query: EventQuery, drive: str | None = None) -> tuple[list[str], list[Any]]:
        """SQL conditions on `events e` for every filter of `query` but the cursor and limit, and their values."""
        return _FILTERS.build(query, drive)

    def _set_sizes(self, query: EventQuery) -> dict[str, int]:
        """How many events each set filter of `query` (flag, actor, words) matches on its own: exact for a flag (from
        the tallies) and an actor, the rarest word's for words."""
        sizes: dict[str, int] = {}
        if query.flag is not None:
            sizes["flag"] = self._tally(ALL_TYPES, "flag", query.flag)
        if query.actor is not None:
            sizes["actor"] = self._query(
                "SELECT count(*) FROM event_actors WHERE name = ?", (query.actor.strip(),)
            )[0][0]
        if query.bbox is not None and query.bbox[0] <= query.bbox[2]:
            # Counted up to the size past which walking the date index costs less (see _driver): a big box of a
            # long range holds many events, and its page is found in the first steps of the walk.
            cap = self._walk_wins_above(query)
            sizes["bbox"] = self._query(f"SELECT count(*) FROM ({_IN_BOX} LIMIT ?)", [*box_bounds(query), cap])[0][0]
        if has_text(query):
            sizes["text"] = min(
                self._query("SELECT count(*) FROM events_fts WHERE events_fts MATCH ?", (fts_phrase(word),))[0][0]
                for word in (query.text or "").split()
            )
        return sizes

    def _tally(self, kind: str, facet: str, value: str) -> int:
        rows = self._query(
            "SELECT n FROM event_tallies WHERE type = ? AND facet = ? AND value = ?", (kind, facet, value)
        )
        return int(rows[0][0]) if rows else 0

    def _driver(self, query: EventQuery) -> str | None:
        """The set filter a listing should start from, or None to walk an index in the listing's order.

        Starting from a set of m events costs about m row reads and a sort; walking the (date, id) order costs about
        N / m index steps and probes per event of the page (fewer when another filter narrows the index). The walk
        wins when m is large: SET_COST * m > PROBE_COST * N * page / m.
        """
        sizes = self._set_sizes(query)
        if not sizes:
            return None
        name, smallest = min(sizes.items(), key=lambda item: item[1])
        if query.limit is None:
            return name
        return name if smallest < self._walk_wins_above(query, name) else None

    def _walk_wins_above(self, query: EventQuery, name: str = "bbox") -> int:
        """The size of set `name` from which walking the (date, id) order beats starting from the set; no limit
        with no page size. The walk goes over the events of the query's dates (all of them when it has none)."""
        if query.limit is None:
            return 2**62
        if query.since is None and query.until is None:
            walked = self._tally(ALL_TYPES, "total", "")
        else:
            rows = self._query(
                "SELECT sum(n) FROM event_tallies WHERE type = ? AND facet = 'day' AND value >= ? AND value <= ?",
                (ALL_TYPES, (query.since or dt.date.min).isoformat(), (query.until or dt.date.max).isoformat()),
            )
            walked = int(rows[0][0] or 0)
        return math.isqrt(int(PROBE_COST * walked * max(query.limit, 1) / SET_COST[name])) + 1

    def events(self, query: EventQuery) -> list[EventRecord]:
        return [EventRecord.model_validate_json(record) for record in self.events_json(query)]

    def events_json(self, query: EventQuery) -> list[str]:
        drive = self._driver(query)
        dated = query.since is not None or query.until is not None
        if query.actor is not None and (drive == "actor" or (drive is None and not _narrowed(query))):
            drive = WALK_ACTOR  # the actor's rows in (date, event_id) order: at least as cheap as either plan
        if dated or drive not in (None, WALK_ACTOR) or (query.after is not None and query.after.date is None):
            # One statement: either no row has a NULL date (a date bound), or the rows are sorted anyway (a set
            # drives), or only undated rows are left.
            return self._page(query, drive, None)
        # Walking an index in (date, id) order: dated rows first (a range of the index, in order), then the
        # undated ones if the page is not full, rather than one order that puts NULL last and must sort.
        found = self._page(query, drive, "dated")
        if query.limit is not None and len(found) >= query.limit:
            return found
        rest = query.model_copy(update={"limit": None if query.limit is None else query.limit - len(found)})
        return found + self._page(rest, drive, "undated")

    def _page(self, query: EventQuery, drive: str | None, part: str | None) -> list[str]:
        if drive == WALK_ACTOR:
            return self._actor_page(query, part)
        where, params = self._filters(query, drive)
        order = _FILTERS.page(query, part, where, params)
        condition = " WHERE " + " AND ".join(where) if where else ""
        if query.limit is None:
            sql = f"SELECT e.record FROM events e{condition}{order}"
        else:
            # A page: find the rows of the page first, then read their records only (not those of every match).
            sql = (
                f"SELECT e.record FROM events e WHERE e.rowid IN (SELECT e.rowid FROM events e{condition}{order}"
                f" LIMIT ?){order}"
            )
            params.append(query.limit)
        return [str(row["record"]) for row in self._query(sql, params)]

    def _actor_page(self, query: EventQuery, part: str | None) -> list[str]:
        """_page() read from the actor's `event_actors` rows (migration 5), see FilterSQL.actor_walk."""
        sql, params, order = _FILTERS.actor_walk(query, part, "e.rowid")
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        sql = f"SELECT e.record FROM events e WHERE e.rowid IN ({sql}){order}"
        return [str(row["record"]) for row in self._query(sql, params)]

    def stats(self, query: EventQuery) -> EventStats:
        with self._lock:
            version = (int(self._query("PRAGMA data_version")[0][0]), self._writes)
            key = query.model_dump_json(exclude={"after", "limit"})
            cached = self._stats_cache.get(key)
            if cached is not None and cached[0] == version:
                return cached[1]
            stats = self._tallied_stats(query) if tallied(query) else self._counted_stats(query)
            if len(self._stats_cache) >= STATS_CACHE:
                self._stats_cache.clear()
            self._stats_cache[key] = (version, stats)
            return stats

    def _tallied_stats(self, query: EventQuery) -> EventStats:
        kind = ALL_TYPES if query.type is None else query.type.translate(_ASCII_UPPER)
        return _FILTERS.tallied_stats(self._query, kind)

    def _counted_stats(self, query: EventQuery) -> EventStats:
        where, params = self._filters(query, self._driver(query.model_copy(update={"limit": None})))
        return _FILTERS.counted_stats(self._query, where, params)

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
