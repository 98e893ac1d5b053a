"""Read exports back (JSON Lines, Parquet, GeoJSON) and load their events into a store: what `vigie import` does.

An export holds events, not documents: each document an event names is stored as a minimal summary (outcome
"events", no text) unless the store has it. Importing is idempotent: the summary's content hash is derived from
the document's events, so importing the same file twice stores nothing the second time, and a later file with
more events of an imported document replaces that document with the union.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from vigie.errors import InputError
from vigie.records import DocumentSummary, EventQuery, EventRecord
from vigie.store.base import Store

IMPORT_FORMATS = ("jsonl", "parquet", "geojson")
IMPORTED_HASH_PREFIX = "import:"
BATCH_DOCUMENTS = 10_000


@dataclass
class ImportResult:
    events: int = 0  # events read from the file
    documents: int = 0  # documents they belong to
    saved: int = 0  # documents written (new, or imported earlier and now with more events)
    unchanged: int = 0  # documents already stored with these events
    conflicts: int = 0  # ingested documents (with their text) whose stored events differ: left as they are


def detect_format(path: Path) -> str:
    """jsonl, parquet or geojson, from the file's first bytes and then its name."""
    with path.open("rb") as file:
        head = file.read(4)
    if head == b"PAR1":
        return "parquet"
    if path.suffix.lower() in {".geojson"}:
        return "geojson"
    return "jsonl"


def read_events(path: Path, fmt: str | None = None) -> Iterator[EventRecord]:
    """The events of an export file written by Vigie in format `fmt` (detected when None)."""
    fmt = fmt or detect_format(path)
    if fmt == "parquet":
        from vigie.exports.parquet import read_parquet

        try:
            yield from read_parquet(path)
        except (OSError, ValueError, KeyError) as err:
            raise InputError(f"not a Vigie Parquet export: {err}", where=str(path)) from err
        return
    if fmt == "geojson":
        try:
            collection = json.loads(path.read_text(encoding="utf-8"))
            features = collection["features"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InputError(f"not a GeoJSON FeatureCollection: {err}", where=str(path)) from err
        for n, feature in enumerate(features):
            try:
                yield EventRecord.model_validate(feature["properties"])
            except (ValidationError, KeyError, TypeError) as err:
                raise InputError(f"feature {n} is not a Vigie event: {err}", where=str(path)) from err
        return
    if fmt != "jsonl":
        raise InputError(f"cannot import format {fmt!r}", hint=f"choose one of {', '.join(IMPORT_FORMATS)}")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield EventRecord.model_validate_json(line)
            except ValidationError as err:
                raise InputError(f"not a Vigie event: {err.errors()[0]['msg']}", where=f"{path}:{number}") from err


def imported_hash(events: list[EventRecord]) -> str:
    """The content hash of an imported document: its events, in id order, as JSON."""
    digest = hashlib.sha256()
    for event in sorted(events, key=lambda e: e.id):
        digest.update(event.model_dump_json().encode("utf-8") + b"\n")
    return IMPORTED_HASH_PREFIX + digest.hexdigest()


def minimal_summary(doc_id: str, events: list[EventRecord], origin: str) -> DocumentSummary:
    langs = Counter(e.lang for e in events if e.lang)
    return DocumentSummary(
        doc_id=doc_id,
        content_hash=imported_hash(events),
        lang=langs.most_common(1)[0][0] if langs else None,
        outcome="events",
        reason=f"imported from {origin}",
        event_count=len(events),
        ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def import_events(store: Store, events: Iterable[EventRecord], origin: str = "an export") -> ImportResult:
    """Load `events` into `store`, creating minimal documents where needed; see the module docstring."""
    result = ImportResult()
    by_doc: dict[str, dict[str, EventRecord]] = {}
    for event in events:
        by_doc.setdefault(event.doc_id, {})[event.id] = event
        result.events += 1
    result.documents = len(by_doc)
    pending: list[tuple[DocumentSummary, str, list[EventRecord]]] = []
    for doc_id, found in by_doc.items():
        existing = store.get_document(doc_id)
        if existing is not None:
            stored = {e.id: e for e in store.events(EventQuery(doc_id=doc_id))}
            if all(stored.get(event_id) == event for event_id, event in found.items()):
                result.unchanged += 1
                continue
            if not existing.content_hash.startswith(IMPORTED_HASH_PREFIX):
                result.conflicts += 1
                continue
            found = {**stored, **found}
        batch = list(found.values())
        pending.append((minimal_summary(doc_id, batch, origin), "", batch))
    with store.bulk(sum(len(events) for _, _, events in pending)):
        for start in range(0, len(pending), BATCH_DOCUMENTS):
            result.saved += store.save_many(pending[start : start + BATCH_DOCUMENTS])
    return result
