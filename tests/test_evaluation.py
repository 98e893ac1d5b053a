"""vigie eval applies the reference scorer's rules: both give the same figures on the same output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vigie.evaluation import covers, score

SHARED_SCORER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "score_events.py"

GOLD = [
    {"doc": "d1", "id": "g1", "accept": ["PROTEST"], "date": "2023-05-09", "tol": 0, "country": "SN",
     "lat": 14.69, "lon": -17.44, "required": True, "evidence": "des militants ont manifesté devant la mairie"},
    {"doc": "d1", "id": "g2", "accept": ["COERCE"], "date": "2023-08-05", "tol": 0, "date_anomaly": True,
     "country": "SN", "required": True, "evidence": "la police a arrêté douze personnes", "status": ["reported"],
     "quantities": {"arrested": 12}},
    {"doc": "d1", "id": "g3", "accept": ["ASSAULT", "PROTEST"], "date": None, "country": "SN",
     "required": False, "evidence": "des pneus ont été incendiés"},
]


def event(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"doc_id": "d1", "type": "PROTEST", "date": None, "flags": [],
                            "place": {"country": "SN"}, "attribution": {"status": "asserted"}, "quantities": {}}
    return base | fields


SYSTEM = [
    event(evidence="Mardi, des militants ont manifesté devant la mairie de Dakar.", date="2023-05-09",
          place={"country": "SN", "lat": 14.7, "lon": -17.45}),
    event(type="COERCE", evidence={"text": "Selon la presse, la police a arrêté douze personnes."},
          flags=["date_anomaly"], attribution={"status": "reported"}, quantities={"arrested": 12}),
    event(type="ASSAULT", evidence="des pneus ont été incendiés"),
    event(type="THREATEN", evidence="le syndicat menace de bloquer le port"),
    event(evidence="des militants ont manifesté devant la mairie", place={"country": "FR"}),
]


def test_evaluation_counts_match_the_rules() -> None:
    result = score(SYSTEM, GOLD)
    assert (result.system, result.matched, result.required, result.required_found) == (5, 3, 2, 2)
    assert all(ok for _, ok in result.checks)
    assert result.precision == pytest.approx(0.6)
    assert result.recall == 1.0


def test_evaluation_evidence_needs_half_of_the_gold_words() -> None:
    assert covers("la police a arrêté douze personnes", "la police a arrêté")
    assert not covers("la police a arrêté douze personnes hier soir", "la police")


@pytest.mark.skipif(not SHARED_SCORER.exists(), reason="the shared reference scorer is not beside the project")
def test_evaluation_agrees_with_the_reference_scorer(tmp_path: Path) -> None:
    system, gold = tmp_path / "system.jsonl", tmp_path / "gold.jsonl"
    system.write_text("".join(json.dumps(e) + "\n" for e in SYSTEM))
    gold.write_text("".join(json.dumps(g) + "\n" for g in GOLD))
    out = subprocess.run([sys.executable, str(SHARED_SCORER), str(system), str(gold), "--json"],
                         capture_output=True, text=True, check=True)
    reference = json.loads(out.stdout)
    ours = score(SYSTEM, GOLD).as_dict()
    for key, theirs in [("precision", "precision"), ("recall", "recall"), ("f1", "f1"),
                        ("date_accuracy", "date_acc"), ("geo_accuracy", "geo_acc")]:
        assert ours[key] == pytest.approx(reference[theirs]), key
    assert [c["ok"] for c in ours["checks"]] == [ok for _, ok in reference["checks"]]
