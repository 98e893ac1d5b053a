"""Parquet (pyarrow): typed columns for pandas, DuckDB or R, plus the whole record as JSON for a lossless re-import.

The file is written in row groups of BATCH events, so millions of events never sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from vigie.records import Actor, EventRecord

BATCH = 50_000


def _schema() -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    names = pa.list_(pa.string())
    return pa.schema(
        [
            ("id", pa.string()),
            ("doc_id", pa.string()),
            ("type", pa.string()),
            ("mode", pa.string()),
            ("day", pa.date32()),
            ("date", pa.string()),
            ("date_end", pa.string()),
            ("date_precision", pa.string()),
            ("country", pa.string()),
            ("admin1", pa.string()),
            ("place", pa.string()),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
            ("source_actors", names),
            ("target_actors", names),
            ("quantities", pa.map_(pa.string(), pa.float64())),
            ("status", pa.string()),
            ("flags", names),
            ("confidence", pa.float64()),
            ("lang", pa.string()),
            ("cameo_root", pa.string()),
            ("acled_type", pa.string()),
            ("acled_subtype", pa.string()),
            ("evidence", pa.string()),
            ("record", pa.string()),
        ]
    )


def _day(date: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(date[:10]) if date else None
    except ValueError:
        return None


def _names(actors: list[Actor]) -> list[str]:
    return [a.canonical or a.text for a in actors]


def parquet_row(event: EventRecord) -> dict[str, Any]:
    place = event.place
    return {
        "id": event.id,
        "doc_id": event.doc_id,
        "type": event.type,
        "mode": event.mode,
        "day": _day(event.date),
        "date": event.date,
        "date_end": event.date_end,
        "date_precision": event.date_precision,
        "country": place.country,
        "admin1": place.admin1,
        "place": place.canonical or place.name,
        "lat": place.lat,
        "lon": place.lon,
        "source_actors": _names(event.actors.source),
        "target_actors": _names(event.actors.target),
        "quantities": [(k, float(v)) for k, v in event.quantities.items()],
        "status": event.attribution.status,
        "flags": list(event.flags),
        "confidence": event.confidence,
        "lang": event.lang,
        "cameo_root": event.cameo_root,
        "acled_type": event.acled_type,
        "acled_subtype": event.acled_subtype,
        "evidence": event.evidence.text,
        "record": event.model_dump_json(),
    }


def write_parquet(events: Iterable[EventRecord], out: IO[bytes] | str | Path) -> int:
    """Write events to a Parquet file (a path or a binary stream); return the count."""
    import pyarrow as pa
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    schema = _schema()
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        rows: list[dict[str, Any]] = []
        for event in events:
            rows.append(parquet_row(event))
            if len(rows) == BATCH:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                count += len(rows)
                rows = []
        if rows or count == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            count += len(rows)
    return count


def read_parquet(source: str | Path | IO[bytes]) -> Iterator[EventRecord]:
    """The events of a Parquet file written by write_parquet, from its `record` column, row group by row group."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(source) as file:
        for batch in file.iter_batches(columns=["record"], batch_size=BATCH):
            for text in batch.column(0).to_pylist():
                yield EventRecord.model_validate_json(text)
