"""Geoparsing scores: mention finding (span overlap) and toponym resolution (distance to the gold point).

Resolution figures follow the geoparsing literature (Gritta et al. 2018): accuracy within 161 km
(100 miles), median and mean error, and the area under the error curve, the mean of
ln(1 + km) / ln(20039) (0 is perfect, 1 is the antipode). They are computed over the system mentions
matched to a gold mention; a matched mention the system did not place counts as wrong for accuracy
and is left out of the distance figures (its count is reported).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vigie.errors import InputError
from vigie.geo.rank import distance_km

ACCURACY_KM = 161.0
HALF_EQUATOR_KM = 20039.0


@dataclass(frozen=True, slots=True)
class GeoMention:
    doc_id: str
    start: int
    end: int
    name: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def is_placed(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class GeoScores:
    system: int
    gold: int
    matched: int
    precision: float
    recall: float
    f1: float
    resolved: int  # matched pairs whose gold has coordinates
    unplaced: int  # of those, how many the system left without coordinates
    accuracy_161km: float  # unplaced count as wrong
    wrong_placed: int  # placed more than 161 km away
    wrong_placed_share: float  # of the mentions the system placed
    median_km: float | None
    mean_km: float | None
    auc: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_geo_mentions(path: Path) -> list[GeoMention]:
    """Mentions from JSON Lines of doc_id, start, end, and optionally name, lat, lon."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the file ({err})", where=str(path)) from None
    mentions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
            mentions.append(GeoMention(str(row["doc_id"]), int(row["start"]), int(row["end"]), row.get("name"),
                                       _coordinate(row.get("lat")), _coordinate(row.get("lon"))))  # fmt: skip
        except json.JSONDecodeError as err:
            raise InputError(f"not JSON ({err.msg} at column {err.colno})", where=where) from None
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise InputError(f"not a mention ({err!r})", where=where,
                             hint="each line needs doc_id, start, end (and lat, lon)") from None  # fmt: skip
    return mentions


def _coordinate(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def match_mentions(system: list[GeoMention], gold: list[GeoMention]) -> list[tuple[GeoMention, GeoMention]]:
    """One-to-one (system, gold) pairs of overlapping spans in the same document, largest overlap first."""
    pairs = []
    by_doc: dict[str, list[int]] = {}
    for k, g in enumerate(gold):
        by_doc.setdefault(g.doc_id, []).append(k)
    options = []
    for i, s in enumerate(system):
        for k in by_doc.get(s.doc_id, ()):
            g = gold[k]
            overlap = min(s.end, g.end) - max(s.start, g.start)
            if overlap > 0:
                options.append((-overlap, i, k))
    used_s: set[int] = set()
    used_g: set[int] = set()
    for _, i, k in sorted(options):
        if i not in used_s and k not in used_g:
            used_s.add(i)
            used_g.add(k)
            pairs.append((system[i], gold[k]))
    return pairs


def score_geo(system: list[GeoMention], gold: list[GeoMention]) -> GeoScores:
    """Mention and resolution scores of `system` against `gold`."""
    pairs = match_mentions(system, gold)
    precision = len(pairs) / len(system) if system else 0.0
    recall = len(pairs) / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    resolvable = [(s, g) for s, g in pairs if g.is_placed]
    errors = [distance_km(s.lat, s.lon, g.lat, g.lon) for s, g in resolvable  # type: ignore[arg-type]
              if s.is_placed]  # fmt: skip
    unplaced = len(resolvable) - len(errors)
    correct = sum(e <= ACCURACY_KM for e in errors)
    wrong = len(errors) - correct
    return GeoScores(
        system=len(system), gold=len(gold), matched=len(pairs),
        precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4),
        resolved=len(resolvable), unplaced=unplaced,
        accuracy_161km=round(correct / len(resolvable), 4) if resolvable else 0.0,
        wrong_placed=wrong, wrong_placed_share=round(wrong / len(errors), 4) if errors else 0.0,
        median_km=round(statistics.median(errors), 1) if errors else None,
        mean_km=round(statistics.fmean(errors), 1) if errors else None,
        auc=round(statistics.fmean(math.log(1 + e) / math.log(HALF_EQUATOR_KM) for e in errors), 4) if errors else None,
    )  # fmt: skip


def format_geo_report(scores: GeoScores) -> str:
    """The figures as a few readable lines."""
    s = scores
    km = "n/a" if s.median_km is None else f"median {s.median_km} km, mean {s.mean_km} km, AUC {s.auc}"
    return "\n".join([
        f"mentions   system {s.system}, gold {s.gold}, matched {s.matched}",
        f"           precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}",
        f"resolution {s.resolved} matched mentions with gold coordinates; {s.unplaced} left unplaced (counted wrong)",
        f"           accuracy@161km {s.accuracy_161km:.3f}; placed > 161 km away: {s.wrong_placed} "
        f"({s.wrong_placed_share:.1%} of those placed)",
        f"           error {km}",
    ])  # fmt: skip
