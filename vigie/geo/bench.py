"""Speed and memory of Vigie as a geoparser (`vigie bench --geo`).

Four figures on one set of articles, in one process (BLAS held to one thread):

- load: seconds to open the gazetteer index and build the geocoder, and the resident memory it adds
  (current RSS before and after, not the high-water mark);
- finding mode: documents/s of `find_places` (language, sentences, model entities, mentions, ranking),
  as `vigie geo INPUT…` runs;
- resolution mode: documents/s of `resolve_places` on the mentions the finding pass returned, as
  `vigie geo --mentions` runs (the document analysis included);
- resolutions/s: `Geocoder.resolve_spans` alone on documents analysed beforehand, after one untimed
  pass, so the figure is the steady rate of candidate lookup and ranking once the index is loaded.
  Only name-level memos (name -> candidates, reading -> prior score) carry over between passes; the
  document's context (demonyms, organisations, qualifiers, ranking) is rebuilt on every call, so a
  pass resolves each span afresh. The first pass, with every memo empty, is reported as the cold rate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from vigie.bench import write_json_report
from vigie.errors import InputError
from vigie.records import Article


class GeoModeResult(BaseModel):
    """One mode over all the articles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seconds: float
    docs_per_s: float
    mentions: int = Field(description="Place mentions returned (unknown ones included).")
    errors: int = Field(default=0, description="Documents whose processing raised; they count in the time.")


class GeoBenchReport(BaseModel):
    """One `vigie bench --geo` run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    created_at: dt.datetime
    corpus: str | None = None
    documents: int
    words: int
    gazetteer: str = Field(description="Path of the index that was loaded.")
    gazetteer_version: str
    load_seconds: float = Field(description="Opening the index and building the geocoder.")
    load_rss_delta_mb: float = Field(description="Resident memory the load added, in MB (10^6 bytes).")
    rss_after_mb: float = Field(description="Resident memory at the end of the run, in MB.")
    finding: GeoModeResult
    resolution: GeoModeResult
    resolutions: int = Field(description="Spans resolved in each timed pass of the resolution-only loop.")
    resolution_passes: int
    resolution_seconds: float = Field(description="CPU time of the timed passes of `resolve_spans` alone.")
    resolutions_per_s: float = Field(
        description="Spans resolved per CPU second (the work of one core, whatever else the machine runs), after "
        "load and warm-up.")
    wall_resolutions_per_s: float = Field(description="The same per second of wall-clock time.")
    cold_resolutions_per_s: float = Field(description="Per CPU second on the first pass, caches empty.")
    environment: dict[str, str] = Field(default_factory=dict)


def run_geo_bench(
    articles: Sequence[Article],
    *,
    gazetteer_path: Path | None = None,
    corpus: str | None = None,
    min_seconds: float = 3.0,
) -> GeoBenchReport:
    """Measure load, both modes and the bare resolution rate on `articles` (see the module's docstring).

    The resolution-only loop repeats over the documents until it has run `min_seconds` (at least once).
    """
    from vigie.gazetteer import Gazetteer, ensure_gazetteer
    from vigie.geo.parse import GivenMention, analyse, find_places, resolve_places
    from vigie.stages.geocode import Geocoder

    if not articles:
        raise InputError("no articles to benchmark", hint="check the corpus file or --docs")
    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    words = sum(len(a.text.split()) for a in articles)
    path = ensure_gazetteer(gazetteer_path)  # a first-use build is not load time
    with _one_thread():
        # Load the language models first, so that the RSS delta is the gazetteer's alone.
        analyse(articles[0])
        rss_before = _rss_mb()
        started = time.perf_counter()
        gazetteer = Gazetteer.open(path, build=False)
        geocoder = Geocoder(gazetteer)
        load_seconds = time.perf_counter() - started
        load_rss = _rss_mb() - rss_before
        # One untimed document warms the finders and the ranking code paths.
        find_places(articles[0], geocoder)

        given: list[list[GivenMention]] = []  # by article, what the finding pass returned
        finding_errors = found = 0
        started = time.perf_counter()
        for article in articles:
            try:
                doc, places = find_places(article, geocoder)
            except Exception:
                finding_errors += 1
                places = []
            found += len(places)
            given.append([GivenMention(doc.doc_id, p.start, p.end, p.text) for p in places])
        finding = _mode(time.perf_counter() - started, len(articles), found, finding_errors)

        resolution_errors = resolved = 0
        started = time.perf_counter()
        for article, mentions in zip(articles, given, strict=True):
            try:
                _, places = resolve_places(article, mentions, geocoder)
            except Exception:
                resolution_errors += 1
                continue
            resolved += len(places)
        resolution = _mode(time.perf_counter() - started, len(articles), resolved, resolution_errors)

        # The resolution step alone, on documents analysed beforehand.
        prepared = []
        for article, mentions in zip(articles, given, strict=True):
            with contextlib.suppress(Exception):
                doc, lang = analyse(article)
                prepared.append((doc, lang, [(g.start, g.end) for g in mentions]))
        spans_per_pass = sum(len(s) for _, _, s in prepared)
        # CPU time: resolution is single-threaded, so it is the time one core needs even on a busy machine.
        started = time.process_time()
        for doc, lang, spans in prepared:
            geocoder.resolve_spans(doc, lang, spans)
        cold = time.process_time() - started
        passes, seconds, wall = 0, 0.0, 0.0
        while passes == 0 or seconds < min_seconds:
            started, wall_started = time.process_time(), time.perf_counter()
            for doc, lang, spans in prepared:
                geocoder.resolve_spans(doc, lang, spans)
            seconds += time.process_time() - started
            wall += time.perf_counter() - wall_started
            passes += 1
        rss_after = _rss_mb()
    return GeoBenchReport(
        created_at=created_at,
        corpus=corpus,
        documents=len(articles),
        words=words,
        gazetteer=str(path),
        gazetteer_version=gazetteer.version,
        load_seconds=round(load_seconds, 4),
        load_rss_delta_mb=round(load_rss, 1),
        rss_after_mb=round(rss_after, 1),
        finding=finding,
        resolution=resolution,
        resolutions=spans_per_pass,
        resolution_passes=passes,
        resolution_seconds=round(seconds, 4),
        resolutions_per_s=round(spans_per_pass * passes / seconds, 1) if seconds else 0.0,
        wall_resolutions_per_s=round(spans_per_pass * passes / wall, 1) if wall else 0.0,
        cold_resolutions_per_s=round(spans_per_pass / cold, 1) if cold else 0.0,
        environment={
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": str(os.cpu_count() or 0),
        },
    )


def write_geo_report(report: GeoBenchReport, out_dir: Path = Path("bench/results")) -> Path:
    """Write the report as JSON in `out_dir` under a timestamped name, never over an older one; its path."""
    return write_json_report(report, f"{report.created_at:%Y%m%dT%H%M%SZ}-geo-{report.documents}", out_dir)


def format_geo_report(report: GeoBenchReport) -> str:
    """The figures as a few readable lines."""
    f, r = report.finding, report.resolution
    return "\n".join([
        f"{report.documents} documents, {report.words:,} words ({report.corpus or 'given articles'})",
        f"gazetteer load: {report.load_seconds:.3f} s, +{report.load_rss_delta_mb:,.1f} MB RSS "
        f"({report.rss_after_mb:,.0f} MB at the end)",
        f"finding mode:    {f.docs_per_s:,.1f} docs/s ({f.mentions:,} mentions, {f.seconds:,.2f} s, {f.errors} failed)",
        f"resolution mode: {r.docs_per_s:,.1f} docs/s ({r.mentions:,} mentions, {r.seconds:,.2f} s, {r.errors} failed)",
        f"resolutions/s (one core, after load): {report.resolutions_per_s:,.0f} per CPU second, "
        f"{report.wall_resolutions_per_s:,.0f} per wall second "
        f"({report.resolutions:,} spans x {report.resolution_passes} passes; "
        f"first pass {report.cold_resolutions_per_s:,.0f}/s)",
    ])  # fmt: skip


def _mode(seconds: float, documents: int, mentions: int, errors: int) -> GeoModeResult:
    return GeoModeResult(seconds=round(seconds, 4), docs_per_s=round(documents / seconds, 2) if seconds else 0.0,
                         mentions=mentions, errors=errors)  # fmt: skip


def _rss_mb() -> float:
    """Current resident memory in MB; the high-water mark where /proc is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """BLAS held to one thread where threadpoolctl is installed: the figures are for one core."""
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield
