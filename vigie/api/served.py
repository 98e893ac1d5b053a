"""The store as the API serves it: reads spread over a few connections, a data version, responses cached by it.

One SQLite connection serialises every call (the store holds a lock around it), so under concurrent requests a
slow query (statistics over a million events) would hold up every other. A file-backed SQLite store is therefore
opened several times: writes go to the first connection, reads to whichever reader connection is free (SQLite
runs them side by side in WAL mode, and Python releases the GIL while SQLite works). Other stores (PostgreSQL, an
in-memory SQLite database) keep their one connection.

The data version changes whenever anything is committed to the store, by this process or any other: SQLite's
`PRAGMA data_version` on a connection that never writes, plus a count of the writes made here. vigie.api.caching
keeps responses computed from the data under it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TypeVar

from vigie.records import DocumentSummary, EventQuery, EventRecord, EventStats
from vigie.store import SQLiteStore, Store, open_store

T = TypeVar("T")

#: Reader connections of a file-backed SQLite store (on top of the writer). More than the cores buys little: the
#: GIL serialises the Python half of each query (building the records), SQLite's half runs in parallel.
READERS = 4


def _file_backed_sqlite(store: Store) -> bool:
    if not isinstance(store, SQLiteStore):
        return False
    path = store.path
    return not (path == ":memory:" or path.startswith("file::memory:") or "mode=memory" in path)


class ServedStore:
    """A Store (the protocol) over one store location, for the API: pooled readers, a data version."""

    def __init__(self, url: str, *, create: bool = False, readers: int = READERS) -> None:
        self.url = url
        self.primary: Store = open_store(url, create=create)
        self._lock = threading.Lock()
        self._writes = 0
        self._pooled = _file_backed_sqlite(self.primary) and readers > 0
        self._readers: list[Store] = []  # every reader opened, to close them
        self._idle: list[Store] = []
        self._free = threading.Semaphore(readers)
        # Statistics may scan the whole store: at most half the readers compute them, the rest serve pages.
        self._slow = threading.Semaphore(max(1, readers // 2))
        self._version_store: SQLiteStore | None = None
        if self._pooled:
            version_store = open_store(url, create=False)
            assert isinstance(version_store, SQLiteStore)
            self._version_store = version_store

    # -- connections --------------------------------------------------------------------------------------

    @contextmanager
    def _reader(self) -> Iterator[Store]:
        """A reader connection for the time of one call: an idle one, a new one, or the next one freed."""
        if not self._pooled:
            yield self.primary
            return
        with self._free:
            with self._lock:
                store = self._idle.pop() if self._idle else None
            if store is None:
                store = open_store(self.url, create=False)
                with self._lock:
                    self._readers.append(store)
            try:
                yield store
            finally:
                with self._lock:
                    self._idle.append(store)

    def _read(self, call: Callable[[Store], T]) -> T:
        with self._reader() as store:
            return call(store)

    @property
    def reads_locally(self) -> bool:
        """True when a read is CPU work on a local file (SQLite), best done where the request is handled; False when
        it waits on a database server (PostgreSQL), best done in a thread while other requests go on."""
        return self._pooled

    def data_version(self) -> tuple[int, int] | None:
        """A value that changes whenever data is committed (here or by another process); None when unknown."""
        if self._version_store is None:
            return None
        return int(self._version_store.pragma("data_version")), self._writes

    def _wrote(self) -> None:
        with self._lock:
            self._writes += 1

    # -- the Store protocol: reads ------------------------------------------------------------------------

    def has_document(self, content_hash: str) -> bool:
        return self._read(lambda store: store.has_document(content_hash))

    def events(self, query: EventQuery) -> list[EventRecord]:
        return self._read(lambda store: store.events(query))

    def events_json(self, query: EventQuery) -> list[str]:
        """events(query), each event as its JSON object (EventRecord.model_dump_json()).

        A store that keeps each record as JSON can hand it over as stored (an `events_json` method of its own),
        which spares parsing every record only to serialise it again; other stores' records are serialised here.
        """

        def read(store: Store) -> list[str]:
            raw: Callable[[EventQuery], list[str]] | None = getattr(store, "events_json", None)
            if raw is not None:
                return raw(query)
            return [event.model_dump_json() for event in store.events(query)]

        return self._read(read)

    def stats(self, query: EventQuery) -> EventStats:
        with self._slow:
            return self._read(lambda store: store.stats(query))

    def get_event(self, event_id: str) -> EventRecord | None:
        return self._read(lambda store: store.get_event(event_id))

    def get_document(self, doc_id: str) -> DocumentSummary | None:
        return self._read(lambda store: store.get_document(doc_id))

    def document_text(self, doc_id: str) -> str | None:
        return self._read(lambda store: store.document_text(doc_id))

    def documents(self, no_events: bool = False) -> list[DocumentSummary]:
        return self._read(lambda store: store.documents(no_events))

    def counts(self) -> dict[str, int]:
        return self._read(lambda store: store.counts())

    def has_token_hash(self, token_hash: str) -> bool:
        return self._read(lambda store: store.has_token_hash(token_hash))

    def has_tokens(self) -> bool:
        return self._read(lambda store: store.has_tokens())

    # -- writes: the primary connection -------------------------------------------------------------------

    def save(self, summary: DocumentSummary, text: str, events: list[EventRecord]) -> None:
        try:
            self.primary.save(summary, text, events)
        finally:
            self._wrote()

    def save_many(self, items: Sequence[tuple[DocumentSummary, str, list[EventRecord]]]) -> int:
        try:
            return self.primary.save_many(items)
        finally:
            self._wrote()

    def add_token_hash(self, token_hash: str, name: str | None = None) -> None:
        try:
            self.primary.add_token_hash(token_hash, name)
        finally:
            self._wrote()

    # -- lifetime -----------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            stores = [*self._readers, self.primary]
            if self._version_store is not None:
                stores.append(self._version_store)
            self._readers.clear()
            self._idle.clear()
        for store in stores:
            store.close()

    def __enter__(self) -> ServedStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ServedStore({self.primary!r})"
