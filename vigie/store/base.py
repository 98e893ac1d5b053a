"""The `Store` protocol: what every backend (SQLite now, PostgreSQL later) offers the rest of Vigie."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, runtime_checkable

from vigie.records import DocumentSummary, EventQuery, EventRecord, EventStats

#: A unique id prefix must be at least this long, so a typo cannot silently pick another event.
MIN_ID_PREFIX = 8


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
