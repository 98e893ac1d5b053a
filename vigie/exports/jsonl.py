"""JSON Lines: one full record a line, the shape the scorer and `jq` read."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from vigie.records import DocumentSummary, EventRecord, Record


def _write_lines(records: Iterable[Record], out: TextIO) -> int:
    count = 0
    for record in records:
        # ensure_ascii=False keeps French and Russian readable; json.dumps escapes newlines inside strings.
        out.write(json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_jsonl(events: Iterable[EventRecord], out: TextIO) -> int:
    """Write each EventRecord as one JSON object a line; return the count."""
    return _write_lines(events, out)


def write_documents_jsonl(documents: Iterable[DocumentSummary], out: TextIO) -> int:
    """Write each DocumentSummary as one JSON object a line; return the count."""
    return _write_lines(documents, out)
