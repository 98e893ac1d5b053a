"""Synthetic events (deterministic, valid, realistic shares) and `vigie bench --store` on a tiny store."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from vigie.cli import cli
from vigie.records import EventQuery
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
    again = CliRunner().invoke(cli, ["bench", "--store", "--events", "10", "--db", str(db), "--quiet"])
    assert again.exit_code == 2 and "empty store" in again.output
