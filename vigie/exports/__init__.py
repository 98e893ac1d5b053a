"""Writers that turn events into files or terminal output; FORMATS maps each format name to its writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TextIO

from vigie.errors import InputError
from vigie.exports.csv import CSV_COLUMNS, write_csv
from vigie.exports.geojson import write_geojson
from vigie.exports.jsonl import write_documents_jsonl, write_jsonl
from vigie.exports.table import write_documents_table, write_table
from vigie.records import DocumentSummary, EventRecord

EventWriter = Callable[[Iterable[EventRecord], TextIO], int]
DocumentWriter = Callable[[Iterable[DocumentSummary], TextIO], int]

#: Every writer takes events and a text stream and returns how many events it wrote.
FORMATS: dict[str, EventWriter] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "geojson": write_geojson,
    "table": write_table,
}
DOCUMENT_FORMATS: dict[str, DocumentWriter] = {"jsonl": write_documents_jsonl, "table": write_documents_table}

__all__ = [
    "CSV_COLUMNS",
    "DOCUMENT_FORMATS",
    "FORMATS",
    "write",
    "write_csv",
    "write_geojson",
    "write_jsonl",
    "write_table",
]


def write(events: Iterable[EventRecord], fmt: str, out: TextIO) -> int:
    """Write `events` to `out` in format `fmt`; return how many were written."""
    try:
        writer = FORMATS[fmt]
    except KeyError:
        choices = ", ".join(FORMATS)
        raise InputError(f"unknown export format {fmt!r}", hint=f"choose one of {choices}") from None
    return writer(events, out)
