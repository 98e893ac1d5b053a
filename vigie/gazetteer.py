"""Open and query the gazetteer index: places with coordinates, looked up by any of their names.

The index is a SQLite file built from packaged data (vigie/geo/build.py). It lives at
`$VIGIE_GAZETTEER`, or in the user cache directory under a name that carries its version, and is
built there on first use when missing (about half a minute).
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from vigie.errors import ConfigError
from vigie.geo.build import BuildReport, build_gazetteer, index_version
from vigie.geo.names import fold_name
from vigie.records import Place, PlacePrecision

logger = logging.getLogger(__name__)

ENV_VAR = "VIGIE_GAZETTEER"
_LOOKUP_CACHE = 65536  # distinct keys kept per open gazetteer; a long article needs a few hundred

_COLUMNS = "p.id, p.gid, p.name, p.country, p.admin1, p.admin1_code, p.lat, p.lon, p.population, p.feature, p.precision"


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One place of the index."""

    id: int
    gid: str  # "geonames:1526384", "country:KZ", "admin1:US-TX", "site:machulishchi", "continent:AS"
    name: str  # canonical name
    country: str | None  # ISO 3166-1 alpha-2
    admin1: str | None  # region name, when known
    admin1_code: str | None  # GeoNames admin1 code ("US.TX"), to tell whether a city lies in a region
    lat: float | None
    lon: float | None
    population: int
    feature: str  # GeoNames class.code, "country", "continent", or a site kind (airport, strait...)
    precision: PlacePrecision

    def to_place(self, written: str, score: float | None = None) -> Place:
        """The record for this place as written in a text."""
        located = self.precision != "unknown"
        # Gazetteer rows were checked when the index was built: no validation per mention (the hot path of
        # resolution). tests/test_gazetteer.py checks these records validate.
        return Place.model_construct(
            name=written,
            canonical=self.name,
            country=self.country,
            admin1=self.admin1 if self.precision in ("city", "site", "admin1") else None,
            lat=self.lat if located else None,
            lon=self.lon if located else None,
            precision=self.precision,
            gazetteer_id=self.gid,
            feature=self.feature,
            score=score,
        )


@dataclass(frozen=True, slots=True)
class NameMatch:
    entry: GazetteerEntry
    primary: bool  # matched an official name (not one of GeoNames' alternate names)


def default_path() -> Path:
    """Where the index is read from: $VIGIE_GAZETTEER, else the versioned file in the user cache."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("vigie")) / f"gazetteer-{index_version()}.sqlite"


def ensure_gazetteer(path: Path | None = None, *, on_progress: Callable[[str], None] | None = None) -> Path:
    """The index path, building the index first when the file does not exist."""
    in_cache = path is None and ENV_VAR not in os.environ
    path = path or default_path()
    if not path.exists():
        logger.info("building the gazetteer (first use)", extra={"path": str(path)})
        report: BuildReport = build_gazetteer(path, on_progress=on_progress)
        logger.info("gazetteer built", extra={"path": str(path), "seconds": round(report.seconds, 1)})
        if in_cache:
            remove_stale_versions(path)
    return path


def remove_stale_versions(current: Path) -> list[Path]:
    """Delete the other versions next to `current` in the cache: 50 MB each, never read again."""
    removed = []
    for old in current.parent.glob("gazetteer-*.sqlite"):
        if old != current:
            old.unlink(missing_ok=True)
            removed.append(old)
    return removed


class Gazetteer:
    """A read-only, thread-safe handle on a built index, with cached lookups."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise ConfigError("gazetteer index not found", where=str(path), hint="build it: make gazetteer")
        self.path = path
        try:
            self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self.meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as err:
            raise ConfigError(f"not a gazetteer index ({err})", where=str(path),
                              hint="delete it and run: make gazetteer") from err  # fmt: skip
        self.lookup_key = functools.lru_cache(maxsize=_LOOKUP_CACHE)(self._lookup_key)
        self.has_prefix = functools.lru_cache(maxsize=_LOOKUP_CACHE)(self._has_prefix)
        self.region = functools.lru_cache(maxsize=4096)(self._region)

    @classmethod
    def open(cls, path: Path | None = None, *, build: bool = True) -> Gazetteer:
        """Open the index at `path` (default: `default_path()`), building it first if allowed and missing."""
        path = path or default_path()
        return cls(ensure_gazetteer(path) if build else path)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "?"))

    @property
    def attribution(self) -> str:
        return str(self.meta.get("attribution", ""))

    def lookup(self, name: str) -> tuple[NameMatch, ...]:
        """Places one of whose names folds to the same key as `name`, most populous first."""
        return self.lookup_key(fold_name(name))

    def _lookup_key(self, key: str) -> tuple[NameMatch, ...]:
        rows = self._con.execute(
            f"SELECT {_COLUMNS}, n.is_primary FROM names n JOIN places p ON p.id = n.place "
            "WHERE n.key = ? ORDER BY p.population DESC",
            (key,),
        ).fetchall()
        return tuple(NameMatch(GazetteerEntry(*row[:-1]), bool(row[-1])) for row in rows)

    def _has_prefix(self, prefix: str) -> bool:
        """Whether some name key starts with `prefix` (used to stop extending a word sequence early)."""
        row = self._con.execute(
            "SELECT 1 FROM names WHERE key >= ? AND key < ? LIMIT 1", (prefix, prefix + "\U0010ffff")
        ).fetchone()
        return row is not None

    def _region(self, admin1_code: str) -> GazetteerEntry | None:
        """The first-level region with this GeoNames admin1 code ("UA.07"), when it could be linked."""
        row = self._con.execute(
            f"SELECT {_COLUMNS} FROM places p WHERE p.admin1_code = ? AND p.precision = 'admin1'", (admin1_code,)
        ).fetchone()
        return GazetteerEntry(*row) if row else None

    def get(self, gid: str) -> GazetteerEntry | None:
        """The place with this id ("country:KZ", "geonames:1526384", "site:chkalovsky")."""
        row = self._con.execute(f"SELECT {_COLUMNS} FROM places p WHERE p.gid = ?", (gid,)).fetchone()
        return GazetteerEntry(*row) if row else None

    def __reduce__(self) -> tuple[type[Gazetteer], tuple[Path]]:
        # A connection cannot be pickled; a worker process reopens the same file instead (Dask).
        return (Gazetteer, (self.path,))

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Gazetteer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
