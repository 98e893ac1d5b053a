"""Geoparsing scores on a tiny hand-made case: span matching, accuracy, error distances, AUC."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from vigie.errors import InputError
from vigie.geo.evaluation import GeoMention, match_mentions, read_geo_mentions, score_geo

KM_PER_DEGREE = 6371.0 * math.pi / 180  # one degree of longitude on the equator

GOLD = [
    GeoMention("d1", 0, 5, "Paris", 0.0, 0.0),
    GeoMention("d1", 10, 15, "Tyr", 0.0, 0.0),
    GeoMention("d1", 20, 25, "Perth", 0.0, 0.0),
    GeoMention("d2", 0, 4, "Lviv", 10.0, 10.0),
]
SYSTEM = [
    GeoMention("d1", 0, 5, "Paris", 0.0, 0.0),  # exact span, right place
    GeoMention("d1", 12, 18, "r-sur", 0.0, 1.0),  # overlapping span, one degree off
    GeoMention("d1", 30, 35, "Texas", 5.0, 5.0),  # not in the gold: a false positive
    GeoMention("d2", 0, 4, "Lviv"),  # found but left without coordinates
]


def test_evaluation_counts_overlapping_spans_once() -> None:
    twice = [GeoMention("d1", 0, 3), GeoMention("d1", 1, 5), GeoMention("d2", 0, 5)]
    pairs = match_mentions(twice, GOLD)
    assert len(pairs) == 2  # the larger overlap wins Paris; d2's span matches Lviv
    assert sorted((s.doc_id, s.start) for s, _ in pairs) == [("d1", 1), ("d2", 0)]


def test_evaluation_mention_scores() -> None:
    scores = score_geo(SYSTEM, GOLD)
    assert (scores.system, scores.gold, scores.matched) == (4, 4, 3)
    assert scores.precision == pytest.approx(0.75)
    assert scores.recall == pytest.approx(0.75)
    assert scores.f1 == pytest.approx(0.75)


def test_evaluation_resolution_scores() -> None:
    scores = score_geo(SYSTEM, GOLD)
    assert (scores.resolved, scores.unplaced) == (3, 1)
    assert scores.accuracy_161km == pytest.approx(2 / 3, abs=1e-4)  # the unplaced one counts as wrong
    assert (scores.wrong_placed, scores.wrong_placed_share) == (0, 0.0)
    assert scores.median_km == pytest.approx(KM_PER_DEGREE / 2, abs=0.1)
    assert scores.mean_km == pytest.approx(KM_PER_DEGREE / 2, abs=0.1)
    assert scores.auc == pytest.approx(math.log(1 + KM_PER_DEGREE) / math.log(20039) / 2, abs=1e-4)


def test_evaluation_far_placement_is_wrong() -> None:
    far = [GeoMention("d1", 0, 5, "Paris", 0.0, 2.0)]  # about 222 km away
    scores = score_geo(far, GOLD[:1])
    assert (scores.accuracy_161km, scores.wrong_placed, scores.wrong_placed_share) == (0.0, 1, 1.0)


@pytest.mark.parametrize("line", ['{"doc_id": "d1", "start": 0}', "not json", '["d1", 0, 5]'])
def test_evaluation_bad_line_names_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "sys.jsonl"
    path.write_text('{"doc_id": "d1", "start": 0, "end": 5}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"sys\.jsonl:2"):
        read_geo_mentions(path)
