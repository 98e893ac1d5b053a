"""The `Store` protocol: what every backend (SQLite now, PostgreSQL later) offers the rest of Vigie."""

from __future__ import annotations

import gc
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Protocol, runtime_checkable

from vigie.records import DocumentSummary, EventQuery, EventRecord, EventStats

#: A unique id prefix must be at least this long, so a typo cannot silently pick another event.
MIN_ID_PREFIX = 8

#: A load of fewer events keeps the indexes as they are (setting them aside and building them again would cost more).
BULK_MIN_EVENTS = 20_000
#: Building the read indexes again costs about a quarter of keeping them up to date row by row, per event: on
#: SQLite, a million events, 18 s to build them against ~72 s to keep them (`vigie bench --store`, with and without
#: --keep-indexes). Setting them aside pays when loading * (keep - build) > stored * build, so when a load brings
#: at least a third as many events as the store holds.
REBUILD_RATIO = 3


def defers_indexes(loading: int, stored: int) -> bool:
    """Whether a load of `loading` events into a store of `stored` events should build its read indexes at the end."""
    return loading >= BULK_MIN_EVENTS and loading * REBUILD_RATIO >= stored


@contextmanager
def indexes_set_aside(
    events: int,
    stored: int,
    set_aside: Callable[[str], None],
    build: Callable[[Callable[[str], bool]], None],
) -> Iterator[None]:
    """Store.bulk on any backend: when a load of `events` into `stored` events warrants it, `set_aside(owner)` drops
    the read indexes (recording them under this loader's id); when the block ends, however it ends,
    `build(chosen)` builds those whose recorded owner is `chosen` again (here: this loader's)."""
    owner = loader_id()
    if defers_indexes(events, stored):
        set_aside(owner)
    try:
        yield
    finally:
        build(lambda recorded: recorded == owner)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block (rows of a big batch are built there).

    Building the rows of 100,000 events allocates millions of objects that live until the batch is written, and each
    collection of the oldest generation walks them all again: measured on `vigie bench --store`, half of the time
    spent building rows. The rows hold no reference cycles; collection resumes when the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _started(pid: int) -> str:
    """When process `pid` started (clock ticks since boot, from /proc), or "" when unknown; with the pid it tells
    a process apart from a later one given the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def loader_id() -> str:
    """Who is loading: "host:pid:start", recorded beside the indexes a bulk load sets aside."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid)}"


def loader_alive(owner: str) -> bool:
    """Whether the loader `owner` (a loader_id()) may still be running: a process of another host is assumed to be."""
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return not started or _started(pid) == started


@runtime_checkable
class Store(Protocol):
    """Documents and their events; a document and its events are written in one transaction."""

    def has_document(self, content_hash: str) -> bool:
        """True when a document with this content hash is already stored."""
        ...

    def save(self, summary: DocumentSummary, text: str, events: list[EventRecord]) -> None:
        """Store a document and its events atomically; a document already stored (same hash) is left as is."""
        ...

    def save_many(self, items: Sequence[tuple[DocumentSummary, str, list[EventRecord]]]) -> int:
        """Save many (summary, text, events) at once, each as save() would (bulk load); return how many were new."""
        ...

    def bulk(self, events: int) -> AbstractContextManager[None]:
        """A big load of about `events` events: the indexes only reads use may be set aside and built once when the
        block ends (see defers_indexes). Reads stay correct meanwhile, only slower; a load killed half-way leaves the
        indexes to be built by the next Vigie that opens the store."""
        ...

    def events(self, query: EventQuery) -> list[EventRecord]:
        """Events matching every filter of `query`, by date then id, undated last; after `query.after` if set."""
        ...

    def events_json(self, query: EventQuery) -> list[str]:
        """The events events(query) returns (same rows, order and pagination), each as its stored JSON record."""
        ...

    def stats(self, query: EventQuery) -> EventStats:
        """Counts of the events matching `query` (its limit and cursor ignored) by type, day, country, language
        and flag."""
        ...

    def get_event(self, event_id: str) -> EventRecord | None:
        """The event with this id, or with this unique id prefix (at least MIN_ID_PREFIX characters)."""
        ...

    def get_document(self, doc_id: str) -> DocumentSummary | None:
        """The stored summary of a document, or None."""
        ...

    def document_text(self, doc_id: str) -> str | None:
        """The full text of a document, or None."""
        ...

    def documents(self, no_events: bool = False) -> list[DocumentSummary]:
        """Every stored document in ingestion order; only those that gave no event with `no_events`."""
        ...

    def counts(self) -> dict[str, int]:
        """How many documents and events are stored: {"documents": n, "events": m}."""
        ...

    def add_token_hash(self, token_hash: str, name: str | None = None) -> None:
        """Remember the hash of a write token (never the token itself); adding a known hash does nothing."""
        ...

    def has_token_hash(self, token_hash: str) -> bool:
        """True when this write-token hash was added."""
        ...

    def has_tokens(self) -> bool:
        """True when at least one write token exists, i.e. the store accepts writes through the API."""
        ...

    def close(self) -> None:
        """Release the connection; the store is unusable afterwards."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
