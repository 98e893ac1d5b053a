"""Exports in the field's formats: Parquet (pyarrow), ACLED-style CSV, CAMEO/GDELT-style table, GeoJSON shape."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from vigie.exports import ACLED_COLUMNS, BINARY_FORMATS, CAMEO_COLUMNS, FORMATS, write
from vigie.exports.parquet import read_parquet
from vigie.records import DocumentSummary, EventRecord

Builder = Callable[..., EventRecord]

#: ACLED's value types: integer and decimal columns must parse, event_date is an ISO day.
ACLED_INTEGERS = ("year", "time_precision", "inter1", "inter2", "interaction", "iso", "geo_precision", "fatalities",
                  "timestamp")  # fmt: skip
ACLED_DECIMALS = ("latitude", "longitude")


def acled_rows(events: list[EventRecord], **kwargs: object) -> list[dict[str, str]]:
    out = io.StringIO()
    FORMATS["acled"](events, out, **kwargs)
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    assert tuple(reader.fieldnames or ()) == ACLED_COLUMNS
    return list(reader)


def check_acled_types(row: dict[str, str]) -> None:
    dt.date.fromisoformat(row["event_date"])
    assert row["event_date"][:4] == row["year"]
    for name in ACLED_INTEGERS:
        assert row[name] == "" or int(row[name]) >= 0, name
    for name in ACLED_DECIMALS:
        assert row[name] == "" or -180 <= float(row[name]) <= 180, name
    assert 1 <= int(row["geo_precision"]) <= 3 and 1 <= int(row["time_precision"]) <= 3


def test_acled_export_has_acled_columns_names_and_types(
    make_full_event: Builder, make_summary: Callable[..., DocumentSummary]
) -> None:
    event = make_full_event(quantities={"dead": 2}, date_end=None)
    rows = acled_rows([event], documents={"doc-almaty": make_summary()})
    assert len(rows) == 1
    row = rows[0]
    check_acled_types(row)
    assert row["event_id_cnty"].startswith("KAZ")
    labels = (row["event_date"], row["event_type"], row["sub_event_type"])
    assert labels == ("2022-01-05", "Protests", "Peaceful protest")
    assert row["disorder_type"] == "Demonstrations"
    assert (row["actor1"], row["inter1"], row["actor2"], row["inter2"]) == ("protesters", "6", "KAZ-GOV", "1")
    assert row["interaction"] == "16"
    where = (row["country"], row["iso"], row["admin1"], row["location"])
    assert where == ("Kazakhstan", "398", "Almaty City", "Almaty")
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == ("43.25667", "76.92861", "1")
    assert row["fatalities"] == "2"
    assert row["source"] == "example.org"
    assert row["tags"] == "hedge; date_anomaly"
    assert row["notes"] == event.evidence.text


def test_acled_export_keeps_only_events_with_an_acled_type(make_event: Builder) -> None:
    events = [
        make_event(id="accuse", type="ACCUSE", mode=None),  # ACLED has no such event
        make_event(id="strike", type="ASSAULT", mode="aerial", place={"country": "UA", "precision": "admin1"}),
        make_event(id="undated", date=None),
    ]
    rows = acled_rows(events)
    assert [(r["event_id_cnty"], r["sub_event_type"], r["geo_precision"]) for r in rows] == [
        ("UKRstrike", "Air/drone strike", "2")
    ]
    assert rows[0]["country"] == "Ukraine" and rows[0]["disorder_type"] == "Political violence"


def test_acled_export_splits_a_day_range_into_days(make_event: Builder) -> None:
    rows = acled_rows([make_event(date="2022-01-05", date_end="2022-01-07", quantities={"dead": 3})])
    assert [r["event_date"] for r in rows] == ["2022-01-05", "2022-01-06", "2022-01-07"]
    assert [r["fatalities"] for r in rows] == ["3", "0", "0"]  # the sum stays right
    assert len({r["event_id_cnty"] for r in rows}) == 3
    for row in rows:
        check_acled_types(row)


def test_cameo_export_has_gdelt_columns_and_root_codes(
    make_full_event: Builder, make_event: Builder, make_summary: Callable[..., DocumentSummary]
) -> None:
    out = io.StringIO()
    events = [make_full_event(), make_event(id="coerce", type="COERCE", mode="arrest", place={})]
    assert FORMATS["cameo"](events, out, documents={"doc-almaty": make_summary()}) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue()), delimiter="\t"))
    assert tuple(rows[0]) == CAMEO_COLUMNS
    first = rows[0]
    assert (first["SQLDATE"], first["EventRootCode"], first["QuadClass"], first["GoldsteinScale"]) == (
        "20220105", "14", "4", "-5.0",
    )  # fmt: skip
    assert (first["Actor1Name"], first["Actor1CountryCode"], first["Actor2Name"]) == ("PROTESTERS", "KAZ", "KAZ-GOV")
    assert first["ActionGeo_FullName"] == "Almaty, Almaty City, Kazakhstan"
    assert (first["ActionGeo_CountryCode"], first["ActionGeo_Lat"]) == ("KZ", "43.25667")
    assert first["SOURCEURL"] == "https://example.org/almaty"
    assert (rows[1]["EventRootCode"], rows[1]["ActionGeo_Lat"]) == ("17", "")


def test_parquet_export_has_typed_columns_and_round_trips(
    tmp_path: Path, make_full_event: Builder, make_event: Builder
) -> None:
    events = [make_full_event(), make_event(id="second", date=None, place={}, flags=[])]
    path = tmp_path / "events.parquet"
    assert "parquet" in BINARY_FORMATS
    with path.open("wb") as out:
        assert write(events, "parquet", out) == 2
    table = pq.read_table(path)
    assert table.column("day").to_pylist() == [dt.date(2022, 1, 5), None]
    assert table.column("lat").to_pylist() == [43.25667, None]
    assert table.column("flags").to_pylist() == [["hedge", "date_anomaly"], []]
    assert dict(table.column("quantities").to_pylist()[0]) == {"participants": 3000.0, "share": 0.5}
    assert list(read_parquet(path)) == events


def test_parquet_export_of_no_events_is_a_valid_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    assert write([], "parquet", str(path)) == 0
    assert pq.read_table(path).num_rows == 0


def test_geojson_export_is_a_valid_feature_collection(make_full_event: Builder, make_event: Builder) -> None:
    out = io.StringIO()
    write([make_full_event(), make_event(id="nowhere", place={})], "geojson", out)
    collection = json.loads(out.getvalue())
    assert collection["type"] == "FeatureCollection"
    assert isinstance(collection["features"], list) and len(collection["features"]) == 1
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) >= {"type", "geometry", "properties"}
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]  # RFC 7946: longitude first
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert (lon, lat) == (feature["properties"]["place"]["lon"], feature["properties"]["place"]["lat"])
        assert isinstance(feature["properties"], dict)
        EventRecord.model_validate(feature["properties"])
