"""PLOVER types and modes, and the CAMEO and ACLED labels derived from them (tables in data/ontology/)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from vigie.errors import ConfigError


@dataclass(frozen=True)
class PloverType:
    name: str
    quad_class: int
    score: float
    cameo_root: str
    modes: frozenset[str]


def _rows(name: str) -> list[list[str]]:
    text = resources.files("vigie.data").joinpath("ontology", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def plover_types() -> dict[str, PloverType]:
    types = {}
    for row in _rows("plover_types.tsv"):
        name, quad, score, cameo, modes = (row + [""] * 5)[:5]
        types[name] = PloverType(name, int(quad), float(score), cameo, frozenset(m for m in modes.split(",") if m))
    return types


@functools.cache
def _cameo_by_mode() -> dict[tuple[str, str], str]:
    return {(row[0], row[1]): row[2] for row in _rows("cameo_by_mode.tsv")}


@functools.cache
def _acled() -> dict[tuple[str, str], tuple[str, str]]:
    return {(row[0], row[1]): (row[2], row[3]) for row in _rows("plover_acled.tsv")}


def check_type(event_type: str, mode: str | None, where: str) -> None:
    """Raise ConfigError when language data names a type or a mode PLOVER does not have."""
    known = plover_types()
    if event_type not in known:
        raise ConfigError(f"unknown PLOVER type {event_type!r}", where=where)
    if mode and mode not in known[event_type].modes:
        raise ConfigError(f"mode {mode!r} is not a mode of {event_type}", where=where)


def cameo_root(event_type: str, mode: str | None) -> str | None:
    if mode and (event_type, mode) in _cameo_by_mode():
        return _cameo_by_mode()[(event_type, mode)]
    known = plover_types().get(event_type)
    return known.cameo_root if known else None


def acled_labels(event_type: str, mode: str | None) -> tuple[str | None, str | None]:
    """ACLED event type and sub-event type for a PLOVER type and mode, or (None, None) when ACLED has none."""
    table = _acled()
    found = table.get((event_type, mode or "")) or table.get((event_type, "*"))
    return found if found else (None, None)


def quad_class(event_type: str) -> int | None:
    known = plover_types().get(event_type)
    return known.quad_class if known else None
