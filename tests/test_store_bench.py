"""Synthetic events (deterministic, valid, realistic shares) and `vigie bench --store` on a tiny store."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigie.cli import cli
from vigie.records import EventQuery
from vigie.store import base as store_base
from vigie.store import open_store
from vigie.store_bench import run_store_bench
from vigie.synthetic_events import COUNTRY_WEIGHTS, synthetic_documents, synthetic_events


def test_synthetic_events_are_deterministic_by_seed() -> None:
    assert list(synthetic_events(50, seed=3)) == list(synthetic_events(50, seed=3))
    assert list(synthetic_events(50, seed=3)) != list(synthetic_events(50, seed=4))


def test_synthetic_events_are_plausible() -> None:
    documents = list(synthetic_documents(2000, seed=1))
    events = [e for _, _, batch in documents for e in batch]
    assert len(events) == 2000 and len({e.id for e in events}) == 2000
    types = Counter(e.type for e in events)
    assert types.most_common(2)[0][0] in {"PROTEST", "ASSAULT"}
    assert {e.place.country for e in events} <= set(COUNTRY_WEIGHTS)
    assert all(e.place.lat is not None and -90 <= e.place.lat <= 90 for e in events)
    years = {e.date[:4] for e in events if e.date}
    assert len(years) >= 8
    assert 0.05 < sum("hedge" in e.flags for e in events) / len(events) < 0.2
    for summary, text, batch in documents:
        assert summary.event_count == len(batch)
        for event in batch:  # evidence offsets hold in the document text
            assert text[event.evidence.start : event.evidence.end] == event.evidence.text


def test_store_bench_loads_and_times_five_queries(store_url: str) -> None:
    report = run_store_bench(store_url, 300, seed=2, runs=3)
    assert report.events == 300 and report.load_events_per_s > 0
    assert len(report.queries) == 5
    assert all(q.p95_ms >= q.p50_ms >= 0 for q in report.queries)
    with open_store(store_url) as store:
        assert store.counts()["events"] == 300
        assert store.events(EventQuery(actor="protesters", limit=1))


def test_vigie_bench_store_writes_a_report(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    result = CliRunner().invoke(
        cli, ["bench", "--store", "--events", "200", "--db", str(db), "--out", str(tmp_path / "out"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    (report,) = (tmp_path / "out").glob("*-store-sqlite-200.json")
    figures = json.loads(report.read_text())
    assert figures["events"] == 200 and len(figures["queries"]) == 5
    assert figures["bulk"] is True
    again = CliRunner().invoke(cli, ["bench", "--store", "--events", "10", "--db", str(db), "--quiet"])
    assert again.exit_code == 2 and "empty store" in again.output


@pytest.mark.parametrize("bulk", [True, False])
def test_store_bench_loads_as_one_bulk_load_unless_told_to_keep_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, bulk: bool
) -> None:
    monkeypatch.setattr(store_base, "BULK_MIN_EVENTS", 1)  # 300 events count as a bulk load
    with caplog.at_level(logging.INFO, logger="vigie.store"):
        report = run_store_bench(str(tmp_path / "bench.db"), 300, seed=2, runs=1, bulk=bulk)
    messages = [record.getMessage() for record in caplog.records]
    assert report.bulk is bulk and report.events == 300
    assert ("indexes set aside for a bulk load" in messages) is bulk
    assert ("indexes built after a bulk load" in messages) is bulk


def test_vigie_bench_store_keep_indexes_says_so_in_its_report(tmp_path: Path) -> None:
    args = ["bench", "--store", "--keep-indexes", "--events", "100", "--db", str(tmp_path / "b.db")]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    (report,) = (tmp_path / "out").glob("*-store-sqlite-100.json")
    assert json.loads(report.read_text())["bulk"] is False
