"""`vigie bench --api` on a tiny store for a second or two: the real server, real clients, the report's shape."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from vigie.api_bench import prepare_store, run_api_bench, write_api_report
from vigie.cli import cli


def test_api_bench_serves_a_tiny_store_and_reports_each_endpoint(tmp_path: Path) -> None:
    db = str(tmp_path / "api.db")

    report = run_api_bench(db, events=300, clients=3, seconds=1.5, seed=1)

    assert report.loaded_events == 300 and report.events == 300 and report.documents > 0
    assert [part.name for part in report.endpoints] == ["events", "stats", "all"]
    events, stats, every = report.endpoints
    assert events.requests > 0 and stats.requests > 0
    assert every.requests == events.requests + stats.requests == report.requests
    assert report.errors == 0, report.error_samples
    assert all(part.p95_ms >= part.p50_ms > 0 for part in report.endpoints)
    assert report.examples["events"].startswith("/api/events?bbox=")
    assert report.clients == 3 and report.server_workers == 1

    assert prepare_store(db, 300, seed=1) == (300, report.documents, 0, 0.0)  # a store with events is reused

    figures = json.loads(write_api_report(report, tmp_path / "out").read_text())
    assert figures["requests_per_s"] > 0 and figures["target_p95_ms"] == 100
    assert {"p50_ms", "p95_ms", "requests_per_s", "errors"} <= set(figures["endpoints"][0])


def test_vigie_bench_api_writes_a_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["bench", "--api", "--events", "200", "--db", str(tmp_path / "api.db"), "--clients", "2", "--seconds", "1",
         "--server-workers", "2", "--out", str(out), "--quiet"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    (path,) = out.glob("*-api-200.json")
    figures = json.loads(path.read_text())
    assert figures["events"] == 200 and figures["server_workers"] == 2
    assert "requests/s" in result.stdout


def test_the_clients_run_even_when_the_caller_is_inside_an_event_loop() -> None:
    import asyncio
    import threading

    from vigie.api_bench import run_in_own_loop

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def caller() -> int:
        return run_in_own_loop(answer)  # asyncio.run here would refuse: a loop is running

    # The caller's loop runs in a thread of its own too: this test session may hold a running loop already.
    got: list[int] = []
    outer = threading.Thread(target=lambda: got.append(asyncio.run(caller())))
    outer.start()
    outer.join()
    assert got == [42]
