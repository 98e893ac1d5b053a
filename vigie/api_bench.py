"""`vigie bench --api`: the HTTP API of `vigie serve` under load from concurrent clients on loopback.

The store gets synthetic events first if it has none (the loader of `vigie bench --store`). The real server then
starts in a subprocess (`vigie serve`, uvicorn) on a free loopback port, and CLIENTS clients, each with its own
keep-alive connection, send requests back to back (no pause between them: a closed loop, so latency includes
queueing) for SECONDS, after WARMUP seconds (less for a short run) that are not counted. Clients join one after
another over the first half of the warm-up, as users arrive: fifty connections opened in the same millisecond are
all accepted by whichever server process wakes first, and keep-alive pins them there, a skew no real audience makes
(measured: 37 and 13 connections on two processes). Every request is one of:

- events: `/api/events` (one JSON page of PAGE) with a bounding box and a date range around an event drawn from the
  data: a box of 1 to 6 degrees a side centred near it, a range of 7 days to a year that contains its day;
- stats: `/api/stats` as the dashboard asks for it when it opens: no filter (the facets), then one a type (the
  timeline's stacks).

The parameters are drawn, before the run, from the served data itself (one `/api/stats`, then a few pages of
events on random days), so the bench fits any store. Latency is measured in the client, from sending the request
to having read the whole body; an error is a non-2xx answer or any exception (a timeout, a refused connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from vigie.errors import InputError, StoreError

CLIENTS = 50
SECONDS = 60.0
WARMUP = 5.0
#: The share of requests that go to /api/stats; the rest go to /api/events.
STATS_SHARE = 0.25
PAGE = 100
TARGET_P95_MS = 100.0
#: Events sampled from the data to centre the boxes and date ranges on.
SAMPLE_DAYS = 40
REQUEST_TIMEOUT = 30.0
READY_TIMEOUT = 180.0


class EndpointFigures(BaseModel):
    """Latency and throughput of one kind of request over the measured window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    requests: int
    errors: int
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float


class ApiBenchReport(BaseModel):
    """One `vigie bench --api` run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    created_at: dt.datetime
    store: str
    events: int = Field(description="Events in the store during the run.")
    documents: int
    loaded_events: int = Field(description="Synthetic events loaded by this run (0: the store was reused).")
    load_seconds: float
    clients: int
    seconds: float = Field(description="Length of the measured window (warm-up excluded).")
    warmup_seconds: float
    stats_share: float
    page: int
    server_workers: int
    requests: int
    requests_per_s: float
    errors: int
    error_samples: list[str] = Field(default_factory=list, description="The first few errors, as the client saw them.")
    endpoints: list[EndpointFigures] = Field(description="events, stats, then all requests together.")
    cold_stats_ms: float = Field(description="The very first /api/stats of the run (before any warm-up).")
    target_p95_ms: float = TARGET_P95_MS
    meets_target: bool = Field(description="Every endpoint's p95 within the target, and no error.")
    examples: dict[str, str] = Field(default_factory=dict, description="One request of each kind.")
    server_cpu_seconds: float | None = Field(
        default=None, description="CPU time of the server (its processes) during the measured window."
    )
    client_cpu_seconds: float = Field(description="CPU time of the load generator during the measured window.")
    load_average: dict[str, list[float]] = Field(
        default_factory=dict, description="os.getloadavg() before the server started and after the run."
    )
    environment: dict[str, str] = Field(default_factory=dict)


# -- the store ---------------------------------------------------------------------------------------------



R = TypeVar("R")


def run_in_own_loop(make: Callable[[], Coroutine[Any, Any, R]]) -> R:
    """Run a coroutine to the end on a fresh event loop in a thread of its own: the caller may already be
    inside a running loop (a notebook, a test session with an async plugin), where asyncio.run refuses."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as err:  # re-raised in the caller's thread
            box["error"] = err

    thread = threading.Thread(target=target, name="vigie-api-bench-clients")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]

def prepare_store(
    db: str, events: int, seed: int, on_progress: Callable[[int], None] | None = None
) -> tuple[int, int, int, float]:
    """Load `events` synthetic events into `db` when it holds none; (events, documents, loaded, load seconds)."""
    from vigie.store import open_store
    from vigie.store_bench import analyze, bulk_load

    loaded, spent = 0, 0.0
    with open_store(db) as store:
        if not store.counts()["events"]:
            loaded, _, spent = bulk_load(store, events, seed, on_progress)
            analyze(store)
        counts = store.counts()
    return counts["events"], counts["documents"], loaded, spent


# -- the server --------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """`vigie serve` in a subprocess; its output goes to `log`."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextlib.contextmanager
def serve(db: str, workers: int = 1, ready_timeout: float = READY_TIMEOUT) -> Iterator[Server]:
    """Start `vigie serve --db DB` on a free loopback port, wait until /api/health answers, stop it after."""
    port = free_port()
    command = [
        sys.executable, "-c", "from vigie.cli import main; main()",
        "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    if workers > 1:
        command += ["--workers", str(workers)]
    with tempfile.TemporaryDirectory(prefix="vigie-api-bench.") as folder:
        log = Path(folder) / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        server = Server(process, f"http://127.0.0.1:{port}", log)
        try:
            deadline = time.monotonic() + ready_timeout
            while True:
                if process.poll() is not None:
                    raise StoreError(f"the server stopped (status {process.returncode}):\n{server.tail()}")
                with contextlib.suppress(OSError), urllib.request.urlopen(f"{server.url}/api/health", timeout=5):
                    break  # urlopen raises (an OSError) on anything but a 2xx answer
                if time.monotonic() > deadline:
                    raise StoreError(f"the server did not answer within {ready_timeout:.0f} s:\n{server.tail()}")
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a process and its children, from /proc; None where there is no /proc."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, found = 0, False
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, …
        if int(entry) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])  # utime, stime
            found = True
    return total / ticks if found else None


# -- the requests ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What requests are drawn from: located events of the data, the dashboard's stats requests; and the time of
    the first /api/stats."""

    located: list[dict[str, Any]]
    stats: list[str]
    cold_stats_ms: float

    def events_request(self, rng: random.Random) -> str:
        """/api/events with a box of 1 to 6 degrees a side near an event, and 7 days to a year around its day.

        Drawn anew for each request, so no two are likely to be the same (no cache can answer them).
        """
        event = rng.choice(self.located)
        half = rng.uniform(0.5, 3.0)
        lon = event["place"]["lon"] + rng.uniform(-half / 2, half / 2)
        lat = event["place"]["lat"] + rng.uniform(-half / 2, half / 2)
        box = (max(-180.0, lon - half), max(-90.0, lat - half), min(180.0, lon + half), min(90.0, lat + half))
        length = rng.choice((7, 30, 90, 365))
        since = dt.date.fromisoformat(event["date"][:10]) - dt.timedelta(days=rng.randrange(length))
        params = {
            "bbox": ",".join(f"{value:.3f}" for value in box),
            "since": since.isoformat(),
            "until": (since + dt.timedelta(days=length - 1)).isoformat(),
            "limit": PAGE,
        }
        return _query("/api/events", params)

    def request(self, rng: random.Random, stats_share: float) -> tuple[str, str]:
        """(kind, path and query) of the next request."""
        if rng.random() < stats_share:
            return "stats", rng.choice(self.stats)
        return "events", self.events_request(rng)


def _query(path: str, params: dict[str, Any]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


class HttpConnection:
    """A minimal HTTP/1.1 client over one keep-alive connection (asyncio streams): GET only, whole bodies.

    httpx's async client spends some 15 ms of CPU a request with fifty connections in its pool, more than the
    server it measures; this one a few hundredths of that, so the load generator leaves the cores to the server.
    """

    def __init__(self, host: str, port: int, timeout: float = REQUEST_TIMEOUT) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        """(status, body) of GET `target`; any failure closes the connection (the next call opens another)."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._get(target)
        except BaseException:
            self.close()
            raise

    async def _get(self, target: str) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # the blank line after the last chunk (no trailers are sent)
            body = b"".join(chunks)
        else:
            body = await reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    async def get_json(self, target: str) -> Any:
        status, body = await self.get(target)
        if not 200 <= status < 300:
            raise InputError(f"GET {target} answered {status}: {body[:200].decode('utf-8', 'replace')}")
        return json.loads(body)

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def make_plan(client: HttpConnection, seed: int) -> Plan:
    """Requests drawn from the served data: boxes and date ranges around events of random days, dashboard stats."""
    rng = random.Random(seed)
    started = time.perf_counter()
    stats = await client.get_json("/api/stats")
    cold_stats_ms = (time.perf_counter() - started) * 1000
    days = sorted(stats["by_day"])
    if not days:
        raise InputError("the store has no dated event to draw date ranges from")
    sampled: list[dict[str, Any]] = []
    for day in rng.sample(days, min(SAMPLE_DAYS, len(days))):
        page = await client.get_json(_query("/api/events", {"since": day, "until": day, "limit": 25}))
        sampled += [e for e in page["events"] if e["place"].get("lat") is not None and e.get("date")]
    if not sampled:
        raise InputError("the store has no located, dated event to draw boxes from")
    stats_requests = ["/api/stats"]
    stats_requests += [_query("/api/stats", {"type": name}) for name in stats["by_type"]]
    return Plan(located=sampled, stats=stats_requests, cold_stats_ms=cold_stats_ms)


@dataclass
class Timings:
    """What the clients measured: per kind, the latency of each request and how many failed."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"events": [], "stats": []})
    errors: dict[str, int] = field(default_factory=lambda: {"events": 0, "stats": 0})
    error_samples: list[str] = field(default_factory=list)
    window: float = 0.0


async def drive(
    url: str,
    clients: int,
    seconds: float,
    warmup: float,
    stats_share: float,
    seed: int,
    on_window: Callable[[], None] = lambda: None,
) -> tuple[Plan, Timings]:
    """Sample the data for the plan, then run the load; `on_window` is called when the measured window opens."""
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    timings = Timings()
    planner = HttpConnection(host, port, timeout=READY_TIMEOUT)
    try:
        plan = await make_plan(planner, seed)
    finally:
        planner.close()
    measure_from = time.perf_counter() + warmup
    stop_at = measure_from + seconds
    last_done = measure_from

    async def open_window() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        on_window()

    async def one_client(number: int) -> None:
        nonlocal last_done
        rng = random.Random(f"{seed}:{number}")
        connection = HttpConnection(host, port)
        await asyncio.sleep(number * warmup / 2 / clients)
        try:
            while (started := time.perf_counter()) < stop_at:
                kind, target = plan.request(rng, stats_share)
                problem = None
                try:
                    status, body = await connection.get(target)
                    if not 200 <= status < 300:
                        problem = f"{status} {target}: {body[:200].decode('utf-8', 'replace')}"
                except Exception as err:
                    problem = f"{type(err).__name__} {target}: {err}"
                done = time.perf_counter()
                if started < measure_from:
                    continue
                last_done = max(last_done, done)
                timings.latencies[kind].append((done - started) * 1000)
                if problem is not None:
                    timings.errors[kind] += 1
                    if len(timings.error_samples) < 5:
                        timings.error_samples.append(problem)
        finally:
            connection.close()

    await asyncio.gather(open_window(), *(one_client(n) for n in range(clients)))
    timings.window = last_done - measure_from
    return plan, timings


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (0 for none), as store_bench computes its p95."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(name: str, latencies: list[float], errors: int, window: float) -> EndpointFigures:
    ordered = sorted(latencies)
    return EndpointFigures(
        name=name,
        requests=len(ordered),
        errors=errors,
        requests_per_s=round(len(ordered) / window, 1) if window else 0.0,
        p50_ms=round(percentile(ordered, 0.50), 2),
        p95_ms=round(percentile(ordered, 0.95), 2),
        p99_ms=round(percentile(ordered, 0.99), 2),
        max_ms=round(ordered[-1], 2) if ordered else 0.0,
        mean_ms=round(sum(ordered) / len(ordered), 2) if ordered else 0.0,
    )


# -- the run -----------------------------------------------------------------------------------------------


def run_api_bench(
    db: str,
    events: int = 1_000_000,
    clients: int = CLIENTS,
    seconds: float = SECONDS,
    *,
    warmup: float | None = None,
    stats_share: float = STATS_SHARE,
    seed: int = 0,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> ApiBenchReport:
    """Fill `db` with `events` synthetic events if it has none, serve it (`workers` processes), load it with
    `clients` clients for `seconds` after `warmup` seconds (WARMUP, or a quarter of `seconds` if less)."""
    from vigie.store import redact_url

    if warmup is None:
        warmup = min(WARMUP, seconds / 4)
    if clients < 1 or seconds <= 0 or warmup < 0 or not 0 <= stats_share <= 1:
        raise InputError("give at least one client, a positive duration and a stats share between 0 and 1")
    say = on_phase or (lambda _: None)
    say("preparing the store")
    count, documents, loaded, load_seconds = prepare_store(db, events, seed, on_progress)
    if not count:
        raise InputError("the store has no events to serve", where=redact_url(db))
    load_before = list(os.getloadavg())
    say("starting the server")
    with serve(db, workers=workers) as server:
        say(f"{clients} clients for {warmup:g} s of warm-up and {seconds:g} s measured, on {server.url}")
        clocks: dict[str, float | None] = {}

        def window_opens() -> None:
            clocks["server"] = tree_cpu_seconds(server.process.pid)
            clocks["client"] = time.process_time()

        plan, timings = run_in_own_loop(
            lambda: drive(server.url, clients, seconds, warmup, stats_share, seed, on_window=window_opens)
        )
        server_cpu_to = tree_cpu_seconds(server.process.pid)
        client_cpu = time.process_time() - (clocks.get("client") or 0.0)
        server_cpu_from = clocks.get("server")
    load_after = list(os.getloadavg())
    window = timings.window
    parts = [figures(kind, timings.latencies[kind], timings.errors[kind], window) for kind in ("events", "stats")]
    every = [ms for kind in ("events", "stats") for ms in timings.latencies[kind]]
    parts.append(figures("all", every, sum(timings.errors.values()), window))
    errors = parts[-1].errors
    server_cpu = None
    if server_cpu_from is not None and server_cpu_to is not None:
        server_cpu = round(server_cpu_to - server_cpu_from, 2)
    return ApiBenchReport(
        created_at=dt.datetime.now(dt.UTC),
        store=redact_url(db),
        events=count,
        documents=documents,
        loaded_events=loaded,
        load_seconds=round(load_seconds, 2),
        clients=clients,
        seconds=round(window, 2),
        warmup_seconds=warmup,
        stats_share=stats_share,
        page=PAGE,
        server_workers=workers,
        requests=parts[-1].requests,
        requests_per_s=parts[-1].requests_per_s,
        errors=errors,
        error_samples=timings.error_samples,
        endpoints=parts,
        cold_stats_ms=round(plan.cold_stats_ms, 1),
        meets_target=errors == 0 and all(p.p95_ms <= TARGET_P95_MS for p in parts if p.requests),
        examples={"events": plan.events_request(random.Random(seed)), "stats": plan.stats[min(1, len(plan.stats) - 1)]},
        server_cpu_seconds=server_cpu,
        client_cpu_seconds=round(client_cpu, 2),
        load_average={"before": load_before, "after": load_after},
        environment={
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": str(os.cpu_count() or 0),
        },
    )


def write_api_report(report: ApiBenchReport, out_dir: Path = Path("bench/results")) -> Path:
    """Write the report as bench/results/<time>-api-<events>.json (the other benches' writer)."""
    from vigie.bench import write_json_report

    return write_json_report(report, f"{report.created_at:%Y%m%dT%H%M%SZ}-api-{report.events}", out_dir)


def render_api_report(report: ApiBenchReport) -> Any:
    """The figures of a run as a rich table: one row per kind of request, then all together."""
    from rich.table import Table

    verdict = "meets" if report.meets_target else "misses"
    table = Table(
        title=f"{report.store}: {report.events:,} events; {report.clients} clients for {report.seconds:.0f} s: "
        f"{report.requests_per_s:,.0f} requests/s, {report.errors} errors ({verdict} p95 <= "
        f"{report.target_p95_ms:.0f} ms); first /api/stats {report.cold_stats_ms:,.0f} ms",
        title_justify="left",
    )
    for column in ("requests", "count", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "requests" else "right")
    for part in report.endpoints:
        table.add_row(
            part.name, f"{part.requests:,}", str(part.errors), f"{part.requests_per_s:,.1f}", f"{part.p50_ms:.1f}",
            f"{part.p95_ms:.1f}", f"{part.p99_ms:.1f}", f"{part.max_ms:.1f}",
        )  # fmt: skip
    return table
