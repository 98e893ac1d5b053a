"""Writers that turn events into files or terminal output; FORMATS maps each format name to its writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TextIO

from vigie.errors import InputError
from vigie.exports.acled import ACLED_COLUMNS, write_acled
from vigie.exports.cameo import CAMEO_COLUMNS, write_cameo
from vigie.exports.csv import CSV_COLUMNS, write_csv
from vigie.exports.geojson import write_geojson
from vigie.exports.jsonl import write_documents_jsonl, write_jsonl
from vigie.exports.parquet import write_parquet
from vigie.exports.table import write_documents_table, write_table
from vigie.records import DocumentSummary, EventRecord

#: A writer takes events and a stream (binary for BINARY_FORMATS, text otherwise) and returns how many it wrote.
EventWriter = Callable[[Iterable[EventRecord], Any], int]
DocumentWriter = Callable[[Iterable[DocumentSummary], TextIO], int]

#: Every writer takes events and a stream and returns how many events (ACLED, CAMEO: rows) it wrote.
FORMATS: dict[str, EventWriter] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "geojson": write_geojson,
    "table": write_table,
    "parquet": write_parquet,
    "acled": write_acled,
    "cameo": write_cameo,
}
#: Formats written to a binary stream or a file, never to a terminal.
BINARY_FORMATS = frozenset({"parquet"})
#: Formats whose writers take `documents` (doc_id -> DocumentSummary) to fill source and URL columns.
DOCUMENT_AWARE_FORMATS = frozenset({"acled", "cameo"})
DOCUMENT_FORMATS: dict[str, DocumentWriter] = {"jsonl": write_documents_jsonl, "table": write_documents_table}

__all__ = [
    "ACLED_COLUMNS",
    "BINARY_FORMATS",
    "CAMEO_COLUMNS",
    "CSV_COLUMNS",
    "DOCUMENT_AWARE_FORMATS",
    "DOCUMENT_FORMATS",
    "FORMATS",
    "write",
    "write_acled",
    "write_cameo",
    "write_csv",
    "write_geojson",
    "write_jsonl",
    "write_parquet",
    "write_table",
]


def write(events: Iterable[EventRecord], fmt: str, out: Any) -> int:
    """Write `events` to `out` in format `fmt` (a binary stream for BINARY_FORMATS); return how many were written."""
    try:
        writer = FORMATS[fmt]
    except KeyError:
        choices = ", ".join(FORMATS)
        raise InputError(f"unknown export format {fmt!r}", hint=f"choose one of {choices}") from None
    return writer(events, out)
